/*
 * wrap.c - wrapping a photo's content key to a P-256 public key.
 *
 * ECIES-style, one record per recipient: a fresh ephemeral key pair,
 * ECDH with the recipient's public key, HKDF-SHA256 over the shared
 * x-coordinate (salt = photo id, info = label ‖ ephemeral pub ‖ recipient
 * pub, so a record cannot be replayed for another photo or recipient),
 * then the header's AEAD under that single-use key with an all-zero nonce
 * and the fixed header ‖ key id as associated data.  The device holds no
 * private key that opens the Trust's record: once the content key is
 * wiped from RAM, only the Trust can read the photo.
 *
 * Sealing is split in two so the costly half can run before the shutter:
 * seal_wrap_prepare (ephemeral key, ECDH, HKDF) needs only the recipient
 * and the photo id; seal_wrap_seal (the AEAD, microseconds) binds the
 * fixed header, whose creation time is only known at tc_seal_begin*.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/bignum.h>
#include <mbedtls/ecdh.h>
#include <mbedtls/ecp.h>
#include <mbedtls/hkdf.h>
#include <mbedtls/md.h>
#include <mbedtls/platform_util.h>

#include "seal_int.h"
#include "tc_io.h"
#include "tc_random.h"

#define WRAP_LABEL "trustcam-wrap-v1"

/* mbedtls failures: out of memory and no entropy keep their meaning. */
static int
map_err(int mrc)
{
	if (mrc == MBEDTLS_ERR_MPI_ALLOC_FAILED || mrc == MBEDTLS_ERR_ECP_ALLOC_FAILED)
		return -ENOMEM;
	if (mrc == MBEDTLS_ERR_ECP_RANDOM_FAILED)
		return TC_E_RNG;
	return TC_E_CRYPTO;
}

int
seal_key_id(const uint8_t pub[TC_P256_PUB_LEN], uint8_t id[SEAL_KEYID_LEN])
{
	uint8_t h[TC_SHA256_LEN];

	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), pub, TC_P256_PUB_LEN,
		       h) != 0)
		return TC_E_CRYPTO;
	memcpy(id, h, SEAL_KEYID_LEN);
	return 0;
}

/* Loads P-256 and reads pub into q; TC_E_INVAL_INPUT unless it is on the curve. */
static int
load_point(mbedtls_ecp_group *grp, mbedtls_ecp_point *q, const uint8_t pub[TC_P256_PUB_LEN])
{
	int mrc;

	if ((mrc = mbedtls_ecp_group_load(grp, MBEDTLS_ECP_DP_SECP256R1)) != 0)
		return map_err(mrc);
	if (pub[0] != 0x04)	/* uncompressed only: one encoding per key */
		return TC_E_INVAL_INPUT;
	if (mbedtls_ecp_point_read_binary(grp, q, pub, TC_P256_PUB_LEN) != 0 ||
	    mbedtls_ecp_check_pubkey(grp, q) != 0)
		return TC_E_INVAL_INPUT;
	return 0;
}

int
seal_pub_check(const uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	int rc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	rc = load_point(&grp, &q, pub);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int
seal_pub_from_priv(const uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	size_t olen;
	int rc, mrc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	if ((mrc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1)) != 0 ||
	    (mrc = mbedtls_mpi_read_binary(&d, priv, TC_P256_PRIV_LEN)) != 0) {
		rc = map_err(mrc);
		goto out;
	}
	if (mbedtls_ecp_check_privkey(&grp, &d) != 0) {
		rc = -EINVAL;
		goto out;
	}
	if ((mrc = mbedtls_ecp_mul(&grp, &q, &d, &grp.G, tc_random_rng, NULL)) != 0 ||
	    (mrc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
						  pub, TC_P256_PUB_LEN)) != 0) {
		rc = map_err(mrc);
		goto out;
	}
	rc = olen == TC_P256_PUB_LEN ? 0 : TC_E_CRYPTO;
out:
	mbedtls_mpi_free(&d);	/* mbedtls wipes limbs on free */
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int
tc_p256_keygen(uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	size_t olen;
	int rc = 0, mrc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	if ((mrc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1)) != 0 ||
	    (mrc = mbedtls_ecp_gen_keypair(&grp, &d, &q, tc_random_rng, NULL)) != 0 ||
	    (mrc = mbedtls_mpi_write_binary(&d, priv, TC_P256_PRIV_LEN)) != 0 ||
	    (mrc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
						  pub, TC_P256_PUB_LEN)) != 0)
		rc = map_err(mrc);
	if (rc != 0)
		mbedtls_platform_zeroize(priv, TC_P256_PRIV_LEN);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

int
tc_p256_public(const uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi d;
	size_t olen;
	int rc = 0, mrc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&d);
	if ((mrc = mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1)) != 0 ||
	    (mrc = mbedtls_mpi_read_binary(&d, priv, TC_P256_PRIV_LEN)) != 0)
		rc = map_err(mrc);
	else if (mbedtls_ecp_check_privkey(&grp, &d) != 0)
		rc = -EINVAL;	/* zero, or not below the group order */
	else if ((mrc = mbedtls_ecp_mul(&grp, &q, &d, &grp.G, tc_random_rng, NULL)) != 0 ||
		 (mrc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED,
						       &olen, pub, TC_P256_PUB_LEN)) != 0)
		rc = map_err(mrc);
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return rc;
}

/*
 * A single-use key: HKDF-SHA256(salt, ikm = ECDH x, info = label ‖
 * ephemeral pub ‖ recipient pub).  For a wrap record the salt is the
 * photo id and nothing depends on the creation time, which is why a wrap
 * can be prepared before the photo exists (seal_wrap_prepare).
 */
int
seal_hkdf_key(const uint8_t shared[32], const char *label, const uint8_t eph[TC_P256_PUB_LEN],
	      const uint8_t recipient[TC_P256_PUB_LEN], const uint8_t *salt, size_t salt_len,
	      uint8_t key[SEAL_KEY_LEN])
{
	uint8_t info[SEAL_LABEL_MAX + 2 * TC_P256_PUB_LEN];
	size_t l = strlen(label);

	if (l > SEAL_LABEL_MAX)
		return -EINVAL;
	memcpy(info, label, l);
	memcpy(info + l, eph, TC_P256_PUB_LEN);
	memcpy(info + l + TC_P256_PUB_LEN, recipient, TC_P256_PUB_LEN);
	if (mbedtls_hkdf(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), salt, salt_len, shared, 32,
			 info, l + 2 * TC_P256_PUB_LEN, key, SEAL_KEY_LEN) != 0)
		return TC_E_CRYPTO;
	return 0;
}

/* ECDH x-coordinate of d * q as 32 big-endian bytes. */
static int
ecdh_x(mbedtls_ecp_group *grp, const mbedtls_ecp_point *q, const mbedtls_mpi *d,
       uint8_t shared[32])
{
	mbedtls_mpi z;
	int mrc;

	mbedtls_mpi_init(&z);
	if ((mrc = mbedtls_ecdh_compute_shared(grp, &z, q, d, tc_random_rng, NULL)) == 0)
		mrc = mbedtls_mpi_write_binary(&z, shared, 32);
	mbedtls_mpi_free(&z);
	return mrc == 0 ? 0 : map_err(mrc);
}

/* AD of a wrap record's AEAD: the fixed header and the record's key id. */
static void
wrap_ad(uint8_t ad[SEAL_FIXED_LEN + SEAL_KEYID_LEN], const uint8_t fixed[SEAL_FIXED_LEN],
	const uint8_t keyid[SEAL_KEYID_LEN])
{
	memcpy(ad, fixed, SEAL_FIXED_LEN);
	memcpy(ad + SEAL_FIXED_LEN, keyid, SEAL_KEYID_LEN);
}

int
seal_ecdh_ephemeral(const uint8_t recipient[TC_P256_PUB_LEN], uint8_t eph[TC_P256_PUB_LEN],
		    uint8_t shared[32])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q, r;
	mbedtls_mpi d;
	size_t olen;
	int rc, mrc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_ecp_point_init(&r);
	mbedtls_mpi_init(&d);
	if ((rc = load_point(&grp, &r, recipient)) != 0)
		goto out;
	if ((mrc = mbedtls_ecp_gen_keypair(&grp, &d, &q, tc_random_rng, NULL)) != 0 ||
	    (mrc = mbedtls_ecp_point_write_binary(&grp, &q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
						  eph, TC_P256_PUB_LEN)) != 0) {
		rc = map_err(mrc);
		goto out;
	}
	rc = ecdh_x(&grp, &r, &d, shared);
out:
	/* The ephemeral private key dies here: only the shared secret is kept. */
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&r);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	if (rc != 0)
		mbedtls_platform_zeroize(shared, 32);
	return rc;
}

int
tc_p256_ecdh(const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t peer[TC_P256_PUB_LEN],
	     uint8_t x[32])
{
	mbedtls_ecp_group grp;
	mbedtls_ecp_point e;
	mbedtls_mpi d;
	int rc, mrc;

	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&e);
	mbedtls_mpi_init(&d);
	if ((rc = load_point(&grp, &e, peer)) != 0)
		goto out;
	if ((mrc = mbedtls_mpi_read_binary(&d, priv, TC_P256_PRIV_LEN)) != 0) {
		rc = map_err(mrc);
		goto out;
	}
	if (mbedtls_ecp_check_privkey(&grp, &d) != 0) {
		rc = -EINVAL;
		goto out;
	}
	rc = ecdh_x(&grp, &e, &d, x);
out:
	mbedtls_mpi_free(&d);
	mbedtls_ecp_point_free(&e);
	mbedtls_ecp_group_free(&grp);
	if (rc != 0)
		mbedtls_platform_zeroize(x, 32);
	return rc;
}

int
seal_wrap_prepare(const uint8_t recipient[TC_P256_PUB_LEN],
		  const uint8_t photo_id[TC_PHOTO_ID_LEN], struct seal_wrap_prep *w)
{
	uint8_t shared[32];
	int rc;

	if ((rc = seal_key_id(recipient, w->keyid)) == 0 &&
	    (rc = seal_ecdh_ephemeral(recipient, w->eph, shared)) == 0)
		rc = seal_hkdf_key(shared, WRAP_LABEL, w->eph, recipient, photo_id,
				   TC_PHOTO_ID_LEN, w->wkey);
	mbedtls_platform_zeroize(shared, sizeof(shared));
	if (rc != 0)
		mbedtls_platform_zeroize(w, sizeof(*w));
	return rc;
}

int
seal_wrap_seal(enum tc_aead aead, const struct seal_wrap_prep *w,
	       const uint8_t fixed[SEAL_FIXED_LEN], const uint8_t cek[SEAL_KEY_LEN],
	       uint8_t rec[SEAL_WRAP_LEN])
{
	static const uint8_t zero_nonce[SEAL_NONCE_LEN];
	uint8_t ad[SEAL_FIXED_LEN + SEAL_KEYID_LEN];
	uint8_t *ct = rec + SEAL_KEYID_LEN + TC_P256_PUB_LEN, *tag = ct + SEAL_KEY_LEN;
	struct seal_aead a = { 0 };
	int rc;

	memcpy(rec, w->keyid, SEAL_KEYID_LEN);
	memcpy(rec + SEAL_KEYID_LEN, w->eph, TC_P256_PUB_LEN);
	wrap_ad(ad, fixed, w->keyid);
	if ((rc = seal_aead_init(&a, aead, w->wkey)) == 0)
		rc = seal_aead_encrypt(&a, zero_nonce, ad, sizeof(ad), cek, SEAL_KEY_LEN, ct, tag);
	seal_aead_free(&a);
	if (rc != 0)
		mbedtls_platform_zeroize(rec, SEAL_WRAP_LEN);
	return rc;
}

int
seal_wrap_open(enum tc_aead aead, const uint8_t rec[SEAL_WRAP_LEN],
	       const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t pub[TC_P256_PUB_LEN],
	       const uint8_t fixed[SEAL_FIXED_LEN], uint8_t cek[SEAL_KEY_LEN])
{
	static const uint8_t zero_nonce[SEAL_NONCE_LEN];
	const uint8_t *keyid = rec, *eph = rec + SEAL_KEYID_LEN;
	const uint8_t *ct = eph + TC_P256_PUB_LEN, *tag = ct + SEAL_KEY_LEN;
	uint8_t shared[32], wkey[SEAL_KEY_LEN], ad[SEAL_FIXED_LEN + SEAL_KEYID_LEN];
	struct seal_aead a = { 0 };
	int rc;

	/* A damaged ephemeral key is a record that does not open, like a bad tag. */
	rc = tc_p256_ecdh(priv, eph, shared);
	if (rc == TC_E_INVAL_INPUT)
		rc = SEAL_AUTH_FAILED;
	if (rc != 0 ||
	    (rc = seal_hkdf_key(shared, WRAP_LABEL, eph, pub, fixed + SEAL_OFF_PHOTO_ID,
				TC_PHOTO_ID_LEN, wkey)) != 0 ||
	    (rc = seal_aead_init(&a, aead, wkey)) != 0)
		goto out;
	wrap_ad(ad, fixed, keyid);
	rc = seal_aead_decrypt(&a, zero_nonce, ad, sizeof(ad), ct, SEAL_KEY_LEN, tag, cek);
out:
	seal_aead_free(&a);
	mbedtls_platform_zeroize(shared, sizeof(shared));
	mbedtls_platform_zeroize(wkey, sizeof(wkey));
	if (rc != 0)
		mbedtls_platform_zeroize(cek, SEAL_KEY_LEN);
	return rc;
}

int
tc_p256_key_decode(const char *text, size_t len, uint8_t *out, size_t out_len)
{
	char hex[2 * TC_P256_PUB_LEN + 1];
	uint8_t pub[TC_P256_PUB_LEN];
	int rc = TC_E_KEYFILE;

	if (out_len != TC_P256_PRIV_LEN && out_len != TC_P256_PUB_LEN)
		return -EINVAL;
	if (len == 2 * out_len + 1 && text[len - 1] == '\n')
		len--;	/* the one line ending the tools write */
	if (len != 2 * out_len)
		goto out;
	memcpy(hex, text, len);
	hex[len] = '\0';	/* an embedded NUL then fails the length check */
	if (tc_hex_decode(hex, out, out_len) != 0)
		goto out;
	if (out_len == TC_P256_PRIV_LEN)
		rc = seal_pub_from_priv(out, pub) == 0 ? 0 : TC_E_KEYFILE;
	else
		rc = seal_pub_check(out) == 0 ? 0 : TC_E_KEYFILE;
out:
	mbedtls_platform_zeroize(hex, sizeof(hex));
	if (rc != 0)
		mbedtls_platform_zeroize(out, out_len);
	return rc;
}
