/*
 * aead.c - ChaCha20-Poly1305 and AES-256-GCM behind one small table.
 *
 * Both ciphers are always compiled in: the Kconfig choice only says which
 * one new objects use, and a Trust-side reader must open either.  Both
 * take a 256-bit key, a 96-bit nonce and give a 128-bit tag, so the
 * object format does not depend on which one a header names.
 * Tuned for whole 64 KiB chunks in one call: no per-call allocation.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "autoconf.h"
#include "seal_int.h"

struct seal_aead_ops {
	enum tc_aead id;
	const char *name;
	int (*setkey)(struct seal_aead *a, const uint8_t *key);
	int (*encrypt)(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad,
		       size_t ad_len, const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag);
	/* 0, SEAL_AUTH_FAILED or TC_E_CRYPTO */
	int (*decrypt)(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad,
		       size_t ad_len, const uint8_t *in, size_t len, const uint8_t *tag,
		       uint8_t *out);
	void (*free)(struct seal_aead *a);
};

/* ---- ChaCha20-Poly1305 (RFC 8439) ---- */
static int
cp_setkey(struct seal_aead *a, const uint8_t *key)
{
	mbedtls_chachapoly_init(&a->u.chachapoly);
	return mbedtls_chachapoly_setkey(&a->u.chachapoly, key) == 0 ? 0 : TC_E_CRYPTO;
}

static int
cp_encrypt(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
	   const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	return mbedtls_chachapoly_encrypt_and_tag(&a->u.chachapoly, len, nonce, ad, ad_len,
						  in, out, tag) == 0 ? 0 : TC_E_CRYPTO;
}

static int
cp_decrypt(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
	   const uint8_t *in, size_t len, const uint8_t *tag, uint8_t *out)
{
	int rc = mbedtls_chachapoly_auth_decrypt(&a->u.chachapoly, len, nonce, ad, ad_len,
						 tag, in, out);

	if (rc == MBEDTLS_ERR_CHACHAPOLY_AUTH_FAILED)
		return SEAL_AUTH_FAILED;
	return rc == 0 ? 0 : TC_E_CRYPTO;
}

static void
cp_free(struct seal_aead *a)
{
	mbedtls_chachapoly_free(&a->u.chachapoly);
}

/* ---- AES-256-GCM (SP 800-38D) ---- */
static int
gcm_setkey(struct seal_aead *a, const uint8_t *key)
{
	mbedtls_gcm_init(&a->u.gcm);
	return mbedtls_gcm_setkey(&a->u.gcm, MBEDTLS_CIPHER_ID_AES, key, SEAL_KEY_LEN * 8) == 0
		? 0 : TC_E_CRYPTO;
}

static int
gcm_encrypt(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
	    const uint8_t *in, size_t len, uint8_t *out, uint8_t *tag)
{
	return mbedtls_gcm_crypt_and_tag(&a->u.gcm, MBEDTLS_GCM_ENCRYPT, len, nonce,
					 SEAL_NONCE_LEN, ad, ad_len, in, out, SEAL_TAG_LEN,
					 tag) == 0 ? 0 : TC_E_CRYPTO;
}

static int
gcm_decrypt(struct seal_aead *a, const uint8_t *nonce, const uint8_t *ad, size_t ad_len,
	    const uint8_t *in, size_t len, const uint8_t *tag, uint8_t *out)
{
	int rc = mbedtls_gcm_auth_decrypt(&a->u.gcm, len, nonce, SEAL_NONCE_LEN, ad, ad_len,
					  tag, SEAL_TAG_LEN, in, out);

	if (rc == MBEDTLS_ERR_GCM_AUTH_FAILED)
		return SEAL_AUTH_FAILED;
	return rc == 0 ? 0 : TC_E_CRYPTO;
}

static void
gcm_free(struct seal_aead *a)
{
	mbedtls_gcm_free(&a->u.gcm);
}

static const struct seal_aead_ops aead_table[] = {
	{ TC_AEAD_CHACHA20_POLY1305, "chacha20-poly1305", cp_setkey, cp_encrypt, cp_decrypt,
	  cp_free },
	{ TC_AEAD_AES256_GCM, "aes-256-gcm", gcm_setkey, gcm_encrypt, gcm_decrypt, gcm_free },
};

static const struct seal_aead_ops *
ops_of(enum tc_aead id)
{
	size_t i;

	for (i = 0; i < sizeof(aead_table) / sizeof(aead_table[0]); i++)
		if (aead_table[i].id == id)
			return &aead_table[i];
	return NULL;
}

enum tc_aead
seal_aead_resolve(enum tc_aead a)
{
	if (a != TC_AEAD_DEFAULT)
		return a;
#ifdef CONFIG_SEAL_AEAD_AES256_GCM
	return TC_AEAD_AES256_GCM;
#else
	return TC_AEAD_CHACHA20_POLY1305;
#endif
}

bool
seal_aead_known(enum tc_aead a)
{
	return ops_of(a) != NULL;
}

const char *
seal_aead_name(enum tc_aead a)
{
	const struct seal_aead_ops *o = ops_of(a);

	return o ? o->name : "unknown";
}

int
seal_aead_init(struct seal_aead *a, enum tc_aead id, const uint8_t key[SEAL_KEY_LEN])
{
	const struct seal_aead_ops *o = ops_of(id);
	int rc;

	memset(a, 0, sizeof(*a));
	if (!o)
		return TC_E_BAD_ALGORITHM;
	if ((rc = o->setkey(a, key)) != 0) {
		o->free(a);
		mbedtls_platform_zeroize(a, sizeof(*a));
		return rc;
	}
	a->ops = o;
	return 0;
}

int
seal_aead_encrypt(struct seal_aead *a, const uint8_t nonce[SEAL_NONCE_LEN], const uint8_t *ad,
		  size_t ad_len, const uint8_t *in, size_t len, uint8_t *out,
		  uint8_t tag[SEAL_TAG_LEN])
{
	if (!a->ops)
		return TC_E_CRYPTO;
	return a->ops->encrypt(a, nonce, ad, ad_len, in, len, out, tag);
}

int
seal_aead_decrypt(struct seal_aead *a, const uint8_t nonce[SEAL_NONCE_LEN], const uint8_t *ad,
		  size_t ad_len, const uint8_t *in, size_t len, const uint8_t tag[SEAL_TAG_LEN],
		  uint8_t *out)
{
	int rc;

	if (!a->ops)
		return TC_E_CRYPTO;
	rc = a->ops->decrypt(a, nonce, ad, ad_len, in, len, tag, out);
	/* Never hand back unauthenticated plaintext, whatever the library did. */
	if (rc != 0 && len > 0)
		mbedtls_platform_zeroize(out, len);
	return rc;
}

void
seal_aead_free(struct seal_aead *a)
{
	if (a->ops)
		a->ops->free(a);
	mbedtls_platform_zeroize(a, sizeof(*a));
}
