/*
 * tc_seal.h - sealed photo objects: the device seals, only the Trust opens.
 *
 * An object is a header (authenticated as associated data of every chunk),
 * the payload encrypted in 64 KiB chunks with the STREAM construction, and
 * a device footer (HMAC-SHA256 under the device's store key over every
 * byte before it) that lets the device prove an object on its flash is
 * complete and its own without being able to decrypt it.  The byte layout
 * is in this module's README.
 *
 * Payload plaintext = be32 metadata length ‖ metadata record ‖ JPEG bytes.
 *
 * Public keys are uncompressed P-256 points (65 bytes, 0x04 ‖ X ‖ Y);
 * private keys are 32-byte big-endian scalars.
 */
#ifndef TC_SEAL_H
#define TC_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_PHOTO_ID_LEN 16
#define TC_SHA256_LEN 32
#define TC_P256_PUB_LEN 65
#define TC_P256_PRIV_LEN 32
#define TC_SEAL_CHUNK (64 * 1024)
#define TC_DEVICE_MAC_KEY_LEN 32

#define TC_META_MAX_PUPILS 64
#define TC_META_MAX_PLATFORMS 16
#define TC_META_ID_MAX 64	/* event, staff, pupil ref, platform: bytes incl. NUL */

enum tc_aead {
	TC_AEAD_DEFAULT = 0,		/* the Kconfig choice */
	TC_AEAD_CHACHA20_POLY1305 = 1,
	TC_AEAD_AES256_GCM = 2,
};

/* The sealed metadata record.  Strings are NUL-terminated UTF-8. */
struct tc_photo_meta {
	char event_id[TC_META_ID_MAX];
	char staff_id[TC_META_ID_MAX];
	unsigned n_pupils;
	char pupil_refs[TC_META_MAX_PUPILS][TC_META_ID_MAX];
	unsigned n_platforms;
	char platforms[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	uint64_t capture_time_us;	/* wall clock, microseconds since the epoch */
	uint64_t frame_seq;		/* the sensor's frame number (synthetic: its render index) */
	uint32_t width, height;
	char sensor_mode[TC_META_ID_MAX];	/* e.g. "4056x3040-NV12" */
};

struct tc_seal_params {
	enum tc_aead aead;
	const uint8_t *trust_pub;	/* required: the Trust's photo public key */
	const uint8_t *review_pub;	/* a second recipient, for multi-wrap tests only: no
					   device code sets one (no key on the device may
					   open a photo, R3) */
	const uint8_t *device_mac_key;	/* required: TC_DEVICE_MAC_KEY_LEN bytes */
	uint64_t created_us;		/* 0: now */
	const uint8_t *photo_id;	/* NULL: fresh random id */
};

/*
 * Receives sealed bytes in order; returns 0 or a negative code to abort.
 * Always called on the thread that called tc_seal_begin*, tc_seal_write or
 * tc_seal_finish, from inside that call, never after it returns.  buf is
 * valid only during the call (the seal hashes it meanwhile on its helper
 * thread, so the sink must not write to it).
 */
typedef int (*tc_seal_sink_fn)(void *ctx, const void *buf, size_t len);

struct tc_seal;
struct tc_seal_prep;

/*
 * Start sealing one photo: tc_seal_prepare(p) then
 * tc_seal_begin_prepared(.., p->created_us, ..).  Writes the header to sink
 * at once.  On success *out owns the key; the caller must end it with
 * tc_seal_finish() or tc_seal_abort(), which wipe it.
 * One tc_seal is used by one thread at a time.  From its first full chunk
 * a tc_seal runs one helper thread of its own (the SHA-256 of the output),
 * joined by finish/abort; if that thread cannot be created the hash runs
 * inline, with the same result.
 */
int tc_seal_begin(struct tc_seal **out, const struct tc_seal_params *p,
		  const struct tc_photo_meta *meta, tc_seal_sink_fn sink, void *sink_ctx)
	TC_MUST_CHECK;

/*
 * Do the costly part of tc_seal_begin() ahead of the photo: draw the photo
 * id (or take p->photo_id), content key and nonce prefix, and run each
 * recipient's ephemeral ECDH + HKDF (about 1 ms per recipient).  p is read
 * now and not kept; p->created_us is ignored (the creation time is the
 * begin's).  *out is single use, in locked memory: pass it to
 * tc_seal_begin_prepared() or free it with tc_seal_prep_free().  It holds
 * no thread state, so it may be prepared on one thread and used on another.
 * -EINVAL, TC_E_BAD_ALGORITHM, TC_E_INVAL_INPUT, TC_E_RNG, -ENOMEM.
 */
int tc_seal_prepare(struct tc_seal_prep **out, const struct tc_seal_params *p) TC_MUST_CHECK;
/*
 * tc_seal_begin() from a prepared key set: created_us (0: now) goes into
 * the header.  Consumes prep: it is wiped and freed whatever the result.
 * Same errors as tc_seal_begin() past the key work.
 */
int tc_seal_begin_prepared(struct tc_seal **out, struct tc_seal_prep *prep,
			   const struct tc_photo_meta *meta, uint64_t created_us,
			   tc_seal_sink_fn sink, void *sink_ctx) TC_MUST_CHECK;
/* Wipe and free a prep that will not be used; NULL is a no-op. */
void tc_seal_prep_free(struct tc_seal_prep *prep);
/* Any number of JPEG bytes; full chunks are encrypted and passed to sink. */
int tc_seal_write(struct tc_seal *s, const void *buf, size_t len) TC_MUST_CHECK;
/*
 * Seal the last chunk and the footer; digest = SHA-256 of every sealed
 * byte, computed in the same pass.  Frees s whatever the result.
 */
int tc_seal_finish(struct tc_seal *s, uint8_t digest[TC_SHA256_LEN], uint64_t *sealed_len)
	TC_MUST_CHECK;
void tc_seal_abort(struct tc_seal *s);
void tc_seal_photo_id(const struct tc_seal *s, uint8_t id[TC_PHOTO_ID_LEN]);

/* What can be read from an object without any key. */
struct tc_obj_info {
	uint16_t version;
	enum tc_aead aead;
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	uint64_t created_us;
	unsigned n_wraps;
	size_t header_len;	/* bytes of header, which is the AEAD associated data */
	size_t wraps_off, wraps_len;	/* the key-wrap records: what crypto-erase overwrites */
};

/* Parse and sanity-check the header at the start of buf. */
int tc_obj_parse_header(const uint8_t *buf, size_t len, struct tc_obj_info *info) TC_MUST_CHECK;

/*
 * Device side: check that the object in fd (read from offset 0) is whole
 * and was sealed with device_mac_key: header parses, chunk framing is
 * complete, footer MAC matches.  Fills info and the SHA-256 of the whole
 * file.  TC_E_TRUNCATED for a partial object, TC_E_TRAILING for bytes
 * after the footer, TC_E_BAD_FOOTER when the MAC does not match (another
 * device's key, a damaged byte, or an object whose wraps were erased),
 * -EFBIG over the format's limits (64 MiB, 1023 chunks).
 */
int tc_obj_verify_device(int fd, const uint8_t *device_mac_key, struct tc_obj_info *info,
			 uint8_t digest[TC_SHA256_LEN]) TC_MUST_CHECK;

/*
 * Trust side: open a whole object held in memory with a private key (the
 * Trust's photo key).  On success *jpeg is a
 * tc_secure_alloc() buffer the caller frees with tc_secure_free().
 * Errors name what failed: TC_E_WRONG_KEY, TC_E_BAD_HEADER, TC_E_BAD_CHUNK,
 * TC_E_TRUNCATED, TC_E_REORDERED, TC_E_FOREIGN_CHUNK, TC_E_TRAILING, ...;
 * -EFBIG for an object over the format's limits (64 MiB, 1023 chunks).
 */
int tc_obj_open(const uint8_t *obj, size_t len, const uint8_t priv[TC_P256_PRIV_LEN],
		struct tc_photo_meta *meta, uint8_t **jpeg, size_t *jpeg_len) TC_MUST_CHECK;

/*
 * Trust side, metadata only: what `trustadm review list` and `sar` need
 * without reading a whole object.  head is the object's first
 * min(total_len, TC_OBJ_META_PREFIX) bytes, total_len its size.  The
 * header is checked and chunk 0 (which always holds the whole metadata
 * record) is authenticated and decrypted; the other chunks are not read,
 * so an object damaged past chunk 0 still gives its metadata here and
 * fails only in tc_obj_open().  The JPEG bytes of chunk 0 are wiped.
 * pub: priv's public key (tc_p256_public) when the caller opens many
 * objects and computed it once (it costs as much as the unwrap), or NULL
 * to compute it here; a pub that is not priv's fails to unwrap.
 * Errors as tc_obj_open() for the parts read; -EINVAL when head is
 * shorter than the rule above asks.
 */
#define TC_OBJ_META_PREFIX (548 + 29 + TC_SEAL_CHUNK)	/* largest header + frame 0 */
int tc_obj_open_meta(const uint8_t *head, size_t head_len, uint64_t total_len,
		     const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t *pub,
		     struct tc_photo_meta *meta)
	TC_MUST_CHECK;

/* Key generation helpers (trustadm, tests): a P-256 pair in the raw forms above. */
int tc_p256_keygen(uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN]) TC_MUST_CHECK;
/* The public key of a private scalar; -EINVAL if it is not a valid P-256 scalar. */
int tc_p256_public(const uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
	TC_MUST_CHECK;

/*
 * A key as text (README.md, "Key text"): 2 * out_len hex digits, either
 * case, optionally followed by one "\n", nothing else.  out_len is
 * TC_P256_PRIV_LEN (a scalar in 1..n-1) or TC_P256_PUB_LEN (an
 * uncompressed point on P-256).  0 or TC_E_KEYFILE; out is wiped on error.
 */
int tc_p256_key_decode(const char *text, size_t len, uint8_t *out, size_t out_len)
	TC_MUST_CHECK;

/*
 * ECDH on P-256: the x-coordinate of priv * peer, 32 big-endian bytes.
 * 0, TC_E_INVAL_INPUT (peer not an uncompressed point on the curve),
 * -EINVAL (priv outside [1, n-1]), -ENOMEM, TC_E_CRYPTO; x is wiped on
 * error.  For the file keystore and tests; a TPM does its own.
 */
int tc_p256_ecdh(const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t peer[TC_P256_PUB_LEN],
		 uint8_t x[32]) TC_MUST_CHECK;

/*
 * A sealed box (box.c, README "Sealed box"): data for the holder of one
 * P-256 private key.  An ephemeral key, ECDH with the recipient,
 * HKDF-SHA256 (info = label ‖ eph ‖ recipient), ChaCha20-Poly1305 with
 * an all-zero nonce (the key is single-use) and ad as associated data.
 * The box is eph (TC_P256_PUB_LEN bytes) and out (len + TC_BOX_TAG_LEN).
 * seal: 0, -EINVAL (label over 32 bytes, len 0), TC_E_INVAL_INPUT
 * (recipient not on the curve), TC_E_RNG, -ENOMEM, TC_E_CRYPTO.
 * open: ecdh computes the shared x-coordinate with the recipient's
 * private key (a keystore call on the device); 0, TC_E_WRONG_KEY (not
 * for this key, or altered: the two cannot be told apart), the callback's
 * error, TC_E_CRYPTO.  out (len - TC_BOX_TAG_LEN bytes) is wiped on error.
 */
#define TC_BOX_TAG_LEN 16
typedef int (*tc_box_ecdh_fn)(void *ctx, const uint8_t peer[TC_P256_PUB_LEN], uint8_t x[32]);
int tc_box_seal(const uint8_t recipient[TC_P256_PUB_LEN], const char *label, const uint8_t *ad,
		size_t ad_len, const uint8_t *in, size_t len, uint8_t eph[TC_P256_PUB_LEN],
		uint8_t *out) TC_MUST_CHECK;
int tc_box_open(tc_box_ecdh_fn ecdh, void *ctx, const uint8_t recipient[TC_P256_PUB_LEN],
		const char *label, const uint8_t *ad, size_t ad_len,
		const uint8_t eph[TC_P256_PUB_LEN], const uint8_t *in, size_t len, uint8_t *out)
	TC_MUST_CHECK;

#endif /* TC_SEAL_H */
