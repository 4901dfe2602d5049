/*
 * box.c - a sealed box: bytes only the holder of one P-256 private key
 * can read (README "Sealed box").
 *
 * The same construction as a photo's key-wrap record (wrap.c): a fresh
 * ephemeral key, ECDH with the recipient, HKDF-SHA256 with the label and
 * both public keys as info, then ChaCha20-Poly1305 under that single-use
 * key with an all-zero nonce.  Only the label differs, so a box can never
 * be taken for a wrap record or the reverse.  The opener's half of the
 * ECDH is a callback: on the device it is the keystore's identity key,
 * which a TPM backend never lets out.  Used for the personal data a
 * policy bundle carries (firmware/policy); tuned for payloads of a few
 * hundred KiB at most, sealed once per policy.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "seal_int.h"

/* The single-use key of a box. */
static int
box_key(const uint8_t shared[32], const char *label, const uint8_t eph[TC_P256_PUB_LEN],
	const uint8_t recipient[TC_P256_PUB_LEN], struct seal_aead *a)
{
	uint8_t key[SEAL_KEY_LEN];
	int rc = seal_hkdf_key(shared, label, eph, recipient, NULL, 0, key);

	if (rc == 0)
		rc = seal_aead_init(a, TC_AEAD_CHACHA20_POLY1305, key);
	mbedtls_platform_zeroize(key, sizeof(key));
	return rc;
}

int
tc_box_seal(const uint8_t recipient[TC_P256_PUB_LEN], const char *label, const uint8_t *ad,
	    size_t ad_len, const uint8_t *in, size_t len, uint8_t eph[TC_P256_PUB_LEN],
	    uint8_t *out)
{
	static const uint8_t zero_nonce[SEAL_NONCE_LEN];
	struct seal_aead a = { 0 };
	uint8_t shared[32];
	int rc;

	if (!recipient || !label || !in || len == 0 || !eph || !out || (ad_len && !ad) ||
	    strlen(label) > SEAL_LABEL_MAX)
		return -EINVAL;
	if ((rc = seal_ecdh_ephemeral(recipient, eph, shared)) == 0 &&
	    (rc = box_key(shared, label, eph, recipient, &a)) == 0)
		rc = seal_aead_encrypt(&a, zero_nonce, ad, ad_len, in, len, out, out + len);
	seal_aead_free(&a);
	mbedtls_platform_zeroize(shared, sizeof(shared));
	if (rc != 0)
		mbedtls_platform_zeroize(out, len + TC_BOX_TAG_LEN);
	return rc;
}

int
tc_box_open(tc_box_ecdh_fn ecdh, void *ctx, const uint8_t recipient[TC_P256_PUB_LEN],
	    const char *label, const uint8_t *ad, size_t ad_len,
	    const uint8_t eph[TC_P256_PUB_LEN], const uint8_t *in, size_t len, uint8_t *out)
{
	static const uint8_t zero_nonce[SEAL_NONCE_LEN];
	struct seal_aead a = { 0 };
	uint8_t shared[32];
	int rc;

	if (!ecdh || !recipient || !label || !eph || !in || len <= TC_BOX_TAG_LEN || !out ||
	    (ad_len && !ad) || strlen(label) > SEAL_LABEL_MAX)
		return -EINVAL;
	len -= TC_BOX_TAG_LEN;
	/* A damaged ephemeral key is a box that does not open, like a bad tag. */
	if (seal_pub_check(eph) != 0) {
		rc = TC_E_WRONG_KEY;
		goto out;
	}
	if ((rc = ecdh(ctx, eph, shared)) == 0 &&
	    (rc = box_key(shared, label, eph, recipient, &a)) == 0)
		rc = seal_aead_decrypt(&a, zero_nonce, ad, ad_len, in, len, in + len, out);
	if (rc == SEAL_AUTH_FAILED)
		rc = TC_E_WRONG_KEY;
out:
	seal_aead_free(&a);
	mbedtls_platform_zeroize(shared, sizeof(shared));
	if (rc != 0)
		mbedtls_platform_zeroize(out, len);
	return rc;
}
