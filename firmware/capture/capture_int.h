/*
 * capture_int.h - one photo's way through the pipeline, in the steps
 * tc_capture_photo() runs back to back and a burst (burst.c) spreads over
 * two threads.  Private to firmware/capture.
 *
 *   capture_job_begin   the store's temporary object        store
 *   capture_job_encode  seal key, encode + seal + write     no store call
 *   capture_job_commit  fsync, rename, fsync dir, catalog   store
 *   capture_job_abort   erase the temporary object          store
 *
 * Only begin, commit and abort call into the store, which one thread at a
 * time may use; encode touches only its own writer (tc_store_sink), so it
 * may run while another thread commits the photo before.
 */
#ifndef TC_CAPTURE_INT_H
#define TC_CAPTURE_INT_H

#include "tc_capture.h"

/* The block ring between encoder and sealer: blocks of one seal chunk, locked memory. */
#define CAPTURE_RING_BLOCK TC_SEAL_CHUNK
#define CAPTURE_RING_SHOT 4		/* a single shot: 256 KiB, allocated per photo */
#define CAPTURE_RING_MAX 32

struct capture_ring {
	uint8_t *mem;			/* nblocks * CAPTURE_RING_BLOCK, tc_secure_alloc */
	unsigned nblocks;		/* 2..CAPTURE_RING_MAX */
	int sealer_nice;		/* > 0: the sealing thread lowers itself to this */
};

struct capture_job {
	struct tc_store_writer *w;	/* from begin until commit or abort */
	struct tc_capture_result res;	/* filled as it becomes known */
	uint64_t created_us;		/* the capture time sealed in the header */
	uint64_t t0;			/* monotonic us when the frame was ready */
};

/* The seal parameters cs stands for (keys.c); created_us is the caller's to set. */
void capture_seal_params(const struct tc_capture_settings *cs, struct tc_seal_params *p);

/* -EINVAL unless the arguments make a photo. */
int capture_check_args(const struct tc_capture_settings *cs, const struct tc_frame *frame,
		       const struct tc_photo_meta *meta) TC_MUST_CHECK;

/* Start job (t0 = now) with a temporary object in store: 0, TC_E_QUOTA or an I/O error. */
int capture_job_begin(struct capture_job *j, struct tc_store *store) TC_MUST_CHECK;

/*
 * Encode frame and seal it into the job's temporary object through ring
 * (wiped afterwards), or NULL: a CAPTURE_RING_SHOT ring of its own.  On
 * return the frame is no longer read.  0, or an error after which the
 * caller must capture_job_abort().
 */
int capture_job_encode(struct capture_job *j, const struct tc_capture_settings *cs,
		       const struct tc_frame *frame, const struct tc_photo_meta *meta,
		       const struct capture_ring *ring) TC_MUST_CHECK;

/* Make the photo durable and catalogue it; frees the writer whatever happens. */
int capture_job_commit(struct capture_job *j, struct tc_store *store) TC_MUST_CHECK;

/* Erase the temporary object; a no-op once committed or aborted. */
void capture_job_abort(struct capture_job *j, struct tc_store *store);

#endif /* TC_CAPTURE_INT_H */
