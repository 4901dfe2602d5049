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
#include <mbedtls/x509_crt.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ssl.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TC_MBEDTLS_3 1
#else
#define TC_MBEDTLS_3 0
#endif

#if TC_MBEDTLS_3
#include <psa/crypto.h>	/* psa_crypto_init, for TLS */
#endif

/* 3.x hides struct members behind MBEDTLS_PRIVATE(); 2.28 has no such macro. */
#ifndef MBEDTLS_PRIVATE
#define MBEDTLS_PRIVATE(member) member
#endif

/*
 * The description of the fatal alert the peer just sent, after a call
 * returned MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE (MBEDTLS_SSL_ALERT_MSG_*),
 * or -1.  Neither version has an accessor: the record is read in place.
 */
static inline int
tc_ssl_peer_alert(const mbedtls_ssl_context *ssl)
{
	if (ssl->MBEDTLS_PRIVATE(in_msgtype) != MBEDTLS_SSL_MSG_ALERT ||
	    !ssl->MBEDTLS_PRIVATE(in_msg))
		return -1;
	return ssl->MBEDTLS_PRIVATE(in_msg)[1];
}

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
tc_pk_parse_keyfile(mbedtls_pk_context *pk, const char *path, const char *pwd)
{
#if TC_MBEDTLS_3
	return mbedtls_pk_parse_keyfile(pk, path, pwd, tc_random_rng, NULL);
#else
	return mbedtls_pk_parse_keyfile(pk, path, pwd);
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

/*
 * A certificate serial from big-endian bytes: 3.x has set_serial_raw (and
 * deprecates the mpi form); 2.28 has only the mpi form.
 */
static inline int
tc_x509write_crt_set_serial(mbedtls_x509write_cert *ctx, const unsigned char *serial, size_t len)
{
#if TC_MBEDTLS_3
	return mbedtls_x509write_crt_set_serial_raw(ctx, (unsigned char *)serial, len);
#else
	mbedtls_mpi n;
	int rc;

	mbedtls_mpi_init(&n);
	rc = mbedtls_mpi_read_binary(&n, serial, len);
	if (rc == 0)
		rc = mbedtls_x509write_crt_set_serial(ctx, &n);
	mbedtls_mpi_free(&n);
	return rc;
#endif
}

/* A DER ECDSA signature; sig must hold MBEDTLS_ECDSA_MAX_LEN bytes. */
static inline int
tc_ecdsa_write_signature(mbedtls_ecdsa_context *ctx, mbedtls_md_type_t md,
			 const unsigned char *hash, size_t hlen, unsigned char *sig,
			 size_t sig_size, size_t *sig_len)
{
#if TC_MBEDTLS_3
	return mbedtls_ecdsa_write_signature(ctx, md, hash, hlen, sig, sig_size, sig_len,
					     tc_random_rng, NULL);
#else
	(void)sig_size;
	return mbedtls_ecdsa_write_signature(ctx, md, hash, hlen, sig, sig_len,
					     tc_random_rng, NULL);
#endif
}

/*
 * TLS (trust-server, syncd).  3.x needs PSA initialised before
 * mbedtls_ssl_setup when built with MBEDTLS_USE_PSA_CRYPTO (a distribution
 * may turn it on; Debian 13 does not); starting it here keeps that out of
 * the handshake.  2.28 has no PSA to start.  Call once per process.
 */
static inline int
tc_mbedtls_tls_init(void)
{
#if TC_MBEDTLS_3
	return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
	return 0;
#endif
}

/*
 * TLS 1.2 only, with either library.  3.6 could negotiate TLS 1.3, but
 * there the server checks the device's certificate only after the
 * device's side of the handshake has finished: a revoked or unenrolled
 * camera would "connect", fail on its first upload (mbedtls 3.6 reports
 * the server's alert as a bad record MAC) and audit a photo upload failure
 * instead of a refused handshake; and a TLS 1.3 peer cannot even attempt
 * the renegotiation the server must be seen to refuse.  Pinning 1.2 keeps
 * one behaviour on both libraries.
 */
static inline void
tc_ssl_conf_versions(mbedtls_ssl_config *conf)
{
#if TC_MBEDTLS_3
	mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
	mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

/* Key exchange on P-256 only: 3.x names TLS groups, 2.28 ECP curve ids. */
static inline void
tc_ssl_conf_p256_only(mbedtls_ssl_config *conf)
{
#if TC_MBEDTLS_3
	static const uint16_t groups[] = {
		MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
	};
	mbedtls_ssl_conf_groups(conf, groups);
#else
	static const mbedtls_ecp_group_id curves[] = { MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_NONE };
	mbedtls_ssl_conf_curves(conf, curves);
#endif
}

/* The private/public parts of an EC key, without touching private members. */
#define tc_ec_grp(kp) (&(kp)->MBEDTLS_PRIVATE(grp))
#define tc_ec_d(kp)   (&(kp)->MBEDTLS_PRIVATE(d))
#define tc_ec_Q(kp)   (&(kp)->MBEDTLS_PRIVATE(Q))

#endif /* TC_MBEDTLS_COMPAT_H */
