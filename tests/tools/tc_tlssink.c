/*
 * tc_tlssink.c - the other end of a bare mbedtls TLS connection, for the
 * benchmarks' baseline: the same Trust CA, server certificate and TLS
 * profile as trust-server, mutual authentication included, but the
 * bytes are read and thrown away (the "raw capacity" of the link).
 *
 *   tc_tlssink -l ADDR:PORT -T TRUST_DIR
 *
 * Binds, prints "ready" (so the caller needs no polling), accepts one
 * connection, reads a be64 length and that many bytes, answers one byte
 * and exits 0.
 */
#include <fcntl.h>
#include <getopt.h>
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
#include "tc_tls.h"

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

int
main(int argc, char **argv)
{
	static unsigned char buf[16384];
	const char *listen_on = NULL, *dir = NULL;
	char p[4096], host[128], *port;
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	mbedtls_net_context lsn, cli;
	unsigned char len8[8], ack = 1;
	uint64_t total, got = 0;
	size_t have = 0;
	int ch, n;

	while ((ch = getopt(argc, argv, "l:T:")) != -1) {
		if (ch == 'l')
			listen_on = optarg;
		else if (ch == 'T')
			dir = optarg;
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
	if (mbedtls_ssl_conf_own_cert(&conf, &crt, &key) != 0 || mbedtls_ssl_setup(&ssl, &conf) != 0 ||
	    mbedtls_net_bind(&lsn, host, port, MBEDTLS_NET_PROTO_TCP) != 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	if (mbedtls_net_accept(&lsn, &cli, NULL, 0, NULL) != 0)
		return 1;
	mbedtls_ssl_set_bio(&ssl, &cli, mbedtls_net_send, mbedtls_net_recv, NULL);
	do
		n = mbedtls_ssl_handshake(&ssl);
	while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (n != 0)
		return 1;
	while (have < sizeof(len8)) {
		if ((n = sink_read(&ssl, len8 + have, sizeof(len8) - have)) <= 0)
			return 1;
		have += (size_t)n;
	}
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
	mbedtls_net_free(&lsn);
	mbedtls_ssl_free(&ssl);
	mbedtls_ssl_config_free(&conf);
	mbedtls_x509_crt_free(&ca);
	mbedtls_x509_crt_free(&crt);
	mbedtls_pk_free(&key);
	return n == 1 ? 0 : 1;
}
