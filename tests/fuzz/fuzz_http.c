/*
 * fuzz_http.c - trust-server's request framing and header handling
 * (http.c over Debian's libhttp-parser): a client's plaintext stream, cut
 * into reads as the input's first byte says, through http_consume exactly
 * as conn.c feeds it after TLS.  The photo handlers here accept any
 * request that names Upload-Length and take its body, so every limit,
 * header rule, route and keep-alive path of http.c is reached without
 * storage (fuzz_upload runs the real handlers).
 */
#include "stub_server.h"

static struct srv srv;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	srv.set.max_object = 1 << 20;
	srv.set.idle_ms = srv.set.header_ms = srv.set.body_ms = 1000;
	return 0;
}

int
photo_begin(struct conn *c)
{
	struct req *r = &c->req;

	if (r->method == HTTP_HEAD || !r->has_length || !r->has_digest) {
		resp_text(&r->resp, r->method == HTTP_HEAD ? 404 : 400, false, "stub\n");
		return -1;
	}
	return 0;
}

int
photo_body(struct conn *c, const uint8_t *buf, size_t len)
{
	(void)buf;
	c->req.up.held += len;
	return 0;
}

void
photo_end(struct conn *c)
{
	resp_set(&c->req.resp, 204, false);
	resp_header(&c->req.resp, "Upload-Offset: %llu\r\n", (unsigned long long)c->req.up.held);
}

void
photo_abort(struct conn *c)
{
	(void)c;
}

void
upload_close(struct upload *u)
{
	u->fd = u->dir_fd = -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conn *c = fuzz_conn_new(&srv);

	fuzz_conn_feed(c, data, size);
	fuzz_conn_free(c);
	return 0;
}
