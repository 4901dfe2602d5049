/*
 * tc_random.h - the process's random-bytes source.
 *
 * One mbedtls CTR_DRBG (AES-256) seeded from getrandom(2), guarded by a
 * mutex so any thread may draw from it, and reseeded in a child after
 * fork() so parent and child never share a stream.  Fails closed: if the
 * kernel cannot supply entropy, every call returns TC_E_RNG.
 */
#ifndef TC_RANDOM_H
#define TC_RANDOM_H

#include <stddef.h>

#include "tc_err.h"

/* Fill buf with len random bytes.  0 or TC_E_RNG. */
int tc_random_bytes(void *buf, size_t len) TC_MUST_CHECK;

/* The same source in mbedtls's f_rng shape (p_rng is ignored). */
int tc_random_rng(void *unused, unsigned char *out, size_t len);

#endif /* TC_RANDOM_H */
