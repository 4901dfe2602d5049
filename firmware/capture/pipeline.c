/*
 * pipeline.c - encoder thread -> block ring -> sealing thread -> store:
 * the steps of one photo (capture_int.h) and tc_capture_photo().
 *
 * Tuned for latency: sealing and writing a block overlaps encoding the
 * next, so a photo is durable a few milliseconds after its last JPEG
 * byte.  The ring has blocks of one seal chunk each in locked memory;
 * the encoder always owns exactly one (the one it fills), the sealer
 * drains the full ones in order.  A single shot gets CAPTURE_RING_SHOT
 * blocks for the call; a burst brings its own deeper ring (burst.c).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "autoconf.h"
#include "capture_int.h"
#include "jpeg_enc.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"
#include "tc_thread.h"

#define PIPE_BLOCK CAPTURE_RING_BLOCK

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *mem;			/* nblocks * PIPE_BLOCK, locked */
	unsigned nblocks;
	int sealer_nice;
	size_t len[CAPTURE_RING_MAX];
	unsigned head;			/* the block the encoder fills */
	unsigned tail;			/* the oldest full block */
	unsigned nfull;
	int eof;			/* the encoder is done */
	int err;			/* first sealing error; stops both sides */
	struct tc_seal *seal;
	uint64_t jpeg_bytes;
};

static uint8_t *
block(struct pipe *p, unsigned i)
{
	return p->mem + (size_t)(i % p->nblocks) * PIPE_BLOCK;
}

/* Encoder side: the block it filled is full; wait for a free one. */
static uint8_t *
pipe_emit(void *ctx, uint8_t *full, size_t len)
{
	struct pipe *p = ctx;
	uint8_t *next = NULL;

	(void)full;
	pthread_mutex_lock(&p->mu);
	p->len[p->head % p->nblocks] = len;
	p->jpeg_bytes += len;
	p->head++;
	p->nfull++;
	pthread_cond_broadcast(&p->cv);
	while (p->nfull == p->nblocks && !p->err)
		pthread_cond_wait(&p->cv, &p->mu);
	if (!p->err)
		next = block(p, p->head);
	pthread_mutex_unlock(&p->mu);
	return next;
}

static void *
sealer_main(void *arg)
{
	struct pipe *p = arg;
	unsigned i;
	size_t len;
	int rc;

	/* Below the encoder, if asked (burst.c says why); a thread may always lower itself. */
	if (p->sealer_nice > 0 && !tc_thread_lower_priority(p->sealer_nice))
		tc_debug("capture: sealer stays at the caller's priority");
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->nfull == 0 && !p->eof)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->nfull == 0)
			break;
		i = p->tail;
		len = p->len[i % p->nblocks];
		pthread_mutex_unlock(&p->mu);
		rc = len ? tc_seal_write(p->seal, block(p, i), len) : 0;
		pthread_mutex_lock(&p->mu);
		p->tail++;
		p->nfull--;
		if (rc) {
			p->err = rc;
			pthread_cond_broadcast(&p->cv);
			break;
		}
		pthread_cond_broadcast(&p->cv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int
capture_check_args(const struct tc_capture_settings *cs, const struct tc_frame *frame,
		   const struct tc_photo_meta *meta)
{
	if (!cs || !frame || !meta || !cs->trust_pub || !cs->device_mac_key)
		return -EINVAL;
	if (cs->quality < 0 || cs->quality > 100 || cs->orientation > 8)
		return -EINVAL;
	return 0;
}

int
capture_job_begin(struct capture_job *j, struct tc_store *store)
{
	memset(j, 0, sizeof(*j));
	j->t0 = tc_time_mono_us();
	return tc_store_begin(store, &j->w);
}

int
capture_job_encode(struct capture_job *j, const struct tc_capture_settings *cs,
		   const struct tc_frame *frame, const struct tc_photo_meta *meta,
		   const struct capture_ring *ring)
{
	struct tc_seal_params sp;
	struct tc_seal_prep *prep;
	struct pipe p;
	pthread_t sealer;
	int rc, started = 0;

	memset(&p, 0, sizeof(p));
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	if (ring) {
		p.mem = ring->mem;
		p.nblocks = ring->nblocks;
		p.sealer_nice = ring->sealer_nice;
	} else {
		p.nblocks = CAPTURE_RING_SHOT;
		p.mem = tc_secure_alloc((size_t)p.nblocks * PIPE_BLOCK);
	}
	if (!p.mem || p.nblocks < 2 || p.nblocks > CAPTURE_RING_MAX) {
		rc = p.mem ? -EINVAL : -ENOMEM;
		goto out;
	}
	capture_seal_params(cs, &sp);
	sp.created_us = meta->capture_time_us;
	/*
	 * The seal key: its P-256 ECDH (about 1.2 ms) would be the one step
	 * between frame and encoder, so it is taken ready-made when the
	 * caller prepared one for these settings (keys.c), else made here.
	 */
	if ((prep = tc_capture_keys_take(cs->keys, cs)) != NULL)
		rc = tc_seal_begin_prepared(&p.seal, prep, meta, meta->capture_time_us,
					    tc_store_sink, j->w);
	else
		rc = tc_seal_begin(&p.seal, &sp, meta, tc_store_sink, j->w);
	if (rc != 0)
		goto out;
	tc_seal_photo_id(p.seal, j->res.id);
	j->created_us = meta->capture_time_us;
	if ((rc = -pthread_create(&sealer, NULL, sealer_main, &p)) != 0)
		goto out;
	started = 1;

	rc = tc_jpeg_encode(frame, cs->quality ? cs->quality : CONFIG_CAPTURE_JPEG_QUALITY,
			    cs->orientation ? cs->orientation : 1, block(&p, 0), PIPE_BLOCK,
			    pipe_emit, &p);
	pthread_mutex_lock(&p.mu);
	p.eof = 1;
	pthread_cond_broadcast(&p.cv);
	pthread_mutex_unlock(&p.mu);
	pthread_join(sealer, NULL);
	started = 0;
	if (p.err) {
		tc_err("capture: sealing failed: %s", tc_strerror(p.err));
		rc = rc == TC_E_CAPTURE_ABORTED || rc == 0 ? p.err : rc;
	}
	if (rc)
		goto out;
	/* tc_seal_finish frees the sealer whatever it returns. */
	rc = tc_seal_finish(p.seal, j->res.digest, &j->res.sealed_size);
	p.seal = NULL;
	j->res.jpeg_size = p.jpeg_bytes;
out:
	if (started) {
		pthread_mutex_lock(&p.mu);
		p.eof = 1;
		pthread_cond_broadcast(&p.cv);
		pthread_mutex_unlock(&p.mu);
		pthread_join(sealer, NULL);
	}
	if (p.seal)
		tc_seal_abort(p.seal);
	/* A burst's ring outlives the photo: no JPEG byte of it does. */
	if (ring && ring->mem)
		tc_zeroize(ring->mem, (size_t)ring->nblocks * PIPE_BLOCK);
	else
		tc_secure_free(p.mem);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	return rc;
}

int
capture_job_commit(struct capture_job *j, struct tc_store *store)
{
	struct tc_store_writer *w = j->w;
	int rc;

	j->w = NULL;	/* commit frees the writer whatever it returns */
	rc = tc_store_commit(store, w, j->res.id, j->res.digest, j->res.sealed_size,
			     j->created_us);
	if (rc == 0)
		j->res.latency_us = tc_time_mono_us() - j->t0;
	return rc;
}

void
capture_job_abort(struct capture_job *j, struct tc_store *store)
{
	if (j->w)
		tc_store_abort(store, j->w);
	j->w = NULL;
}

int
tc_capture_photo(const struct tc_capture_settings *cs, const struct tc_frame *frame,
		 const struct tc_photo_meta *meta, struct tc_store *store,
		 struct tc_capture_result *res)
{
	struct capture_job j;
	int rc;

	if (!store || !res)
		return -EINVAL;
	memset(res, 0, sizeof(*res));
	if ((rc = capture_check_args(cs, frame, meta)) != 0)
		return rc;
	if ((rc = capture_job_begin(&j, store)) != 0)
		return rc;
	if ((rc = capture_job_encode(&j, cs, frame, meta, NULL)) != 0) {
		capture_job_abort(&j, store);
		return rc;
	}
	if ((rc = capture_job_commit(&j, store)) != 0)
		return rc;
	*res = j.res;
	return 0;
}
