/*
 * http.c - HTTP/1.1 for trust-server: Debian's libhttp-parser does the
 * framing; this file holds its callbacks, the limits on what a client may
 * send before its request is understood, the few headers the API reads,
 * routing, and writing responses.
 *
 * Limits, all checked while bytes arrive: URL < 256 bytes (414), request
 * line and headers together <= 8 KiB and <= 48 header lines (431), no
 * Transfer-Encoding (411: bodies are sized up front), each header the API
 * reads at most once (400), no Expect but 100-continue (417).  RFC 9112
 * strictness (400, where libhttp-parser is lenient): HTTP/1.0 and 1.1
 * only, an HTTP/0.9 request line answered as soon as it ends, exactly one
 * Host in HTTP/1.1 (at most one in 1.0), no obs-fold (a header line
 * continued on the next), origin-form targets only (no absolute-form).  With
 * Expect: 100-continue the interim 100 goes out once the handler has
 * accepted the request, so a client sends no body the server would refuse.  A request that breaks one gets its answer
 * and the connection is closed: its body, if any, is never read.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "server.h"
#include "tc_enrol.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_trust_valid.h"
#include "tc_update.h"

static const char *
reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 422: return "Unprocessable Content";
	case 431: return "Request Header Fields Too Large";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return "Internal Server Error";
	}
}

void
resp_set(struct resp *r, int status, bool close)
{
	r->status = status;
	r->close = r->close || close;
}

void
resp_header(struct resp *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(r->headers + r->headers_len, sizeof(r->headers) - r->headers_len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(r->headers) - r->headers_len)
		r->headers_len += (size_t)n;
	else
		r->headers[r->headers_len] = '\0';	/* drop a line that does not fit */
}

void
resp_text(struct resp *r, int status, bool close, const char *text)
{
	resp_set(r, status, close);
	r->content_type = "text/plain";
	r->body = (const uint8_t *)text;
	r->body_len = strlen(text);
}

/* "sha-256=:BASE64:" among the members of an RFC 9530 Content-Digest dictionary. */
static int
parse_digest(const char *v, uint8_t out[TC_SHA256_LEN])
{
	const char *p = v, *end, *colon;
	uint8_t tmp[48];
	size_t olen = 0;
	int found = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		colon = memchr(p, '=', (size_t)(end - p));
		/* every member must be key=:bytes: */
		if (!colon || colon + 2 >= end || colon[1] != ':')
			return -1;
		{
			const char *b = colon + 2, *e = end;

			while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
				e--;
			if (e <= b || e[-1] != ':')
				return -1;
			e--;
			if ((size_t)(colon - p) == 7 && strncmp(p, "sha-256", 7) == 0) {
				if (found || mbedtls_base64_decode(tmp, sizeof(tmp), &olen,
								   (const unsigned char *)b,
								   (size_t)(e - b)) != 0 ||
				    olen != TC_SHA256_LEN)
					return -1;
				memcpy(out, tmp, TC_SHA256_LEN);
				found = 1;
			}
		}
		p = *end ? end + 1 : end;
	}
	return found ? 0 : -1;
}

/*
 * A client's words for the log: printable ASCII without quotes or
 * backslashes (others become '?'), cut to fit out with "..." when cut.
 */
static void
sanitize(char *out, size_t cap, const char *in, bool cut)
{
	size_t i, n = strlen(in);

	if (n > cap - 1) {
		n = cap - 4;
		cut = true;
	} else if (cut && n > cap - 4) {
		n = cap - 4;
	}
	for (i = 0; i < n; i++)
		out[i] = in[i] >= 0x20 && in[i] < 0x7f && in[i] != '"' && in[i] != '\\' ? in[i] : '?';
	out[n] = '\0';
	if (cut)
		memcpy(out + n, "...", 4);
}

static void
finish_header(struct req *r)
{
	const char *f = r->field;
	uint64_t v;

	while (r->value_len > 0 &&
	       (r->value[r->value_len - 1] == ' ' || r->value[r->value_len - 1] == '\t'))
		r->value_len--;
	r->value[r->value_len] = '\0';
	r->field[r->field_len] = '\0';
	if (r->field_long)
		return;	/* not a header we read: those all have short names */
	if (strcasecmp(f, "upload-offset") == 0 || strcasecmp(f, "upload-length") == 0) {
		bool off = strcasecmp(f, "upload-offset") == 0;
		bool *has = off ? &r->has_offset : &r->has_length;

		if (*has)
			r->dup = true;
		*has = true;
		if (r->value_long || tc_parse_u64(r->value, 0, UINT64_MAX / 2, &v) != 0)
			r->bad = 400;
		else if (off)
			r->upload_offset = v;
		else
			r->upload_length = v;
	} else if (strcasecmp(f, "content-digest") == 0) {
		if (r->has_digest)
			r->dup = true;
		r->has_digest = true;
		if (r->value_long || parse_digest(r->value, r->digest) != 0)
			r->bad = 400;
	} else if (strcasecmp(f, "range") == 0) {
		/* Only "bytes=N-" (resuming a download); another form is ignored (RFC 9110 14.2). */
		if (r->has_range)
			r->dup = true;
		if (!r->value_long && strncmp(r->value, "bytes=", 6) == 0 && r->value_len > 7 &&
		    r->value[r->value_len - 1] == '-') {
			char num[24];
			size_t n = r->value_len - 7;

			if (n < sizeof(num)) {
				memcpy(num, r->value + 6, n);
				num[n] = 0;
				r->has_range = tc_parse_u64(num, 0, UINT64_MAX / 2,
							    &r->range_start) == 0;
			}
		}
	} else if (strcasecmp(f, "firmware-release") == 0) {
		if (r->has_release)
			r->dup = true;
		r->has_release = true;
		if (r->value_long || tc_parse_u64(r->value, 1, UINT64_MAX / 2, &r->want_release) != 0)
			r->bad = 400;
	} else if (strcasecmp(f, "trustcam-release") == 0) {
		if (r->value_long || tc_parse_u64(r->value, 1, TC_UPDATE_RELEASE_MAX,
						  &r->running_release) != 0)
			r->running_release = 0;	/* for the record only: a bad one is not kept */
	} else if (strcasecmp(f, TC_ENROL_PROOF_HEADER) == 0) {
		if (r->has_proof)
			r->dup = true;
		r->has_proof = true;
		if (r->value_long || mbedtls_base64_decode(r->enrol_proof, sizeof(r->enrol_proof),
							   &r->enrol_proof_len,
							   (const unsigned char *)r->value,
							   r->value_len) != 0)
			r->bad = 400;
	} else if (strcasecmp(f, "host") == 0) {
		r->n_host++;
	} else if (strcasecmp(f, "user-agent") == 0) {
		sanitize(r->agent, sizeof(r->agent), r->value, r->value_long);
	} else if (strcasecmp(f, "transfer-encoding") == 0) {
		r->has_te = true;
	} else if (strcasecmp(f, "expect") == 0) {
		if (strcasecmp(r->value, "100-continue") == 0)
			r->expect_continue = true;
		else
			r->bad = 417;
	}
}

static struct conn *
conn_of(http_parser *p)
{
	return p->data;
}

static int
count_bytes(struct req *r, size_t len)
{
	r->header_bytes += len;
	if (r->header_bytes > SRV_HEADER_BYTES_MAX) {
		r->bad = 431;
		return -1;
	}
	return 0;
}

static int
on_message_begin(http_parser *p)
{
	struct conn *c = conn_of(p);

	c->req.started = true;
	c->deadline = tc_time_mono_us() + (uint64_t)c->s->set.header_ms * 1000;
	return 0;
}

static int
on_url(http_parser *p, const char *at, size_t len)
{
	struct req *r = &conn_of(p)->req;

	if (count_bytes(r, len) != 0)
		return -1;
	if (len >= sizeof(r->url) - r->url_len) {
		r->bad = 414;
		return -1;
	}
	memcpy(r->url + r->url_len, at, len);
	r->url_len += len;
	r->url[r->url_len] = '\0';
	return 0;
}

static void
append(char *buf, size_t cap, size_t *len, bool *long_, const char *at, size_t n)
{
	if (*long_ || n >= cap - *len) {
		*long_ = true;
		return;
	}
	memcpy(buf + *len, at, n);
	*len += n;
}

static int
on_header_field(http_parser *p, const char *at, size_t len)
{
	struct req *r = &conn_of(p)->req;

	if (count_bytes(r, len) != 0)
		return -1;
	if (r->last_cb != 1) {
		if (r->last_cb == 2)
			finish_header(r);
		if (++r->n_headers > SRV_HEADERS_MAX) {
			r->bad = 431;
			return -1;
		}
		r->field_len = r->value_len = 0;
		r->field_long = r->value_long = false;
	}
	r->last_cb = 1;
	append(r->field, sizeof(r->field), &r->field_len, &r->field_long, at, len);
	return 0;
}

static int
on_header_value(http_parser *p, const char *at, size_t len)
{
	struct conn *c = conn_of(p);
	struct req *r = &c->req;
	uint8_t before;

	if (count_bytes(r, len) != 0)
		return -1;
	/*
	 * A value continued after a line break is obs-fold (libhttp-parser
	 * takes it): a value split across two reads continues where the
	 * earlier read ended, not after its line's LF.
	 */
	if (r->last_cb == 2 && len > 0) {
		before = (const uint8_t *)at > c->feed_start ? (uint8_t)at[-1] : c->feed_prev;
		if (before == '\n') {
			r->obs_fold = true;
			r->bad = 400;
			return -1;
		}
	}
	r->last_cb = 2;
	append(r->value, sizeof(r->value), &r->value_len, &r->value_long, at, len);
	return 0;
}

/* Exact paths only: no query, no fragment, no dot segments, no percent-escapes. */
static void
route(struct req *r)
{
	static const char photos[] = "/v1/photos/", firmware[] = "/v1/firmware?board=",
		enrol[] = "/v1/enrol/";
	const char *id;

	r->route = ROUTE_NONE;
	if (strcmp(r->url, "/v1/enrol") == 0) {
		r->route = ROUTE_ENROL;
	} else if (strncmp(r->url, enrol, sizeof(enrol) - 1) == 0) {
		id = r->url + sizeof(enrol) - 1;
		if (strlen(id) < sizeof(r->enrol_id) && tc_trust_valid_device_id(id)) {
			tc_strlcpy(r->enrol_id, id, sizeof(r->enrol_id));
			r->route = ROUTE_ENROL_ID;
		}
	} else if (strcmp(r->url, "/v1/audit") == 0) {
		r->route = ROUTE_AUDIT;
	} else if (strcmp(r->url, "/v1/policy") == 0) {
		r->route = ROUTE_POLICY;
	} else if (strncmp(r->url, firmware, sizeof(firmware) - 1) == 0) {
		id = r->url + sizeof(firmware) - 1;
		if (tc_update_valid_board(id)) {
			tc_strlcpy(r->board, id, sizeof(r->board));
			r->route = ROUTE_FIRMWARE;
		}
	} else if (strncmp(r->url, photos, sizeof(photos) - 1) == 0) {
		id = r->url + sizeof(photos) - 1;
		if (strlen(id) == 2 * TC_PHOTO_ID_LEN && strspn(id, "0123456789abcdef") ==
		    2 * TC_PHOTO_ID_LEN && tc_hex_decode(id, r->photo_id, TC_PHOTO_ID_LEN) == 0) {
			memcpy(r->photo_hex, id, sizeof(r->photo_hex));
			r->route = ROUTE_PHOTO;
		}
	}
}

static bool
has_body(const struct req *r)
{
	return r->has_te || (r->has_clen && r->content_length > 0);
}

/* 400 for a request RFC 9112 does not allow; the connection ends.  Always -1. */
static int
refuse(struct conn *c, const char *text, const char *why)
{
	resp_text(&c->req.resp, 400, true, text);
	tc_info("%s %s: request refused (400): %s", c->peer, c->device, why);
	return -1;
}

/* What the device runs, for trustadm devices (issue 17); a ledger error is only logged. */
static void
record_firmware(struct conn *c, const char *version, size_t vlen)
{
	char v[64];

	if (vlen >= sizeof(v))
		vlen = sizeof(v) - 1;
	memcpy(v, version, vlen);
	v[vlen] = 0;
	if (ledger_device_firmware(c->s->ledger, c->device, v, c->req.running_release) != 0)
		tc_warn("%s %s: cannot record its firmware", c->peer, c->device);
}

/*
 * The device's first request on a connection: its firmware version and
 * model from syncd's "trustcam-syncd/<version> (<model>)", or whatever
 * else it sent, sanitized.
 */
static void
log_agent(struct conn *c)
{
	static const char syncd[] = "trustcam-syncd/";
	const char *a = c->req.agent, *sp, *model;
	size_t vlen;

	if (!a[0]) {
		tc_info("%s %s: client sent no User-Agent", c->peer, c->device);
		return;
	}
	if (strncmp(a, syncd, sizeof(syncd) - 1) == 0) {
		a += sizeof(syncd) - 1;
		sp = strchr(a, ' ');
		vlen = sp ? (size_t)(sp - a) : strlen(a);
		model = sp && sp[1] == '(' ? sp + 2 : NULL;
		if (vlen > 0 && model && strchr(model, ')')) {
			tc_info("%s %s: syncd firmware %.*s, model %.*s", c->peer, c->device, (int)vlen,
				a, (int)(strchr(model, ')') - model), model);
			record_firmware(c, a, vlen);
			return;
		}
		if (vlen > 0 && !sp) {
			tc_info("%s %s: syncd firmware %s, model not given", c->peer, c->device, a);
			return;
		}
	}
	tc_info("%s %s: client \"%s\"", c->peer, c->device, c->req.agent);
}

static int
on_headers_complete(http_parser *p)
{
	struct conn *c = conn_of(p);
	struct req *r = &c->req;
	unsigned m = p->method;
	int rc;

	if (r->last_cb == 2)
		finish_header(r);
	r->method = m;
	r->has_clen = (p->flags & F_CONTENTLENGTH) != 0;
	r->content_length = r->has_clen ? p->content_length : 0;
	if (p->flags & F_CHUNKED)
		r->has_te = true;
	c->deadline = tc_time_mono_us() + (uint64_t)c->s->set.body_ms * 1000;
	if (r->dup)
		r->bad = 400;
	if (r->bad) {
		resp_text(&r->resp, r->bad, true, "malformed request header\n");
		return -1;
	}
	if (p->http_major != 1 || p->http_minor > 1)
		return refuse(c, "HTTP/1.1 only\n", "HTTP version");
	if (r->n_host > 1 || (p->http_minor == 1 && r->n_host == 0))
		return refuse(c, "exactly one Host header is required\n",
			      r->n_host ? "more than one Host" : "no Host");
	if (r->url[0] != '/')
		return refuse(c, "the request target must be a path (origin-form)\n",
			      "request target not in origin-form");
	if (r->has_te) {
		resp_text(&r->resp, 411, true, "send a Content-Length, not a Transfer-Encoding\n");
		return -1;
	}
	route(r);
	/* The enrol listener serves enrolment and nothing else: no one is authenticated there. */
	if (c->anon != (r->route == ROUTE_ENROL || r->route == ROUTE_ENROL_ID)) {
		if (c->anon) {
			tc_info("%s enrol: %s refused: no client certificate", c->peer, r->url);
			resp_text(&r->resp, 403, true, "this address takes enrolment requests only\n");
			return -1;
		}
		r->route = ROUTE_NONE;	/* a device has its certificate: there is nothing here */
	}
	/* Revoked while connected: the registry is asked again at every request. */
	if (!c->anon && !conn_device_allowed(c, "request"))
		return -1;
	if (!c->anon && c->n_requests++ == 0)
		log_agent(c);
	switch (r->route) {
	case ROUTE_ENROL:
		if (m != HTTP_POST) {
			resp_header(&r->resp, "Allow: POST\r\n");
			goto not_allowed;
		}
		rc = enrol_begin(c);
		break;
	case ROUTE_ENROL_ID:
		if (m != HTTP_GET) {
			resp_header(&r->resp, "Allow: GET\r\n");
			goto not_allowed;
		}
		rc = enrol_begin(c);
		break;
	case ROUTE_PHOTO:
		if (m != HTTP_HEAD && m != HTTP_PUT && m != HTTP_PATCH) {
			resp_header(&r->resp, "Allow: HEAD, PUT, PATCH\r\n");
			goto not_allowed;
		}
		rc = photo_begin(c);
		break;
	case ROUTE_AUDIT:
		if (m != HTTP_GET && m != HTTP_POST) {
			resp_header(&r->resp, "Allow: GET, POST\r\n");
			goto not_allowed;
		}
		rc = audit_begin(c);
		break;
	case ROUTE_POLICY:
		if (m != HTTP_GET && m != HTTP_HEAD) {
			resp_header(&r->resp, "Allow: GET, HEAD\r\n");
			goto not_allowed;
		}
		rc = policy_begin(c);
		break;
	case ROUTE_FIRMWARE:
		if (m != HTTP_GET && m != HTTP_HEAD) {
			resp_header(&r->resp, "Allow: GET, HEAD\r\n");
			goto not_allowed;
		}
		rc = firmware_begin(c);
		break;
	default:
		resp_text(&r->resp, 404, has_body(r), "no such resource\n");
		return has_body(r) ? -1 : 0;
	}
	if (rc != 0) {
		/* The handler answered already; an unread body ends the connection. */
		if (has_body(r))
			r->resp.close = true;
		return r->resp.close ? -1 : 0;
	}
	r->begun = true;
	/* The client waits to hear that its body is wanted before sending it. */
	if (r->expect_continue && has_body(r)) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		if (conn_write(c, cont, sizeof(cont) - 1) != 0)
			return -1;
	}
	return 0;
not_allowed:
	resp_text(&r->resp, 405, has_body(r), "method not allowed here\n");
	return has_body(r) ? -1 : 0;
}

int
req_body_alloc(struct req *r, size_t len)
{
	r->body = tc_malloc(len + 1);
	if (!r->body) {
		resp_text(&r->resp, 500, false, "out of memory\n");
		return -1;
	}
	r->body_len = 0;
	return 0;
}

int
req_body_append(struct req *r, const uint8_t *buf, size_t len)
{
	/* The parser never hands over more than Content-Length bytes. */
	if (len > r->content_length - r->body_len)
		return -EFBIG;
	memcpy(r->body + r->body_len, buf, len);
	r->body_len += len;
	return 0;
}

static int
on_body(http_parser *p, const char *at, size_t len)
{
	struct conn *c = conn_of(p);
	struct req *r = &c->req;

	conn_touch_body(c);
	if (!r->begun)
		return 0;	/* answered already; the body was empty by contract */
	switch (r->route) {
	case ROUTE_PHOTO:
		return photo_body(c, (const uint8_t *)at, len) == 0 ? 0 : -1;
	case ROUTE_AUDIT:
		return audit_body(c, (const uint8_t *)at, len) == 0 ? 0 : -1;
	case ROUTE_ENROL:
		return enrol_body(c, (const uint8_t *)at, len) == 0 ? 0 : -1;
	default:
		return 0;
	}
}

static int
on_message_complete(http_parser *p)
{
	struct conn *c = conn_of(p);

	c->req.complete = true;
	/* Stop here: the request is answered before the next one is parsed. */
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_header_field = on_header_field,
	.on_header_value = on_header_value,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

void
http_setup(struct conn *c)
{
	http_parser_init(&c->parser, HTTP_REQUEST);
	c->parser.data = c;
	http_req_reset(c);
}

void
http_req_reset(struct conn *c)
{
	if (c->req.up.fd >= 0 || c->req.up.dir_fd >= 0)
		upload_close(&c->req.up);
	tc_free(c->req.resp.body_own);
	tc_free(c->req.body);
	if (c->req.resp.body_fd > 0)
		close(c->req.resp.body_fd);
	memset(&c->req, 0, sizeof(c->req));
	c->req.up.fd = c->req.up.dir_fd = -1;
	c->req.resp.body_fd = -1;
}

long
http_feed(struct conn *c, const uint8_t *buf, size_t len)
{
	size_t n;
	enum http_errno e;

	c->feed_start = buf;
	n = http_parser_execute(&c->parser, &settings, (const char *)buf, len);
	e = HTTP_PARSER_ERRNO(&c->parser);
	if (n > 0)
		c->feed_prev = buf[n - 1];
	/*
	 * An HTTP/0.9 request line ("GET /path" and its line end) leaves the
	 * parser waiting for headers that 0.9 never sends: answer it now.
	 */
	if ((e == HPE_OK || e == HPE_PAUSED) && c->req.started && !c->req.complete &&
	    c->parser.http_major == 0 && c->parser.http_minor == 9) {
		resp_text(&c->req.resp, 400, true, "HTTP/1.1 only\n");
		tc_info("%s %s: request refused (400): HTTP/0.9 request line", c->peer, c->device);
		return -1;
	}
	if (e == HPE_OK || e == HPE_PAUSED)
		return (long)n;
	if (c->req.resp.status == 0) {
		if (c->req.obs_fold)
			resp_text(&c->req.resp, 400, true, "obs-fold is not accepted\n");
		else if (c->req.bad)
			resp_text(&c->req.resp, c->req.bad, true, "request header too large\n");
		else
			resp_text(&c->req.resp, 400, true, "malformed request\n");
		tc_info("%s %s: request refused (%d): %s", c->peer, c->device, c->req.resp.status,
			c->req.obs_fold ? "obs-fold" : c->req.bad ? "header limits" :
			http_errno_description(e));
	}
	c->req.resp.close = true;
	return -1;
}

/* A file body, a TLS record's worth at a time; each piece moves the deadline on. */
static int
send_file(struct conn *c, struct resp *r)
{
	uint8_t buf[SRV_IO_BUF];
	uint64_t off = r->fd_off, left = r->fd_len;
	ssize_t got;
	int rc;

	while (left > 0) {
		got = pread(r->body_fd, buf, left < sizeof(buf) ? (size_t)left : sizeof(buf),
			    (off_t)off);
		if (got <= 0)
			return got < 0 ? -errno : -EIO;	/* the file shrank: cut the answer */
		conn_touch_body(c);
		if ((rc = conn_write(c, buf, (size_t)got)) != 0)
			return rc;
		off += (uint64_t)got;
		left -= (uint64_t)got;
	}
	return 0;
}

int
http_send_response(struct conn *c)
{
	struct resp *r = &c->req.resp;
	char head[1024];
	bool send_body = c->req.method != HTTP_HEAD && r->body_len > 0;
	uint64_t clen = r->body_fd >= 0 ? r->fd_len : r->body_len;
	int n, rc;

	n = snprintf(head, sizeof(head),
		     "HTTP/1.1 %d %s\r\nContent-Length: %llu\r\n%s%s%s%s%.*s\r\n", r->status,
		     reason(r->status), (unsigned long long)clen,
		     r->content_type ? "Content-Type: " : "",
		     r->content_type ? r->content_type : "", r->content_type ? "\r\n" : "",
		     r->close ? "Connection: close\r\n" : "", (int)r->headers_len, r->headers);
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EOVERFLOW;
	if (r->body_fd >= 0) {
		if ((rc = conn_write(c, head, (size_t)n)) != 0)
			return rc;
		return c->req.method != HTTP_HEAD ? send_file(c, r) : 0;
	}
	/* One TLS record for a small answer: a receipt, a JSON line, an error. */
	if (send_body && r->body_len <= sizeof(head) - (size_t)n) {
		memcpy(head + n, r->body, r->body_len);
		return conn_write(c, head, (size_t)n + r->body_len);
	}
	if ((rc = conn_write(c, head, (size_t)n)) != 0)
		return rc;
	return send_body ? conn_write(c, r->body, r->body_len) : 0;
}

void
http_abort_request(struct conn *c)
{
	if (!c->req.begun || c->req.complete)
		return;
	if (c->req.route == ROUTE_PHOTO)
		photo_abort(c);
	else if (c->req.route == ROUTE_AUDIT)
		audit_abort(c);
}

static void
end_request(struct conn *c)
{
	struct req *r = &c->req;

	if (!r->begun)
		return;	/* answered at the headers */
	switch (r->route) {
	case ROUTE_PHOTO: photo_end(c); break;
	case ROUTE_AUDIT: audit_end(c); break;
	case ROUTE_ENROL: enrol_end(c); break;
	default: break;
	}
}

int
http_consume(struct conn *c)
{
	long used;

	while (c->in_off < c->in_len) {
		used = http_feed(c, c->in + c->in_off, c->in_len - c->in_off);
		if (used < 0) {
			http_abort_request(c);
			if (http_send_response(c) != 0)
				tc_debug("%s %s: could not send the error", c->peer, c->device);
			return -1;
		}
		c->in_off += (size_t)used;
		if (!c->req.complete)
			continue;
		end_request(c);
		/* After SIGTERM, answer this request and end the connection. */
		if (!http_should_keep_alive(&c->parser) || srv_stopping(c->s))
			c->req.resp.close = true;
		if (http_send_response(c) != 0 || c->req.resp.close)
			return -1;
		tc_fault_point("server.response.sent");
		http_req_reset(c);
		http_parser_pause(&c->parser, 0);
		c->deadline = tc_time_mono_us() + (uint64_t)c->s->set.idle_ms * 1000;
	}
	return 0;
}
