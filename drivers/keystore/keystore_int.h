/*
 * keystore_int.h - what a keystore backend implements.  Private to
 * drivers/keystore.
 *
 * The identity operations are separate entries (not one "give me the
 * key" call) so that a TPM backend can implement each with the key kept
 * inside the TPM; id_pk is the file backend's extra for mbedtls TLS and
 * may be NULL.
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
	int (*id_generate)(struct tc_keystore *ks);
	int (*id_pubkey)(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len);
	int (*id_sign)(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig, size_t cap,
		       size_t *len);
	/* subject: "CN=...,O=..." (built by keystore.c from the public key). */
	int (*id_csr)(struct tc_keystore *ks, const char *subject, char *pem, size_t cap,
		      size_t *len);
	int (*id_pk)(struct tc_keystore *ks, mbedtls_pk_context *pk);	/* may be NULL */
	int (*id_ecdh)(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32]);
	int (*pin_mac)(struct tc_keystore *ks, const uint8_t *in, size_t len,
		       uint8_t out[TC_PIN_MAC_LEN]);
	int (*pin_failures_get)(struct tc_keystore *ks, struct tc_pin_failures *out);
	/* store next durably (the counter only rises, except to reset it to {0, 0}) */
	int (*pin_failures_set)(struct tc_keystore *ks, const struct tc_pin_failures *next);
};

struct tc_keystore {
	const struct tc_keystore_ops *ops;
	void *priv;
};

extern const struct tc_keystore_ops tc_keystore_file_ops;

/* ks_file.c, for ks_file_identity.c: the backend's directory descriptor. */
int ks_file_dirfd(const struct tc_keystore *ks);
/* Write name in the key directory durably (temp, fsync, rename, fsync dir), O_EXCL on the temp. */
int ks_file_write_key(int dirfd, const char *name, const uint8_t *buf, size_t len) TC_MUST_CHECK;
/*
 * Read a key file: a regular file of ours, mode 0600 or stricter, of
 * 1..cap bytes (exactly cap if exact is set).  On failure out is wiped.
 */
int ks_file_read_key(int dirfd, const char *name, uint8_t *out, size_t cap, int exact,
		     size_t *len) TC_MUST_CHECK;

/* ks_file_identity.c */
int ks_file_id_generate(struct tc_keystore *ks);
int ks_file_id_pubkey(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len);
int ks_file_id_sign(struct tc_keystore *ks, const uint8_t hash[32], uint8_t *sig, size_t cap,
		    size_t *len);
int ks_file_id_csr(struct tc_keystore *ks, const char *subject, char *pem, size_t cap,
		   size_t *len);
int ks_file_id_pk(struct tc_keystore *ks, mbedtls_pk_context *pk);
int ks_file_id_ecdh(struct tc_keystore *ks, const uint8_t peer[65], uint8_t x[32]);
#define KS_FILE_IDENTITY "identity.key"

/* ks_file_pin.c */
int ks_file_pin_mac(struct tc_keystore *ks, const uint8_t *in, size_t len,
		    uint8_t out[TC_PIN_MAC_LEN]);
int ks_file_pin_failures_get(struct tc_keystore *ks, struct tc_pin_failures *out);
int ks_file_pin_failures_set(struct tc_keystore *ks, const struct tc_pin_failures *next);
#define KS_FILE_PIN_FAILURES "pin-failures"
/* ks_file.c, for ks_file_pin.c: a secret, made on first use if create. */
int ks_file_secret(struct tc_keystore *ks, enum tc_secret_id id, int create,
		   uint8_t out[TC_SECRET_LEN]) TC_MUST_CHECK;

#endif /* TC_KEYSTORE_INT_H */
