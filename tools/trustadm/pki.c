/*
 * pki.c - the Trust's certificates, written with mbedtls x509write (see
 * tc_pki.h for the profiles).
 *
 * Tuned for certificates that a small TLS stack on the device accepts
 * without surprises: P-256 and SHA-256 only, the extensions a verifier
 * needs and nothing else, and every certificate checked against the CA
 * right after it is written (tc_pki_check_chain) by the callers.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/ecp.h>
#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_pki.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define PEM_KEY_MAX 1024
#define EXT_MAX 512
#define BACKDATE_S 3600

int
tc_pki_keygen(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(*pk), tc_random_rng,
				NULL) != 0)
		return TC_E_CRYPTO;
	return 0;
}

int
tc_pki_key_pem(mbedtls_pk_context *pk, char **pem, size_t *len)
{
	char *buf = tc_secure_alloc(PEM_KEY_MAX);

	*pem = NULL;
	*len = 0;
	if (!buf)
		return -ENOMEM;
	if (mbedtls_pk_write_key_pem(pk, (unsigned char *)buf, PEM_KEY_MAX) != 0) {
		tc_secure_free(buf);
		return TC_E_CRYPTO;
	}
	*pem = buf;
	*len = strlen(buf);
	return 0;
}

int
tc_pki_key_parse(mbedtls_pk_context *pk, const uint8_t *pem, size_t len)
{
	if (tc_pk_parse_key(pk, pem, len + 1, NULL, 0) != 0 ||
	    mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY ||
	    tc_ec_grp(mbedtls_pk_ec(*pk))->id != MBEDTLS_ECP_DP_SECP256R1)
		return TC_E_KEYFILE;
	return 0;
}

/* Prepend tag and length for a value of vlen bytes already written at *p. */
static int
put_header(unsigned char **p, unsigned char *start, unsigned char tag, size_t vlen,
	   size_t *total)
{
	int a, b;

	if ((a = mbedtls_asn1_write_len(p, start, vlen)) < 0 ||
	    (b = mbedtls_asn1_write_tag(p, start, tag)) < 0)
		return TC_E_CRYPTO;
	*total += (size_t)a + (size_t)b;
	return 0;
}

/* Prepend a primitive value: tag, length, bytes. */
static int
put_value(unsigned char **p, unsigned char *start, unsigned char tag, const void *v,
	  size_t vlen, size_t *total)
{
	int a = mbedtls_asn1_write_raw_buffer(p, start, v, vlen);

	if (a < 0)
		return TC_E_CRYPTO;
	*total += (size_t)a;
	return put_header(p, start, tag, vlen, total);
}

int
tc_pki_san_der(const char *dns, const uint8_t *ip, size_t ip_len, uint8_t *buf, size_t cap,
	       const uint8_t **der, size_t *len)
{
	unsigned char *p = buf + cap;
	size_t total = 0, dl = dns ? strlen(dns) : 0;
	int rc;

	*der = NULL;
	*len = 0;
	if ((!dns && !ip) || (ip && ip_len != 4 && ip_len != 16) || (dns && (dl == 0 || dl > 253)))
		return -EINVAL;
	/* ASN.1 is written back to front: the iPAddress [7] comes last, so first. */
	if (ip && (rc = put_value(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7, ip, ip_len,
				  &total)) != 0)
		return rc;
	if (dns && (rc = put_value(&p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2, dns, dl,
				   &total)) != 0)
		return rc;
	if ((rc = put_header(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, total,
			     &total)) != 0)
		return rc;
	*der = p;
	*len = total;
	return 0;
}

int
tc_pki_eku_der(const char *oid, size_t oid_len, uint8_t *buf, size_t cap, const uint8_t **der,
	       size_t *len)
{
	unsigned char *p = buf + cap;
	size_t total = 0;
	int rc;

	*der = NULL;
	*len = 0;
	if ((rc = put_value(&p, buf, MBEDTLS_ASN1_OID, oid, oid_len, &total)) != 0 ||
	    (rc = put_header(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE, total,
			     &total)) != 0)
		return rc;
	*der = p;
	*len = total;
	return 0;
}

/* "YYYYMMDDhhmmss" (UTC) as x509write wants it. */
static int
x509_time(int64_t t, char out[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, 16, "%Y%m%d%H%M%S", &tm) != 14)
		return -EINVAL;
	return 0;
}

/* The profile's extensions: basic constraints, key usage, EKU and SAN. */
static int
set_profile(mbedtls_x509write_cert *w, const struct tc_pki_cert *c)
{
	static const char signer_oid[] = TC_POLICY_SIGNER_EKU_OID;
	uint8_t buf[EXT_MAX];
	const uint8_t *der;
	const char *eku;
	size_t len, eku_len;
	int rc;

	switch (c->profile) {
	case TC_PKI_CA:
		if (mbedtls_x509write_crt_set_basic_constraints(w, 1, 0) != 0 ||
		    mbedtls_x509write_crt_set_key_usage(w, MBEDTLS_X509_KU_KEY_CERT_SIGN |
							   MBEDTLS_X509_KU_CRL_SIGN) != 0)
			return TC_E_CRYPTO;
		return 0;
	case TC_PKI_POLICY_SIGNER:
		eku = signer_oid;
		eku_len = sizeof(signer_oid) - 1;
		break;
	case TC_PKI_SERVER:
		eku = MBEDTLS_OID_SERVER_AUTH;
		eku_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH);
		break;
	case TC_PKI_DEVICE:
		eku = MBEDTLS_OID_CLIENT_AUTH;
		eku_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH);
		break;
	case TC_PKI_FIRMWARE_SIGNER:
		eku = MBEDTLS_OID_CODE_SIGNING;
		eku_len = MBEDTLS_OID_SIZE(MBEDTLS_OID_CODE_SIGNING);
		break;
	default:
		return -EINVAL;
	}
	if (mbedtls_x509write_crt_set_basic_constraints(w, 0, -1) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(w, MBEDTLS_X509_KU_DIGITAL_SIGNATURE) != 0)
		return TC_E_CRYPTO;
	if ((rc = tc_pki_eku_der(eku, eku_len, buf, sizeof(buf), &der, &len)) != 0)
		return rc;
	if (mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
						der, len) != 0)
		return TC_E_CRYPTO;
	if (c->profile != TC_PKI_SERVER)
		return 0;
	if ((rc = tc_pki_san_der(c->dns_name, c->ip, c->ip_len, buf, sizeof(buf), &der, &len)) != 0)
		return rc;
	if (mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0,
						der, len) != 0)
		return TC_E_CRYPTO;
	return 0;
}

int
tc_pki_issue(const struct tc_pki_cert *c, char **pem, char serial_hex[2 * TC_PKI_SERIAL_LEN + 1])
{
	mbedtls_x509write_cert w;
	unsigned char serial[TC_PKI_SERIAL_LEN];
	char nb[16], na[16], *out = NULL;
	int rc;

	*pem = NULL;
	serial_hex[0] = 0;
	mbedtls_x509write_crt_init(&w);
	if (!c->subject || !c->subject_key || !c->issuer_key || c->days == 0) {
		rc = -EINVAL;
		goto out;
	}
	/* Positive and exactly 16 bytes long in DER: top bit clear, first byte non-zero. */
	if ((rc = tc_random_bytes(serial, sizeof(serial))) != 0)
		goto out;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);
	if ((rc = x509_time(c->now - BACKDATE_S, nb)) != 0 ||
	    (rc = x509_time(c->now + (int64_t)c->days * 86400, na)) != 0)
		goto out;
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, c->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&w, c->issuer_key);
	if (tc_x509write_crt_set_serial(&w, serial, sizeof(serial)) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, nb, na) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, c->subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, c->profile == TC_PKI_CA ? c->subject :
						  TC_PKI_CA_SUBJECT) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	if ((rc = set_profile(&w, c)) != 0)
		goto out;
	out = tc_malloc(TC_PKI_CERT_MAX);
	if (!out) {
		rc = -ENOMEM;
		goto out;
	}
	if (mbedtls_x509write_crt_pem(&w, (unsigned char *)out, TC_PKI_CERT_MAX, tc_random_rng,
				      NULL) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	tc_hex_encode(serial, sizeof(serial), serial_hex);
	*pem = out;
	out = NULL;
	rc = 0;
out:
	tc_free(out);
	mbedtls_x509write_crt_free(&w);
	return rc;
}

int
tc_pki_check_chain(const char *cert_pem, const char *ca_pem)
{
	mbedtls_x509_crt crt, ca;
	uint32_t flags = 0;
	int rc = TC_E_CERT;

	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&ca);
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)cert_pem, strlen(cert_pem) + 1) == 0 &&
	    mbedtls_x509_crt_parse(&ca, (const unsigned char *)ca_pem, strlen(ca_pem) + 1) == 0 &&
	    mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL, NULL) == 0)
		rc = 0;
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
	return rc;
}
