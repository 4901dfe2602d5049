/*
 * tc_sha256.h - streaming SHA-256 for the sync path: trust-server checks
 * each upload's Content-Digest as it arrives, syncd checks each object
 * against its catalog digest before sending it.
 *
 * A thin wrapper over mbedtls_md (the same in mbedtls 2.28 and 3.6): the
 * project never hand-writes crypto.  mbedtls's portable SHA-256 runs at
 * about the speed of the TLS cipher; the ingest benchmark shows the cost.
 */
#ifndef TC_SHA256_H
#define TC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/md.h>

#include "tc_err.h"

struct tc_sha256 {
	mbedtls_md_context_t md;
	int ready;
};

/* 0, or TC_E_CRYPTO if mbedtls cannot set up. */
int tc_sha256_init(struct tc_sha256 *s) TC_MUST_CHECK;
void tc_sha256_update(struct tc_sha256 *s, const void *data, size_t len);
/* Writes the digest; s must be initialised again before reuse. */
int tc_sha256_finish(struct tc_sha256 *s, uint8_t out[32]) TC_MUST_CHECK;
/* Releases what init took; safe on a zeroed or finished context. */
void tc_sha256_free(struct tc_sha256 *s);

#endif /* TC_SHA256_H */
