/*
 * stub_server.c - the parts of trust-server its HTTP harnesses do
 * not test, standing in so http.c (and for fuzz_upload the photo upload
 * path) link without TLS, sockets or threads: responses are checked for
 * their framing and dropped, audit, policy and firmware requests are
 * accepted or answered without storage.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "stub_server.h"

/*
 * What the server sends.  TC_FUZZ_VERBOSE=1 prints each status line to
 * stderr: run a harness on one seed with it to see what the seed reaches.
 */
int
conn_write(struct conn *c, const void *buf, size_t len)
{
	static int verbose = -1;
	const char *eol;

	(void)c;
	if (verbose < 0)
		verbose = getenv("TC_FUZZ_VERBOSE") != NULL;
	/* Every answer starts with a status line: a response built from garbage would not. */
	if (len >= 5 && memcmp(buf, "HTTP/", 5) != 0)
		abort();
	if (verbose && (eol = memchr(buf, '\r', len)) != NULL)
		fprintf(stderr, "fuzz: %.*s\n", (int)(eol - (const char *)buf), (const char *)buf);
	return 0;
}

void
conn_touch_body(struct conn *c)
{
	c->deadline = tc_time_mono_us() + (uint64_t)c->s->set.body_ms * 1000;
}

/* The registry re-check of conn.c: every fuzzed device stays enrolled. */
bool
conn_device_allowed(struct conn *c, const char *when)
{
	(void)c;
	(void)when;
	return true;
}

bool
srv_stopping(struct srv *s)
{
	(void)s;
	return false;
}

int
audit_begin(struct conn *c)
{
	if (c->req.method == HTTP_GET) {
		resp_text(&c->req.resp, 200, false, "{}\n");
		return -1;
	}
	return 0;
}

int
audit_body(struct conn *c, const uint8_t *buf, size_t len)
{
	(void)c;
	(void)buf;
	(void)len;
	return 0;
}

void
audit_end(struct conn *c)
{
	resp_text(&c->req.resp, 200, false, "{}\n");
}

void
audit_abort(struct conn *c)
{
	(void)c;
}

int
policy_begin(struct conn *c)
{
	resp_text(&c->req.resp, 404, false, "no policy\n");
	return -1;
}

int
firmware_begin(struct conn *c)
{
	resp_text(&c->req.resp, 404, false, "no firmware\n");
	return -1;
}

/* The enrol listener's handlers: the limits as api_enrol.c has them, no storage. */
int
enrol_begin(struct conn *c)
{
	struct req *r = &c->req;

	if (r->route == ROUTE_ENROL_ID) {
		resp_text(&r->resp, 202, false, "waiting\n");
		return -1;
	}
	if (!r->has_clen || r->content_length == 0 || r->content_length > ENROL_CSR_MAX) {
		resp_text(&r->resp, 413, false, "stub\n");
		return -1;
	}
	return 0;
}

int
enrol_body(struct conn *c, const uint8_t *buf, size_t len)
{
	(void)buf;
	c->req.body_len += len;
	return c->req.body_len <= c->req.content_length ? 0 : -EFBIG;
}

void
enrol_end(struct conn *c)
{
	resp_text(&c->req.resp, 202, false, "waiting\n");
}

struct conn *
fuzz_conn_new(struct srv *s)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	c->s = s;
	c->fd = -1;
	c->req.up.fd = c->req.up.dir_fd = -1;
	tc_strlcpy(c->peer, "fuzz", sizeof(c->peer));
	tc_strlcpy(c->device, FUZZ_DEVICE_ID, sizeof(c->device));
	http_setup(c);
	return c;
}

void
fuzz_conn_feed(struct conn *c, const uint8_t *data, size_t size)
{
	size_t piece, n;

	if (size == 0)
		return;
	/*
	 * First byte: bit 7, a connection of the enrol listener (no
	 * certificate, no device); bits 0-6, how the stream is cut into reads
	 * (0: as large as they come).
	 */
	c->anon = (data[0] & 0x80) != 0;
	if (c->anon)
		c->device[0] = '\0';
	piece = data[0] & 0x7f ? data[0] & 0x7f : sizeof(c->in);
	data++;
	size--;
	while (size > 0) {
		n = size < piece ? size : piece;
		memcpy(c->in, data, n);
		c->in_off = 0;
		c->in_len = n;
		data += n;
		size -= n;
		if (http_consume(c) != 0)
			return;
	}
	/* The client went away: what conn.c does at the end of the stream. */
	http_abort_request(c);
}

void
fuzz_conn_free(struct conn *c)
{
	http_req_reset(c);
	free(c);
}
