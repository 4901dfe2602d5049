/*
 * tc_capture.h - one frame in, one sealed photo committed to the store.
 *
 * The encode-and-seal pipeline of photod (rules R3, R6): the JPEG encoder
 * runs on the calling thread and hands 64 KiB blocks, as it produces them,
 * to a sealing thread that encrypts them straight into the store's
 * temporary object file.  The plaintext JPEG exists only in a few locked
 * blocks of RAM, never whole and never on disk.  On any failure the
 * partial object is erased and nothing is catalogued.
 */
#ifndef TC_CAPTURE_H
#define TC_CAPTURE_H

#include <stdint.h>

#include "tc_camera.h"
#include "tc_err.h"
#include "tc_seal.h"
#include "tc_store.h"

struct tc_capture_settings {
	int quality;			/* 1..100; 0: CONFIG_CAPTURE_JPEG_QUALITY */
	uint16_t orientation;		/* Exif orientation 1..8; 0: 1 (upright) */
	enum tc_aead aead;		/* TC_AEAD_DEFAULT: the Kconfig choice */
	const uint8_t *trust_pub;	/* the Trust's photo public key (required) */
	const uint8_t *device_mac_key;	/* the store's device footer key (required) */
	struct tc_capture_keys *keys;	/* seal keys prepared ahead; NULL: made at the shutter */
};

struct tc_capture_result {
	uint8_t id[TC_PHOTO_ID_LEN];
	uint8_t digest[TC_SHA256_LEN];	/* SHA-256 of the sealed object */
	uint64_t sealed_size;
	uint64_t jpeg_size;
	uint64_t latency_us;		/* call (frame ready) -> object fsynced and catalogued */
};

/*
 * Encode frame, seal it with meta and commit it to store.  The caller
 * still owns frame (release it to the camera afterwards).  Returns 0 and
 * fills res, or a negative code: -EINVAL (bad frame or settings),
 * TC_E_QUOTA, TC_E_JPEG, TC_E_CAPTURE_ABORTED (sealing or writing failed:
 * the cause is logged), or the store's error; nothing is left behind.
 */
int tc_capture_photo(const struct tc_capture_settings *cs, const struct tc_frame *frame,
		     const struct tc_photo_meta *meta, struct tc_store *store,
		     struct tc_capture_result *res) TC_MUST_CHECK;

/*
 * Bursts: photos in a row, each one's commit (and what the caller does
 * once it is durable) on a committer thread while the caller's thread
 * encodes the next.  At most two photos are in flight: one committing,
 * one encoding.  A burst and its store are used from one caller thread;
 * between tc_capture_burst_photo() calls the caller may use the store
 * (the committer is idle until the next photo has begun).
 */
struct tc_capture_burst;

/*
 * Called on the committer thread, in photo order, once a photo is
 * durable and catalogued: the moment to audit and report it.  It must
 * not call into the store or the burst.
 */
typedef void (*tc_capture_done_fn)(void *ctx, const struct tc_capture_result *res);

/* Start the committer thread.  0, -EINVAL, -ENOMEM or -EAGAIN. */
int tc_capture_burst_open(struct tc_capture_burst **b, struct tc_store *store,
			  tc_capture_done_fn done, void *ctx) TC_MUST_CHECK;

/*
 * Encode and seal frame; on return the caller may release the frame.
 * Its commit waits for the next photo's begin, or for flush; meanwhile
 * the photo before it is committed and done.  Returns 0, or the first
 * error of the photo before (its commit failed) or of this one (as
 * tc_capture_photo); a failed photo leaves nothing, and the burst must
 * then stop (flush, close).
 */
int tc_capture_burst_photo(struct tc_capture_burst *b, const struct tc_capture_settings *cs,
			   const struct tc_frame *frame, const struct tc_photo_meta *meta)
	TC_MUST_CHECK;

/* Commit the sealed photo not yet committed, if any, and wait for its done: 0 or its error. */
int tc_capture_burst_flush(struct tc_capture_burst *b) TC_MUST_CHECK;

/* What is sealed but not yet committed (what a quota or limit check must count). */
void tc_capture_burst_pending(const struct tc_capture_burst *b, unsigned *photos,
			      uint64_t *bytes);

/* Flush (an error is logged: call flush first to see it), stop the thread, free. */
void tc_capture_burst_close(struct tc_capture_burst *b);

/*
 * Seal keys prepared ahead (keys.c): the ephemeral ECDH of tc_seal_begin
 * (about 1.2 ms a recipient) done while the camera is idle, so the
 * shutter path only takes the result.  One single-use key set at a time,
 * bound to the settings it was made for; a photo whose settings differ
 * (or that finds none ready) seals the slow way, with the same object.
 * Safe to refill on one thread while another captures.
 */
struct tc_capture_keys;

int tc_capture_keys_new(struct tc_capture_keys **k) TC_MUST_CHECK;
/* Prepare a key set for cs unless one for the same settings is ready: 0 or tc_seal_prepare's error. */
int tc_capture_keys_refill(struct tc_capture_keys *k, const struct tc_capture_settings *cs)
	TC_MUST_CHECK;
/* The ready key set if it was made for cs (the caller consumes it), else NULL. */
struct tc_seal_prep *tc_capture_keys_take(struct tc_capture_keys *k,
					  const struct tc_capture_settings *cs);
/* Wipe the ready key set, if any (keys change: a wipe, a new policy). */
void tc_capture_keys_clear(struct tc_capture_keys *k);
void tc_capture_keys_free(struct tc_capture_keys *k);

#endif /* TC_CAPTURE_H */
