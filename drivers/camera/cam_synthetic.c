/*
 * cam_synthetic.c - the synthetic sensor: a camera backend with real
 * sensor modes whose frames come from tc_synth_render().
 *
 * For the host board, the demo and the tests (after Zephyr's
 * video_sw_generator): it implements the same operations as the libcamera
 * backend, so the capture pipeline cannot tell them apart.  A frame is
 * rendered when it is taken; its seq is the render's frame number, so
 * tc_synth_render(seed, seq, ...) re-creates it exactly.
 *
 * The pool holds SYNTH_NBUFS frames, allocated at configure with
 * tc_secure_alloc: they hold what stands in for photo bytes, so they are
 * locked (best effort), kept out of core dumps and wiped when freed.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "cam_backend.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_synth.h"

#define SYNTH_NBUFS 3

struct synth_cam {
	uint64_t seed;
	uint64_t next_seq;            /* frame number of the next take */
	uint32_t width, height;
	enum tc_pixfmt fmt;
	size_t stride[3], plane_len[3];
	unsigned nplanes;
	uint8_t *buf[SYNTH_NBUFS];    /* whole frames, planes back to back */
	bool out[SYNTH_NBUFS];
};

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
	uint64_t seed;

	if (tc_parse_u64(local, 0, UINT64_MAX, &seed) != 0)
		return -ENODEV;
	sc = tc_calloc(1, sizeof(*sc));
	if (!sc)
		return -ENOMEM;
	sc->seed = seed;
	*priv = sc;
	return 0;
}

static void
free_pool(struct synth_cam *sc)
{
	unsigned i;

	for (i = 0; i < SYNTH_NBUFS; i++) {
		tc_secure_free(sc->buf[i]);
		sc->buf[i] = NULL;
		sc->out[i] = false;
	}
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

static int
synth_start(void *priv)
{
	(void)priv;
	return 0;
}

/* The sensor is always ready: timeout_ms never comes into play. */
static int
synth_take(void *priv, struct tc_frame *frame, unsigned *slot, int timeout_ms)
{
	struct synth_cam *sc = priv;
	uint8_t *planes[3] = { NULL, NULL, NULL };
	unsigned i, s;
	int err;

	(void)timeout_ms;
	for (s = 0; s < SYNTH_NBUFS && sc->out[s]; s++)
		;
	if (s == SYNTH_NBUFS)
		return -EBUSY;
	planes[0] = sc->buf[s];
	for (i = 1; i < sc->nplanes; i++)
		planes[i] = planes[i - 1] + sc->plane_len[i - 1];
	err = tc_synth_render(sc->seed, sc->next_seq, sc->width, sc->height, sc->fmt, planes,
			      sc->stride);
	if (err)
		return err;

	for (i = 0; i < 3; i++) {
		frame->plane[i] = planes[i];
		frame->stride[i] = sc->stride[i];
		frame->plane_len[i] = sc->plane_len[i];
	}
	frame->nplanes = sc->nplanes;
	frame->width = sc->width;
	frame->height = sc->height;
	frame->fmt = sc->fmt;
	frame->seq = sc->next_seq++;
	frame->timestamp_ns = tc_time_mono_us() * 1000;
	sc->out[s] = true;
	*slot = s;
	return 0;
}

static void
synth_release(void *priv, unsigned slot)
{
	struct synth_cam *sc = priv;

	sc->out[slot] = false;
}

static int
synth_stop(void *priv)
{
	(void)priv;
	return 0;
}

static void
synth_close(void *priv)
{
	struct synth_cam *sc = priv;

	free_pool(sc);
	tc_free(sc);
}

int
tc_cam_synthetic_set_seed(void *priv, uint64_t seed)
{
	struct synth_cam *sc = priv;

	sc->seed = seed;
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
