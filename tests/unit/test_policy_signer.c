/*
 * test_policy_signer.c - firmware/policy: who may sign a policy.
 *
 * Only a certificate the pinned Trust CA issued, with the signer CN, the
 * right usages, a P-256 key and a validity period that covers the
 * caller's time: another CA's signer, the CA itself, a device or server
 * certificate, an intermediate, a self-made look-alike, expired and
 * not-yet-valid certificates are each TC_E_POLICY_SIGNER.  The signer is
 * checked before the signature, the framing before the signer.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509.h>

#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "test_policy_util.h"

#define DAY 86400

/* A signer from the fixture's CA as spec says (subject and issuer defaulted). */
static int
verify_with_spec(const struct pfx *f, struct pki_spec spec)
{
	struct pki_pair signer;
	int rc;

	if (spec.subject == NULL)
		spec.subject = "CN=" TC_POLICY_SIGNER_CN ",O=trustcam";
	if (spec.issuer == NULL)
		spec.issuer = &f->k.ca;
	assert_int_equal(pki_issue(&spec, &signer), 0);
	rc = pfx_verify_policy(f, f->p, &signer);
	pki_pair_free(&signer);
	return rc;
}

/*
 * The README's envelope, built here independently of tc_policy_sign so it
 * can carry what tc_policy_sign refuses to make: any key, any certificate
 * bytes.  *out from malloc.
 */
static void
raw_bundle(const struct pfx *f, const uint8_t *cert, size_t clen, const char *key_pem,
	   uint8_t **out, size_t *len)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t *json = NULL, *b, hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t jlen = 0, off = 0, slen = 0;
	mbedtls_pk_context pk;

	assert_int_equal(tc_policy_encode(f->p, &json, &jlen), 0);
	b = malloc(8 + 4 + jlen + 4 + clen + 2 + sizeof(sig));
	assert_non_null(b);
	memcpy(b, "TCPB\x01\0\0\0", 8);
	off = 8;
	tc_put_be32(b + off, (uint32_t)jlen);
	memcpy(b + off + 4, json, jlen);
	off += 4 + jlen;
	tc_put_be32(b + off, (uint32_t)clen);
	memcpy(b + off + 4, cert, clen);
	off += 4 + clen;
	mbedtls_pk_init(&pk);
	assert_int_equal(tc_pk_parse_key(&pk, (const unsigned char *)key_pem,
					 strlen(key_pem) + 1, NULL, 0), 0);
	assert_int_equal(mbedtls_md(md, b, off, hash), 0);
	assert_int_equal(tc_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig),
				    &slen), 0);
	mbedtls_pk_free(&pk);
	tc_put_be16(b + off, (uint16_t)slen);
	memcpy(b + off + 2, sig, slen);
	*out = b;
	*len = off + 2 + slen;
	tc_free(json);
}

static void
test_fixture_signer_accepted(void **state)
{
	struct pfx *f = *state;
	uint8_t *der = NULL, *b = NULL;
	size_t dlen = 0, len = 0;

	assert_int_equal(pfx_verify_policy(f, f->p, &f->k.signer), 0);
	/* The README's format, made by other hands, verifies too. */
	assert_int_equal(pki_crt_der(f->k.signer.crt_pem, &der, &dlen), 0);
	raw_bundle(f, der, dlen, f->k.signer.key_pem, &b, &len);
	assert_int_equal(pfx_verify(f, b, len), 0);
	free(b);
	free(der);
}

static void
test_certificate_bytes_exact(void **state)
{
	struct pfx *f = *state;
	uint8_t *der = NULL, *longer, *b = NULL;
	size_t dlen = 0, len = 0;

	/* A byte after the certificate's DER, inside cert_len and signed over. */
	assert_int_equal(pki_crt_der(f->k.signer.crt_pem, &der, &dlen), 0);
	longer = calloc(1, dlen + 1);
	assert_non_null(longer);
	memcpy(longer, der, dlen);
	raw_bundle(f, longer, dlen + 1, f->k.signer.key_pem, &b, &len);
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_SIGNER);
	free(b);
	free(longer);
	/* Two certificates back to back: the envelope holds exactly one. */
	longer = malloc(2 * dlen);
	assert_non_null(longer);
	memcpy(longer, der, dlen);
	memcpy(longer + dlen, der, dlen);
	raw_bundle(f, longer, 2 * dlen, f->k.signer.key_pem, &b, &len);
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_SIGNER);
	free(b);
	free(longer);
	free(der);
}

/* A bundle signed by a certificate from the fixture's CA with a key on curve. */
static int
verify_curve(const struct pfx *f, mbedtls_ecp_group_id curve)
{
	struct pki_spec spec = {
		.subject = "CN=" TC_POLICY_SIGNER_CN ",O=trustcam",
		.issuer = &f->k.ca,
		.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	};
	unsigned char pem[1024];
	mbedtls_pk_context pk;
	struct pki_pair signer;
	uint8_t *der = NULL, *b = NULL;
	size_t dlen = 0, len = 0;
	int rc;

	mbedtls_pk_init(&pk);
	assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk), tc_random_rng, NULL), 0);
	assert_int_equal(mbedtls_pk_write_key_pem(&pk, pem, sizeof(pem)), 0);
	mbedtls_pk_free(&pk);
	spec.key_pem = (const char *)pem;
	assert_int_equal(pki_issue(&spec, &signer), 0);
	assert_int_equal(pki_crt_der(signer.crt_pem, &der, &dlen), 0);
	raw_bundle(f, der, dlen, signer.key_pem, &b, &len);
	rc = pfx_verify(f, b, len);
	free(b);
	free(der);
	pki_pair_free(&signer);
	return rc;
}

static void
test_signer_curve(void **state)
{
	struct pfx *f = *state;

	/* Everything right but the curve: the format says P-256.  A P-384
	 * signature does not even fit the envelope's signature field... */
	assert_int_equal(verify_curve(f, MBEDTLS_ECP_DP_SECP384R1), TC_E_POLICY_FORMAT);
	/* ...another 256-bit curve fits, and the signer check refuses it. */
	assert_int_equal(verify_curve(f, MBEDTLS_ECP_DP_SECP256K1), TC_E_POLICY_SIGNER);
	assert_int_equal(verify_curve(f, MBEDTLS_ECP_DP_SECP256R1), 0);
}
static void
test_other_ca(void **state)
{
	struct pfx *f = *state;

	assert_int_equal(pfx_verify_policy(f, f->p, &f->k.other_signer), TC_E_POLICY_SIGNER);
	/* Pinning both CAs makes the other Trust's signer good: the pin is what decides. */
	{
		size_t n = strlen(f->k.ca.crt_pem) + strlen(f->k.other_ca.crt_pem) + 1;
		char *both = malloc(n);
		struct tc_policy *out = NULL;
		uint8_t *b = NULL;
		size_t len = 0;

		assert_non_null(both);
		snprintf(both, n, "%s%s", f->k.other_ca.crt_pem, f->k.ca.crt_pem);
		assert_int_equal(pki_policy_bundle(f->p, &f->k.other_signer, &b, &len), 0);
		assert_int_equal(tc_policy_verify(b, len, both, f->k.device_id, 0, f->now, &out), 0);
		tc_policy_free(out);
		tc_free(b);
		free(both);
	}
}

static void
test_ca_signs_directly(void **state)
{
	struct pfx *f = *state;

	assert_int_equal(pfx_verify_policy(f, f->p, &f->k.ca), TC_E_POLICY_SIGNER);
}

static void
test_device_cert_as_signer(void **state)
{
	struct pfx *f = *state;

	assert_int_equal(pfx_verify_policy(f, f->p, &f->k.device), TC_E_POLICY_SIGNER);
	/* Even a device-style certificate that claims the signer CN: clientAuth only. */
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
				 .eku = PKI_EKU_CLIENT }), TC_E_POLICY_SIGNER);
	assert_int_equal(verify_with_spec(f, (struct pki_spec){ .eku = PKI_EKU_SERVER }),
			 TC_E_POLICY_SIGNER);
}

static void
test_validity_at_callers_time(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *old = pfx_copy(f->p), *out = NULL;
	uint8_t *b = NULL;
	size_t len = 0;

	assert_int_equal(pfx_verify_policy(f, f->p, &f->k.expired_signer), TC_E_POLICY_SIGNER);
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .not_before = f->now + DAY, .not_after = f->now + 2 * DAY,
				 .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE }),
			 TC_E_POLICY_SIGNER);

	/* Back when the expired signer was valid, its policy of the time was good. */
	old->issued = f->now - 200 * DAY;
	old->expires = f->now - 100 * DAY;
	assert_int_equal(pki_policy_bundle(old, &f->k.expired_signer, &b, &len), 0);
	assert_int_equal(tc_policy_verify(b, len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now - 150 * DAY, &out), 0);
	tc_policy_free(out);
	/* The same bytes, judged at today's time (signer expired): refused. */
	assert_int_equal(tc_policy_verify(b, len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now, &out), TC_E_POLICY_SIGNER);
	/* And before the signer's validity began. */
	assert_int_equal(tc_policy_verify(b, len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now - 400 * DAY, &out), TC_E_POLICY_SIGNER);
	tc_free(b);
	tc_policy_free(old);
}

static void
test_expired_ca(void **state)
{
	struct pfx *f = *state;
	struct pki_spec ca_spec = {
		.subject = "CN=short-lived CA,O=trustcam",
		.not_before = f->now - 10 * DAY,
		.not_after = f->now - DAY,
		.ca = true,
		.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN,
	};
	struct pki_pair ca, signer;
	struct tc_policy *out = NULL;
	uint8_t *b = NULL;
	size_t len = 0;

	assert_int_equal(pki_issue(&ca_spec, &ca), 0);
	assert_int_equal(pki_make_signer(&ca, f->now - 5 * DAY, f->now + DAY, &signer), 0);
	assert_int_equal(pki_policy_bundle(f->p, &signer, &b, &len), 0);
	assert_int_equal(tc_policy_verify(b, len, ca.crt_pem, f->k.device_id, 0, f->now, &out),
			 TC_E_POLICY_SIGNER);
	tc_free(b);
	pki_pair_free(&signer);
	pki_pair_free(&ca);
}

static void
test_common_name(void **state)
{
	static const char *const bad[] = {
		"CN=trustcam policy signer ,O=trustcam",
		"CN=Trustcam policy signer,O=trustcam",
		"CN=trustcam policy signe,O=trustcam",
		"O=trustcam policy signer",
	};
	struct pfx *f = *state;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (verify_with_spec(f, (struct pki_spec){ .subject = bad[i] }) !=
		    TC_E_POLICY_SIGNER)
			fail_msg("subject \"%s\": expected TC_E_POLICY_SIGNER", bad[i]);
	/* The CN alone is enough; O is optional. */
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .subject = "CN=" TC_POLICY_SIGNER_CN }), 0);
}

static void
test_usages(void **state)
{
	struct pfx *f = *state;

	/* keyUsage and extendedKeyUsage are optional, and bind when present. */
	assert_int_equal(verify_with_spec(f, (struct pki_spec){ 0 }), 0);
	assert_int_equal(verify_with_spec(f, (struct pki_spec){ .eku = PKI_EKU_POLICY }), 0);
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN }),
			 TC_E_POLICY_SIGNER);
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .key_usage = MBEDTLS_X509_KU_KEY_ENCIPHERMENT }),
			 TC_E_POLICY_SIGNER);
}

static void
test_ca_flag_and_intermediate(void **state)
{
	struct pfx *f = *state;
	struct pki_spec mid_spec = {
		.subject = "CN=intermediate,O=trustcam",
		.issuer = &f->k.ca,
		.ca = true,
		.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN,
	};
	struct pki_pair mid, signer;

	/* A CA certificate with the signer's name is still a CA. */
	assert_int_equal(verify_with_spec(f, (struct pki_spec){
				 .ca = true, .key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE }),
			 TC_E_POLICY_SIGNER);
	/* A signer below an intermediate: the bundle carries one certificate only. */
	assert_int_equal(pki_issue(&mid_spec, &mid), 0);
	assert_int_equal(pki_make_signer(&mid, 0, 0, &signer), 0);
	assert_int_equal(pfx_verify_policy(f, f->p, &signer), TC_E_POLICY_SIGNER);
	pki_pair_free(&signer);
	pki_pair_free(&mid);
}

static void
test_self_made_lookalike(void **state)
{
	struct pfx *f = *state;
	struct pki_spec spec = {
		.subject = "CN=" TC_POLICY_SIGNER_CN ",O=trustcam",
		.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
		.eku = PKI_EKU_POLICY,
	};
	struct pki_pair self;

	assert_int_equal(pki_issue(&spec, &self), 0);
	assert_int_equal(pfx_verify_policy(f, f->p, &self), TC_E_POLICY_SIGNER);
	pki_pair_free(&self);
}

static void
test_pinned_certificate_signs(void **state)
{
	struct pfx *f = *state;
	struct pki_spec spec = {
		.subject = "CN=" TC_POLICY_SIGNER_CN ",O=trustcam",
		.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
	};
	struct tc_policy *out = NULL;
	struct pki_pair self;
	uint8_t *b = NULL;
	size_t len = 0;

	/* A device whose pin is a self-signed non-CA certificate: mbedtls trusts it
	 * as a locally trusted end entity, the pin itself still may not sign. */
	assert_int_equal(pki_issue(&spec, &self), 0);
	assert_int_equal(pki_policy_bundle(f->p, &self, &b, &len), 0);
	assert_int_equal(tc_policy_verify(b, len, self.crt_pem, f->k.device_id, 0, f->now, &out),
			 TC_E_POLICY_SIGNER);
	assert_null(out);
	tc_free(b);
	pki_pair_free(&self);
}

static void
test_check_order(void **state)
{
	struct pfx *f = *state;
	uint8_t *b = NULL;
	size_t len = 0;

	assert_int_equal(pki_policy_bundle(f->p, &f->k.other_signer, &b, &len), 0);
	/* Bad signer and bad signature: the signer is judged first. */
	b[len - 1] ^= 0x01;
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_SIGNER);
	/* Bad framing as well: framing first. */
	b[0] ^= 0x01;
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_FORMAT);
	tc_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_signer_accepted),
		cmocka_unit_test(test_certificate_bytes_exact),
		cmocka_unit_test(test_signer_curve),
		cmocka_unit_test(test_other_ca),
		cmocka_unit_test(test_ca_signs_directly),
		cmocka_unit_test(test_device_cert_as_signer),
		cmocka_unit_test(test_validity_at_callers_time),
		cmocka_unit_test(test_expired_ca),
		cmocka_unit_test(test_common_name),
		cmocka_unit_test(test_usages),
		cmocka_unit_test(test_ca_flag_and_intermediate),
		cmocka_unit_test(test_self_made_lookalike),
		cmocka_unit_test(test_pinned_certificate_signs),
		cmocka_unit_test(test_check_order),
	};

	return cmocka_run_group_tests_name("policy_signer", tests, pfx_setup, pfx_teardown);
}
