/*
 * keystore_int.h - what a keystore backend implements.  Private to
 * drivers/keystore.
 *
 * A backend keeps bytes: the three secrets, the identity key's DER and
 * the wrong-PIN counter.  What is done with them (signatures, the CSR,
 * ECDH, the PIN MAC) is the same for every backend (ks_identity.c,
 * keystore.c).  Debian's mbedtls 2.28 cannot sign through an opaque
 * key, so even the TPM backend hands the identity key's DER to
 * ks_identity.c (unsealed into locked memory) rather than signing inside
 * the TPM: see README.md.
 */
#ifndef TC_KEYSTORE_INT_H
#define TC_KEYSTORE_INT_H

#include "tc_keystore.h"

struct tc_keystore_ops {
	const char *name;
	int (*open)(struct tc_keystore *ks, const char *dir);
	void (*close)(struct tc_keystore *ks);
	int (*secret)(struct tc_keystore *ks, enum tc_secret_id id, int create,
		      uint8_t out[TC_SECRET_LEN]);
	int (*erase)(struct tc_keystore *ks, unsigned mask);
	/* identity key DER: 0 / -ENOENT / TC_E_INVAL_INPUT; out wiped on error */
	int (*id_load)(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len);
	/* 0 when there is no identity key yet, TC_E_EXISTS, or an error */
	int (*id_exists)(struct tc_keystore *ks);
	int (*id_store)(struct tc_keystore *ks, const uint8_t *der, size_t len);
	int (*pin_failures_get)(struct tc_keystore *ks, struct tc_pin_failures *out);
	/* store next durably (the counter only rises, except to reset it to {0, 0}) */
	int (*pin_failures_set)(struct tc_keystore *ks, const struct tc_pin_failures *next);
	/* a floor (enum tc_floor); NULL when the backend keeps none; 0 for one it does not keep */
	int (*floor_get)(struct tc_keystore *ks, enum tc_floor which, uint64_t *version);
	int (*floor_raise)(struct tc_keystore *ks, enum tc_floor which, uint64_t version);
};

struct tc_keystore {
	const struct tc_keystore_ops *ops;
	void *priv;
};

extern const struct tc_keystore_ops tc_keystore_file_ops;
extern const struct tc_keystore_ops tc_keystore_tpm_ops;

/*
 * ks_erase.c: overwrite name in dirfd with random bytes, fsync, unlink
 * (0 when there is no such file); and, at every open, erase the review
 * key older firmware kept in dir (a failure is logged, not returned).
 */
int ks_erase_file(int dirfd, const char *name) TC_MUST_CHECK;
void ks_erase_legacy(const char *dir);

/* ks_file.c, for ks_file_pin.c: the backend's directory descriptor. */
int ks_file_dirfd(const struct tc_keystore *ks);
/* Write name in the key directory durably (temp, fsync, rename, fsync dir), O_EXCL on the temp. */
int ks_file_write_key(int dirfd, const char *name, const uint8_t *buf, size_t len) TC_MUST_CHECK;
/*
 * Read a key file: a regular file of ours, mode 0600 or stricter, of
 * 1..cap bytes (exactly cap if exact is set).  On failure out is wiped.
 */
int ks_file_read_key(int dirfd, const char *name, uint8_t *out, size_t cap, int exact,
		     size_t *len) TC_MUST_CHECK;
#define KS_FILE_IDENTITY "identity.key"

/* ks_identity.c: the identity operations over ops->id_load / id_store. */
int ks_id_generate(struct tc_keystore *ks);
int ks_id_pubkey(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len);
int ks_id_sign(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig, size_t cap,
	       size_t *len);
int ks_id_csr(struct tc_keystore *ks, const char *subject, char *pem, size_t cap,
	      size_t *len);
int ks_id_pk(struct tc_keystore *ks, mbedtls_pk_context *pk);
int ks_id_ecdh(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32]);
#define KS_IDENTITY_DER_MAX 128	/* a P-256 key's DER is 121 bytes; a TPM seals at most 128 */

/* ks_file_pin.c */
int ks_file_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out);
int ks_file_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next);
int ks_file_floor_get(struct tc_keystore *ks, enum tc_floor which, uint64_t *version);
int ks_file_floor_raise(struct tc_keystore *ks, enum tc_floor which, uint64_t version);
#define KS_FILE_PIN_FAILURES "pin-failures"
#define KS_FILE_FIRMWARE_FLOOR "firmware-floor"	/* "<release>\n" */

#endif /* TC_KEYSTORE_INT_H */
