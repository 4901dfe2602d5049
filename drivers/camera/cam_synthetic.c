/*
 * cam_synthetic.c - the synthetic sensor: a camera backend with real
 * sensor modes whose frames come from the synthetic renderer.
 *
 * For the host board, the demo and the tests (after Zephyr's
 * video_sw_generator): it implements the same operations as the libcamera
 * backend, so the capture pipeline cannot tell them apart.  Like a real
 * sensor it streams: from start to stop a render thread fills every free
 * buffer of the pool with the next frame, in frame order, so a take
 * returns a frame that is already there while the caller encodes the
 * previous one (start renders the first frame itself, so even the first
 * take finds one).  A frame's seq is its render index, so
 * tc_synth_render(seed, seq, ...) re-creates it exactly, and seq counts
 * the frames taken before it: frames rendered ahead but not taken when
 * the stream stops or the seed changes are dropped and their numbers
 * rendered again.
 *
 * Tuned for memory: the pool holds SYNTH_NBUFS = 2 frames (one on loan,
 * one rendered ahead: 2 x 18.5 MB at 12 MP), allocated at configure with
 * tc_secure_alloc since they hold what stands in for photo bytes (locked
 * where the limit allows, kept out of core dumps, wiped when freed).  The
 * scene (synth_scene.h, about 1 MB) and the render scratch are acquired
 * at configure too, on the caller's thread: the render thread allocates
 * nothing, takes no signal and never fails.
 *
 * Slot states, all under mu:
 *
 *   FREE --(thread picks it)--> RENDERING --(done)--> READY --(take)--> OUT
 *    | ^                            |                   ^ |               |
 *    | +----- stale (stop, seed) ---+-------------------|-+               |
 *    | +------------------------------ release ---------|-----------------+
 *    +------------(start renders the first frame)-------+
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cam_backend.h"
#include "synth_scene.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"
#include "tc_synth.h"
#include "tc_thread.h"

#define SYNTH_NBUFS 2
#define RENDER_NICE 10 /* the render thread's nice value: see render_main */

enum slot_state { SLOT_FREE, SLOT_RENDERING, SLOT_READY, SLOT_OUT };

struct synth_cam {
	pthread_mutex_t mu;
	pthread_cond_t ready_cv;      /* a frame is ready: take waits on it */
	pthread_cond_t free_cv;       /* a slot is free, or stop: the thread waits on it */
	pthread_t thread;
	bool thread_up;               /* created and not yet joined */
	bool stopping;

	uint64_t seed;
	struct tc_synth_scene *scene; /* of seed at the configured size; NULL unconfigured */
	void *scratch;                /* the render thread's rows */
	uint64_t next_take;           /* seq of the frame the next take returns */
	uint64_t next_render;         /* seq the thread renders next */
	uint64_t gen;                 /* bumped when the frames rendered ahead go stale */

	uint32_t width, height;
	enum tc_pixfmt fmt;
	size_t stride[3], plane_len[3];
	unsigned nplanes;
	uint8_t *buf[SYNTH_NBUFS];    /* whole frames, planes back to back */
	enum slot_state state[SYNTH_NBUFS];
	uint64_t seq[SYNTH_NBUFS];    /* READY, OUT: the frame's seq */
	uint64_t ts_ns[SYNTH_NBUFS];  /* READY, OUT: when its render finished */
};

/*
 * Debug builds: READY frames are distinct, between next_take and
 * next_render; at most one frame renders, and only while the thread runs.
 * Called with mu held.
 */
static void
synth_assert_state(const struct synth_cam *sc)
{
#ifdef CONFIG_DEBUG
	unsigned i, j, rendering = 0;

	for (i = 0; i < SYNTH_NBUFS; i++) {
		if (sc->state[i] == SLOT_RENDERING)
			rendering++;
		if (sc->state[i] != SLOT_READY)
			continue;
		if (sc->seq[i] < sc->next_take || sc->seq[i] >= sc->next_render)
			abort();
		for (j = i + 1; j < SYNTH_NBUFS; j++)
			if (sc->state[j] == SLOT_READY && sc->seq[j] == sc->seq[i])
				abort();
	}
	if (rendering > 1 || (rendering && !sc->thread_up) || sc->next_render < sc->next_take)
		abort();
#else
	(void)sc;
#endif
}

static int
synth_list(struct tc_camera_info *out, size_t max, size_t *n)
{
	size_t i;

	*n = 1;
	if (max == 0)
		return 0;
	memset(out, 0, sizeof(*out));
	tc_strlcpy(out->id, "synthetic:0", sizeof(out->id));
	tc_strlcpy(out->model, "synthetic sensor", sizeof(out->model));
	tc_strlcpy(out->backend, "synthetic", sizeof(out->backend));
	for (i = 0; i < tc_synth_nmodes && i < TC_CAMERA_MODES_MAX; i++)
		out->modes[i] = tc_synth_modes[i];
	out->nmodes = i;
	return 0;
}

/* local is the seed in decimal: "synthetic:0", "synthetic:42". */
static int
synth_open(const char *local, void **priv)
{
	struct synth_cam *sc;
	pthread_condattr_t ca;
	uint64_t seed;
	int err;

	if (tc_parse_u64(local, 0, UINT64_MAX, &seed) != 0)
		return -ENODEV;
	sc = tc_calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	/* take's timeout runs on the monotonic clock: wall-clock steps do not move it. */
	if ((err = pthread_condattr_init(&ca)) != 0)
		goto fail;
	err = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	if (err == 0 && (err = pthread_cond_init(&sc->ready_cv, &ca)) == 0 &&
	    (err = pthread_cond_init(&sc->free_cv, NULL)) != 0)
		pthread_cond_destroy(&sc->ready_cv);
	pthread_condattr_destroy(&ca);
	if (err)
		goto fail;
	if ((err = pthread_mutex_init(&sc->mu, NULL)) != 0) {
		pthread_cond_destroy(&sc->ready_cv);
		pthread_cond_destroy(&sc->free_cv);
		goto fail;
	}
	sc->seed = seed;
	*priv = sc;
	return 0;
fail:
	tc_free(sc);
	return -err;
}

/* Drop the pool, the scene and the scratch.  The thread is not running. */
static void
free_pool(struct synth_cam *sc)
{
	unsigned i;

	for (i = 0; i < SYNTH_NBUFS; i++) {
		tc_secure_free(sc->buf[i]);
		sc->buf[i] = NULL;
		sc->state[i] = SLOT_FREE;
	}
	tc_synth_scene_put(sc->scene);
	sc->scene = NULL;
	tc_free(sc->scratch);
	sc->scratch = NULL;
}

static int
synth_configure(void *priv, uint32_t width, uint32_t height, enum tc_pixfmt fmt, unsigned *nbufs)
{
	struct synth_cam *sc = priv;
	size_t stride[3], len[3], total;
	unsigned np, i;
	bool known = false;
	int err;

	for (i = 0; i < tc_synth_nmodes; i++)
		if (tc_synth_modes[i].width == width && tc_synth_modes[i].height == height)
			known = true;
	if (!known || tc_pixfmt_layout(fmt, width, height, stride, len, &np) != 0)
		return -EINVAL;

	free_pool(sc);
	total = len[0] + len[1] + len[2];
	for (i = 0; i < SYNTH_NBUFS; i++) {
		sc->buf[i] = tc_secure_alloc(total);
		if (!sc->buf[i]) {
			err = errno ? -errno : -ENOMEM;
			goto fail;
		}
	}
	if ((err = tc_synth_scene_get(sc->seed, width, height, &sc->scene)) != 0)
		goto fail;
	sc->scratch = tc_malloc(tc_synth_scratch_len(width));
	if (!sc->scratch) {
		err = -ENOMEM;
		goto fail;
	}
	sc->width = width;
	sc->height = height;
	sc->fmt = fmt;
	sc->nplanes = np;
	memcpy(sc->stride, stride, sizeof(stride));
	memcpy(sc->plane_len, len, sizeof(len));
	*nbufs = SYNTH_NBUFS;
	return 0;
fail:
	free_pool(sc);
	return err;
}

static void
slot_planes(const struct synth_cam *sc, unsigned s, uint8_t *planes[3])
{
	unsigned i;

	planes[0] = sc->buf[s];
	planes[1] = planes[2] = NULL;
	for (i = 1; i < sc->nplanes; i++)
		planes[i] = planes[i - 1] + sc->plane_len[i - 1];
}

/*
 * The render thread: renders frame next_render into a free slot, over and
 * over, until stop.  Frames that went stale while rendering are dropped.
 */
static void *
render_main(void *arg)
{
	struct synth_cam *sc = arg;
	sigset_t all;

	/* Already blocked by start; restated so no signal can ever land here. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/*
	 * A real sensor fills its buffers by DMA; this thread should only use
	 * CPU that the encoder and the sealer leave: at nice 0 it takes the
	 * sealer's core for ~10 ms per 12 MP frame, the encoder stalls on a
	 * full block ring and a burst loses ~15% of its rate.  Nice 10 lets them
	 * preempt it at once yet still gives it ~10% of a core that something
	 * else keeps busy, so it cannot starve.  On Linux the nice value is per
	 * thread.  Only ever lowers the priority (never below the caller's);
	 * best effort.
	 */
	if (!tc_thread_lower_priority(RENDER_NICE))
		tc_debug("camera: render thread stays at the caller's priority");

	pthread_mutex_lock(&sc->mu);
	for (;;) {
		struct tc_synth_scene *scene;
		uint8_t *planes[3];
		uint64_t seq, gen;
		unsigned s = SYNTH_NBUFS;

		while (!sc->stopping) {
			for (s = 0; s < SYNTH_NBUFS && sc->state[s] != SLOT_FREE; s++)
				;
			if (s < SYNTH_NBUFS)
				break;
			pthread_cond_wait(&sc->free_cv, &sc->mu);
		}
		if (sc->stopping)
			break;
		seq = sc->next_render++;
		gen = sc->gen;
		scene = sc->scene;
		tc_synth_scene_hold(scene); /* a seed change may swap it meanwhile */
		sc->state[s] = SLOT_RENDERING;
		slot_planes(sc, s, planes);
		synth_assert_state(sc);
		pthread_mutex_unlock(&sc->mu);

		tc_synth_scene_render(scene, seq, sc->fmt, planes, sc->stride, sc->scratch);
		tc_synth_scene_put(scene);

		pthread_mutex_lock(&sc->mu);
		if (gen == sc->gen && !sc->stopping) {
			sc->state[s] = SLOT_READY;
			sc->seq[s] = seq;
			sc->ts_ns[s] = tc_time_mono_us() * 1000;
			pthread_cond_broadcast(&sc->ready_cv);
		} else {
			sc->state[s] = SLOT_FREE;
		}
		synth_assert_state(sc);
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* Frames rendered ahead are stale: drop them, render from next_take again.  mu held. */
static void
drop_ahead(struct synth_cam *sc)
{
	unsigned s;

	for (s = 0; s < SYNTH_NBUFS; s++)
		if (sc->state[s] == SLOT_READY)
			sc->state[s] = SLOT_FREE;
	sc->next_render = sc->next_take;
	sc->gen++;
	pthread_cond_broadcast(&sc->free_cv);
}

/*
 * The first frame of a stream, rendered by start itself on the caller's
 * thread (the render thread does not exist yet): a camera just started
 * has a frame waiting, like a sensor that was already streaming, so the
 * first take after photod's start-up does not wait for a render.
 */
static void
prime(struct synth_cam *sc)
{
	uint8_t *planes[3];
	unsigned s;

	for (s = 0; s < SYNTH_NBUFS && sc->state[s] != SLOT_FREE; s++)
		;
	if (s == SYNTH_NBUFS)
		return; /* every buffer still on loan from before the stop */
	slot_planes(sc, s, planes);
	tc_synth_scene_render(sc->scene, sc->next_render, sc->fmt, planes, sc->stride, sc->scratch);
	pthread_mutex_lock(&sc->mu);
	sc->seq[s] = sc->next_render++;
	sc->ts_ns[s] = tc_time_mono_us() * 1000;
	sc->state[s] = SLOT_READY;
	synth_assert_state(sc);
	pthread_mutex_unlock(&sc->mu);
}

static int
synth_start(void *priv)
{
	struct synth_cam *sc = priv;
	int err;

	prime(sc);
	pthread_mutex_lock(&sc->mu);
	sc->stopping = false;
	sc->thread_up = true;
	pthread_mutex_unlock(&sc->mu);
	/* No signal is ever delivered to it, not even before its first instruction. */
	err = tc_thread_start(&sc->thread, NULL, render_main, sc);
	if (err != 0) {
		pthread_mutex_lock(&sc->mu);
		sc->thread_up = false;
		drop_ahead(sc);
		pthread_mutex_unlock(&sc->mu);
		tc_err("camera: synthetic render thread: %s", tc_strerror(-err));
		return -err;
	}
	return 0;
}

/* Wait for a ready frame until deadline (NULL: forever).  mu held.  0 or -ETIMEDOUT. */
static int
wait_ready(struct synth_cam *sc, const struct timespec *deadline, unsigned *slot)
{
	unsigned s;

	for (;;) {
		for (s = 0; s < SYNTH_NBUFS; s++)
			if (sc->state[s] == SLOT_READY && sc->seq[s] == sc->next_take) {
				*slot = s;
				return 0;
			}
		if (!deadline)
			pthread_cond_wait(&sc->ready_cv, &sc->mu);
		else if (pthread_cond_timedwait(&sc->ready_cv, &sc->mu, deadline) == ETIMEDOUT)
			break;
	}
	/* Timed out: one last look, the frame may have come with the timeout. */
	for (s = 0; s < SYNTH_NBUFS; s++)
		if (sc->state[s] == SLOT_READY && sc->seq[s] == sc->next_take) {
			*slot = s;
			return 0;
		}
	return -ETIMEDOUT;
}

/*
 * The frame next_take as soon as it is rendered (at once if it is ready).
 * timeout_ms 0 only looks; negative waits for ever.  Called running with a
 * slot not on loan, so the thread has somewhere to render.
 */
static int
synth_take(void *priv, struct tc_frame *frame, unsigned *slot, int timeout_ms)
{
	struct synth_cam *sc = priv;
	struct timespec deadline, *dl = NULL;
	uint8_t *planes[3];
	unsigned i, s = 0;
	int err;

	if (timeout_ms >= 0) {
		clock_gettime(CLOCK_MONOTONIC, &deadline);
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (deadline.tv_nsec >= 1000000000L) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000L;
		}
		dl = &deadline;
	}
	pthread_mutex_lock(&sc->mu);
	if ((err = wait_ready(sc, dl, &s)) != 0)
		goto out;
	sc->state[s] = SLOT_OUT;
	slot_planes(sc, s, planes);
	for (i = 0; i < 3; i++) {
		frame->plane[i] = planes[i];
		frame->stride[i] = sc->stride[i];
		frame->plane_len[i] = sc->plane_len[i];
	}
	frame->nplanes = sc->nplanes;
	frame->width = sc->width;
	frame->height = sc->height;
	frame->fmt = sc->fmt;
	frame->seq = sc->seq[s];
	frame->timestamp_ns = sc->ts_ns[s];
	sc->next_take++;
	*slot = s;
out:
	synth_assert_state(sc);
	pthread_mutex_unlock(&sc->mu);
	return err;
}

/* The slot is free again: the thread renders the next frame into it. */
static void
synth_release(void *priv, unsigned slot)
{
	struct synth_cam *sc = priv;

	pthread_mutex_lock(&sc->mu);
	sc->state[slot] = SLOT_FREE;
	pthread_cond_signal(&sc->free_cv);
	synth_assert_state(sc);
	pthread_mutex_unlock(&sc->mu);
}

/* Stop the thread (waiting out a render in progress) and drop what it rendered ahead. */
static int
synth_stop(void *priv)
{
	struct synth_cam *sc = priv;

	if (!sc->thread_up)
		return 0;
	pthread_mutex_lock(&sc->mu);
	sc->stopping = true;
	pthread_cond_broadcast(&sc->free_cv);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->thread, NULL);
	pthread_mutex_lock(&sc->mu);
	sc->thread_up = false;
	drop_ahead(sc);
	synth_assert_state(sc);
	pthread_mutex_unlock(&sc->mu);
	return 0;
}

static void
synth_close(void *priv)
{
	struct synth_cam *sc = priv;

	(void)synth_stop(sc);
	free_pool(sc);
	pthread_mutex_destroy(&sc->mu);
	pthread_cond_destroy(&sc->ready_cv);
	pthread_cond_destroy(&sc->free_cv);
	tc_free(sc);
}

/*
 * A new seed for the frames from next_take on.  Once configured, the
 * scene of the new seed is built first (-ENOMEM leaves the old seed),
 * then frames rendered ahead with the old one are dropped.
 */
int
tc_cam_synthetic_set_seed(void *priv, uint64_t seed)
{
	struct synth_cam *sc = priv;
	struct tc_synth_scene *scene = NULL, *old;
	int err;

	if (sc->scene && (err = tc_synth_scene_get(seed, sc->width, sc->height, &scene)) != 0)
		return err;
	pthread_mutex_lock(&sc->mu);
	old = sc->scene;
	sc->scene = scene;
	sc->seed = seed;
	drop_ahead(sc);
	synth_assert_state(sc);
	pthread_mutex_unlock(&sc->mu);
	tc_synth_scene_put(old);
	return 0;
}

const struct tc_camera_ops tc_cam_synthetic_ops = {
	.name = "synthetic",
	.list = synth_list,
	.open = synth_open,
	.configure = synth_configure,
	.start = synth_start,
	.take = synth_take,
	.release = synth_release,
	.stop = synth_stop,
	.close = synth_close,
};
