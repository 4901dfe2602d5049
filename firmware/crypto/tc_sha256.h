/*
 * tc_sha256.h - streaming SHA-256 for bulk data: the sealed bytes of a
 * photo object (seal, device check), each upload's Content-Digest on
 * trust-server, and syncd's check of an object before it is sent.
 *
 * A thin wrapper over GNU Nettle (Debian's nettle-dev), never hand-written.
 * Why not mbedtls, which does every other primitive here: mbedtls 2.28
 * and 3.6 have only a portable C SHA-256 on x86 (about 430 MB/s on the
 * bench machine, as slow as the AEAD it runs beside), while Nettle picks
 * the CPU's SHA extensions at run time (x86 SHA-NI: about 1.6 GB/s) and
 * falls back to portable code elsewhere.  Keyed and small hashes (HMAC,
 * HKDF, signatures) stay on mbedtls.
 */
#ifndef TC_SHA256_H
#define TC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include <nettle/sha2.h>

#include "tc_err.h"

struct tc_sha256 {
	struct sha256_ctx ctx;
	int ready;
};

/* Always 0 (kept an int so a backend that can fail fits the same calls). */
int tc_sha256_init(struct tc_sha256 *s) TC_MUST_CHECK;
void tc_sha256_update(struct tc_sha256 *s, const void *data, size_t len);
/* Digest of every byte so far, leaving s running. */
void tc_sha256_peek(const struct tc_sha256 *s, uint8_t out[32]);
/* Writes the digest; s must be initialised again before reuse.
 * TC_E_CRYPTO if s was never initialised or already finished. */
int tc_sha256_finish(struct tc_sha256 *s, uint8_t out[32]) TC_MUST_CHECK;
/* One-shot digest of a buffer. */
void tc_sha256(const void *data, size_t len, uint8_t out[32]);
/* Forgets the state; safe on a zeroed or finished context. */
void tc_sha256_free(struct tc_sha256 *s);

#endif /* TC_SHA256_H */
