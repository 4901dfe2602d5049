/*
 * burst.c - photos in a row: each photo's commit overlaps the next one's
 * encode.
 *
 * The encoder is the bottleneck of a burst (about 33 ms of a 12 MP
 * frame), so it should never wait on disk.  A photo's commit - fsync of
 * the object, rename, fsync of objects/, the catalog transaction - and
 * what the caller does once it is durable (photod: audit append with its
 * fsyncs, reply to camctl) take about 5 ms; here they run on a committer
 * thread while the caller's thread encodes the next frame:
 *
 *   caller:     begin(1) encode(1)  begin(2) encode(2)  begin(3) encode(3) ... flush
 *   committer:                       commit(1) done(1)   commit(2) done(2)      commit(3) done(3)
 *
 * The store is used by one thread at a time (tc_store.h), and it is here
 * by construction, with no lock around it: a sealed photo waits (pending)
 * until the caller has begun the next one (begin is a store call), and
 * only then is handed to the committer (the kick); the caller calls into
 * the store again only after waiting for that commit and its done
 * callback.  In between the caller only encodes and seals, which writes
 * to its own temporary file.  So at most two photos are in flight: one
 * committing, one encoding; memory is one photo's ring of blocks, as for
 * a single shot (the committer holds no JPEG byte).
 *
 * Priorities.  On two cores a burst asks for more CPU than there is: per
 * 12 MP photo about 33 ms of encoder, 15 ms of sealing (cipher, hash),
 * some kernel time for writes and fsyncs, plus (synthetic sensor) about
 * 10 ms of rendering.  Whatever preempts the encoder stretches the
 * burst; whatever runs late elsewhere does not, as long as it catches up
 * within a photo.  So the encoder keeps nice 0 and the rest steps aside:
 * the sealing thread (and the hasher it starts) at BURST_SEALER_NICE, the
 * committer at BURST_COMMIT_NICE, the synthetic sensor's render thread
 * at 10 (drivers/camera).  A sealer that runs late needs room to lag, so
 * a burst's ring is BURST_RING_BLOCKS deep (1 MiB of locked memory, for
 * the burst, wiped after each photo) where a single shot has 4 blocks:
 * with 4 the encoder stalls on a full ring and the nice values cost more
 * than they gain (measured: 0.81 of the bare encode rate with 4 blocks,
 * 0.86-0.94 with 8, 0.94-0.99 with 16).
 *
 * Every guarantee of a single shot stays: a photo is reported (done)
 * only once durable and catalogued, in order; a failed photo leaves
 * nothing (its temporary is erased) and stops the burst with its error;
 * kill -9 at any point leaves at most a renamed-but-uncatalogued object
 * (re-indexed at the next open) and a temporary (erased), as the store's
 * commit protocol already allows.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include "capture_int.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"
#include "tc_thread.h"

#define BURST_RING_BLOCKS 16
#define BURST_SEALER_NICE 8
#define BURST_COMMIT_NICE 8

struct tc_capture_burst {
	struct tc_store *store;
	tc_capture_done_fn done;
	void *ctx;
	struct capture_ring ring;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct capture_job pending;	/* sealed, not yet committed */
	bool have_pending;		/* the caller's until kicked; then the committer's */
	bool kicked;			/* under mu: the committer owns pending */
	bool closing;			/* under mu: the thread exits when idle */
	int last_rc;			/* under mu: the result of the last commit */
	const struct tc_capture_settings *cs;	/* the last photo's; its keys refilled by the committer */
};

static void *
committer_main(void *arg)
{
	struct tc_capture_burst *b = arg;
	int rc;

	if (!tc_thread_lower_priority(BURST_COMMIT_NICE))
		tc_debug("capture: committer stays at the caller's priority");
	pthread_mutex_lock(&b->mu);
	for (;;) {
		while (!b->kicked && !b->closing)
			pthread_cond_wait(&b->cv, &b->mu);
		if (!b->kicked)
			break;
		pthread_mutex_unlock(&b->mu);
		rc = capture_job_commit(&b->pending, b->store);
		if (rc == 0 && b->done)
			b->done(b->ctx, &b->pending.res);
		/*
		 * The seal key of the photo after the one encoding now: its
		 * ECDH runs here, off the encoder's path (keys.c).  Before
		 * kicked is cleared, so flush and close wait for it and cs is
		 * never read after the burst hands it back.
		 */
		if (b->cs && b->cs->keys && tc_capture_keys_refill(b->cs->keys, b->cs) != 0)
			tc_debug("capture: no seal key prepared ahead; the next photo makes its own");
		pthread_mutex_lock(&b->mu);
		b->last_rc = rc;
		b->kicked = false;
		pthread_cond_broadcast(&b->cv);
	}
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* Hand the pending photo to the committer. */
static void
kick(struct tc_capture_burst *b)
{
	if (!b->have_pending)
		return;
	pthread_mutex_lock(&b->mu);
	b->kicked = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

/* Wait until the committer is idle; the result of the commit it ran, 0 if none. */
static int
wait_idle(struct tc_capture_burst *b)
{
	int rc;

	if (!b->have_pending)
		return 0;
	pthread_mutex_lock(&b->mu);
	while (b->kicked)
		pthread_cond_wait(&b->cv, &b->mu);
	rc = b->last_rc;
	b->last_rc = 0;
	pthread_mutex_unlock(&b->mu);
	b->have_pending = false;
	if (rc)
		tc_err("capture: commit failed: %s", tc_strerror(rc));
	return rc;
}

int
tc_capture_burst_open(struct tc_capture_burst **out, struct tc_store *store,
		      tc_capture_done_fn done, void *ctx)
{
	struct tc_capture_burst *b;
	int rc;

	if (!out || !store)
		return -EINVAL;
	*out = NULL;
	if ((b = tc_calloc(1, sizeof(*b))) == NULL)
		return -ENOMEM;
	b->store = store;
	b->done = done;
	b->ctx = ctx;
	b->ring.nblocks = BURST_RING_BLOCKS;
	b->ring.sealer_nice = BURST_SEALER_NICE;
	b->ring.mem = tc_secure_alloc((size_t)BURST_RING_BLOCKS * CAPTURE_RING_BLOCK);
	if (!b->ring.mem) {
		tc_free(b);
		return -ENOMEM;
	}
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	rc = -tc_thread_start(&b->thread, NULL, committer_main, b);
	if (rc) {
		pthread_cond_destroy(&b->cv);
		pthread_mutex_destroy(&b->mu);
		tc_secure_free(b->ring.mem);
		tc_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

int
tc_capture_burst_photo(struct tc_capture_burst *b, const struct tc_capture_settings *cs,
		       const struct tc_frame *frame, const struct tc_photo_meta *meta)
{
	struct capture_job next;
	int rc, prev;

	if (!b)
		return -EINVAL;
	if ((rc = capture_check_args(cs, frame, meta)) != 0)
		return rc;
	/* The committer is idle: the store is ours until the kick. */
	if ((rc = capture_job_begin(&next, b->store)) != 0) {
		prev = tc_capture_burst_flush(b);
		return prev ? prev : rc;
	}
	b->cs = cs;	/* published to the committer by the kick's mutex */
	kick(b);
	rc = capture_job_encode(&next, cs, frame, meta, &b->ring);
	prev = wait_idle(b);
	if (prev || rc) {
		/* The earlier photo's failure is the one to report: it stops the burst first. */
		capture_job_abort(&next, b->store);
		return prev ? prev : rc;
	}
	b->pending = next;
	b->have_pending = true;
	return 0;
}

int
tc_capture_burst_flush(struct tc_capture_burst *b)
{
	if (!b)
		return 0;
	kick(b);
	return wait_idle(b);
}

void
tc_capture_burst_pending(const struct tc_capture_burst *b, unsigned *photos, uint64_t *bytes)
{
	*photos = b && b->have_pending ? 1 : 0;
	*bytes = b && b->have_pending ? b->pending.res.sealed_size : 0;
}

void
tc_capture_burst_close(struct tc_capture_burst *b)
{
	if (!b)
		return;
	if (tc_capture_burst_flush(b) != 0)
		tc_warn("capture: a burst closed with its last photo failed");
	pthread_mutex_lock(&b->mu);
	b->closing = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	tc_secure_free(b->ring.mem);
	tc_free(b);
}
