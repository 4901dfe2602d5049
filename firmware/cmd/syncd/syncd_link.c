/*
 * syncd_link.c - syncd's mutual-TLS HTTP/1.1 client (syncd_link.h).
 *
 * The TLS settings are the sync link's one profile (firmware/sync
 * tc_tls.h), the client certificate is STATE/provision/device.crt with
 * the keystore's identity key, the only trust anchor is the pinned Trust
 * CA, and the expected server name is the policy's server_name, so a
 * server with a certificate from another CA or for another name fails the
 * handshake.  Responses are parsed by libhttp-parser; every read waits at
 * most timeout_ms, and an abort (undock, SIGTERM) ends a wait early.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <http_parser.h>
#include <mbedtls/net_sockets.h>

#include "syncd_link.h"
#include "tc_update.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_mbedtls_compat.h"
#include "tc_tls.h"
#include "tc_version.h"

#define POLL_SLICE_MS 250	/* how often a wait looks at the abort flag */

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct syncd_link *l = ctx;
	struct pollfd p = { l->fd, POLLIN, 0 };
	int waited = 0;
	ssize_t n;

	for (;;) {
		n = recv(l->fd, buf, len, MSG_DONTWAIT);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return MBEDTLS_ERR_NET_CONN_RESET;
		if (l->abort && atomic_load(l->abort))
			return MBEDTLS_ERR_NET_CONN_RESET;
		if (waited >= l->timeout_ms)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		n = poll(&p, 1, POLL_SLICE_MS);
		if (n < 0 && errno != EINTR)
			return MBEDTLS_ERR_NET_RECV_FAILED;
		waited += POLL_SLICE_MS;
	}
}

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct syncd_link *l = ctx;
	ssize_t n;

	if (l->abort && atomic_load(l->abort))
		return MBEDTLS_ERR_NET_CONN_RESET;
	do
		n = send(l->fd, buf, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	return (int)n;
}

/* "https://host[:port]" -> host, port (default 443). */
static int
parse_url(const char *url, char *host, size_t hcap, char *port, size_t pcap)
{
	const char *h, *end, *colon;
	size_t n;

	if (strncmp(url, "https://", 8) != 0)
		return -EINVAL;
	h = url + 8;
	end = h + strcspn(h, "/");
	if (*h == '[') {
		const char *rb = memchr(h, ']', (size_t)(end - h));

		if (!rb)
			return -EINVAL;
		colon = rb[1] == ':' ? rb + 1 : NULL;
		h++;
		n = (size_t)(rb - h);
	} else {
		colon = memchr(h, ':', (size_t)(end - h));
		n = (size_t)((colon ? colon : end) - h);
	}
	if (n == 0 || n >= hcap)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	n = colon ? (size_t)(end - colon - 1) : 3;
	if (n == 0 || n >= pcap)
		return -EINVAL;
	memcpy(port, colon ? colon + 1 : "443", n);
	port[n] = '\0';
	return 0;
}

static int
tcp_connect(const char *url)
{
	struct addrinfo hints, *ai = NULL, *a;
	char host[TC_POLICY_URL_MAX], port[16];
	int fd = -1, e = ENETUNREACH;

	if (parse_url(url, host, sizeof(host), port, sizeof(port)) != 0)
		return -EINVAL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return TC_E_NET;
	for (a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
			int one = 1;

			/*
			 * Requests are written as a head and then a body: without
			 * NODELAY the body's last short segment waits for the
			 * server's delayed ACK (up to 40 ms per photo).
			 */
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			break;
		}
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		tc_debug("connect %s: %s", url, strerror(e));
	return fd < 0 ? TC_E_NET : fd;
}

static void
link_init(struct syncd_link *l, struct syncd *d)
{
	memset(l, 0, sizeof(*l));
	l->fd = -1;
	l->timeout_ms = d->set.timeout_ms;
	l->abort = &d->abort_pass;
	pthread_mutex_lock(&d->mu);
	l->release = d->st.fw_release;
	pthread_mutex_unlock(&d->mu);
	mbedtls_ssl_init(&l->ssl);
	mbedtls_ssl_config_init(&l->conf);
	mbedtls_x509_crt_init(&l->ca);
	mbedtls_x509_crt_init(&l->cert);
	mbedtls_pk_init(&l->key);
	l->ready = true;
}

/* The profile and ca_pem as the only anchor; then connect to url and handshake for name. */
static int
link_connect(struct syncd_link *l, const char *ca_pem, bool own_cert, const char *url,
	     const char *name, const char **why)
{
	uint32_t flags;
	int rc;

	*why = "cannot load the Trust CA";
	if (tc_mbedtls_tls_init() != 0 ||
	    mbedtls_x509_crt_parse(&l->ca, (const unsigned char *)ca_pem, strlen(ca_pem) + 1) != 0)
		return TC_E_CERT;
	if (mbedtls_ssl_config_defaults(&l->conf, MBEDTLS_SSL_IS_CLIENT,
					MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return TC_E_TLS;
	tc_tls_conf_profile(&l->conf);
	mbedtls_ssl_conf_ca_chain(&l->conf, &l->ca, NULL);
	*why = "cannot load the device credentials";
	if (own_cert && mbedtls_ssl_conf_own_cert(&l->conf, &l->cert, &l->key) != 0)
		return TC_E_CERT;
	*why = "cannot connect to the Trust server";
	l->fd = tcp_connect(url);
	if (l->fd < 0)
		return l->fd;
	*why = "TLS setup failed";
	if (mbedtls_ssl_setup(&l->ssl, &l->conf) != 0 ||
	    mbedtls_ssl_set_hostname(&l->ssl, name) != 0)
		return TC_E_TLS;
	mbedtls_ssl_set_bio(&l->ssl, l, bio_send, bio_recv, NULL);
	do
		rc = mbedtls_ssl_handshake(&l->ssl);
	while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc == 0)
		return 0;
	flags = mbedtls_ssl_get_verify_result(&l->ssl);
	if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH))
		*why = own_cert ? "TLS: the server certificate is not for the policy's server name" :
		       "TLS: the server certificate is not for the pinned server name";
	else if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
		*why = "TLS: the server certificate does not chain to the pinned Trust CA";
	else if (l->abort && atomic_load(l->abort))
		return TC_E_UNDOCKED;
	else if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
		 tc_ssl_peer_alert(&l->ssl) == MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED) {
		/* trust-server's registry check: revoked, or never enrolled. */
		*why = SYNCD_REVOKED_TEXT;
		return TC_E_REVOKED;
	}
	else
		*why = "TLS handshake failed (refused, revoked, or the connection dropped)";
	return TC_E_TLS;
}

int
syncd_link_open(struct syncd_link *l, struct syncd *d, const struct syncd_prov *p,
		const char **why)
{
	link_init(l, d);
	*why = "cannot load the device credentials";
	if (tc_mbedtls_tls_init() != 0 ||
	    mbedtls_x509_crt_parse(&l->cert, p->cert, p->cert_len + 1) != 0 ||
	    tc_keystore_identity_pk(d->ks, &l->key) != 0)
		return TC_E_CERT;
	return link_connect(l, p->ca_pem, true, p->policy->server_url, p->policy->server_name,
			    why);
}

int
syncd_link_open_enrol(struct syncd_link *l, struct syncd *d, const char *ca_pem, const char *url,
		      const char *name, const char **why)
{
	link_init(l, d);
	return link_connect(l, ca_pem, false, url, name, why);
}

void
syncd_link_close(struct syncd_link *l)
{
	if (!l->ready)
		return;
	if (l->fd >= 0) {
		(void)mbedtls_ssl_close_notify(&l->ssl);
		close(l->fd);
		l->fd = -1;
	}
	mbedtls_ssl_free(&l->ssl);
	mbedtls_ssl_config_free(&l->conf);
	mbedtls_x509_crt_free(&l->ca);
	mbedtls_x509_crt_free(&l->cert);
	mbedtls_pk_free(&l->key);	/* wipes the identity scalar */
	l->ready = false;
}

int
syncd_link_write(struct syncd_link *l, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int n;

	while (len > 0) {
		if (l->abort && atomic_load(l->abort))
			return TC_E_UNDOCKED;
		n = mbedtls_ssl_write(&l->ssl, p, len);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			return l->abort && atomic_load(l->abort) ? TC_E_UNDOCKED : TC_E_NET;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
syncd_link_head(struct syncd_link *l, const char *method, const char *path, const char *extra,
		uint64_t content_length)
{
	char buf[1024], rel[48] = "";
	int n;

	/* What runs here, for the Trust's device list (0: an image without a release). */
	if (l->release)
		snprintf(rel, sizeof(rel), "Trustcam-Release: %llu\r\n",
			 (unsigned long long)l->release);
	n = snprintf(buf, sizeof(buf),
		     "%s %s HTTP/1.1\r\nHost: trust-server\r\nUser-Agent: trustcam-syncd/%s (%s)\r\n"
		     "%s%sContent-Length: %llu\r\n\r\n", method, path, tc_version(), tc_model(),
		     rel, extra ? extra : "", (unsigned long long)content_length);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	return syncd_link_write(l, buf, (size_t)n);
}

/* Response parsing state (libhttp-parser callbacks). */
struct rparse {
	struct syncd_resp *r;
	int sink;			/* -1, or where a 200/206 body goes (a firmware bundle) */
	bool head, done, overflow, sink_failed;
	size_t cap;			/* bytes allocated at r->body */
	char field[64], value[128];
	size_t flen, vlen;
	int last;	/* 1 after a field chunk, 2 after a value chunk */
};

static void
header_done(struct rparse *rp)
{
	struct syncd_resp *r = rp->r;

	rp->field[rp->flen] = rp->value[rp->vlen] = '\0';
	if (strcasecmp(rp->field, "upload-offset") == 0)
		r->has_offset = tc_parse_u64(rp->value, 0, UINT64_MAX, &r->offset) == 0;
	else if (strcasecmp(rp->field, "upload-complete") == 0)
		r->complete = strcmp(rp->value, "?1") == 0;
	else if (strcasecmp(rp->field, "policy-version") == 0 &&
		 tc_parse_u64(rp->value, 0, UINT64_MAX, &r->policy_version) != 0)
		r->policy_version = 0;
	else if (strcasecmp(rp->field, "firmware-release") == 0 &&
		 tc_parse_u64(rp->value, 1, TC_UPDATE_RELEASE_MAX, &r->firmware_release) != 0)
		r->firmware_release = 0;
	else if (strcasecmp(rp->field, "content-length") == 0 &&
		 tc_parse_u64(rp->value, 0, UINT64_MAX / 2, &r->content_length) != 0)
		r->content_length = 0;
}

static int
on_field(http_parser *p, const char *at, size_t n)
{
	struct rparse *rp = p->data;

	if (rp->last == 2)
		header_done(rp);
	if (rp->last != 1)
		rp->flen = rp->vlen = 0;
	rp->last = 1;
	if (n < sizeof(rp->field) - rp->flen) {
		memcpy(rp->field + rp->flen, at, n);
		rp->flen += n;
	}
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t n)
{
	struct rparse *rp = p->data;

	rp->last = 2;
	if (n < sizeof(rp->value) - rp->vlen) {
		memcpy(rp->value + rp->vlen, at, n);
		rp->vlen += n;
	}
	return 0;
}

static int
on_headers(http_parser *p)
{
	struct rparse *rp = p->data;

	if (rp->last == 2)
		header_done(rp);
	rp->r->status = p->status_code;
	return rp->head ? 1 : 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	struct rparse *rp = p->data;
	struct syncd_resp *r = rp->r;

	if (rp->sink >= 0 && (r->status == 200 || r->status == 206)) {
		if (tc_write_all(rp->sink, at, n) != 0) {
			rp->sink_failed = true;
			return -1;
		}
		r->sunk += n;
		return 0;
	}
	if (r->len > SYNCD_BODY_MAX || n > SYNCD_BODY_MAX - r->len) {
		rp->overflow = true;
		return -1;
	}
	if (r->len + n + 1 > rp->cap) {
		/* Grow by doubling: receipts are ~200 bytes, a policy up to 1 MiB. */
		size_t cap = rp->cap ? rp->cap : 1024;
		uint8_t *b;

		while (cap < r->len + n + 1)
			cap *= 2;
		if (!(b = tc_realloc(r->body, cap)))
			return -1;
		r->body = b;
		rp->cap = cap;
	}
	memcpy(r->body + r->len, at, n);
	r->len += n;
	r->body[r->len] = 0;
	return 0;
}

static int
on_done(http_parser *p)
{
	((struct rparse *)p->data)->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings rsettings = {
	.on_header_field = on_field, .on_header_value = on_value,
	.on_headers_complete = on_headers, .on_body = on_body, .on_message_complete = on_done,
};

static int
response(struct syncd_link *l, bool head, int sink, struct syncd_resp *r)
{
	unsigned char buf[4096];
	struct rparse rp;
	http_parser p;
	int n;

	memset(r, 0, sizeof(*r));
	memset(&rp, 0, sizeof(rp));
	rp.r = r;
	rp.head = head;
	rp.sink = sink;
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = &rp;
	while (!rp.done) {
		n = mbedtls_ssl_read(&l->ssl, buf, sizeof(buf));
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0) {
			syncd_resp_free(r);
			return l->abort && atomic_load(l->abort) ? TC_E_UNDOCKED : TC_E_NET;
		}
		http_parser_execute(&p, &rsettings, (const char *)buf, (size_t)n);
		if (HTTP_PARSER_ERRNO(&p) != HPE_OK && HTTP_PARSER_ERRNO(&p) != HPE_PAUSED) {
			syncd_resp_free(r);
			return rp.sink_failed ? -EIO : TC_E_SERVER;
		}
	}
	return 0;
}

int
syncd_link_response(struct syncd_link *l, bool head, struct syncd_resp *r)
{
	return response(l, head, -1, r);
}

int
syncd_link_response_to(struct syncd_link *l, int sink, struct syncd_resp *r)
{
	return response(l, false, sink, r);
}

void
syncd_resp_free(struct syncd_resp *r)
{
	tc_free(r->body);
	r->body = NULL;
	r->len = 0;
}
