/*
 * ks_identity.c - the identity key for every backend: ECDSA P-256,
 * generated on the device, kept by the backend as the key's DER (from
 * mbedtls_pk_write_key_der; ops->id_load / id_store: identity.key for
 * the file backend, a sealed object for the TPM backend) and loaded into
 * an mbedtls context only for the one operation that needs it, then
 * wiped.
 *
 * Debian's mbedtls 2.28 cannot sign through an opaque key, so a TPM
 * backend seals the key rather than keeping it resident (see README.md).
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/base64.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "keystore_int.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "tc_seal.h"
#include "tc_secmem.h"

#define KEY_DER_MAX 512	/* mbedtls writes DER at the end of the buffer; the key itself is <= KS_IDENTITY_DER_MAX */

/* Load the backend's key into pk (initialised by the caller).  0, -ENOENT, TC_E_INVAL_INPUT. */
static int
load_key(struct tc_keystore *ks, mbedtls_pk_context *pk)
{
	uint8_t der[KEY_DER_MAX];
	size_t len = 0;
	int rc;

	rc = ks->ops->id_load(ks, der, sizeof(der), &len);
	if (rc != 0)
		return rc;
	if (tc_pk_parse_key(pk, der, len, NULL, 0) != 0 ||
	    mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY ||
	    tc_ec_grp(mbedtls_pk_ec(*pk))->id != MBEDTLS_ECP_DP_SECP256R1)
		rc = TC_E_INVAL_INPUT;
	tc_zeroize(der, sizeof(der));
	return rc;
}

int
ks_id_generate(struct tc_keystore *ks)
{
	mbedtls_pk_context pk;
	uint8_t der[KEY_DER_MAX];
	int n, rc;

	if ((rc = ks->ops->id_exists(ks)) != 0)
		return rc;
	mbedtls_pk_init(&pk);
	rc = TC_E_CRYPTO;
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), tc_random_rng,
				NULL) != 0)
		goto out;
	/* mbedtls writes DER at the end of the buffer. */
	n = mbedtls_pk_write_key_der(&pk, der, sizeof(der));
	if (n <= 0)
		goto out;
	rc = ks->ops->id_store(ks, der + sizeof(der) - n, (size_t)n);
out:
	tc_zeroize(der, sizeof(der));
	mbedtls_pk_free(&pk);
	return rc;
}

int
ks_id_pubkey(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len)
{
	mbedtls_pk_context pk;
	uint8_t buf[TC_IDENTITY_SPKI_MAX];
	int n, rc;

	mbedtls_pk_init(&pk);
	if ((rc = load_key(ks, &pk)) != 0)
		goto out;
	n = mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf));
	if (n <= 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	if ((size_t)n > cap) {
		rc = -ENOBUFS;
		goto out;
	}
	memcpy(der, buf + sizeof(buf) - n, (size_t)n);
	*len = (size_t)n;
out:
	mbedtls_pk_free(&pk);
	return rc;
}

int
ks_id_sign(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig, size_t cap,
		size_t *len)
{
	mbedtls_pk_context pk;
	uint8_t buf[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	size_t n = 0;
	int rc;

	mbedtls_pk_init(&pk);
	if ((rc = load_key(ks, &pk)) != 0)
		goto out;
	if (tc_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, 32, buf, sizeof(buf), &n) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	if (n > cap) {
		rc = -ENOBUFS;
		goto out;
	}
	memcpy(sig, buf, n);
	*len = n;
out:
	mbedtls_pk_free(&pk);
	return rc;
}

int
ks_id_csr(struct tc_keystore *ks, const char *subject, char *pem, size_t cap, size_t *len)
{
	mbedtls_x509write_csr csr;
	mbedtls_pk_context pk;
	int rc, m;

	mbedtls_pk_init(&pk);
	mbedtls_x509write_csr_init(&csr);
	if ((rc = load_key(ks, &pk)) != 0)
		goto out;
	mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
	mbedtls_x509write_csr_set_key(&csr, &pk);
	if (mbedtls_x509write_csr_set_subject_name(&csr, subject) != 0) {
		rc = -EINVAL;
		goto out;
	}
	m = mbedtls_x509write_csr_pem(&csr, (unsigned char *)pem, cap, tc_random_rng, NULL);
	if (m != 0) {
		rc = m == MBEDTLS_ERR_ASN1_BUF_TOO_SMALL || m == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL
			? -ENOBUFS : TC_E_CRYPTO;
		goto out;
	}
	*len = strnlen(pem, cap);
	rc = *len < cap ? 0 : TC_E_CRYPTO;
out:
	mbedtls_x509write_csr_free(&csr);
	mbedtls_pk_free(&pk);
	return rc;
}

int
ks_id_pk(struct tc_keystore *ks, mbedtls_pk_context *pk)
{
	int rc = load_key(ks, pk);

	if (rc != 0) {
		/* Leave nothing half-loaded behind. */
		mbedtls_pk_free(pk);
		mbedtls_pk_init(pk);
	}
	return rc;
}

int
ks_id_ecdh(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32])
{
	mbedtls_pk_context pk;
	uint8_t d[TC_P256_PRIV_LEN];
	int rc;

	mbedtls_pk_init(&pk);
	if ((rc = load_key(ks, &pk)) != 0)
		goto out;
	if (mbedtls_mpi_write_binary(tc_ec_d(mbedtls_pk_ec(pk)), d, sizeof(d)) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	rc = tc_p256_ecdh(d, peer, x);
out:
	tc_zeroize(d, sizeof(d));
	mbedtls_pk_free(&pk);
	if (rc != 0)
		tc_zeroize(x, 32);
	return rc;
}
