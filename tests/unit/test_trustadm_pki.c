/*
 * test_trustadm_pki.c - trustadm's X.509 work (tools/trustadm/pki*.c):
 * the subjectAltName and extendedKeyUsage DER it builds by hand decode
 * with mbedtls and read back; the CA is a CA; server, signer and device
 * certificates carry their profile and chain to the CA and to no other
 * CA; the policy signer is one firmware/policy accepts; and CSRs with a
 * wrong CN, a broken signature, the wrong curve or no CSR at all are
 * refused with the right code.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <mbedtls/asn1.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "pki_fixture.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_pki.h"
#include "tc_policy.h"
#include "tc_random.h"
#include "tc_secmem.h"

/* A key and the certificate trustadm issued for it. */
struct cert {
	mbedtls_pk_context pk;
	char *pem;
	char serial[2 * TC_PKI_SERIAL_LEN + 1];
	mbedtls_x509_crt crt;
};

static const uint8_t ip4[4] = { 10, 0, 0, 5 };

static void
cert_free(struct cert *c)
{
	mbedtls_pk_free(&c->pk);
	mbedtls_x509_crt_free(&c->crt);
	tc_free(c->pem);
	memset(c, 0, sizeof(*c));
}

/* Issue profile for a fresh key, signed by ca (NULL: self-signed), and parse it. */
static void
issue(struct cert *c, enum tc_pki_profile profile, const char *subject, struct cert *ca)
{
	struct tc_pki_cert req = {
		.profile = profile, .subject = subject, .subject_key = &c->pk,
		.issuer_key = ca ? &ca->pk : &c->pk, .now = (int64_t)time(NULL), .days = 365,
		.dns_name = "trust.example.org", .ip = ip4, .ip_len = sizeof(ip4),
	};

	mbedtls_pk_init(&c->pk);
	mbedtls_x509_crt_init(&c->crt);
	assert_int_equal(tc_pki_keygen(&c->pk), 0);
	assert_int_equal(tc_pki_issue(&req, &c->pem, c->serial), 0);
	assert_int_equal(mbedtls_x509_crt_parse(&c->crt, (const unsigned char *)c->pem,
						strlen(c->pem) + 1), 0);
}

static uint32_t
verify_flags(struct cert *leaf, struct cert *ca)
{
	uint32_t flags = 0;

	(void)mbedtls_x509_crt_verify(&leaf->crt, &ca->crt, NULL, NULL, &flags, NULL, NULL);
	return flags;
}

/* The value of extension oid in crt's raw extensions, or NULL. */
static const unsigned char *
find_ext(const mbedtls_x509_crt *crt, const char *oid, size_t oid_len, size_t *len)
{
	const mbedtls_x509_buf *v3 = &crt->v3_ext;
	unsigned char *p = v3->p, *end = v3->p + v3->len, *ext_end;
	size_t l;
	int crit;

	/* SEQUENCE OF Extension (mbedtls keeps it without the explicit [3] wrapper). */
	if (p && p < end && *p == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 3) &&
	    mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
				 MBEDTLS_ASN1_CONSTRUCTED | 3) != 0)
		return NULL;
	if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0)
		return NULL;
	while (p < end) {
		if (mbedtls_asn1_get_tag(&p, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
					 MBEDTLS_ASN1_SEQUENCE) != 0)
			return NULL;
		ext_end = p + l;
		if (mbedtls_asn1_get_tag(&p, ext_end, &l, MBEDTLS_ASN1_OID) != 0)
			return NULL;
		if (l == oid_len && memcmp(p, oid, l) == 0) {
			p += l;
			(void)mbedtls_asn1_get_bool(&p, ext_end, &crit);
			if (mbedtls_asn1_get_tag(&p, ext_end, len, MBEDTLS_ASN1_OCTET_STRING) != 0)
				return NULL;
			return p;
		}
		p = ext_end;
	}
	return NULL;
}

/* Walk a SAN value: the dNSName and the iPAddress it holds. */
static void
read_san(const unsigned char *p, size_t len, char *dns, size_t dcap, uint8_t *ip, size_t *ip_len)
{
	unsigned char *q = (unsigned char *)p, *end = q + len;
	size_t l;

	dns[0] = 0;
	*ip_len = 0;
	assert_int_equal(mbedtls_asn1_get_tag(&q, end, &l, MBEDTLS_ASN1_CONSTRUCTED |
					      MBEDTLS_ASN1_SEQUENCE), 0);
	assert_ptr_equal(q + l, end);
	while (q < end) {
		unsigned char tag = *q++;

		assert_int_equal(mbedtls_asn1_get_len(&q, end, &l), 0);
		if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)) {
			assert_true(l < dcap);
			memcpy(dns, q, l);
			dns[l] = 0;
		} else if (tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)) {
			assert_true(l == 4 || l == 16);
			memcpy(ip, q, l);
			*ip_len = l;
		} else {
			fail_msg("unexpected GeneralName tag 0x%02x", tag);
		}
		q += l;
	}
}

static void
test_san_der_decodes(void **state)
{
	static const uint8_t ip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	uint8_t buf[512], ip[16];
	const uint8_t *der;
	char dns[64];
	size_t len, ip_len;

	(void)state;
	assert_int_equal(tc_pki_san_der("trust.example.org", ip4, 4, buf, sizeof(buf), &der, &len), 0);
	read_san(der, len, dns, sizeof(dns), ip, &ip_len);
	assert_string_equal(dns, "trust.example.org");
	assert_int_equal(ip_len, 4);
	assert_memory_equal(ip, ip4, 4);

	assert_int_equal(tc_pki_san_der("h", ip6, 16, buf, sizeof(buf), &der, &len), 0);
	read_san(der, len, dns, sizeof(dns), ip, &ip_len);
	assert_string_equal(dns, "h");
	assert_int_equal(ip_len, 16);
	assert_memory_equal(ip, ip6, 16);

	assert_int_equal(tc_pki_san_der(NULL, ip4, 4, buf, sizeof(buf), &der, &len), 0);
	read_san(der, len, dns, sizeof(dns), ip, &ip_len);
	assert_string_equal(dns, "");
	assert_int_equal(ip_len, 4);

	assert_int_equal(tc_pki_san_der(NULL, NULL, 0, buf, sizeof(buf), &der, &len), -EINVAL);
	assert_int_equal(tc_pki_san_der("h", ip4, 5, buf, sizeof(buf), &der, &len), -EINVAL);
	/* Too small a buffer fails cleanly rather than writing before it. */
	assert_int_not_equal(tc_pki_san_der("trust.example.org", ip4, 4, buf, 8, &der, &len), 0);
}

static void
test_ca_is_a_ca(void **state)
{
	struct cert ca;

	(void)state;
	issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	assert_int_equal(ca.crt.version, 3);
	assert_int_equal(ca.crt.MBEDTLS_PRIVATE(ca_istrue), 1);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&ca.crt, MBEDTLS_X509_KU_KEY_CERT_SIGN), 0);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&ca.crt, MBEDTLS_X509_KU_CRL_SIGN), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_key_usage(&ca.crt,
							      MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
	/* Self-signed: it verifies against itself. */
	assert_int_equal(verify_flags(&ca, &ca), 0);
	/* A positive 128-bit serial, as printed. */
	assert_int_equal(ca.crt.serial.len, TC_PKI_SERIAL_LEN);
	assert_true(ca.crt.serial.p[0] < 0x80 && ca.crt.serial.p[0] != 0);
	assert_int_equal(strlen(ca.serial), 2 * TC_PKI_SERIAL_LEN);
	assert_int_equal(tc_pki_check_chain(ca.pem, ca.pem), 0);
	cert_free(&ca);
}

static void
test_server_cert_profile(void **state)
{
	struct cert ca, srv;
	const unsigned char *v;
	char dns[64], host[] = "trust.example.org";
	uint8_t ip[16];
	size_t len, ip_len;
	mbedtls_x509_subject_alternative_name san;

	(void)state;
	issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	issue(&srv, TC_PKI_SERVER, "CN=trust.example.org,O=trustcam", &ca);
	assert_int_equal(srv.crt.MBEDTLS_PRIVATE(ca_istrue), 0);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&srv.crt,
							  MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
	assert_int_equal(mbedtls_x509_crt_check_extended_key_usage(&srv.crt,
		MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_extended_key_usage(&srv.crt,
		MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)), 0);
	/* mbedtls lists the dNSName and checks it as a TLS client would. */
	assert_non_null(srv.crt.subject_alt_names.buf.p);
	assert_int_equal(mbedtls_x509_parse_subject_alt_name(&srv.crt.subject_alt_names.buf, &san), 0);
	assert_int_equal(san.type, MBEDTLS_X509_SAN_DNS_NAME);
	assert_int_equal(san.san.unstructured_name.len, strlen(host));
	assert_memory_equal(san.san.unstructured_name.p, host, strlen(host));
	{
		uint32_t flags = 0;

		assert_int_equal(mbedtls_x509_crt_verify(&srv.crt, &ca.crt, NULL, host, &flags,
							 NULL, NULL), 0);
		assert_int_not_equal(mbedtls_x509_crt_verify(&srv.crt, &ca.crt, NULL,
							     "other.example.org", &flags, NULL,
							     NULL), 0);
		assert_true(flags & MBEDTLS_X509_BADCERT_CN_MISMATCH);
	}
	/* The iPAddress entry, read from the raw extension. */
	v = find_ext(&srv.crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
		     MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), &len);
	assert_non_null(v);
	read_san(v, len, dns, sizeof(dns), ip, &ip_len);
	assert_string_equal(dns, host);
	assert_int_equal(ip_len, 4);
	assert_memory_equal(ip, ip4, 4);
	assert_int_equal(verify_flags(&srv, &ca), 0);
	cert_free(&srv);
	cert_free(&ca);
}

static void
test_device_chains_to_its_ca_only(void **state)
{
	struct cert ca, other, dev;

	(void)state;
	issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	/* Same subject name, different key: only the signature tells them apart. */
	issue(&other, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	issue(&dev, TC_PKI_DEVICE, "CN=D-0123456789abcdef,O=trustcam", &ca);
	assert_int_equal(dev.crt.MBEDTLS_PRIVATE(ca_istrue), 0);
	assert_int_equal(mbedtls_x509_crt_check_extended_key_usage(&dev.crt,
		MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_extended_key_usage(&dev.crt,
		MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	assert_int_equal(verify_flags(&dev, &ca), 0);
	assert_true(verify_flags(&dev, &other) & MBEDTLS_X509_BADCERT_NOT_TRUSTED);
	assert_int_equal(tc_pki_check_chain(dev.pem, ca.pem), 0);
	assert_int_equal(tc_pki_check_chain(dev.pem, other.pem), TC_E_CERT);
	/* A device certificate cannot act as a CA for another. */
	{
		struct cert sub;

		issue(&sub, TC_PKI_DEVICE, "CN=D-1111111111111111,O=trustcam", &dev);
		assert_int_not_equal(verify_flags(&sub, &dev), 0);
		cert_free(&sub);
	}
	cert_free(&dev);
	cert_free(&other);
	cert_free(&ca);
}

/* The firmware signer: a code-signing leaf of the CA, good for nothing else. */
static void
test_firmware_signer_profile(void **state)
{
	struct cert ca, fw;

	(void)state;
	issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	issue(&fw, TC_PKI_FIRMWARE_SIGNER, TC_PKI_FIRMWARE_SUBJECT, &ca);
	assert_int_equal(fw.crt.MBEDTLS_PRIVATE(ca_istrue), 0);
	assert_int_equal(mbedtls_x509_crt_check_key_usage(&fw.crt,
							  MBEDTLS_X509_KU_DIGITAL_SIGNATURE), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_key_usage(&fw.crt,
							      MBEDTLS_X509_KU_KEY_CERT_SIGN), 0);
	assert_int_equal(mbedtls_x509_crt_check_extended_key_usage(&fw.crt,
		MBEDTLS_OID_CODE_SIGNING, MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING)), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_extended_key_usage(&fw.crt,
		MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)), 0);
	assert_int_not_equal(mbedtls_x509_crt_check_extended_key_usage(&fw.crt,
		MBEDTLS_OID_SERVER_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)), 0);
	assert_int_equal(verify_flags(&fw, &ca), 0);
	cert_free(&fw);
	cert_free(&ca);
}

/* The signer trustadm makes is one the device's verifier accepts. */
static void
test_policy_signer_accepted(void **state)
{
	struct cert ca, other, signer;
	struct tc_policy *p = NULL, *out = NULL;
	char *key_pem;
	size_t key_len;
	uint8_t *json = NULL, *bundle = NULL;
	size_t jlen, blen;

	(void)state;
	issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	issue(&other, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
	issue(&signer, TC_PKI_POLICY_SIGNER, TC_PKI_SIGNER_SUBJECT, &ca);
	assert_int_equal(tc_pki_key_pem(&signer.pk, &key_pem, &key_len), 0);
	assert_int_equal(strlen(key_pem), key_len);
	assert_int_equal(pki_policy_new("D-0123456789abcdef", ca.pem, NULL, &p), 0);
	{
		uint8_t priv[TC_P256_PRIV_LEN];

		assert_int_equal(tc_p256_keygen(priv, p->device_pub), 0);
	}
	assert_int_equal(tc_policy_encode(p, &json, &jlen), 0);
	assert_int_equal(tc_policy_sign(json, jlen, key_pem, signer.pem, &bundle, &blen), 0);
	assert_int_equal(tc_policy_verify(bundle, blen, ca.pem, "D-0123456789abcdef", 0,
					  (int64_t)time(NULL), &out), 0);
	tc_policy_free(out);
	out = NULL;
	assert_int_equal(tc_policy_verify(bundle, blen, other.pem, "D-0123456789abcdef", 0,
					  (int64_t)time(NULL), &out), TC_E_POLICY_SIGNER);
	assert_null(out);
	tc_free(bundle);
	bundle = NULL;
	/* A server certificate from the same CA is no policy signer. */
	{
		struct cert srv;
		char *srv_key;
		size_t sl;

		issue(&srv, TC_PKI_SERVER, "CN=trust.example.org,O=trustcam", &ca);
		assert_int_equal(tc_pki_key_pem(&srv.pk, &srv_key, &sl), 0);
		assert_int_equal(tc_policy_sign(json, jlen, srv_key, srv.pem, &bundle, &blen), 0);
		assert_int_equal(tc_policy_verify(bundle, blen, ca.pem, "D-0123456789abcdef", 0,
						  (int64_t)time(NULL), &out), TC_E_POLICY_SIGNER);
		tc_secure_free(srv_key);
		cert_free(&srv);
	}
	tc_free(bundle);
	tc_free(json);
	tc_secure_free(key_pem);
	tc_policy_free(p);
	cert_free(&signer);
	cert_free(&other);
	cert_free(&ca);
}

/* A CSR as a device makes it; subject NULL: "CN=<its id>,O=trustcam". */
static void
make_csr(mbedtls_ecp_group_id curve, const char *subject, int flip_sig, int pem,
	 uint8_t *out, size_t cap, size_t *len, char id[TC_POLICY_ID_MAX])
{
	mbedtls_x509write_csr w;
	mbedtls_pk_context pk;
	unsigned char der[2048], spki[256];
	char subj[160];
	int n;

	mbedtls_pk_init(&pk);
	mbedtls_x509write_csr_init(&w);
	assert_int_equal(mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)), 0);
	assert_int_equal(mbedtls_ecp_gen_key(curve, mbedtls_pk_ec(pk), tc_random_rng, NULL), 0);
	n = mbedtls_pk_write_pubkey_der(&pk, spki, sizeof(spki));
	assert_true(n > 0);
	assert_int_equal(tc_device_id(spki + sizeof(spki) - n, (size_t)n, id), 0);
	snprintf(subj, sizeof(subj), "%s", subject ? subject : "");
	if (!subject)
		snprintf(subj, sizeof(subj), "CN=%s,O=trustcam", id);
	mbedtls_x509write_csr_set_key(&w, &pk);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	assert_int_equal(mbedtls_x509write_csr_set_subject_name(&w, subj), 0);
	n = mbedtls_x509write_csr_der(&w, der, sizeof(der), tc_random_rng, NULL);
	assert_true(n > 0);
	if (flip_sig)
		der[sizeof(der) - 1] ^= 0x01;
	if (pem) {
		assert_int_equal(mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE REQUEST-----\n",
							  "-----END CERTIFICATE REQUEST-----\n",
							  der + sizeof(der) - n, (size_t)n, out,
							  cap, len), 0);
		*len = strlen((char *)out);	/* the NUL stays at out[*len] */
	} else {
		memcpy(out, der + sizeof(der) - n, (size_t)n);
		*len = (size_t)n;
		out[*len] = 0;
	}
	mbedtls_x509write_csr_free(&w);
	mbedtls_pk_free(&pk);
}

static void
test_csr_checks(void **state)
{
	uint8_t buf[4096];
	char id[TC_POLICY_ID_MAX], got[TC_POLICY_ID_MAX], why[256], subj[160];
	mbedtls_x509_csr csr;
	size_t len;

	(void)state;
	/* Good, PEM and DER: the id is recomputed from the key. */
	make_csr(MBEDTLS_ECP_DP_SECP256R1, NULL, 0, 1, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), 0);
	assert_string_equal(got, id);
	mbedtls_x509_csr_free(&csr);
	make_csr(MBEDTLS_ECP_DP_SECP256R1, NULL, 0, 0, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), 0);
	assert_string_equal(got, id);
	mbedtls_x509_csr_free(&csr);

	/* Another device's id as CN. */
	make_csr(MBEDTLS_ECP_DP_SECP256R1, "CN=D-0123456789abcdef,O=trustcam", 0, 1, buf,
		 sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), TC_E_CERT);
	assert_non_null(strstr(why, "not the device id"));
	assert_string_equal(got, "");
	mbedtls_x509_csr_free(&csr);

	/* No CN, and two CNs (the right one among them). */
	make_csr(MBEDTLS_ECP_DP_SECP256R1, "O=trustcam", 0, 1, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), TC_E_CERT);
	mbedtls_x509_csr_free(&csr);
	make_csr(MBEDTLS_ECP_DP_SECP256R1, NULL, 0, 1, buf, sizeof(buf), &len, id);
	snprintf(subj, sizeof(subj), "CN=%s,CN=%s", id, id);
	make_csr(MBEDTLS_ECP_DP_SECP256R1, subj, 0, 1, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), TC_E_CERT);
	mbedtls_x509_csr_free(&csr);

	/* A signature that does not verify. */
	make_csr(MBEDTLS_ECP_DP_SECP256R1, NULL, 1, 1, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), TC_E_CERT);
	assert_non_null(strstr(why, "signature"));
	mbedtls_x509_csr_free(&csr);

	/* P-384 is not the device's curve. */
	make_csr(MBEDTLS_ECP_DP_SECP384R1, NULL, 0, 1, buf, sizeof(buf), &len, id);
	assert_int_equal(tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)), TC_E_CERT);
	assert_non_null(strstr(why, "P-256"));
	mbedtls_x509_csr_free(&csr);

	/* Not a CSR: garbage, and a certificate. */
	memcpy(buf, "hello, I am not a CSR\n", 23);
	assert_int_equal(tc_pki_csr_load(&csr, buf, 22, got, why, sizeof(why)), TC_E_INVAL_INPUT);
	assert_non_null(strstr(why, "not a certificate signing request"));
	mbedtls_x509_csr_free(&csr);
	{
		struct cert ca;

		issue(&ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, NULL);
		assert_int_equal(tc_pki_csr_load(&csr, (const uint8_t *)ca.pem, strlen(ca.pem), got,
						 why, sizeof(why)), TC_E_INVAL_INPUT);
		mbedtls_x509_csr_free(&csr);
		cert_free(&ca);
	}
}

static void
test_key_pem_round_trip(void **state)
{
	mbedtls_pk_context pk, back;
	char *pem;
	size_t len;

	(void)state;
	mbedtls_pk_init(&pk);
	mbedtls_pk_init(&back);
	assert_int_equal(tc_pki_keygen(&pk), 0);
	assert_int_equal(tc_pki_key_pem(&pk, &pem, &len), 0);
	assert_int_equal(tc_secure_len(pem) >= len + 1, 1);	/* in secure memory */
	assert_int_equal(tc_pki_key_parse(&back, (const uint8_t *)pem, len), 0);
	assert_int_equal(tc_pk_check_pair(&pk, &back), 0);
	tc_secure_free(pem);
	mbedtls_pk_free(&back);
	mbedtls_pk_init(&back);
	assert_int_equal(tc_pki_key_parse(&back, (const uint8_t *)"junk", 4), TC_E_KEYFILE);
	mbedtls_pk_free(&back);
	mbedtls_pk_free(&pk);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_san_der_decodes),
		cmocka_unit_test(test_ca_is_a_ca),
		cmocka_unit_test(test_server_cert_profile),
		cmocka_unit_test(test_device_chains_to_its_ca_only),
		cmocka_unit_test(test_policy_signer_accepted),
		cmocka_unit_test(test_firmware_signer_profile),
		cmocka_unit_test(test_csr_checks),
		cmocka_unit_test(test_key_pem_round_trip),
	};

	return cmocka_run_group_tests_name("trustadm_pki", tests, NULL, NULL);
}
