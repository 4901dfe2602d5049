/*
 * tc_tlssink.c - the other end of a bare mbedtls TLS connection, for the
 * benchmarks' baselines: the same Trust CA, server certificate and TLS
 * profile as trust-server, mutual authentication included.
 *
 *   tc_tlssink -l ADDR:PORT -T TRUST_DIR [-D DIR [-j CONNS]]
 *
 * Binds and prints "ready" (so the caller needs no polling).
 * Without -D (the raw capacity of the link): accepts one connection,
 * reads a be64 length and that many bytes, throws them away, answers one
 * byte and exits 0.
 * With -D, a minimal correct receiver (what any server that keeps
 * objects must do, and nothing more: no HTTP, ledger or receipt):
 * accepts CONNS connections (default 1), each served by a thread; on
 * each, objects follow one another as a be64 length and that many bytes,
 * and a length of 0 ends the connection.  Each object is written as it
 * arrives to a new file in DIR with its SHA-256 (tc_sha256) computed
 * over it, then the file and DIR are fsynced and the 32-byte digest is
 * sent back as the acknowledgement.  Exits 0 when every connection ended
 * cleanly.
 */
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_sha256.h"
#include "tc_tls.h"

#define MAX_CONNS 16

static mbedtls_ssl_config conf;
static mbedtls_net_context lsn;
static const char *store_dir;
static int store_fd = -1;
static unsigned next_obj;

static int
path(char *out, size_t cap, const char *dir, const char *name)
{
	return (size_t)snprintf(out, cap, "%s/%s", dir, name) < cap ? 0 : -1;
}

static int
sink_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len)
{
	int n;

	do
		n = mbedtls_ssl_read(ssl, buf, len);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	return n;
}

/* Exactly len bytes: 0, or -1 on error or end of stream. */
static int
read_exact(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len)
{
	size_t have = 0;
	int n;

	while (have < len) {
		if ((n = sink_read(ssl, buf + have, len - have)) <= 0)
			return -1;
		have += (size_t)n;
	}
	return 0;
}

static int
write_exact(mbedtls_ssl_context *ssl, const unsigned char *buf, size_t len)
{
	int n;

	while (len > 0) {
		n = mbedtls_ssl_write(ssl, buf, len);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One object of total bytes: written, hashed, file and directory fsynced, digest sent. */
static int
store_one(mbedtls_ssl_context *ssl, uint64_t total, unsigned char *buf, size_t cap)
{
	struct tc_sha256 md;
	uint8_t digest[32];
	uint64_t got = 0;
	char name[32];
	int fd, n, rc = -1;

	snprintf(name, sizeof(name), "obj-%u", __atomic_fetch_add(&next_obj, 1, __ATOMIC_RELAXED));
	fd = openat(store_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || tc_sha256_init(&md) != 0)
		goto out;
	while (got < total) {
		n = sink_read(ssl, buf, total - got < cap ? (size_t)(total - got) : cap);
		if (n <= 0 || tc_write_all(fd, buf, (size_t)n) != 0)
			goto out;
		tc_sha256_update(&md, buf, (size_t)n);
		got += (uint64_t)n;
	}
	if (tc_sha256_finish(&md, digest) != 0 || tc_fsync(fd) != 0 || tc_fsync_dir(store_fd) != 0)
		goto out;
	rc = write_exact(ssl, digest, sizeof(digest));
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* One connection of the -D receiver; returns NULL on success, non-NULL on failure. */
static void *
store_conn(void *arg)
{
	unsigned char *buf = malloc(16384), len8[8];
	mbedtls_net_context *cli = arg;
	mbedtls_ssl_context ssl;
	uint64_t total;
	void *res = arg;
	int n;

	mbedtls_ssl_init(&ssl);
	if (!buf || mbedtls_ssl_setup(&ssl, &conf) != 0)
		goto out;
	mbedtls_ssl_set_bio(&ssl, cli, mbedtls_net_send, mbedtls_net_recv, NULL);
	do
		n = mbedtls_ssl_handshake(&ssl);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (n != 0)
		goto out;
	for (;;) {
		if (read_exact(&ssl, len8, sizeof(len8)) != 0)
			goto out;
		if ((total = tc_get_be64(len8)) == 0)
			break;
		if (store_one(&ssl, total, buf, 16384) != 0)
			goto out;
	}
	(void)mbedtls_ssl_close_notify(&ssl);
	res = NULL;
out:
	if (res)
		fprintf(stderr, "tc_tlssink: a connection failed\n");
	mbedtls_ssl_free(&ssl);
	mbedtls_net_free(cli);
	free(buf);
	return res;
}

/* -D: accept conns connections, serve each on a thread; 0 when all ended cleanly. */
static int
store_serve(unsigned conns)
{
	mbedtls_net_context cli[MAX_CONNS];
	pthread_t t[MAX_CONNS];
	unsigned i, started = 0;
	int rc = 0;
	void *res;

	for (i = 0; i < conns; i++) {
		mbedtls_net_init(&cli[i]);
		if (mbedtls_net_accept(&lsn, &cli[i], NULL, 0, NULL) != 0 ||
		    pthread_create(&t[i], NULL, store_conn, &cli[i]) != 0) {
			rc = 1;
			break;
		}
		started++;
	}
	for (i = 0; i < started; i++)
		if (pthread_join(t[i], &res) != 0 || res != NULL)
			rc = 1;
	return rc;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[16384];
	const char *listen_on = NULL, *dir = NULL;
	char p[4096], host[128], *port;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	mbedtls_net_context cli;
	unsigned char len8[8], ack = 1;
	uint64_t total, got = 0, conns = 1;
	int ch, n;

	while ((ch = getopt(argc, argv, "l:T:D:j:")) != -1) {
		if (ch == 'l')
			listen_on = optarg;
		else if (ch == 'T')
			dir = optarg;
		else if (ch == 'D')
			store_dir = optarg;
		else if (ch == 'j' && tc_parse_u64(optarg, 1, MAX_CONNS, &conns) == 0)
			continue;
		else
			return 2;
	}
	if (!listen_on || !dir || tc_strlcpy(host, listen_on, sizeof(host)) >= sizeof(host) ||
	    !(port = strrchr(host, ':')))
		return 2;
	*port++ = '\0';
	mbedtls_ssl_config_init(&conf);
	mbedtls_ssl_init(&ssl);
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	mbedtls_net_init(&lsn);
	mbedtls_net_init(&cli);
	if (tc_mbedtls_tls_init() != 0 || path(p, sizeof(p), dir, "ca.crt") != 0 ||
	    mbedtls_x509_crt_parse_file(&ca, p) != 0 || path(p, sizeof(p), dir, "server.crt") != 0 ||
	    mbedtls_x509_crt_parse_file(&crt, p) != 0 || path(p, sizeof(p), dir, "server.key") != 0 ||
	    tc_pk_parse_keyfile(&key, p, NULL) != 0) {
		fprintf(stderr, "tc_tlssink: cannot load the Trust's server credentials\n");
		return 1;
	}
	if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return 1;
	tc_tls_conf_profile(&conf);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	if (mbedtls_ssl_conf_own_cert(&conf, &crt, &key) != 0 || mbedtls_ssl_setup(&ssl, &conf) != 0)
		return 1;
	if (mbedtls_net_bind(&lsn, host, port, MBEDTLS_NET_PROTO_TCP) != 0) {
		/* The caller may retry on another port: say so on stderr. */
		fprintf(stderr, "tc_tlssink: cannot listen on %s: address in use or not available\n",
			listen_on);
		return 1;
	}
	if (store_dir && (store_fd = open(store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "tc_tlssink: cannot open %s\n", store_dir);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (store_dir) {
		n = store_serve((unsigned)conns);
		goto done;
	}
	if (mbedtls_net_accept(&lsn, &cli, NULL, 0, NULL) != 0)
		return 1;
	mbedtls_ssl_set_bio(&ssl, &cli, mbedtls_net_send, mbedtls_net_recv, NULL);
	do
		n = mbedtls_ssl_handshake(&ssl);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (n != 0)
		return 1;
	if (read_exact(&ssl, len8, sizeof(len8)) != 0)
		return 1;
	total = tc_get_be64(len8);
	while (got < total) {
		n = sink_read(&ssl, buf, total - got < sizeof(buf) ? (size_t)(total - got) : sizeof(buf));
		if (n <= 0)
			return 1;
		got += (uint64_t)n;
	}
	while ((n = mbedtls_ssl_write(&ssl, &ack, 1)) == MBEDTLS_ERR_SSL_WANT_WRITE)
		;
	(void)mbedtls_ssl_close_notify(&ssl);
	mbedtls_net_free(&cli);
	n = n == 1 ? 0 : 1;
done:
	if (store_fd >= 0)
		close(store_fd);
	mbedtls_net_free(&lsn);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	return n;
}
