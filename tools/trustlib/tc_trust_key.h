/*
 * tc_trust_key.h - the Trust's key files, plain or under a passphrase.
 *
 * The Trust directory holds private keys (PEM EC keys from mbedtls, or
 * the photo and receipt scalars in hex) in 0600 files.  When IT chose a
 * passphrase at `trustadm init`, each private key file is a sealed
 * envelope instead: Argon2id derives a key from the passphrase and a
 * per-file salt; ChaCha20-Poly1305 encrypts the key text, with the
 * header and the file's purpose label as associated data, so an envelope
 * moved to another name does not open.  Byte layout in README.md.
 *
 * trustadm and trust-server both load keys through here.  Everything
 * that holds key text or a passphrase comes from tc_secure_alloc and is
 * wiped when freed.
 */
#ifndef TC_TRUST_KEY_H
#define TC_TRUST_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_err.h"

#define TC_ENVELOPE_MAGIC "TCKEYENV"
#define TC_ENVELOPE_VERSION 1
#define TC_ENVELOPE_HDR_LEN 56
#define TC_ENVELOPE_TAG_LEN 16
#define TC_ENVELOPE_MAX_PLAIN (64 * 1024)
#define TC_KEYFILE_MAX (TC_ENVELOPE_HDR_LEN + TC_ENVELOPE_MAX_PLAIN + TC_ENVELOPE_TAG_LEN)
#define TC_PASSPHRASE_MAX 1024

/* Argon2id cost; stored in each envelope, so it may change between files. */
struct tc_kdf_params {
	uint32_t m_kib;		/* memory, KiB */
	uint32_t t_cost;	/* passes */
	uint32_t lanes;		/* parallelism */
};

/* The cost new envelopes use: 64 MiB, 3 passes, 1 lane (RFC 9106's second choice). */
extern const struct tc_kdf_params tc_envelope_kdf_default;

/*
 * Seal plain (1..TC_ENVELOPE_MAX_PLAIN bytes) under pass for the file
 * purpose label (e.g. "ca.key").  kdf NULL: the default cost.  *out
 * comes from tc_malloc (it holds no secret in the clear).
 * 0, -EINVAL, -ENOMEM, TC_E_RNG, TC_E_CRYPTO.
 */
int tc_envelope_seal(const uint8_t *plain, size_t len, const char *pass, size_t passlen,
		     const char *label, const struct tc_kdf_params *kdf,
		     uint8_t **out, size_t *outlen) TC_MUST_CHECK;

/*
 * Open an envelope for label.  *plain comes from tc_secure_alloc, one
 * byte longer than *plen and NUL-terminated (PEM parsers want that);
 * release it with tc_secure_free.  TC_E_KEYFILE for a malformed
 * envelope or a cost outside what this build accepts (so a crafted file
 * cannot ask for terabytes), TC_E_PASSPHRASE when the tag does not
 * verify: the passphrase is wrong, or a byte was changed.
 */
int tc_envelope_open(const uint8_t *env, size_t len, const char *pass, size_t passlen,
		     const char *label, uint8_t **plain, size_t *plen) TC_MUST_CHECK;

/* Whether buf starts like an envelope. */
bool tc_envelope_is(const uint8_t *buf, size_t len);

/*
 * Write name in dirfd durably (temp name, fsync, rename, fsync of the
 * directory) with mode.  An existing file is replaced.
 */
int tc_trust_file_write(int dirfd, const char *name, const void *data, size_t len,
			mode_t mode) TC_MUST_CHECK;
/*
 * Read name (at most max bytes; -EFBIG if longer) into a tc_malloc
 * buffer, NUL-terminated; *len excludes the NUL.  Refuses symlinks.
 */
int tc_trust_file_read(int dirfd, const char *name, size_t max, uint8_t **out,
		       size_t *len) TC_MUST_CHECK;

/*
 * Store a private key file (0600): sealed under pass when pass is not
 * NULL (label = name), plain otherwise.
 */
int tc_trust_key_store(int dirfd, const char *name, const uint8_t *key, size_t len,
		       const char *pass, size_t passlen) TC_MUST_CHECK;
/* 1 if name holds an envelope, 0 if plain, or a negative code. */
int tc_trust_key_sealed(int dirfd, const char *name) TC_MUST_CHECK;
/*
 * Load a private key file into tc_secure_alloc memory, NUL-terminated
 * (free with tc_secure_free).  A sealed file needs pass
 * (TC_E_NEED_PASSPHRASE without one).  Refuses (TC_E_UNSAFE_PATH) a key
 * file others may read or its group may write, and one group-readable
 * unless read through that group (another user's 0640 file whose group
 * is ours: trust-server's published keys, trust-server(8)).
 */
int tc_trust_key_load(int dirfd, const char *name, const char *pass, size_t passlen,
		      uint8_t **key, size_t *len) TC_MUST_CHECK;

#endif /* TC_TRUST_KEY_H */
