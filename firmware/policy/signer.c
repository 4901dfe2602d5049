/*
 * signer.c - may this certificate sign a Trust's policy bundles?
 *
 * The chain is mbedtls's business (mbedtls_x509_crt_verify_with_profile
 * against the pinned CA); this file adds what a policy signer must be
 * beyond "issued by the Trust CA": not the CA itself, not a device or
 * server certificate, an ECDSA P-256 key, the exact common name, and the
 * usages in the README.  Validity periods are judged at the caller's
 * `now` rather than mbedtls's own clock read, so that one notion of time
 * governs the whole verification and tests can move it.
 */
#include <string.h>
#include <time.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "policy_int.h"
#include "tc_mbedtls_compat.h"
#include "tc_policy.h"

/* SHA-2 signatures, EC keys on P-256 (P-384 for a CA that wants it). */
static const mbedtls_x509_crt_profile policy_profile = {
	MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA256) | MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA384) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_MD_SHA512),
	MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECKEY) | MBEDTLS_X509_ID_FLAG(MBEDTLS_PK_ECDSA),
	MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP256R1) |
		MBEDTLS_X509_ID_FLAG(MBEDTLS_ECP_DP_SECP384R1),
	2048,
};

static const char signer_eku_oid[] = TC_POLICY_SIGNER_EKU_OID;

/* <0, 0, >0 as t is before, at, after the broken-down UTC time tm. */
static int
time_cmp(const mbedtls_x509_time *t, const struct tm *tm)
{
	const int a[6] = { t->year, t->mon, t->day, t->hour, t->min, t->sec };
	const int b[6] = { tm->tm_year + 1900, tm->tm_mon + 1, tm->tm_mday,
			   tm->tm_hour, tm->tm_min, tm->tm_sec };
	int i;

	for (i = 0; i < 6; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

/*
 * mbedtls's verify callback, run for every certificate of the chain
 * (the pinned CA included): replace its wall-clock verdict on validity
 * with one at the caller's time.
 */
static int
judge_validity(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	const struct tm *now = ctx;

	(void)depth;
	*flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
	if (time_cmp(&crt->valid_from, now) > 0)
		*flags |= MBEDTLS_X509_BADCERT_FUTURE;
	if (time_cmp(&crt->valid_to, now) < 0)
		*flags |= MBEDTLS_X509_BADCERT_EXPIRED;
	return 0;
}

/* Exactly one CN in the subject, byte for byte TC_POLICY_SIGNER_CN. */
static bool
cn_is_signer(const mbedtls_x509_crt *crt)
{
	const mbedtls_x509_name *n;
	const size_t want = sizeof(TC_POLICY_SIGNER_CN) - 1;
	unsigned found = 0;
	bool match = false;

	for (n = &crt->subject; n != NULL; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		found++;
		match = n->val.len == want && memcmp(n->val.p, TC_POLICY_SIGNER_CN, want) == 0;
	}
	return found == 1 && match;
}

/* The signer is one of the pinned certificates (the CA signing for itself). */
static bool
is_pinned(const mbedtls_x509_crt *crt, const mbedtls_x509_crt *ca)
{
	const mbedtls_x509_crt *c;

	for (c = ca; c != NULL && c->raw.len != 0; c = c->next)
		if (c->raw.len == crt->raw.len && memcmp(c->raw.p, crt->raw.p, c->raw.len) == 0)
			return true;
	return false;
}

int
policy_signer_check(const uint8_t *der, size_t der_len, mbedtls_x509_crt *ca, int64_t now,
		    mbedtls_x509_crt *signer)
{
	struct tm tm;
	time_t t = (time_t)now;
	uint32_t flags = 0;

	if (gmtime_r(&t, &tm) == NULL)
		return TC_E_POLICY_SIGNER;
	if (mbedtls_x509_crt_parse_der(signer, der, der_len) != 0)
		return TC_E_POLICY_SIGNER;
	/* Bytes after the certificate's own DER would be signed but unexplained. */
	if (signer->raw.len != der_len || signer->next != NULL)
		return TC_E_POLICY_SIGNER;

	if (mbedtls_x509_crt_verify_with_profile(signer, ca, NULL, &policy_profile, NULL,
						 &flags, judge_validity, &tm) != 0 || flags != 0)
		return TC_E_POLICY_SIGNER;

	/* A CA (the Trust's own, or any other) never signs policies directly. */
	if (signer->MBEDTLS_PRIVATE(ca_istrue) || is_pinned(signer, ca))
		return TC_E_POLICY_SIGNER;
	/* Device and server certificates carry their own CNs and usages. */
	if (!cn_is_signer(signer))
		return TC_E_POLICY_SIGNER;
	if (mbedtls_x509_crt_check_key_usage(signer, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0)
		return TC_E_POLICY_SIGNER;
	if (mbedtls_x509_crt_check_extended_key_usage(signer, signer_eku_oid,
						      sizeof(signer_eku_oid) - 1) != 0)
		return TC_E_POLICY_SIGNER;
	if (!mbedtls_pk_can_do(&signer->pk, MBEDTLS_PK_ECDSA) ||
	    tc_ec_grp(mbedtls_pk_ec(signer->pk))->id != MBEDTLS_ECP_DP_SECP256R1)
		return TC_E_POLICY_SIGNER;
	return 0;
}
