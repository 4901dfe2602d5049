/*
 * seal_int.h - internals shared by the files of firmware/crypto.
 *
 * Not part of the module's API: only the C files of firmware/crypto and its unit
 * tests include this.  It holds the byte layout of format version 1 (the
 * README draws it) and the small pieces the sealer, the opener and the
 * device-side verifier share: the AEAD table, the header codec, the frame
 * rules, the key-wrap records and the metadata codec.
 */
#ifndef TC_SEAL_INT_H
#define TC_SEAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pthread.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>

#include "tc_seal.h"
#include "tc_sha256.h"

/* ---- format version 1: sizes and offsets (see README.md) ---- */
#define SEAL_MAGIC "TCPHOTO"		/* 7 chars + NUL = 8 bytes on disk */
#define SEAL_MAGIC_LEN 8
#define SEAL_VERSION 1
#define SEAL_KEY_LEN 32			/* content key and wrap keys */
#define SEAL_TAG_LEN 16			/* both AEADs */
#define SEAL_NONCE_LEN 12
#define SEAL_NONCE_PREFIX_LEN 7		/* 7 + be32 counter + flag byte = 12 */
#define SEAL_CHUNK_LOG2 16		/* TC_SEAL_CHUNK == 1 << this */
#define SEAL_KEM_P256_HKDF 1		/* the only key-wrap scheme of v1 */

#define SEAL_OFF_VERSION 8
#define SEAL_OFF_HDRLEN 10
#define SEAL_OFF_AEAD 12
#define SEAL_OFF_KEM 13
#define SEAL_OFF_NWRAPS 14
#define SEAL_OFF_CHUNKLOG 15
#define SEAL_OFF_PHOTO_ID 16
#define SEAL_OFF_CREATED 32
#define SEAL_OFF_NONCE 40
#define SEAL_OFF_RESERVED 47
#define SEAL_FIXED_LEN 48		/* wrap records start here */

#define SEAL_KEYID_LEN 8
#define SEAL_WRAP_LEN (SEAL_KEYID_LEN + TC_P256_PUB_LEN + SEAL_KEY_LEN + SEAL_TAG_LEN) /* 121 */
#define SEAL_MAX_WRAPS 4
#define SEAL_HEADER_LEN(n) (SEAL_FIXED_LEN + (n) * SEAL_WRAP_LEN + SEAL_TAG_LEN)
#define SEAL_HEADER_MAX SEAL_HEADER_LEN(SEAL_MAX_WRAPS)

/* A chunk on disk: be32 length ‖ flags ‖ photo id tag ‖ ciphertext ‖ tag. */
#define SEAL_IDTAG_LEN 8
#define SEAL_FRAME_HDR (4 + 1 + SEAL_IDTAG_LEN)			/* 13 */
#define SEAL_FRAME_OVERHEAD (SEAL_FRAME_HDR + SEAL_TAG_LEN)	/* 29 */
#define SEAL_FRAME_MAX (SEAL_FRAME_OVERHEAD + TC_SEAL_CHUNK)
#define SEAL_FLAG_LAST 0x01
#define SEAL_NONCE_FLAG_HEADER 0x02	/* nonce flag of the header tag: never a chunk's */
#define SEAL_FOOTER_LEN 32
/* The smallest tail a complete object can still have at a frame boundary. */
#define SEAL_MIN_TAIL (SEAL_FRAME_OVERHEAD + 1 + SEAL_FOOTER_LEN)

/*
 * Limits of format version 1 (README.md, "Limits"): at most 1023 chunks
 * (indexes 0..1022), and an object of at most 64 MiB, which the largest
 * 1023-chunk object (four wrap records, 67,073,575 bytes) fits.  The
 * chunk bound is also what keeps the opener's search for a misplaced
 * chunk's index (open.c) finite: no chunk of any object has an index
 * past 1022.
 */
#define SEAL_MAX_CHUNKS 1023u
#define SEAL_MAX_OBJECT ((uint64_t)1 << 26)

/* The metadata record must fit in chunk 0 beside its be32 length. */
#define SEAL_META_MAX (TC_SEAL_CHUNK - 4)

/* The AD of the footer MAC input: label ‖ SHA-256(bytes before the footer). */
#define SEAL_FOOTER_LABEL "trustcam-footer-v1"

/*
 * The footer: HMAC-SHA256(device key, label ‖ pre_hash), pre_hash being
 * the SHA-256 of every object byte before the footer (objfmt.c; the
 * sealer writes it, the device check recomputes it).  0, -ENOMEM or
 * TC_E_CRYPTO.
 */
int seal_footer_mac(const uint8_t key[TC_DEVICE_MAC_KEY_LEN], const uint8_t pre_hash[TC_SHA256_LEN],
		    uint8_t out[SEAL_FOOTER_LEN]) TC_MUST_CHECK;

/* ---- aead.c: both ciphers behind one small table ---- */
#define SEAL_AUTH_FAILED 1		/* decrypt: the tag did not verify */

struct seal_aead {
	const struct seal_aead_ops *ops;
	union {
		mbedtls_chachapoly_context chachapoly;
		mbedtls_gcm_context gcm;
	} u;
};

/* TC_AEAD_DEFAULT becomes the Kconfig choice; anything unknown stays unknown. */
enum tc_aead seal_aead_resolve(enum tc_aead a);
bool seal_aead_known(enum tc_aead a);
const char *seal_aead_name(enum tc_aead a);
/* 0, TC_E_BAD_ALGORITHM or TC_E_CRYPTO.  On success pair with seal_aead_free(). */
int seal_aead_init(struct seal_aead *a, enum tc_aead id, const uint8_t key[SEAL_KEY_LEN])
	TC_MUST_CHECK;
/* Encrypts len bytes in to out (may be equal) and writes the tag.  0 or TC_E_CRYPTO. */
int seal_aead_encrypt(struct seal_aead *a, const uint8_t nonce[SEAL_NONCE_LEN],
		      const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		      uint8_t *out, uint8_t tag[SEAL_TAG_LEN]) TC_MUST_CHECK;
/* 0, SEAL_AUTH_FAILED (out is wiped) or TC_E_CRYPTO. */
int seal_aead_decrypt(struct seal_aead *a, const uint8_t nonce[SEAL_NONCE_LEN],
		      const uint8_t *ad, size_t ad_len, const uint8_t *in, size_t len,
		      const uint8_t tag[SEAL_TAG_LEN], uint8_t *out) TC_MUST_CHECK;
/* Wipes the key schedule; safe on a zeroed or already-freed struct. */
void seal_aead_free(struct seal_aead *a);

/* ---- objfmt.c: header and frame codec ---- */
void seal_nonce(uint8_t nonce[SEAL_NONCE_LEN], const uint8_t prefix[SEAL_NONCE_PREFIX_LEN],
		uint32_t counter, uint8_t flag);
/* The fixed part of a header (everything before the wrap records). */
void seal_fixed_encode(uint8_t out[SEAL_FIXED_LEN], enum tc_aead aead, unsigned n_wraps,
		       const uint8_t photo_id[TC_PHOTO_ID_LEN], uint64_t created_us,
		       const uint8_t nonce_prefix[SEAL_NONCE_PREFIX_LEN]);

struct seal_frame {
	uint64_t off;		/* of the frame header */
	uint64_t end;		/* one past its tag */
	uint32_t len;		/* plaintext == ciphertext bytes */
	uint8_t flags;
	uint8_t idtag[SEAL_IDTAG_LEN];
};

/*
 * The framing rules, shared by every reader.  seal_frame_room() is asked
 * first at each frame boundary off of an object of total bytes (no last
 * chunk seen yet): TC_E_TRUNCATED when too little is left for a frame
 * and the footer.  seal_frame_decode() then checks the SEAL_FRAME_HDR
 * bytes at off: TC_E_BAD_CHUNK (flags or length not allowed),
 * TC_E_TRUNCATED (runs past the end), TC_E_TRAILING (a last chunk with
 * more than the footer after it).  lenient skips the TRAILING rule (the
 * opener's second look at a stream whose last chunk moved).
 */
int seal_frame_room(uint64_t off, uint64_t total) TC_MUST_CHECK;
int seal_frame_decode(const uint8_t hdr[SEAL_FRAME_HDR], uint64_t off, uint64_t total,
		      bool lenient, struct seal_frame *f) TC_MUST_CHECK;
void seal_frame_encode(uint8_t hdr[SEAL_FRAME_HDR], uint32_t len, uint8_t flags,
		       const uint8_t idtag[SEAL_IDTAG_LEN]);

/* ---- wrap.c: ECDH P-256 + HKDF-SHA256 + AEAD key wrap ---- */
/* Key id of a recipient: the first 8 bytes of SHA-256(pub). */
int seal_key_id(const uint8_t pub[TC_P256_PUB_LEN], uint8_t id[SEAL_KEYID_LEN]) TC_MUST_CHECK;
/* The longest label seal_hkdf_key takes. */
#define SEAL_LABEL_MAX 32
/*
 * HKDF-SHA256(salt, ikm = shared, info = label ‖ eph ‖ recipient) into
 * key.  0, -EINVAL (label too long) or TC_E_CRYPTO.
 */
int seal_hkdf_key(const uint8_t shared[32], const char *label, const uint8_t eph[TC_P256_PUB_LEN],
		  const uint8_t recipient[TC_P256_PUB_LEN], const uint8_t *salt, size_t salt_len,
		  uint8_t key[SEAL_KEY_LEN]) TC_MUST_CHECK;
/*
 * A fresh ephemeral key pair: its public half in eph, and the ECDH
 * x-coordinate with recipient in shared; the private half is gone on
 * return.  0, TC_E_INVAL_INPUT (recipient not on P-256), TC_E_RNG,
 * -ENOMEM, TC_E_CRYPTO; shared is wiped on error.
 */
int seal_ecdh_ephemeral(const uint8_t recipient[TC_P256_PUB_LEN], uint8_t eph[TC_P256_PUB_LEN],
			uint8_t shared[32]) TC_MUST_CHECK;
/* 0 or TC_E_INVAL_INPUT: pub is a valid uncompressed P-256 point. */
int seal_pub_check(const uint8_t pub[TC_P256_PUB_LEN]) TC_MUST_CHECK;
/* pub = priv * G; -EINVAL for a scalar outside [1, n-1]. */
int seal_pub_from_priv(const uint8_t priv[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
	TC_MUST_CHECK;
/*
 * A wrap record is made in two steps.  seal_wrap_prepare() does what needs
 * only the recipient and the photo id (ephemeral key pair, ECDH, HKDF):
 * 0, TC_E_INVAL_INPUT (not a P-256 point), TC_E_RNG, -ENOMEM, TC_E_CRYPTO;
 * w is wiped on error and holds a secret (wkey) on success.
 * seal_wrap_seal() writes the SEAL_WRAP_LEN record wrapping cek, with
 * fixed (the header's first 48 bytes, creation time included) as AD.
 */
struct seal_wrap_prep {
	uint8_t keyid[SEAL_KEYID_LEN];
	uint8_t eph[TC_P256_PUB_LEN];	/* ephemeral public key; its private half is gone */
	uint8_t wkey[SEAL_KEY_LEN];	/* the single-use wrap key */
};
int seal_wrap_prepare(const uint8_t recipient[TC_P256_PUB_LEN],
		      const uint8_t photo_id[TC_PHOTO_ID_LEN], struct seal_wrap_prep *w)
	TC_MUST_CHECK;
int seal_wrap_seal(enum tc_aead aead, const struct seal_wrap_prep *w,
		   const uint8_t fixed[SEAL_FIXED_LEN], const uint8_t cek[SEAL_KEY_LEN],
		   uint8_t rec[SEAL_WRAP_LEN]) TC_MUST_CHECK;
/* 0 (cek filled), SEAL_AUTH_FAILED, or a negative code. */
int seal_wrap_open(enum tc_aead aead, const uint8_t rec[SEAL_WRAP_LEN],
		   const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t pub[TC_P256_PUB_LEN],
		   const uint8_t fixed[SEAL_FIXED_LEN], uint8_t cek[SEAL_KEY_LEN]) TC_MUST_CHECK;

/* ---- meta.c: the JSON metadata record (jansson) ---- */
/*
 * Encode meta into out (cap bytes).  *len = bytes written.  TC_E_BAD_METADATA
 * when meta breaks a limit or does not fit, -ENOMEM.
 */
int seal_meta_encode(const struct tc_photo_meta *meta, uint8_t *out, size_t cap, size_t *len)
	TC_MUST_CHECK;
/* Strict decode: TC_E_BAD_METADATA for anything but a well-formed v1 record. */
int seal_meta_decode(const uint8_t *json, size_t len, struct tc_photo_meta *meta)
	TC_MUST_CHECK;

/* ---- prep.c: what tc_seal_prepare() draws (tc_secure_alloc memory) ---- */
#define SEAL_PREP_MAX_WRAPS 2		/* the Trust, and a test's second recipient */

struct tc_seal_prep {
	enum tc_aead aead;		/* resolved, known */
	unsigned n_wraps;
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	uint8_t nonce_prefix[SEAL_NONCE_PREFIX_LEN];
	uint8_t cek[SEAL_KEY_LEN];	/* the content key */
	uint8_t mac_key[TC_DEVICE_MAC_KEY_LEN];
	struct seal_wrap_prep wraps[SEAL_PREP_MAX_WRAPS];
};

/* ---- hasher.c: the object SHA-256, on a helper thread when one starts ---- */
/*
 * One job slot: the owner posts a buffer, the thread hashes it, the slot
 * empties.  seal_hasher_post() first waits for the slot to empty, so once
 * it returns every buffer posted before this one is no longer read: with
 * two buffers used in turn, the one about to be overwritten is
 * always free.  Without a thread (not started, or pthread_create failed)
 * post hashes inline.  Only the owning thread calls these.
 */
struct seal_hasher {
	struct tc_sha256 sha;
	bool running;			/* a thread exists and must be joined */
	bool stop;
	const uint8_t *job;		/* NULL: slot empty, thread idle */
	size_t job_len;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv_job, cv_idle;
};

/* Test hook: pthread_create unless a test makes thread creation fail. */
extern int (*seal_hasher_thread_create)(pthread_t *, const pthread_attr_t *,
					void *(*)(void *), void *);

/* No thread yet: that waits for seal_hasher_start().  0 (tc_sha256_init). */
int seal_hasher_init(struct seal_hasher *h) TC_MUST_CHECK;
/* Start the thread; false if it could not be (the hash then runs inline). */
bool seal_hasher_start(struct seal_hasher *h);
/* Hash buf (async with a thread: leave buf untouched until the next post or drain). */
void seal_hasher_post(struct seal_hasher *h, const uint8_t *buf, size_t len);
/* Wait until every posted byte is hashed. */
void seal_hasher_drain(struct seal_hasher *h);
/* Digest so far, after a drain; the hash keeps running. */
void seal_hasher_peek(struct seal_hasher *h, uint8_t out[TC_SHA256_LEN]);
/* Drain, stop the thread, write the digest.  0 or TC_E_CRYPTO. */
int seal_hasher_finish(struct seal_hasher *h, uint8_t out[TC_SHA256_LEN]) TC_MUST_CHECK;
/* Stop and join the thread (finishing a posted job first), forget the state. */
void seal_hasher_free(struct seal_hasher *h);

/* ---- seal.c ---- */
/*
 * tc_seal_begin() with the metadata record given as raw bytes (rec_len <=
 * SEAL_META_MAX) instead of encoded from a struct.  Lets tests seal
 * malformed records that tc_seal_begin() would refuse.
 */
int seal_begin_raw(struct tc_seal **out, const struct tc_seal_params *p, const uint8_t *rec,
		   size_t rec_len, tc_seal_sink_fn sink, void *sink_ctx) TC_MUST_CHECK;
/* For tests: whether s hashes on a helper thread. */
bool seal_threaded(const struct tc_seal *s);

/* ---- verify.c ---- */
/* tc_obj_verify_device() reading bufsize (>= SEAL_HEADER_MAX) bytes at a time. */
int seal_verify_fd(int fd, const uint8_t *device_mac_key, struct tc_obj_info *info,
		   uint8_t digest[TC_SHA256_LEN], size_t bufsize) TC_MUST_CHECK;

#endif /* TC_SEAL_INT_H */
