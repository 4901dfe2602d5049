/*
 * sha256.c - streaming SHA-256 (tc_sha256.h) over Nettle.
 */
#include <string.h>

#include "tc_sha256.h"

int
tc_sha256_init(struct tc_sha256 *s)
{
	sha256_init(&s->ctx);
	s->ready = 1;
	return 0;
}

void
tc_sha256_update(struct tc_sha256 *s, const void *data, size_t len)
{
	if (s->ready && len)
		sha256_update(&s->ctx, len, data);
}

void
tc_sha256_peek(const struct tc_sha256 *s, uint8_t out[32])
{
	struct sha256_ctx copy = s->ctx;	/* plain data: a copy is a clone */

	sha256_digest(&copy, SHA256_DIGEST_SIZE, out);
}

int
tc_sha256_finish(struct tc_sha256 *s, uint8_t out[32])
{
	if (!s->ready)
		return TC_E_CRYPTO;
	sha256_digest(&s->ctx, SHA256_DIGEST_SIZE, out);
	s->ready = 0;
	return 0;
}

void
tc_sha256(const void *data, size_t len, uint8_t out[32])
{
	struct sha256_ctx c;

	sha256_init(&c);
	sha256_update(&c, len, data);
	sha256_digest(&c, SHA256_DIGEST_SIZE, out);
}

void
tc_sha256_free(struct tc_sha256 *s)
{
	memset(s, 0, sizeof(*s));
}
