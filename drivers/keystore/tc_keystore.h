/*
 * tc_keystore.h - the device's own keys, behind a small driver interface.
 *
 * Two kinds of key, chosen so a TPM 2.0 backend fits the same interface:
 *   - secrets (audit MAC key, store MAC key, review key scalar): 32 bytes
 *     each, created once on the device and handed to the caller in locked
 *     memory for the life of the process (a TPM backend unseals them from
 *     a sealed data object bound to the device's PCRs);
 *   - the identity key (ECDSA P-256): generated on the device, never
 *     exported; the backend signs with it (a TPM backend keeps it in the
 *     TPM).  The identity key arrives with provisioning.
 *
 * Backends sit behind struct tc_keystore_ops (curl's Curl_ssl style); the
 * file backend is the only one so far.
 */
#ifndef TC_KEYSTORE_H
#define TC_KEYSTORE_H

#include <stdint.h>

#include "tc_err.h"

#define TC_SECRET_LEN 32

enum tc_secret_id {
	TC_SECRET_AUDIT,	/* MACs the audit chain head */
	TC_SECRET_STORE,	/* MACs sealed objects' device footer */
	TC_SECRET_REVIEW,	/* P-256 scalar of the on-device review key */
	TC_SECRET_COUNT
};

struct tc_keystore;

/*
 * Open the keystore of the configured backend.  File backend: dir is a
 * private directory (created 0700 if missing; refused if a symlink or
 * open to others).
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

/* Destroy every key (crypto-erase of the device): overwrite, fsync, unlink. */
int tc_keystore_wipe(struct tc_keystore *ks) TC_MUST_CHECK;

/* The backend's name ("file"). */
const char *tc_keystore_backend(const struct tc_keystore *ks);

#endif /* TC_KEYSTORE_H */
