/*
 * tc_fakesrv.c - a misbehaving Trust server for syncd's fault tests: the
 * real TLS profile and mutual authentication (the Trust's server
 * certificate, client certificates checked against its CA), but each
 * upload is answered the wrong way.
 *
 *   tc_fakesrv -l ADDR:PORT -T TRUST_DIR -m MODE
 *
 * MODE: 500 (every upload answered 500), hangup (the connection is cut
 * halfway through the body), badsig (a receipt signed by a key that is
 * not the Trust's receipt key), otherdigest (a receipt signed by the real
 * receipt key, TRUST_DIR/receipt.key in hex, but over another digest).
 * HEAD of a photo is 404, GET /v1/policy 404, POST /v1/audit 500.
 * Prints "ready" once bound; serves one connection at a time until killed.
 * Each request's User-Agent goes to stderr ("tc_fakesrv: User-Agent: ...").
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <http_parser.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "tc_receipt.h"
#include "tc_sha256.h"
#include "tc_tls.h"

struct req {
	char url[256], field[64], value[192];
	size_t ulen, flen, vlen;
	int last;
	uint64_t clen, got;
	bool done, cut;
	struct tc_sha256 h;
};

static const char *mode;

static int
on_url(http_parser *p, const char *at, size_t n)
{
	struct req *r = p->data;

	if (n < sizeof(r->url) - r->ulen) {
		memcpy(r->url + r->ulen, at, n);
		r->ulen += n;
	}
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	struct req *r = p->data;

	tc_sha256_update(&r->h, at, n);
	r->got += n;
	if (strcmp(mode, "hangup") == 0 && r->got >= r->clen / 2) {
		r->cut = true;
		return 1;
	}
	return 0;
}

/* Append n bytes at to buf (cap bytes, NUL-terminated), dropping what does not fit. */
static void
append(char *buf, size_t cap, size_t *len, const char *at, size_t n)
{
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(buf + *len, at, n);
	*len += n;
	buf[*len] = '\0';
}

/* A header is complete: log the User-Agent, so tests see what syncd sends. */
static void
header_done(struct req *r)
{
	if (r->last == 2 && strcasecmp(r->field, "User-Agent") == 0)
		fprintf(stderr, "tc_fakesrv: User-Agent: %s\n", r->value);
	r->flen = r->vlen = 0;
	r->field[0] = r->value[0] = '\0';
}

static int
on_field(http_parser *p, const char *at, size_t n)
{
	struct req *r = p->data;

	if (r->last == 2)
		header_done(r);
	append(r->field, sizeof(r->field), &r->flen, at, n);
	r->last = 1;
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t n)
{
	struct req *r = p->data;

	append(r->value, sizeof(r->value), &r->vlen, at, n);
	r->last = 2;
	return 0;
}

static int
on_headers(http_parser *p)
{
	header_done(p->data);
	((struct req *)p->data)->clen = p->content_length == ULLONG_MAX ? 0 : p->content_length;
	return 0;
}

static int
on_done(http_parser *p)
{
	((struct req *)p->data)->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_url = on_url, .on_header_field = on_field, .on_header_value = on_value,
	.on_headers_complete = on_headers, .on_body = on_body,
	.on_message_complete = on_done,
};

static int
wr(mbedtls_ssl_context *ssl, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	int n;

	while (len > 0) {
		n = mbedtls_ssl_write(ssl, b, len);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
answer(mbedtls_ssl_context *ssl, int status, const void *body, size_t len)
{
	char h[256];
	int n = snprintf(h, sizeof(h), "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n%s\r\n", status, len,
			 len ? "Content-Type: " TC_RECEIPT_CONTENT_TYPE "\r\n" : "");

	return wr(ssl, h, (size_t)n) || (len && wr(ssl, body, len)) ? -1 : 0;
}

/* The receipt for this upload, signed per the mode. */
static int
receipt(struct req *r, const char *device, const uint8_t rkey[32], uint8_t *out, size_t *len)
{
	struct tc_receipt rc;
	uint8_t key[32];
	const char *id = strrchr(r->url, '/');

	memset(&rc, 0, sizeof(rc));
	if (!id || tc_hex_decode(id + 1, rc.photo_id, TC_PHOTO_ID_LEN) != 0 ||
	    tc_sha256_finish(&r->h, rc.digest) != 0)
		return -1;
	tc_strlcpy(rc.device_id, device, sizeof(rc.device_id));
	rc.size = r->clen;
	rc.ledger_seq = 1;
	rc.server_time_us = tc_time_wall_us();
	memcpy(key, rkey, 32);
	if (strcmp(mode, "otherdigest") == 0)
		rc.digest[0] ^= 0xff;
	if (strcmp(mode, "badsig") == 0 && tc_random_bytes(key, 32) != 0)
		return -1;
	return tc_receipt_sign(&rc, key, out, len);
}

static void
serve(mbedtls_ssl_context *ssl, const char *device, const uint8_t rkey[32])
{
	unsigned char buf[16384], rb[TC_RECEIPT_MAX];
	http_parser p;
	struct req r;
	size_t off, rlen;
	int n;

	for (;;) {
		memset(&r, 0, sizeof(r));
		if (tc_sha256_init(&r.h) != 0)
			return;
		http_parser_init(&p, HTTP_REQUEST);
		p.data = &r;
		while (!r.done && !r.cut) {
			n = mbedtls_ssl_read(ssl, buf, sizeof(buf));
			if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
				continue;
			if (n <= 0)
				goto out;
			off = http_parser_execute(&p, &settings, (const char *)buf, (size_t)n);
			(void)off;
			if (HTTP_PARSER_ERRNO(&p) != HPE_OK && HTTP_PARSER_ERRNO(&p) != HPE_PAUSED &&
			    !r.cut)
				goto out;
		}
		if (r.cut)
			goto out;	/* hang up mid-body */
		if (p.method == HTTP_HEAD || p.method == HTTP_GET)
			n = answer(ssl, 404, NULL, 0);
		else if (p.method == HTTP_POST || strcmp(mode, "500") == 0)
			n = answer(ssl, 500, NULL, 0);
		else if (receipt(&r, device, rkey, rb, &rlen) == 0)
			n = answer(ssl, 201, rb, rlen);
		else
			n = answer(ssl, 500, NULL, 0);
		tc_sha256_free(&r.h);
		if (n != 0)
			return;
	}
out:
	tc_sha256_free(&r.h);
}

int
main(int argc, char **argv)
{
	const char *listen_on = NULL, *dir = NULL;
	char p[4096], host[128], *port, device[64] = "";
	uint8_t rkey[32];
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	mbedtls_net_context lsn, cli;
	const mbedtls_x509_crt *peer;
	const mbedtls_x509_name *nm;
	FILE *f;
	int ch, n;

	while ((ch = getopt(argc, argv, "l:T:m:")) != -1) {
		if (ch == 'l')
			listen_on = optarg;
		else if (ch == 'T')
			dir = optarg;
		else if (ch == 'm')
			mode = optarg;
		else
			return 2;
	}
	if (!listen_on || !dir || !mode || tc_strlcpy(host, listen_on, sizeof(host)) >= sizeof(host) ||
	    !(port = strrchr(host, ':')))
		return 2;
	*port++ = '\0';
	snprintf(p, sizeof(p), "%s/receipt.key", dir);
	f = fopen(p, "r");
	if (!f || !fgets(p, sizeof(p), f) || (p[strcspn(p, "\r\n")] = '\0') != '\0' ||
	    tc_hex_decode(p, rkey, 32) != 0) {
		fprintf(stderr, "tc_fakesrv: cannot read %s/receipt.key\n", dir);
		return 1;
	}
	fclose(f);
	mbedtls_ssl_config_init(&conf);
	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_pk_init(&key);
	mbedtls_net_init(&lsn);
	if (tc_mbedtls_tls_init() != 0 || snprintf(p, sizeof(p), "%s/ca.crt", dir) < 0 ||
	    mbedtls_x509_crt_parse_file(&ca, p) != 0 ||
	    snprintf(p, sizeof(p), "%s/server.crt", dir) < 0 ||
	    mbedtls_x509_crt_parse_file(&crt, p) != 0 ||
	    snprintf(p, sizeof(p), "%s/server.key", dir) < 0 ||
	    tc_pk_parse_keyfile(&key, p, NULL) != 0) {
		fprintf(stderr, "tc_fakesrv: cannot load the Trust's server credentials\n");
		return 1;
	}
	if (mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_SERVER, MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return 1;
	tc_tls_conf_profile(&conf);
	mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
	if (mbedtls_ssl_conf_own_cert(&conf, &crt, &key) != 0 ||
	    mbedtls_net_bind(&lsn, host, port, MBEDTLS_NET_PROTO_TCP) != 0)
		return 1;
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		mbedtls_net_init(&cli);
		mbedtls_ssl_init(&ssl);
		if (mbedtls_net_accept(&lsn, &cli, NULL, 0, NULL) != 0 ||
		    mbedtls_ssl_setup(&ssl, &conf) != 0)
			return 1;
		mbedtls_ssl_set_bio(&ssl, &cli, mbedtls_net_send, mbedtls_net_recv, NULL);
		do
			n = mbedtls_ssl_handshake(&ssl);
		while (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE);
		if (n == 0 && (peer = mbedtls_ssl_get_peer_cert(&ssl)) != NULL) {
			for (nm = &peer->subject; nm; nm = nm->next)
				if (nm->oid.p && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &nm->oid) == 0 &&
				    nm->val.len < sizeof(device)) {
					memcpy(device, nm->val.p, nm->val.len);
					device[nm->val.len] = '\0';
				}
			serve(&ssl, device, rkey);
		}
		mbedtls_net_free(&cli);
		mbedtls_ssl_free(&ssl);
	}
}
