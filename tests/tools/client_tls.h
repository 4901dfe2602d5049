/*
 * client_tls.h - the TLS client side shared by tc_client and tc_hostile
 * (test tools are single files, so this header carries static helpers).
 *
 * A client uses the sync link's TLS profile (tc_tls.h) like syncd will,
 * with switches that a hostile test needs: no client certificate, one
 * offered cipher suite, a TLS 1.1 hello, renegotiation enabled.
 * Every socket read waits at most cl->timeout_ms.
 */
#ifndef TC_CLIENT_TLS_H
#define TC_CLIENT_TLS_H

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_tls.h"

struct cl_opts {
	const char *addr, *ca, *cert, *key, *name, *suite, *max_version;
	bool reneg;
	int timeout_ms;
	int rcvbuf;		/* SO_RCVBUF before connect (a small window), 0: the default */
};

struct cl {
	int fd;
	int timeout_ms;
	mbedtls_ssl_config conf;
	const mbedtls_ssl_config *shared;	/* another cl's config (threads) */
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
	int suites[2];
	char device[64];		/* the CN of our certificate */
};

static __attribute__((unused)) int
cl_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct cl *c = ctx;
	struct pollfd p = { c->fd, POLLIN, 0 };
	ssize_t n;

	for (;;) {
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return MBEDTLS_ERR_NET_CONN_RESET;
		n = poll(&p, 1, c->timeout_ms);
		if (n == 0)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		if (n < 0 && errno != EINTR)
			return MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

static __attribute__((unused)) int
cl_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct cl *c = ctx;
	ssize_t n;

	do
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET :
							       MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

/* TCP connect to "host:port" or "[v6]:port"; rcvbuf: SO_RCVBUF first (0: leave it). */
static __attribute__((unused)) int
cl_connect_tcp(const char *spec, int rcvbuf)
{
	struct addrinfo hints, *ai = NULL;
	char host[128], *port;
	int fd;

	if (tc_strlcpy(host, spec, sizeof(host)) >= sizeof(host) || !(port = strrchr(host, ':')))
		return -1;
	*port++ = '\0';
	if (host[0] == '[') {
		size_t n = strlen(host);

		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -1;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && rcvbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static __attribute__((unused)) void
cl_error(const char *what, int rc)
{
	char buf[160];

	mbedtls_strerror(rc, buf, sizeof(buf));
	printf("%s: %s\n", what, buf);
}

/* Load credentials and build the config: 0 or -1 (message printed). */
static __attribute__((unused)) int
cl_setup(struct cl *c, const struct cl_opts *o)
{
	const mbedtls_x509_name *n;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->timeout_ms = o->timeout_ms ? o->timeout_ms : 30000;
	mbedtls_ssl_init(&c->ssl);
	mbedtls_ssl_config_init(&c->conf);
	mbedtls_x509_crt_init(&c->ca);
	mbedtls_x509_crt_init(&c->cert);
	mbedtls_pk_init(&c->key);
	if (tc_mbedtls_tls_init() != 0 || !o->ca || mbedtls_x509_crt_parse_file(&c->ca, o->ca) != 0) {
		printf("setup: cannot read the CA %s\n", o->ca ? o->ca : "(none)");
		return -1;
	}
	if (mbedtls_ssl_config_defaults(&c->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return -1;
	tc_tls_conf_profile(&c->conf);
	mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
	if (o->cert && strcmp(o->cert, "none") != 0) {
		if (mbedtls_x509_crt_parse_file(&c->cert, o->cert) != 0 ||
		    tc_pk_parse_keyfile(&c->key, o->key, NULL) != 0 ||
		    mbedtls_ssl_conf_own_cert(&c->conf, &c->cert, &c->key) != 0) {
			printf("setup: cannot read the client certificate or key\n");
			return -1;
		}
		for (n = &c->cert.subject; n; n = n->next)
			if (n->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0 &&
			    n->val.len < sizeof(c->device)) {
				memcpy(c->device, n->val.p, n->val.len);
				c->device[n->val.len] = '\0';
			}
	}
	if (o->suite) {
		c->suites[0] = mbedtls_ssl_get_ciphersuite_id(o->suite);	/* 2.28 and 3.6 */
		if (c->suites[0] == 0) {
			printf("setup: unknown suite %s\n", o->suite);
			return -1;
		}
		mbedtls_ssl_conf_ciphersuites(&c->conf, c->suites);
	}
	if (o->max_version && strcmp(o->max_version, "1.1") != 0) {
		printf("setup: -V takes only 1.1\n");
		return -1;
	}
#if defined(MBEDTLS_SSL_RENEGOTIATION)
	if (o->reneg)
		mbedtls_ssl_conf_renegotiation(&c->conf, MBEDTLS_SSL_RENEGOTIATION_ENABLED);
#endif
	return 0;
}

/*
 * "-V 1.1": a TLS 1.1 ClientHello written out byte by byte, since mbedtls
 * 3.x has no TLS 1.1 left to offer one (2.28 gets the same bytes, so the
 * test means the same on both).  A server that still spoke TLS 1.1 would
 * take it (ECDHE-ECDSA-AES128-CBC-SHA on P-256); ours must answer with a
 * protocol_version alert.  Always -1; "handshake failed" only for that
 * alert, anything else (a ServerHello, another alert) is reported as such.
 */
static __attribute__((unused)) int
cl_hello_tls11(struct cl *c)
{
	static const unsigned char hello[] = {
		0x16, 0x03, 0x01, 0x00, 0x43,	/* record: handshake, 67 bytes */
		0x01, 0x00, 0x00, 0x3f,		/* ClientHello, 63 bytes */
		0x03, 0x02,			/* client_version: TLS 1.1 */
		[11 ... 42] = 0x5a,		/* random */
		0x00,				/* no session id */
		0x00, 0x08, 0xcc, 0xa9, 0xc0, 0x2b, 0xc0, 0x2c,	/* the profile's suites, */
		0xc0, 0x09,			/* and one TLS 1.1 can use */
		0x01, 0x00,			/* compression: null */
		0x00, 0x0e,			/* extensions, 14 bytes: */
		0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,	/* groups: secp256r1 */
		0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,		/* point formats: uncompressed */
	};
	unsigned char r[7];
	size_t got = 0;
	int n;

	_Static_assert(sizeof(hello) == 5 + 0x43 && 0x43 == 4 + 0x3f, "hello lengths");
	if (cl_send(c, hello, sizeof(hello)) != (int)sizeof(hello)) {
		printf("send failed\n");
		return -1;
	}
	while (got < sizeof(r) && (n = cl_recv(c, r + got, sizeof(r) - got)) > 0)
		got += (size_t)n;
	if (got == sizeof(r) && r[0] == 21 && r[5] == 2 && r[6] == 70)
		printf("handshake failed: TLS 1.1 refused (protocol_version alert)\n");
	else if (got == sizeof(r) && r[0] == 21)
		printf("TLS 1.1 hello: alert %u, not protocol_version\n", r[6]);
	else if (got > 0 && r[0] == 22)
		printf("TLS 1.1 hello: the server answered with a handshake record\n");
	else
		printf("TLS 1.1 hello: %zu bytes, then nothing\n", got);
	return -1;
}

/* Connect and handshake: 0, or -1 with "handshake failed: ..." printed. */
static __attribute__((unused)) int
cl_open(struct cl *c, const struct cl_opts *o)
{
	int rc;

	mbedtls_ssl_init(&c->ssl);
	c->fd = cl_connect_tcp(o->addr, o->rcvbuf);
	if (c->fd < 0) {
		printf("connect failed: %s\n", strerror(errno));
		return -1;
	}
	if (o->max_version)
		return cl_hello_tls11(c);
	if (mbedtls_ssl_setup(&c->ssl, c->shared ? c->shared : &c->conf) != 0 ||
	    mbedtls_ssl_set_hostname(&c->ssl, o->name) != 0)
		return -1;
	mbedtls_ssl_set_bio(&c->ssl, c, cl_send, cl_recv, NULL);
	do
		rc = mbedtls_ssl_handshake(&c->ssl);
	while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc != 0) {
		uint32_t f = mbedtls_ssl_get_verify_result(&c->ssl);

		if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && (f & MBEDTLS_X509_BADCERT_CN_MISMATCH))
			printf("handshake failed: server certificate name mismatch\n");
		else
			cl_error("handshake failed", rc);
		return -1;
	}
	return 0;
}

static __attribute__((unused)) void
cl_close(struct cl *c)
{
	if (c->fd >= 0) {
		(void)mbedtls_ssl_close_notify(&c->ssl);
		close(c->fd);
	}
	mbedtls_ssl_free(&c->ssl);
	c->fd = -1;
}

/* Release everything cl_setup and cl_open took. */
static __attribute__((unused)) void
cl_free(struct cl *c)
{
	cl_close(c);
	mbedtls_ssl_config_free(&c->conf);
	mbedtls_x509_crt_free(&c->ca);
	mbedtls_x509_crt_free(&c->cert);
	mbedtls_pk_free(&c->key);
}

static __attribute__((unused)) int
cl_write(struct cl *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int n;

	while (len > 0) {
		n = mbedtls_ssl_write(&c->ssl, p, len);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read until the server closes; 1 if it did, 0 on timeout; *got counts bytes. */
static __attribute__((unused)) int
cl_wait_close(struct cl *c, size_t *got)
{
	unsigned char buf[4096];
	int n;

	for (;;) {
		n = mbedtls_ssl_read(&c->ssl, buf, sizeof(buf));
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n > 0) {
			if (got)
				*got += (size_t)n;
			continue;
		}
		return n == MBEDTLS_ERR_SSL_TIMEOUT ? 0 : 1;
	}
}

#endif /* TC_CLIENT_TLS_H */
