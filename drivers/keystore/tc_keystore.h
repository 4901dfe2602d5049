/*
 * tc_keystore.h - the device's own keys, behind a small driver interface.
 *
 * Two kinds of key, chosen so a TPM 2.0 backend fits the same interface:
 *   - secrets (audit MAC key, store MAC key, PIN secret): 32 bytes
 *     each, created once on the device and handed to the caller in locked
 *     memory for the life of the process (the TPM backend unseals them
 *     from sealed data objects when the keystore is opened);
 *   - the identity key (ECDSA P-256): generated on the device at
 *     provisioning (`camctl provision request`), never exported; the
 *     keystore signs with it and writes the CSR (the TPM backend keeps it
 *     sealed, see README.md).  Its public half (SPKI DER), signatures and
 *     the CSR leave; the private key leaves only into the mbedtls context
 *     that tc_keystore_identity_pk fills for TLS.
 *
 * Backends sit behind struct tc_keystore_ops (curl's Curl_ssl style):
 * "file" (ks_file.c) and "tpm" (ks_tpm.c, TPM 2.0 through tpm2-tss).
 */
#ifndef TC_KEYSTORE_H
#define TC_KEYSTORE_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

#include "tc_err.h"

#define TC_SECRET_LEN 32
#define TC_IDENTITY_SPKI_MAX 128	/* SubjectPublicKeyInfo DER of a P-256 key: 91 bytes */
#define TC_IDENTITY_SIG_MAX 80		/* DER ECDSA-P256 signature: at most 72 bytes */
#define TC_IDENTITY_CSR_MAX 2048	/* the CSR in PEM, with its NUL */

enum tc_secret_id {
	TC_SECRET_AUDIT,	/* MACs the audit chain head */
	TC_SECRET_STORE,	/* MACs sealed objects' device footer */
	TC_SECRET_PIN,		/* keys staff PIN verifiers: tc_keystore_pin_mac only */
	TC_SECRET_COUNT
};

struct tc_keystore;

/*
 * Open the keystore of the configured backend.  File backend: dir is a
 * private directory (created 0700 if missing; refused if a symlink or
 * open to others); a review.key left by firmware that still had the
 * on-device review key (removed: it could open photos, against R3) is
 * crypto-erased here.
 */
int tc_keystore_open(struct tc_keystore **out, const char *dir) TC_MUST_CHECK;
void tc_keystore_close(struct tc_keystore *ks);

/*
 * Load secret id into out (TC_SECRET_LEN bytes; the caller keeps it in
 * tc_secure_alloc memory and wipes it).  If create is set and the secret
 * does not exist, a fresh random one is made durably first.
 * Returns 0, -ENOENT (missing, create not set), TC_E_INVAL_INPUT (a key
 * file of the wrong size or mode), or a negative errno.
 */
int tc_keystore_secret(struct tc_keystore *ks, enum tc_secret_id id, int create,
		       uint8_t out[TC_SECRET_LEN]) TC_MUST_CHECK;

/*
 * The identity key.
 *
 * generate: a fresh ECDSA P-256 key, stored durably (file backend:
 * identity.key, DER, 0600).  TC_E_EXISTS if there already is one: a
 * device has exactly one identity until it is wiped.
 * pubkey: its SubjectPublicKeyInfo DER into der (cap >= TC_IDENTITY_SPKI_MAX).
 * sign: an ECDSA signature (DER) over a SHA-256 hash (32 bytes) into sig
 * (cap >= TC_IDENTITY_SIG_MAX).
 * csr: a PKCS#10 request in PEM, subject "CN=<device id>,O=trustcam",
 * where the device id is tc_device_id() of the SPKI DER, signed with
 * SHA-256; pem gets a NUL-terminated string (cap >= TC_IDENTITY_CSR_MAX)
 * and *len its length without the NUL.  device_id, if not NULL, receives
 * the id (TC_POLICY_ID_MAX = 64 bytes).
 * All four: -ENOENT when there is no identity key yet, TC_E_INVAL_INPUT
 * for a key file that is malformed, open to others or not ours,
 * -ENOBUFS when cap is too small, TC_E_CRYPTO if mbedtls fails.
 */
int tc_keystore_identity_generate(struct tc_keystore *ks) TC_MUST_CHECK;
int tc_keystore_identity_pubkey(struct tc_keystore *ks, uint8_t *der, size_t cap,
				size_t *len) TC_MUST_CHECK;
int tc_keystore_identity_sign(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig,
			      size_t cap, size_t *len) TC_MUST_CHECK;
int tc_keystore_identity_csr(struct tc_keystore *ks, char *pem, size_t cap, size_t *len,
			     char *device_id) TC_MUST_CHECK;

/*
 * For mbedtls TLS (syncd's mutual TLS): load the identity key into pk,
 * which the caller has initialised with mbedtls_pk_init() and releases
 * with mbedtls_pk_free() (which wipes the scalar).  This is the only way
 * the private key leaves the keystore.  Both backends offer it: mbedtls
 * 2.28 cannot sign through an opaque key, so the TPM backend's key is
 * unsealed for TLS rather than TPM-resident (README.md).
 */
int tc_keystore_identity_pk(struct tc_keystore *ks, mbedtls_pk_context *pk) TC_MUST_CHECK;

/*
 * ECDH with the identity key: the x-coordinate of d * peer (peer an
 * uncompressed P-256 point, 65 bytes) into x.  This is how the device
 * opens what the Trust seals to it (the policy's personal data); it
 * runs in mbedtls with the key unsealed for the operation (both
 * backends; README.md).  0,
 * -ENOENT (no identity key), TC_E_INVAL_INPUT (peer not on the curve, or
 * a damaged key file), TC_E_CRYPTO; x is wiped on error.
 * identity_point: the public key as an uncompressed point (65 bytes).
 */
int tc_keystore_identity_ecdh(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32])
	TC_MUST_CHECK;
int tc_keystore_identity_point(struct tc_keystore *ks, uint8_t pub[65]) TC_MUST_CHECK;

/*
 * HMAC-SHA256 of in under the device PIN secret (TC_SECRET_PIN, made on
 * first use), so a PIN verifier made on one device is useless on any
 * other and an offline guess needs this device's keystore.  The secret
 * is never handed to the caller through this call.  0, -EINVAL, or the
 * secret's errors.
 */
#define TC_PIN_MAC_LEN 32
int tc_keystore_pin_mac(struct tc_keystore *ks, const uint8_t *in, size_t len,
			uint8_t out[TC_PIN_MAC_LEN]) TC_MUST_CHECK;

/*
 * The wrong-PIN counter behind photod's login lockout: consecutive
 * failures and the time (unix seconds) before which no attempt is
 * checked.  The TPM backend keeps the count in an NV counter that only
 * rises (deleting or restoring files does not lower it); the file backend in pin-failures ("<count> <until>\n",
 * 0600, written durably).
 * get: {0, 0} when nothing is recorded; TC_E_INVAL_INPUT when the record
 * is damaged (the caller fails closed); TC_E_TPM when the TPM fails.
 * add: count + 1, durably, with the new lock time; the new count in
 * *count.  reset: back to {0, 0}.  Both: 0 or a negative errno.
 */
struct tc_pin_failures {
	uint32_t count;
	int64_t locked_until;
};
int tc_keystore_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out)
	TC_MUST_CHECK;
int tc_keystore_pin_failures_add(struct tc_keystore *ks, int64_t locked_until, uint32_t *count)
	TC_MUST_CHECK;
int tc_keystore_pin_failures_reset(struct tc_keystore *ks) TC_MUST_CHECK;

/* Bits for tc_keystore_erase(): one per secret, and the identity key. */
#define TC_KEY_BIT(secret_id) (1u << (secret_id))
#define TC_KEY_IDENTITY (1u << 8)
#define TC_KEY_PIN_FAILURES (1u << 9)	/* the wrong-PIN counter */
#define TC_KEY_POLICY_FLOOR (1u << 10)	/* the policy version floor */
#define TC_KEY_ALL (TC_KEY_BIT(TC_SECRET_AUDIT) | TC_KEY_BIT(TC_SECRET_STORE) | \
		    TC_KEY_BIT(TC_SECRET_PIN) | TC_KEY_IDENTITY | TC_KEY_PIN_FAILURES | \
		    TC_KEY_POLICY_FLOOR)

/*
 * Crypto-erase the keys in mask (TC_KEY_* bits): overwrite, fsync,
 * unlink, fsync the directory.  Keys that do not exist are skipped.
 * Every key in mask is attempted; the first error is returned.
 */
int tc_keystore_erase(struct tc_keystore *ks, unsigned mask) TC_MUST_CHECK;
/* Destroy every key (tc_keystore_erase with TC_KEY_ALL). */
int tc_keystore_wipe(struct tc_keystore *ks) TC_MUST_CHECK;

/*
 * The policy version floor: the newest policy version ever installed,
 * kept where restoring an old disk image cannot lower it (TPM backend:
 * an NV index).  get: 0 when none is kept (the file backend keeps none:
 * photod's policy.version is the only record there).  raise: to version
 * if higher, never lower.  TC_E_TPM when the TPM fails.
 */
int tc_keystore_floor_get(struct tc_keystore *ks, uint64_t *version) TC_MUST_CHECK;
int tc_keystore_floor_raise(struct tc_keystore *ks, uint64_t version) TC_MUST_CHECK;

/* The floors a keystore keeps (the backends' floor_get / floor_raise). */
enum tc_floor {
	TC_FLOOR_POLICY,	/* the policy version floor above */
	TC_FLOOR_FIRMWARE,	/* the firmware release floor (issue 17) */
};
/*
 * The firmware release floor: the newest firmware release this device
 * ever booted and kept (syncd raises it when a new slot is marked good),
 * beside the policy's: TPM backend, its own NV index; file backend, the
 * file firmware-floor ("<release>\n", durable), which root can lower.
 * It survives tc_keystore_wipe: a wiped device must not take older
 * firmware either.  get: 0 when none is kept.  raise: never lowers.
 * TC_E_INVAL_INPUT for a damaged file (the caller refuses updates then).
 */
int tc_keystore_firmware_floor_get(struct tc_keystore *ks, uint64_t *release) TC_MUST_CHECK;
int tc_keystore_firmware_floor_raise(struct tc_keystore *ks, uint64_t release) TC_MUST_CHECK;

/* The backend's name ("file" or "tpm"). */
const char *tc_keystore_backend(const struct tc_keystore *ks);

#endif /* TC_KEYSTORE_H */
