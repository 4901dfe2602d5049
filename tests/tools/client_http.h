/*
 * client_http.h - reading one HTTP/1.1 response with libhttp-parser, for
 * tc_client (test tools are single files, so this header carries static
 * helpers).  Keeps the status, the headers the sync API uses
 * (Upload-Offset, Upload-Complete, Policy-Version) and up to 4 MiB of body.
 */
#ifndef TC_CLIENT_HTTP_H
#define TC_CLIENT_HTTP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "client_tls.h"

#define BODY_MAX (4u << 20)

struct response {
	int status, complete;
	bool has_offset, done, head;
	uint64_t offset, policy_version;
	uint8_t *body;
	size_t len;
	char field[64], value[128];
	size_t flen, vlen;
	int last;
};

static void
header_done(struct response *r)
{
	r->field[r->flen] = r->value[r->vlen] = '\0';
	if (strcasecmp(r->field, "upload-offset") == 0) {
		r->has_offset = tc_parse_u64(r->value, 0, UINT64_MAX, &r->offset) == 0;
	} else if (strcasecmp(r->field, "upload-complete") == 0) {
		r->complete = strcmp(r->value, "?1") == 0;
	} else if (strcasecmp(r->field, "policy-version") == 0) {
		if (tc_parse_u64(r->value, 0, UINT64_MAX, &r->policy_version) != 0)
			r->policy_version = 0;
	}
}

static int
on_field(http_parser *p, const char *at, size_t n)
{
	struct response *r = p->data;

	if (r->last == 2)
		header_done(r);
	if (r->last != 1)
		r->flen = r->vlen = 0;
	r->last = 1;
	if (n < sizeof(r->field) - r->flen) {
		memcpy(r->field + r->flen, at, n);
		r->flen += n;
	}
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t n)
{
	struct response *r = p->data;

	r->last = 2;
	if (n < sizeof(r->value) - r->vlen) {
		memcpy(r->value + r->vlen, at, n);
		r->vlen += n;
	}
	return 0;
}

static int
on_headers(http_parser *p)
{
	struct response *r = p->data;

	if (r->last == 2)
		header_done(r);
	r->status = p->status_code;
	return r->head ? 1 : 0;
}

static int
on_body(http_parser *p, const char *at, size_t n)
{
	struct response *r = p->data;

	if (n > BODY_MAX - r->len)
		return -1;
	if (!r->body && !(r->body = malloc(BODY_MAX)))
		return -1;
	memcpy(r->body + r->len, at, n);
	r->len += n;
	return 0;
}

static int
on_done(http_parser *p)
{
	((struct response *)p->data)->done = true;
	http_parser_pause(p, 1);
	return 0;
}

static const http_parser_settings rsettings = {
	.on_header_field = on_field, .on_header_value = on_value,
	.on_headers_complete = on_headers, .on_body = on_body, .on_message_complete = on_done,
};

/* One response; 0, or -1 if the connection failed first (message printed). */
static int
read_response(struct cl *c, bool head, struct response *r)
{
	unsigned char buf[16384];
	http_parser p;
	int n;

	memset(r, 0, sizeof(*r));
	r->head = head;
	r->complete = -1;
	http_parser_init(&p, HTTP_RESPONSE);
	p.data = r;
	while (!r->done) {
		n = mbedtls_ssl_read(&c->ssl, buf, sizeof(buf));
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0) {
			cl_error("no response", n);
			return -1;
		}
		http_parser_execute(&p, &rsettings, (const char *)buf, (size_t)n);
		if (HTTP_PARSER_ERRNO(&p) != HPE_OK && HTTP_PARSER_ERRNO(&p) != HPE_PAUSED) {
			printf("bad response: %s\n", http_errno_description(HTTP_PARSER_ERRNO(&p)));
			return -1;
		}
	}
	return 0;
}

#endif /* TC_CLIENT_HTTP_H */
