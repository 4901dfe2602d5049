/*
 * bundle.c - the policy bundle's envelope: framing, signing (Trust side)
 * and the device's verification, in the order the README fixes.
 *
 * Tuned for a verifier that touches untrusted bytes as little as
 * possible: the framing reads only fixed-width lengths, the certificate
 * goes to mbedtls's X.509 parser, and the JSON payload is handed to
 * jansson only after the signature over the exact bytes has verified.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_policy.h"
#include "tc_secmem.h"

int
policy_frame_parse(const uint8_t *b, size_t len, struct policy_frame *f)
{
	size_t off, rest;
	uint32_t n;

	memset(f, 0, sizeof(*f));
	if (len < POLICY_MIN_LEN || len > TC_POLICY_BUNDLE_MAX)
		return TC_E_POLICY_FORMAT;
	if (memcmp(b, POLICY_MAGIC, 4) != 0 || b[4] != POLICY_FORMAT ||
	    b[5] != 0 || b[6] != 0 || b[7] != 0)
		return TC_E_POLICY_FORMAT;

	/* Every subtraction below is from a remainder already known to be larger. */
	off = POLICY_HDR_LEN;
	n = tc_get_be32(b + off);
	off += 4;
	rest = len - off;
	if (n == 0 || n > POLICY_PAYLOAD_MAX || n > rest)
		return TC_E_POLICY_FORMAT;
	f->payload = b + off;
	f->payload_len = n;
	off += n;

	if (len - off < 4)
		return TC_E_POLICY_FORMAT;
	n = tc_get_be32(b + off);
	off += 4;
	rest = len - off;
	if (n == 0 || n > POLICY_CERT_MAX || n > rest)
		return TC_E_POLICY_FORMAT;
	f->cert = b + off;
	f->cert_len = n;
	off += n;
	f->signed_len = off;

	if (len - off < 2)
		return TC_E_POLICY_FORMAT;
	n = tc_get_be16(b + off);
	off += 2;
	if (n == 0 || n > POLICY_SIG_MAX || n != len - off)
		return TC_E_POLICY_FORMAT;
	f->sig = b + off;
	f->sig_len = n;
	return 0;
}

static int
sha256(const uint8_t *in, size_t len, uint8_t out[TC_SHA256_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (md == NULL || mbedtls_md(md, in, len, out) != 0)
		return TC_E_CRYPTO;
	return 0;
}

/* ca_pem must be a NUL-terminated PEM; mbedtls wants the NUL counted. */
static int
parse_ca(const char *ca_pem, mbedtls_x509_crt *ca)
{
	if (mbedtls_x509_crt_parse(ca, (const unsigned char *)ca_pem, strlen(ca_pem) + 1) != 0)
		return -EINVAL;
	return 0;
}

/*
 * The checks after parsing: device, validity period, anti-rollback,
 * device class.  Order and errors as in tc_policy.h.
 */
static int
check_rules(const struct tc_policy *p, const char *device_id, uint64_t min_version,
	    int64_t now)
{
	if (device_id != NULL && strcmp(p->device_id, device_id) != 0)
		return TC_E_POLICY_DEVICE;
	if (now < p->issued - TC_POLICY_CLOCK_SKEW)
		return TC_E_POLICY_NOT_YET;
	if (now >= p->expires)
		return TC_E_POLICY_EXPIRED;
	if (p->version <= min_version)
		return TC_E_POLICY_ROLLBACK;
	/* R2: an approved device deletes on receipt, whatever the Trust asks. */
	if (p->device_class == TC_CLASS_APPROVED && p->rules.delete_grace_hours != 0)
		return TC_E_POLICY_CLASS;
	return 0;
}

int
tc_policy_verify(const uint8_t *bundle, size_t len, const char *ca_pem, const char *device_id,
		 uint64_t min_version, int64_t now, struct tc_policy **out)
{
	struct policy_frame f;
	struct tc_policy *p = NULL;
	mbedtls_x509_crt ca, signer;
	uint8_t hash[TC_SHA256_LEN];
	int ret;

	mbedtls_x509_crt_init(&ca);
	mbedtls_x509_crt_init(&signer);
	if (out == NULL) {
		ret = -EINVAL;
		goto out;
	}
	*out = NULL;
	if (bundle == NULL || ca_pem == NULL) {
		ret = -EINVAL;
		goto out;
	}

	ret = policy_frame_parse(bundle, len, &f);
	if (ret != 0)
		goto out;
	ret = parse_ca(ca_pem, &ca);
	if (ret != 0)
		goto out;
	ret = policy_signer_check(f.cert, f.cert_len, &ca, now, &signer);
	if (ret != 0)
		goto out;

	ret = sha256(bundle, f.signed_len, hash);
	if (ret != 0)
		goto out;
	if (mbedtls_pk_verify(&signer.pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
			      f.sig, f.sig_len) != 0) {
		ret = TC_E_POLICY_SIGNATURE;
		goto out;
	}

	/* Only now are the payload's bytes known to come from the Trust. */
	ret = policy_payload_decode(f.payload, f.payload_len, &p);
	if (ret != 0)
		goto out;
	ret = check_rules(p, device_id, min_version, now);
	if (ret != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	tc_policy_free(p);
	mbedtls_x509_crt_free(&signer);
	mbedtls_x509_crt_free(&ca);
	return ret;
}

/*
 * The signer's key and certificate: key parsed from PEM (the caller's
 * buffer, never copied), certificate reduced to its DER, and the two
 * checked to belong together so trustadm cannot issue a bundle that no
 * device could verify.
 */
static int
load_signer(const char *key_pem, const char *cert_pem, mbedtls_pk_context *key,
	    mbedtls_x509_crt *crt)
{
	if (tc_pk_parse_key(key, (const unsigned char *)key_pem, strlen(key_pem) + 1,
			    NULL, 0) != 0)
		return -EINVAL;
	if (!mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA) || mbedtls_pk_get_bitlen(key) != 256)
		return -EINVAL;
	if (mbedtls_x509_crt_parse(crt, (const unsigned char *)cert_pem,
				   strlen(cert_pem) + 1) != 0)
		return -EINVAL;
	if (crt->raw.len == 0 || crt->raw.len > POLICY_CERT_MAX)
		return -EINVAL;
	if (tc_pk_check_pair(&crt->pk, key) != 0)
		return -EINVAL;
	return 0;
}

int
tc_policy_sign(const uint8_t *json, size_t len, const char *signer_key_pem,
	       const char *signer_cert_pem, uint8_t **bundle, size_t *blen)
{
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	uint8_t hash[TC_SHA256_LEN];
	uint8_t sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	uint8_t *b = NULL;
	size_t sig_len = 0, total, off;
	int ret;

	mbedtls_pk_init(&key);
	mbedtls_x509_crt_init(&crt);
	if (bundle == NULL || blen == NULL) {
		ret = -EINVAL;
		goto out;
	}
	*bundle = NULL;
	*blen = 0;
	if (json == NULL || len == 0 || signer_key_pem == NULL || signer_cert_pem == NULL) {
		ret = -EINVAL;
		goto out;
	}
	if (len > POLICY_PAYLOAD_MAX) {
		ret = -EFBIG;
		goto out;
	}
	ret = load_signer(signer_key_pem, signer_cert_pem, &key, &crt);
	if (ret != 0)
		goto out;

	total = POLICY_HDR_LEN + 4 + len + 4 + crt.raw.len + 2 + POLICY_SIG_MAX;
	if (total > TC_POLICY_BUNDLE_MAX) {
		ret = -EFBIG;
		goto out;
	}
	b = tc_malloc(total);
	if (b == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(b, POLICY_MAGIC, 4);
	b[4] = POLICY_FORMAT;
	b[5] = b[6] = b[7] = 0;
	off = POLICY_HDR_LEN;
	tc_put_be32(b + off, (uint32_t)len);
	off += 4;
	memcpy(b + off, json, len);
	off += len;
	tc_put_be32(b + off, (uint32_t)crt.raw.len);
	off += 4;
	memcpy(b + off, crt.raw.p, crt.raw.len);
	off += crt.raw.len;

	ret = sha256(b, off, hash);
	if (ret != 0)
		goto out;
	if (tc_pk_sign(&key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig),
		       &sig_len) != 0 || sig_len == 0 || sig_len > POLICY_SIG_MAX) {
		ret = TC_E_CRYPTO;
		goto out;
	}
	tc_put_be16(b + off, (uint16_t)sig_len);
	off += 2;
	memcpy(b + off, sig, sig_len);
	off += sig_len;

	*bundle = b;
	*blen = off;
	b = NULL;
	ret = 0;
out:
	tc_free(b);
	/* mbedtls_pk_free wipes the private scalar; the stack copies go here. */
	mbedtls_pk_free(&key);
	mbedtls_x509_crt_free(&crt);
	tc_zeroize(hash, sizeof(hash));
	tc_zeroize(sig, sizeof(sig));
	return ret;
}
