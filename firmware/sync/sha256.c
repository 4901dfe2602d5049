/*
 * sha256.c - streaming SHA-256 (tc_sha256.h) over mbedtls_md.
 */
#include <string.h>

#include "tc_sha256.h"

int
tc_sha256_init(struct tc_sha256 *s)
{
	memset(s, 0, sizeof(*s));
	mbedtls_md_init(&s->md);
	if (mbedtls_md_setup(&s->md, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 0) != 0 ||
	    mbedtls_md_starts(&s->md) != 0) {
		mbedtls_md_free(&s->md);
		return TC_E_CRYPTO;
	}
	s->ready = 1;
	return 0;
}

void
tc_sha256_update(struct tc_sha256 *s, const void *data, size_t len)
{
	/* mbedtls_md_update fails only on a context that was never set up. */
	if (s->ready && len && mbedtls_md_update(&s->md, data, len) != 0)
		s->ready = 0;
}

int
tc_sha256_finish(struct tc_sha256 *s, uint8_t out[32])
{
	int rc = s->ready && mbedtls_md_finish(&s->md, out) == 0 ? 0 : TC_E_CRYPTO;

	s->ready = 0;
	return rc;
}

void
tc_sha256_free(struct tc_sha256 *s)
{
	mbedtls_md_free(&s->md);
	s->ready = 0;
}
