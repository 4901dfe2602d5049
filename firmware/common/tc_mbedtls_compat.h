/*
 * tc_mbedtls_compat.h - the one place that knows mbedtls 2.28 from 3.6.
 *
 * Debian 12 ships mbedtls 2.28; newer systems ship 3.6.  Every call whose
 * signature or name differs between the two goes through a wrapper here,
 * so the rest of the tree is written once.  Prefer APIs that are the same
 * in both (mbedtls_md_*, mbedtls_hkdf, mbedtls_chachapoly_*, mbedtls_gcm_*,
 * mbedtls_ecdh_compute_shared) and add a wrapper here only when a call
 * really differs.
 */
#ifndef TC_MBEDTLS_COMPAT_H
#define TC_MBEDTLS_COMPAT_H

#include <mbedtls/version.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TC_MBEDTLS_3 1
#else
#define TC_MBEDTLS_3 0
#endif

/* 3.x hides struct members behind MBEDTLS_PRIVATE(); 2.28 has no such macro. */
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

/* From firmware/common/tc_random.c: the shared CTR_DRBG as an f_rng. */
int tc_random_rng(void *unused, unsigned char *out, size_t len);

static inline int
tc_pk_parse_key(mbedtls_pk_context *pk, const unsigned char *key, size_t keylen,
		const unsigned char *pwd, size_t pwdlen)
{
#if TC_MBEDTLS_3
	return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen, tc_random_rng, NULL);
#else
	return mbedtls_pk_parse_key(pk, key, keylen, pwd, pwdlen);
#endif
}

static inline int
tc_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv)
{
#if TC_MBEDTLS_3
	return mbedtls_pk_check_pair(pub, prv, tc_random_rng, NULL);
#else
	return mbedtls_pk_check_pair(pub, prv);
#endif
}

/* sig must hold MBEDTLS_PK_SIGNATURE_MAX_SIZE bytes. */
static inline int
tc_pk_sign(mbedtls_pk_context *pk, mbedtls_md_type_t md, const unsigned char *hash,
	   size_t hlen, unsigned char *sig, size_t sig_size, size_t *sig_len)
{
#if TC_MBEDTLS_3
	return mbedtls_pk_sign(pk, md, hash, hlen, sig, sig_size, sig_len,
			       tc_random_rng, NULL);
#else
	(void)sig_size;
	return mbedtls_pk_sign(pk, md, hash, hlen, sig, sig_len, tc_random_rng, NULL);
#endif
}

/* The private/public parts of an EC key, without touching private members. */
#define tc_ec_grp(kp) (&(kp)->MBEDTLS_PRIVATE(grp))
#define tc_ec_d(kp)   (&(kp)->MBEDTLS_PRIVATE(d))
#define tc_ec_Q(kp)   (&(kp)->MBEDTLS_PRIVATE(Q))

#endif /* TC_MBEDTLS_COMPAT_H */
