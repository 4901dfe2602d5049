/*
 * keystore.c - dispatch to the configured keystore backend, and what is
 * the same for every backend: argument checks and the CSR's subject (the
 * device id derived from the identity key's public half).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#include "autoconf.h"
#include "keystore_int.h"
#include "tc_io.h"
#include "tc_policy.h"
#include "tc_secmem.h"

/*
 * The configured backend.  A build with the file backend as default and
 * the TPM backend built too (the host test build, with fault injection)
 * uses the TPM when TC_KEYSTORE_TCTI names one: that is how the tests
 * run everything against a swtpm.  A TPM board has no file backend to
 * fall back to.
 */
static const struct tc_keystore_ops *
pick_backend(void)
{
#if defined(CONFIG_KEYSTORE_TPM)
	return &tc_keystore_tpm_ops;
#elif defined(CONFIG_KEYSTORE_FILE)
#if defined(CONFIG_KEYSTORE_TPM_BACKEND) && defined(CONFIG_FAULT_INJECTION)
	const char *tcti = getenv("TC_KEYSTORE_TCTI");

	if (tcti && *tcti)
		return &tc_keystore_tpm_ops;
#endif
	return &tc_keystore_file_ops;
#else
#error "no keystore backend configured"
#endif
}

int
tc_keystore_open(struct tc_keystore **out, const char *dir)
{
	struct tc_keystore *ks;
	int rc;

	*out = NULL;
	ks = tc_calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
	ks->ops = pick_backend();
	rc = ks->ops->open(ks, dir);
	if (rc != 0) {
		tc_free(ks);
		return rc;
	}
	/* Whatever the backend: no key on the device may open a photo (R3). */
	ks_erase_legacy(dir);
	*out = ks;
	return 0;
}

void
tc_keystore_close(struct tc_keystore *ks)
{
	if (!ks)
		return;
	ks->ops->close(ks);
	tc_free(ks);
}

int
tc_keystore_secret(struct tc_keystore *ks, enum tc_secret_id id, int create,
		   uint8_t out[TC_SECRET_LEN])
{
	if ((int)id < 0 || id >= TC_SECRET_COUNT)
		return -EINVAL;
	return ks->ops->secret(ks, id, create, out);
}

int
tc_keystore_identity_generate(struct tc_keystore *ks)
{
	return ks_id_generate(ks);
}

int
tc_keystore_identity_pubkey(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len)
{
	if (!der || !len)
		return -EINVAL;
	return ks_id_pubkey(ks, der, cap, len);
}

int
tc_keystore_identity_sign(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig,
			  size_t cap, size_t *len)
{
	if (!hash || !sig || !len)
		return -EINVAL;
	return ks_id_sign(ks, hash, sig, cap, len);
}

int
tc_keystore_identity_csr(struct tc_keystore *ks, char *pem, size_t cap, size_t *len,
			 char *device_id)
{
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char id[TC_POLICY_ID_MAX], subject[TC_POLICY_ID_MAX + 32];
	size_t n;
	int rc;

	if (!pem || !len)
		return -EINVAL;
	if ((rc = ks_id_pubkey(ks, spki, sizeof(spki), &n)) != 0 ||
	    (rc = tc_device_id(spki, n, id)) != 0)
		return rc;
	snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", id);
	rc = ks_id_csr(ks, subject, pem, cap, len);
	if (rc == 0 && device_id)
		memcpy(device_id, id, sizeof(id));
	return rc;
}

int
tc_keystore_identity_pk(struct tc_keystore *ks, mbedtls_pk_context *pk)
{
	if (!pk)
		return -EINVAL;
	return ks_id_pk(ks, pk);
}

int
tc_keystore_identity_ecdh(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32])
{
	if (!peer || !x)
		return -EINVAL;
	return ks_id_ecdh(ks, peer, x);
}

int
tc_keystore_identity_point(struct tc_keystore *ks, uint8_t pub[65])
{
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	size_t n;
	int rc;

	if (!pub)
		return -EINVAL;
	if ((rc = ks_id_pubkey(ks, spki, sizeof(spki), &n)) != 0)
		return rc;
	return tc_device_pub(spki, n, pub);
}

int
tc_keystore_pin_mac(struct tc_keystore *ks, const uint8_t *in, size_t len,
		    uint8_t out[TC_PIN_MAC_LEN])
{
	uint8_t *key;
	int rc;

	if (!in || !out)
		return -EINVAL;
	if (!(key = tc_secure_alloc(TC_SECRET_LEN)))
		return -ENOMEM;
	rc = ks->ops->secret(ks, TC_SECRET_PIN, 1, key);
	if (rc == 0 && mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
				       TC_SECRET_LEN, in, len, out) != 0)
		rc = TC_E_CRYPTO;
	tc_secure_free(key);
	if (rc != 0)
		tc_zeroize(out, TC_PIN_MAC_LEN);
	return rc;
}

int
tc_keystore_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out)
{
	if (!out)
		return -EINVAL;
	return ks->ops->pin_failures_get(ks, out);
}

int
tc_keystore_pin_failures_add(struct tc_keystore *ks, int64_t locked_until, uint32_t *count)
{
	struct tc_pin_failures f;
	int rc;

	if (!count || locked_until < 0)
		return -EINVAL;
	/* A damaged record counts as the fifth failure: nothing is gained by breaking it. */
	rc = ks->ops->pin_failures_get(ks, &f);
	if (rc == TC_E_INVAL_INPUT)
		f.count = 4;
	else if (rc != 0)
		return rc;
	if (f.count == UINT32_MAX)
		return -EOVERFLOW;
	f.count++;
	f.locked_until = locked_until;
	if ((rc = ks->ops->pin_failures_set(ks, &f)) == 0)
		*count = f.count;
	return rc;
}

int
tc_keystore_pin_failures_reset(struct tc_keystore *ks)
{
	static const struct tc_pin_failures zero = { 0, 0 };

	return ks->ops->pin_failures_set(ks, &zero);
}

int
tc_keystore_erase(struct tc_keystore *ks, unsigned mask)
{
	if (mask & ~TC_KEY_ALL)
		return -EINVAL;
	return ks->ops->erase(ks, mask);
}

int
tc_keystore_wipe(struct tc_keystore *ks)
{
	return ks->ops->erase(ks, TC_KEY_ALL);
}

int
tc_keystore_floor_get(struct tc_keystore *ks, uint64_t *version)
{
	if (!version)
		return -EINVAL;
	*version = 0;
	return ks->ops->floor_get ? ks->ops->floor_get(ks, TC_FLOOR_POLICY, version) : 0;
}

int
tc_keystore_floor_raise(struct tc_keystore *ks, uint64_t version)
{
	return ks->ops->floor_raise ? ks->ops->floor_raise(ks, TC_FLOOR_POLICY, version) : 0;
}

int
tc_keystore_firmware_floor_get(struct tc_keystore *ks, uint64_t *release)
{
	if (!release)
		return -EINVAL;
	*release = 0;
	return ks->ops->floor_get ? ks->ops->floor_get(ks, TC_FLOOR_FIRMWARE, release) : 0;
}

int
tc_keystore_firmware_floor_raise(struct tc_keystore *ks, uint64_t release)
{
	return ks->ops->floor_raise ? ks->ops->floor_raise(ks, TC_FLOOR_FIRMWARE, release) : 0;
}

const char *
tc_keystore_backend(const struct tc_keystore *ks)
{
	return ks->ops->name;
}
