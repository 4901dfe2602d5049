/*
 * web_serve.c - `trustadm review serve`: the daemon, the security
 * headers on every response, and the routes.
 *
 * Every request is checked in this order: Host header (else 421), then
 * /login?token= (the one-time token, swapped for the session cookie),
 * then the session cookie (else 403), then for a POST the form's CSRF
 * token and same-origin headers (else 403).  Only then is a page made.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "web.h"

#define SERVE_SYN "review serve [--listen ADDR:PORT] [--export-dir DIR]"
#define CSP "default-src 'none'; img-src 'self'; style-src 'self'; script-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

static void
headers(struct MHD_Response *r)
{
	MHD_add_response_header(r, "Content-Security-Policy", CSP);
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	/* Not no-referrer: with it browsers send "Origin: null" on our own form posts. */
	MHD_add_response_header(r, "Referrer-Policy", "same-origin");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "Cross-Origin-Resource-Policy", "same-origin");
}

static enum MHD_Result
queue(struct MHD_Connection *c, unsigned status, struct MHD_Response *r, const char *type)
{
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	headers(r);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result
web_send(struct MHD_Connection *c, unsigned status, const char *type, struct web_buf *body,
	 const char *set_cookie, const char *location)
{
	struct MHD_Response *r;

	if (body->oom) {
		wb_free(body);
		return web_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	r = MHD_create_response_from_buffer_with_free_callback(body->len, body->p, free);
	if (!r) {
		wb_free(body);
		return MHD_NO;
	}
	body->p = NULL;	/* the response owns it */
	wb_free(body);
	if (set_cookie)
		MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, set_cookie);
	if (location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, location);
	return queue(c, status, r, type);
}

enum MHD_Result
web_send_jpeg(struct MHD_Connection *c, uint8_t *jpeg, size_t len)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer_with_free_callback(len, jpeg, tc_secure_free);

	if (!r) {
		tc_secure_free(jpeg);
		return MHD_NO;
	}
	return queue(c, MHD_HTTP_OK, r, "image/jpeg");
}

enum MHD_Result
web_error(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(text), (void *)text,
								 MHD_RESPMEM_PERSISTENT);

	return queue(c, status, r, "text/plain; charset=utf-8");
}

static enum MHD_Result
send_static(struct MHD_Connection *c, const char *text, const char *type)
{
	return queue(c, MHD_HTTP_OK, MHD_create_response_from_buffer(strlen(text), (void *)text,
								      MHD_RESPMEM_PERSISTENT), type);
}

/* ---- POST bodies: libmicrohttpd's post processor fills a web_form ---- */
struct req {
	struct MHD_PostProcessor *pp;
	struct web_form form;
	size_t body;
};

static void
append(char *dst, size_t cap, const char *data, size_t size, uint64_t off, bool *too_long)
{
	size_t have = strlen(dst);

	if (off != (uint64_t)have || have + size >= cap) {
		*too_long = true;
		return;
	}
	memcpy(dst + have, data, size);
	dst[have + size] = 0;
}

static enum MHD_Result
field(void *cls, enum MHD_ValueKind kind, const char *key, const char *filename,
      const char *type, const char *enc, const char *data, uint64_t off, size_t size)
{
	struct web_form *f = cls;

	(void)kind;
	(void)filename;
	(void)type;
	(void)enc;
	if (strcmp(key, "csrf") == 0)
		append(f->csrf, sizeof(f->csrf), data, size, off, &f->too_long);
	else if (strcmp(key, "id") == 0)
		append(f->id, sizeof(f->id), data, size, off, &f->too_long);
	else if (strcmp(key, "reason") == 0)
		append(f->reason, sizeof(f->reason), data, size, off, &f->too_long);
	else if (strcmp(key, "pupils") == 0)
		append(f->pupils, sizeof(f->pupils), data, size, off, &f->too_long);
	else if (strcmp(key, "pupil") == 0)
		append(f->pupil, sizeof(f->pupil), data, size, off, &f->too_long);
	else if (strcmp(key, "areas") == 0)
		append(f->areas, sizeof(f->areas), data, size, off, &f->too_long);
	else if (strcmp(key, "platform") == 0) {
		/* One checkbox each: joined with ',' as --platforms takes them. */
		if (off == 0 && f->platforms[0])
			append(f->platforms, sizeof(f->platforms), ",", 1, strlen(f->platforms),
			       &f->too_long);
		append(f->platforms, sizeof(f->platforms), data, size, strlen(f->platforms),
		       &f->too_long);
	}
	return MHD_YES;
}

static void
done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
	struct req *q = *con_cls;

	(void)cls;
	(void)c;
	(void)t;
	if (!q)
		return;
	if (q->pp)
		MHD_destroy_post_processor(q->pp);
	tc_zeroize(q, sizeof(*q));
	free(q);
	*con_cls = NULL;
}

static enum MHD_Result
login(struct web *w, struct MHD_Connection *c)
{
	const char *t = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token");
	char cookie[WEB_SECRET_HEX + 96];
	struct web_buf b = { 0 };
	uint8_t r[WEB_SECRET_HEX / 2];

	if (!t || !w->token[0] || !web_secret_eq(t, w->token))
		return web_error(c, MHD_HTTP_FORBIDDEN, "This login link is not valid (it works "
				 "once). Restart trustadm review serve for a new one.\n");
	w->token[0] = 0;	/* one time */
	if (tc_random_bytes(r, sizeof(r)) != 0)
		return web_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no randomness\n");
	tc_hex_encode(r, sizeof(r), w->session);
	tc_zeroize(r, sizeof(r));
	snprintf(cookie, sizeof(cookie), WEB_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/",
		 w->session);
	wb_raw(&b, "");
	return web_send(c, MHD_HTTP_SEE_OTHER, "text/plain", &b, cookie, "/");
}

static bool
valid_id(const char *s)
{
	size_t i;

	for (i = 0; s && s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s && i == 2 * TC_PHOTO_ID_LEN;
}

static enum MHD_Result
get(struct web *w, struct MHD_Connection *c, const char *url)
{
	const char *id = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "id");
	struct web_buf b = { 0 };
	uint8_t *jpeg = NULL;
	size_t len = 0;

	if (strcmp(url, "/app.css") == 0)
		return send_static(c, web_css, "text/css");
	if (strcmp(url, "/app.js") == 0)
		return send_static(c, web_js, "text/javascript");
	if (strcmp(url, "/img") == 0 || strcmp(url, "/thumb") == 0) {
		if (!valid_id(id))
			return web_error(c, MHD_HTTP_NOT_FOUND, "no such photo\n");
		if (web_photo_jpeg(w, id, url[1] == 't' ? 320 : 0, &jpeg, &len) != 0)
			return web_error(c, MHD_HTTP_NOT_FOUND, "no preview\n");
		return web_send_jpeg(c, jpeg, len);
	}
	if (strcmp(url, "/publishable") == 0) {
		if (!valid_id(id) || web_publishable_jpeg(w, id, &jpeg, &len) != 0)
			return web_error(c, MHD_HTTP_NOT_FOUND, "no publishable copy\n");
		return web_send_jpeg(c, jpeg, len);
	}
	if (strcmp(url, "/") == 0)
		web_page_queue(w, &b);
	else if (strcmp(url, "/photo") == 0 && valid_id(id))
		web_page_photo(w, &b, id, NULL, false);
	else if (strcmp(url, "/sar") == 0)
		web_page_sar(w, &b, NULL, false);
	else if (strcmp(url, "/devices") == 0)
		web_page_devices(w, &b);
	else
		return web_error(c, MHD_HTTP_NOT_FOUND, "not found\n");
	return web_send(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, NULL, NULL);
}

static enum MHD_Result
post(struct web *w, struct MHD_Connection *c, const char *url, const struct web_form *f)
{
	struct web_buf b = { 0 };

	if (!web_post_ok(w, c, f))
		return web_error(c, MHD_HTTP_FORBIDDEN, "refused: not a form of this page "
				 "(missing or wrong CSRF token, or another site)\n");
	if (f->too_long)
		return web_error(c, MHD_HTTP_CONTENT_TOO_LARGE, "a form field is too long\n");
	if (strcmp(url, "/approve") == 0 && valid_id(f->id))
		web_do_approve(w, &b, f);
	else if (strcmp(url, "/reject") == 0 && valid_id(f->id))
		web_do_reject(w, &b, f);
	else if (strcmp(url, "/tag") == 0 && valid_id(f->id))
		web_do_tag(w, &b, f);
	else if (strcmp(url, "/redact") == 0 && valid_id(f->id))
		web_do_redact(w, &b, f);
	else if (strcmp(url, "/export") == 0 && valid_id(f->id))
		web_do_export(w, &b, f);
	else if (strcmp(url, "/sar") == 0)
		web_do_sar(w, &b, f);
	else
		return web_error(c, MHD_HTTP_NOT_FOUND, "not found\n");
	return web_send(c, MHD_HTTP_OK, "text/html; charset=utf-8", &b, NULL, NULL);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
       const char *version, const char *data, size_t *size, void **con_cls)
{
	struct web *w = cls;
	struct req *q = *con_cls;

	(void)version;
	if (!q) {
		/* First call, headers only: refuse early what no body can fix. */
		if (!web_host_ok(w, c))
			return web_error(c, MHD_HTTP_MISDIRECTED_REQUEST, "wrong Host header\n");
		if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
			return web_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
		if (strcmp(method, "GET") == 0 && strcmp(url, "/login") == 0)
			return login(w, c);
		if (!web_session_ok(w, c))
			return web_error(c, MHD_HTTP_FORBIDDEN, "Not logged in: open the link "
					 "`trustadm review serve` printed.\n");
		if (strcmp(method, "GET") == 0)
			return get(w, c, url);
		if (!(q = calloc(1, sizeof(*q))))
			return MHD_NO;
		*con_cls = q;
		q->pp = MHD_create_post_processor(c, 4096, field, &q->form);
		if (!q->pp)
			return web_error(c, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "a form post only\n");
		return MHD_YES;
	}
	if (*size) {
		q->body += *size;
		if (q->body > WEB_BODY_MAX)
			q->form.too_long = true;
		else if (MHD_post_process(q->pp, data, *size) != MHD_YES)
			q->form.too_long = true;
		*size = 0;
		return MHD_YES;
	}
	return post(w, c, url, &q->form);
}

/* ADDR:PORT (numeric; [v6]:PORT) into ss; whether it is a loopback address. */
static int
parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *sl, bool *loopback)
{
	char host[64], *colon;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV,
				  .ai_socktype = SOCK_STREAM }, *ai = NULL;
	size_t n;

	if (tc_strlcpy(host, s, sizeof(host)) >= sizeof(host) || !(colon = strrchr(host, ':')))
		return -EINVAL;
	*colon = 0;
	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = 0;
	}
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sl = ai->ai_addrlen;
	freeaddrinfo(ai);
	if (ss->ss_family == AF_INET)
		*loopback = (ntohl(((struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	else
		*loopback = IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

int
tadm_review_serve(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "export-dir", required_argument, NULL, 'e' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *listen = "127.0.0.1:8750";
	struct web w = { .a = a, .export_dir = "sar-exports" };
	struct sockaddr_storage ss;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	char shown[64];
	socklen_t sl = 0;
	bool loopback = false;
	sigset_t set;
	int c, rc, sig;

	optind = 0;
	while ((c = tadm_getopt(argc, argv, "l:e:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'l')
			listen = optarg;
		else if (c == 'e')
			w.export_dir = optarg;
		else if ((rc = tadm_common_opt(a, c, SERVE_SYN)) >= 0)
			return rc;
	}
	if (optind != argc)
		return tadm_usage(a, SERVE_SYN);
	if (parse_listen(listen, &ss, &sl, &loopback) != 0) {
		tadm_err(a, "--listen: '%s' is not ADDR:PORT with a numeric address", listen);
		return TADM_USAGE;
	}
	if ((rc = tadm_srv_need(a)) != TADM_OK)
		return rc;
	if (tadm_open(a) != 0 || tadm_srv_open(a) != 0 || tadm_photo_key(a, &w.priv) != 0 ||
	    tc_p256_public(w.priv, w.pub) != 0 || web_secrets(&w) != 0) {
		rc = TADM_FAIL;
		goto out;
	}
	if (!loopback)
		tadm_err(a, "warning: listening on %s, not a loopback address: anyone who can "
			 "reach it and has the link can review photos", listen);
	/* Signals for the main thread only: block them before the daemon's thread starts. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
			     handle, &w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
			     MHD_OPTION_NOTIFY_COMPLETED, done, NULL,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
	info = d ? MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT) : NULL;
	if (!d || !info) {
		tadm_err(a, "cannot listen on %s", listen);
		rc = TADM_FAIL;
		goto out;
	}
	/* The Host headers a browser sends for this address (and localhost on loopback). */
	tc_strlcpy(shown, listen, sizeof(shown));
	*strrchr(shown, ':') = 0;
	snprintf(w.hosts[w.n_hosts++], WEB_HOST_MAX, "%s:%u", shown, info->port);
	if (loopback && ss.ss_family == AF_INET)
		snprintf(w.hosts[w.n_hosts++], WEB_HOST_MAX, "localhost:%u", info->port);
	printf("The reviewer's desk is open. Log in once with this link (it works one time):\n"
	       "  http://%s/login?token=%s\nStop with Ctrl-C.\n", w.hosts[0], w.token);
	fflush(stdout);
	if (sigwait(&set, &sig) != 0)
		sig = 0;
	rc = TADM_OK;
out:
	if (d)
		MHD_stop_daemon(d);
	tc_secure_free(w.priv);
	tc_zeroize(&w, sizeof(w));
	return rc;
}
