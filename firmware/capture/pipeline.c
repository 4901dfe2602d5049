/*
 * pipeline.c - encoder thread -> block ring -> sealing thread -> store.
 *
 * Tuned for latency: sealing and writing a block overlaps encoding the
 * next, so a photo is durable a few milliseconds after its last JPEG
 * byte.  The ring has PIPE_BLOCKS blocks of one seal chunk each in locked
 * memory; the encoder always owns exactly one (the one it fills), the
 * sealer drains the full ones in order.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "autoconf.h"
#include "jpeg_enc.h"
#include "tc_capture.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

#define PIPE_BLOCKS 4
#define PIPE_BLOCK TC_SEAL_CHUNK

struct pipe {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *mem;			/* PIPE_BLOCKS * PIPE_BLOCK, locked */
	size_t len[PIPE_BLOCKS];
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
	return p->mem + (size_t)(i % PIPE_BLOCKS) * PIPE_BLOCK;
}

/* Encoder side: the block it filled is full; wait for a free one. */
static uint8_t *
pipe_emit(void *ctx, uint8_t *full, size_t len)
{
	struct pipe *p = ctx;
	uint8_t *next = NULL;

	(void)full;
	pthread_mutex_lock(&p->mu);
	p->len[p->head % PIPE_BLOCKS] = len;
	p->jpeg_bytes += len;
	p->head++;
	p->nfull++;
	pthread_cond_broadcast(&p->cv);
	while (p->nfull == PIPE_BLOCKS && !p->err)
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

	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->nfull == 0 && !p->eof)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->nfull == 0)
			break;
		i = p->tail;
		len = p->len[i % PIPE_BLOCKS];
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

static int
check_args(const struct tc_capture_settings *cs, const struct tc_frame *frame,
	   const struct tc_photo_meta *meta, struct tc_store *store, struct tc_capture_result *res)
{
	if (!cs || !frame || !meta || !store || !res || !cs->trust_pub || !cs->device_mac_key)
		return -EINVAL;
	if (cs->quality < 0 || cs->quality > 100 || cs->orientation > 8)
		return -EINVAL;
	return 0;
}

int
tc_capture_photo(const struct tc_capture_settings *cs, const struct tc_frame *frame,
		 const struct tc_photo_meta *meta, struct tc_store *store,
		 struct tc_capture_result *res)
{
	struct tc_store_writer *w = NULL;
	struct tc_seal_params sp;
	struct pipe p;
	pthread_t sealer;
	uint64_t t0 = tc_time_mono_us();
	int rc, quality, started = 0;

	if ((rc = check_args(cs, frame, meta, store, res)) != 0)
		return rc;
	memset(res, 0, sizeof(*res));
	memset(&p, 0, sizeof(p));
	quality = cs->quality ? cs->quality : CONFIG_CAPTURE_JPEG_QUALITY;
	pthread_mutex_init(&p.mu, NULL);
	pthread_cond_init(&p.cv, NULL);
	p.mem = tc_secure_alloc((size_t)PIPE_BLOCKS * PIPE_BLOCK);
	if (!p.mem) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = tc_store_begin(store, &w)) != 0)
		goto out;
	memset(&sp, 0, sizeof(sp));
	sp.aead = cs->aead;
	sp.trust_pub = cs->trust_pub;
	sp.review_pub = cs->review_pub;
	sp.device_mac_key = cs->device_mac_key;
	sp.created_us = meta->capture_time_us;
	if ((rc = tc_seal_begin(&p.seal, &sp, meta, tc_store_sink, w)) != 0)
		goto out;
	tc_seal_photo_id(p.seal, res->id);
	if ((rc = -pthread_create(&sealer, NULL, sealer_main, &p)) != 0)
		goto out;
	started = 1;

	rc = tc_jpeg_encode(frame, quality, cs->orientation ? cs->orientation : 1,
			    block(&p, 0), PIPE_BLOCK, pipe_emit, &p);
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
	rc = tc_seal_finish(p.seal, res->digest, &res->sealed_size);
	p.seal = NULL;
	if (rc)
		goto out;
	rc = tc_store_commit(store, w, res->id, res->digest, res->sealed_size,
			     meta->capture_time_us);
	w = NULL;	/* commit frees the writer whatever it returns */
	if (rc)
		goto out;
	res->jpeg_size = p.jpeg_bytes;
	res->latency_us = tc_time_mono_us() - t0;
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
	if (w)
		tc_store_abort(store, w);
	tc_secure_free(p.mem);
	pthread_cond_destroy(&p.cv);
	pthread_mutex_destroy(&p.mu);
	if (rc)
		memset(res, 0, sizeof(*res));
	return rc;
}
