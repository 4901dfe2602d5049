/*
 * photod_cert.c - is this device certificate the Trust's certificate for
 * this device?  (Rule R1.)
 *
 * Four checks, all with mbedtls's X.509 parser (no hand parsing): the
 * certificate chains to the pinned Trust CA; its public key is the
 * keystore's identity key (byte-for-byte SubjectPublicKeyInfo); its
 * subject CN is the device id; its extended key usage, if any, allows TLS
 * client authentication.  Also, when a policy is at hand, the CA the
 * policy names must be the pinned CA itself.
 */
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "photod.h"
#include "tc_keystore.h"

/* PEM needs its NUL counted; DER (starting with a SEQUENCE) must not have it. */
static int
parse_one(mbedtls_x509_crt *crt, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return -1;
	if (buf[0] == 0x30)
		return mbedtls_x509_crt_parse_der(crt, buf, len);
	if (buf[len] != '\0')	/* callers' buffers carry a NUL past len */
		return -1;
	return mbedtls_x509_crt_parse(crt, buf, len + 1);
}

static int
cn_is(const mbedtls_x509_crt *crt, const char *id)
{
	const mbedtls_x509_name *n;
	size_t idlen = strlen(id);
	int found = 0;

	for (n = &crt->subject; n; n = n->next) {
		if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		if (found || n->val.len != idlen || memcmp(n->val.p, id, idlen) != 0)
			return 0;	/* a second CN, or the wrong one */
		found = 1;
	}
	return found;
}

static int
same_der(const mbedtls_x509_crt *a, const mbedtls_x509_crt *b)
{
	return a->raw.len == b->raw.len && memcmp(a->raw.p, b->raw.p, a->raw.len) == 0;
}

int
photod_cert_check(const uint8_t *cert, size_t cert_len, const char *ca_pem,
		  const uint8_t *spki, size_t spki_len, const char *device_id,
		  const char *policy_ca_pem, const char **why)
{
	mbedtls_x509_crt ca, crt, pca;
	uint8_t der[TC_IDENTITY_SPKI_MAX];
	uint32_t flags = 0;
	int n, rc = TC_E_CERT;

	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&crt);
	mbedtls_x509_crt_init(&pca);
	*why = "the Trust CA certificate does not parse";
	if (!ca_pem || mbedtls_x509_crt_parse(&ca, (const unsigned char *)ca_pem,
					      strlen(ca_pem) + 1) != 0)
		goto out;
	/* One pinned anchor: a bundle of several would widen what the device trusts. */
	*why = "the Trust CA file holds more than one certificate";
	if (ca.next)
		goto out;
	*why = "the device certificate does not parse";
	if (parse_one(&crt, cert, cert_len) != 0)
		goto out;
	*why = "the device certificate is not issued by the Trust CA";
	if (mbedtls_x509_crt_verify(&crt, &ca, NULL, NULL, &flags, NULL, NULL) != 0)
		goto out;
	*why = "the device certificate is not for this device's key";
	n = mbedtls_pk_write_pubkey_der(&crt.pk, der, sizeof(der));
	if (n <= 0 || (size_t)n != spki_len || memcmp(der + sizeof(der) - n, spki, spki_len) != 0)
		goto out;
	*why = "the device certificate names another device";
	if (!cn_is(&crt, device_id))
		goto out;
	*why = "the device certificate is not for TLS client authentication";
	if (mbedtls_x509_crt_check_extended_key_usage(&crt, MBEDTLS_OID_CLIENT_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)) != 0)
		goto out;
	if (policy_ca_pem) {
		*why = "the policy names a different Trust CA";
		if (mbedtls_x509_crt_parse(&pca, (const unsigned char *)policy_ca_pem,
					   strlen(policy_ca_pem) + 1) != 0 ||
		    !same_der(&ca, &pca))
			goto out;
	}
	*why = "";
	rc = 0;
out:
	mbedtls_x509_crt_free(&pca);
	mbedtls_x509_crt_free(&crt);
	mbedtls_x509_crt_free(&ca);
	return rc;
}
