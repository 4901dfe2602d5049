/*
 * envelope.c - a private key under a passphrase (see tc_trust_key.h,
 * layout in README.md).
 *
 * Argon2id (libargon2) turns the passphrase and a 16-byte random salt
 * into a 32-byte key; ChaCha20-Poly1305 (mbedtls) seals the key text
 * with a random 96-bit nonce.  The whole header and the file's purpose
 * label are associated data, so changing any header byte (the cost, the
 * salt, the length) or renaming the file makes the tag fail.  Tuned for
 * being hard to brute-force off-line, not for speed: one open costs one
 * Argon2id run (about 120 ms at the default cost).
 */
#include <argon2.h>
#include <errno.h>
#include <string.h>

#include <mbedtls/chachapoly.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"

#define KEY_LEN 32
#define SALT_LEN 16
#define NONCE_LEN 12
#define LABEL_MAX 64
#define KDF_ARGON2ID 1
#define AEAD_CHACHAPOLY 1

/* The largest cost an envelope may ask for when opened: 1 GiB, 16 passes, 8 lanes. */
#define M_KIB_MAX (1024u * 1024u)
#define T_MAX 16u
#define LANES_MAX 8u

const struct tc_kdf_params tc_envelope_kdf_default = { 65536, 3, 1 };

static bool
kdf_ok(const struct tc_kdf_params *k)
{
	return k->lanes >= 1 && k->lanes <= LANES_MAX && k->t_cost >= 1 && k->t_cost <= T_MAX &&
	       k->m_kib >= 8 * k->lanes && k->m_kib <= M_KIB_MAX;
}

bool
tc_envelope_is(const uint8_t *buf, size_t len)
{
	return len >= sizeof(TC_ENVELOPE_MAGIC) - 1 &&
	       memcmp(buf, TC_ENVELOPE_MAGIC, sizeof(TC_ENVELOPE_MAGIC) - 1) == 0;
}

/* The key from the passphrase and the header's salt and cost. */
static int
derive(const char *pass, size_t passlen, const uint8_t *salt, const struct tc_kdf_params *k,
       uint8_t key[KEY_LEN])
{
	int rc = argon2id_hash_raw(k->t_cost, k->m_kib, k->lanes, pass, passlen, salt, SALT_LEN,
				   key, KEY_LEN);

	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR)
		return -ENOMEM;
	return rc == ARGON2_OK ? 0 : TC_E_CRYPTO;
}

/* aad = header || label; returns its length or 0 when label is unusable. */
static size_t
make_aad(const uint8_t *hdr, const char *label, uint8_t *aad, size_t cap)
{
	size_t l = strlen(label);

	if (l == 0 || l > LABEL_MAX || TC_ENVELOPE_HDR_LEN + l > cap)
		return 0;
	memcpy(aad, hdr, TC_ENVELOPE_HDR_LEN);
	memcpy(aad + TC_ENVELOPE_HDR_LEN, label, l);
	return TC_ENVELOPE_HDR_LEN + l;
}

int
tc_envelope_seal(const uint8_t *plain, size_t len, const char *pass, size_t passlen,
		 const char *label, const struct tc_kdf_params *kdf, uint8_t **out, size_t *outlen)
{
	uint8_t key[KEY_LEN], aad[TC_ENVELOPE_HDR_LEN + LABEL_MAX], *env = NULL;
	mbedtls_chachapoly_context cp;
	size_t aadlen, total;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (!kdf)
		kdf = &tc_envelope_kdf_default;
	if (len == 0 || len > TC_ENVELOPE_MAX_PLAIN || passlen == 0 || passlen > TC_PASSPHRASE_MAX ||
	    !kdf_ok(kdf))
		return -EINVAL;
	mbedtls_chachapoly_init(&cp);
	total = TC_ENVELOPE_HDR_LEN + len + TC_ENVELOPE_TAG_LEN;
	env = tc_malloc(total);
	if (!env) {
		rc = -ENOMEM;
		goto out;
	}
	memcpy(env, TC_ENVELOPE_MAGIC, 8);
	env[8] = TC_ENVELOPE_VERSION;
	env[9] = KDF_ARGON2ID;
	env[10] = AEAD_CHACHAPOLY;
	env[11] = 0;
	tc_put_be32(env + 12, kdf->m_kib);
	tc_put_be32(env + 16, kdf->t_cost);
	tc_put_be32(env + 20, kdf->lanes);
	if ((rc = tc_random_bytes(env + 24, SALT_LEN + NONCE_LEN)) != 0)
		goto out;
	tc_put_be32(env + 52, (uint32_t)len);
	aadlen = make_aad(env, label, aad, sizeof(aad));
	if (aadlen == 0) {
		rc = -EINVAL;
		goto out;
	}
	if ((rc = derive(pass, passlen, env + 24, kdf, key)) != 0)
		goto out;
	if (mbedtls_chachapoly_setkey(&cp, key) != 0 ||
	    mbedtls_chachapoly_encrypt_and_tag(&cp, len, env + 40, aad, aadlen, plain,
					       env + TC_ENVELOPE_HDR_LEN,
					       env + TC_ENVELOPE_HDR_LEN + len) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	*out = env;
	*outlen = total;
	env = NULL;
	rc = 0;
out:
	mbedtls_chachapoly_free(&cp);
	tc_zeroize(key, sizeof(key));
	tc_free(env);
	return rc;
}

int
tc_envelope_open(const uint8_t *env, size_t len, const char *pass, size_t passlen,
		 const char *label, uint8_t **plain, size_t *plen)
{
	uint8_t key[KEY_LEN], aad[TC_ENVELOPE_HDR_LEN + LABEL_MAX], *pt = NULL;
	mbedtls_chachapoly_context cp;
	struct tc_kdf_params k;
	size_t aadlen, n;
	int rc;

	*plain = NULL;
	*plen = 0;
	mbedtls_chachapoly_init(&cp);
	/* Framing first: nothing is derived for a file that cannot be ours. */
	if (len < TC_ENVELOPE_HDR_LEN + TC_ENVELOPE_TAG_LEN || !tc_envelope_is(env, len) ||
	    env[8] != TC_ENVELOPE_VERSION || env[9] != KDF_ARGON2ID || env[10] != AEAD_CHACHAPOLY ||
	    env[11] != 0) {
		rc = TC_E_KEYFILE;
		goto out;
	}
	k.m_kib = tc_get_be32(env + 12);
	k.t_cost = tc_get_be32(env + 16);
	k.lanes = tc_get_be32(env + 20);
	n = tc_get_be32(env + 52);
	if (!kdf_ok(&k) || n == 0 || n > TC_ENVELOPE_MAX_PLAIN ||
	    len != TC_ENVELOPE_HDR_LEN + n + TC_ENVELOPE_TAG_LEN) {
		rc = TC_E_KEYFILE;
		goto out;
	}
	if (passlen == 0 || passlen > TC_PASSPHRASE_MAX) {
		rc = TC_E_PASSPHRASE;
		goto out;
	}
	aadlen = make_aad(env, label, aad, sizeof(aad));
	if (aadlen == 0) {
		rc = -EINVAL;
		goto out;
	}
	pt = tc_secure_alloc(n + 1);
	if (!pt) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = derive(pass, passlen, env + 24, &k, key)) != 0)
		goto out;
	if (mbedtls_chachapoly_setkey(&cp, key) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	if (mbedtls_chachapoly_auth_decrypt(&cp, n, env + 40, aad, aadlen,
					    env + TC_ENVELOPE_HDR_LEN + n,
					    env + TC_ENVELOPE_HDR_LEN, pt) != 0) {
		rc = TC_E_PASSPHRASE;
		goto out;
	}
	pt[n] = 0;
	*plain = pt;
	*plen = n;
	pt = NULL;
	rc = 0;
out:
	mbedtls_chachapoly_free(&cp);
	tc_zeroize(key, sizeof(key));
	tc_secure_free(pt);
	return rc;
}
