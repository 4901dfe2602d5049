/*
 * camera.c - the camera interface: routes each call to its backend and
 * keeps the handle's state and its frame loans.
 *
 * Backends (cam_backend.h) only move buffers.  Everything a caller can get
 * wrong is checked here, once, for every backend: calls out of order, a
 * take with the whole pool on loan, a release of a frame that is not on
 * loan from this camera.  A loan is (camera, slot, loan number); loan
 * numbers come from one process-wide counter, so a copy of an old frame
 * does not match a later loan of the same slot, even on a camera opened
 * at the same address.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cam_backend.h"
#include "tc_camera.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

static const struct tc_camera_ops *const backends[] = {
#ifdef CONFIG_CAMERA_SYNTHETIC
	&tc_cam_synthetic_ops,
#endif
#ifdef CONFIG_CAMERA_LIBCAMERA
	&tc_cam_libcamera_ops,
#endif
	NULL,
};

enum cam_state {
	CAM_OPENED,
	CAM_CONFIGURED,
	CAM_RUNNING,
};

struct tc_camera {
	const struct tc_camera_ops *ops;
	void *priv;
	enum cam_state state;
	unsigned nbufs;                        /* pool size, 0 until configured */
	unsigned nout;                         /* buffers on loan */
	uint32_t loan[TC_CAMERA_MAX_BUFFERS];  /* 0: the driver's; else the loan number */
};

static uint32_t loan_counter;

/* Debug builds: the loan table agrees with its count and the state. */
static void
camera_assert_state(const struct tc_camera *cam)
{
#ifdef CONFIG_DEBUG
	unsigned i, out = 0;

	for (i = 0; i < TC_CAMERA_MAX_BUFFERS; i++)
		if (cam->loan[i] != 0) {
			if (i >= cam->nbufs)
				abort();
			out++;
		}
	if (out != cam->nout || cam->nout > cam->nbufs ||
	    (cam->state == CAM_OPENED && (cam->nbufs != 0 || cam->nout != 0)) ||
	    (cam->state != CAM_OPENED && cam->nbufs == 0))
		abort();
#else
	(void)cam;
#endif
}

int
tc_camera_list(struct tc_camera_info *out, size_t max, size_t *n)
{
	size_t i, total = 0;

	if (!n || (max && !out))
		return -EINVAL;
	for (i = 0; backends[i]; i++) {
		size_t written = total < max ? total : max, found = 0;
		int err = backends[i]->list(out ? out + written : NULL, max - written, &found);

		/* A broken backend must not hide the cameras of the others. */
		if (err) {
			tc_debug("camera: %s backend list failed: %s", backends[i]->name,
				 tc_strerror(err));
			continue;
		}
		total += found;
	}
	*n = total;
	return 0;
}

int
tc_camera_open(struct tc_camera **camp, const char *id)
{
	const struct tc_camera_ops *ops = NULL;
	struct tc_camera *cam = NULL;
	const char *colon;
	size_t i;
	int err;

	if (!camp || !id)
		return -EINVAL;
	*camp = NULL;
	colon = strchr(id, ':');
	if (!colon)
		return -ENODEV;
	for (i = 0; backends[i]; i++)
		if (strlen(backends[i]->name) == (size_t)(colon - id) &&
		    memcmp(backends[i]->name, id, (size_t)(colon - id)) == 0)
			ops = backends[i];
	if (!ops)
		return -ENODEV;

	cam = tc_calloc(1, sizeof(*cam));
	if (!cam)
		return -ENOMEM;
	cam->ops = ops;
	cam->state = CAM_OPENED;
	if ((err = ops->open(colon + 1, &cam->priv)) != 0)
		goto fail;
	camera_assert_state(cam);
	*camp = cam;
	return 0;
fail:
	tc_free(cam);
	return err;
}

int
tc_camera_configure(struct tc_camera *cam, uint32_t width, uint32_t height, enum tc_pixfmt fmt)
{
	unsigned nbufs = 0;
	int err;

	if (!cam)
		return -EINVAL;
	if (cam->state == CAM_RUNNING)
		return -EBADFD;
	if (cam->nout)
		return -EBUSY;
	if (fmt != TC_PIXFMT_NV12 && fmt != TC_PIXFMT_YUV420)
		return -EINVAL;
	err = cam->ops->configure(cam->priv, width, height, fmt, &nbufs);
	if (err == 0 && (nbufs == 0 || nbufs > TC_CAMERA_MAX_BUFFERS))
		err = -EIO;
	if (err == 0) {
		cam->nbufs = nbufs;
		cam->state = CAM_CONFIGURED;
	} else if (err != -EINVAL) {
		/* Past validation the backend dropped the old pool. */
		cam->nbufs = 0;
		cam->state = CAM_OPENED;
	}
	camera_assert_state(cam);
	return err;
}

int
tc_camera_start(struct tc_camera *cam)
{
	int err;

	if (!cam)
		return -EINVAL;
	if (cam->state != CAM_CONFIGURED)
		return -EBADFD;
	if ((err = cam->ops->start(cam->priv)) != 0)
		return err;
	cam->state = CAM_RUNNING;
	camera_assert_state(cam);
	return 0;
}

int
tc_camera_take(struct tc_camera *cam, struct tc_frame *frame, int timeout_ms)
{
	struct tc_frame f;
	unsigned slot = 0;
	uint32_t loan;
	int err;

	if (!cam || !frame)
		return -EINVAL;
	if (cam->state != CAM_RUNNING)
		return -EBADFD;
	if (cam->nout == cam->nbufs)
		return -EBUSY;
	memset(&f, 0, sizeof(f));
	/* Test builds: a camera that fails or is unplugged mid-burst. */
	if ((err = tc_fault_hit(TC_FAULT_CAMERA)) != 0)
		return err;
	if ((err = cam->ops->take(cam->priv, &f, &slot, timeout_ms)) != 0)
		return err;
	if (slot >= cam->nbufs || cam->loan[slot] != 0) {
		/* The backend handed out a buffer it does not own. */
		tc_err("camera: %s backend returned buffer %u twice", cam->ops->name, slot);
		return -EIO;
	}
	do
		loan = __atomic_add_fetch(&loan_counter, 1, __ATOMIC_RELAXED);
	while (loan == 0);
	cam->loan[slot] = loan;
	cam->nout++;
	f.owner_ = cam;
	f.slot_ = slot;
	f.loan_ = loan;
	*frame = f;
	camera_assert_state(cam);
	return 0;
}

int
tc_camera_release(struct tc_camera *cam, struct tc_frame *frame)
{
	if (!cam || !frame)
		return -EINVAL;
	if (frame->owner_ != cam || frame->slot_ >= cam->nbufs || frame->loan_ == 0 ||
	    cam->loan[frame->slot_] != frame->loan_)
		return -EINVAL;
	cam->ops->release(cam->priv, frame->slot_);
	cam->loan[frame->slot_] = 0;
	cam->nout--;
	memset(frame, 0, sizeof(*frame));
	camera_assert_state(cam);
	return 0;
}

int
tc_camera_stop(struct tc_camera *cam)
{
	int err;

	if (!cam)
		return -EINVAL;
	if (cam->state != CAM_RUNNING)
		return -EBADFD;
	err = cam->ops->stop(cam->priv);
	/* A failed stop still stops: nothing more will be captured. */
	cam->state = CAM_CONFIGURED;
	camera_assert_state(cam);
	return err;
}

void
tc_camera_close(struct tc_camera *cam)
{
	if (!cam)
		return;
	if (cam->state == CAM_RUNNING)
		(void)cam->ops->stop(cam->priv);
	if (cam->nout)
		tc_warn("camera: closing with %u frame(s) still on loan", cam->nout);
	cam->ops->close(cam->priv);
	tc_free(cam);
}

const char *
tc_camera_backend(const struct tc_camera *cam)
{
	return cam ? cam->ops->name : "?";
}

int
tc_camera_synthetic_seed(struct tc_camera *cam, uint64_t seed)
{
	if (!cam)
		return -EINVAL;
#ifdef CONFIG_CAMERA_SYNTHETIC
	if (cam->ops == &tc_cam_synthetic_ops)
		return tc_cam_synthetic_set_seed(cam->priv, seed);
#else
	(void)seed;
#endif
	return -ENOTSUP;
}

int
tc_pixfmt_layout(enum tc_pixfmt fmt, uint32_t width, uint32_t height, size_t stride[3],
		 size_t plane_len[3], unsigned *nplanes)
{
	size_t w = width, h = height;

	if (!stride || !plane_len || !nplanes || w == 0 || h == 0 || (w & 1) || (h & 1) ||
	    w > SIZE_MAX / h)
		return -EINVAL;
	stride[0] = w;
	plane_len[0] = w * h;
	switch (fmt) {
	case TC_PIXFMT_NV12:
		stride[1] = w;
		plane_len[1] = w * h / 2;
		stride[2] = plane_len[2] = 0;
		*nplanes = 2;
		return 0;
	case TC_PIXFMT_YUV420:
		stride[1] = stride[2] = w / 2;
		plane_len[1] = plane_len[2] = w / 2 * (h / 2);
		*nplanes = 3;
		return 0;
	}
	return -EINVAL;
}

const char *
tc_pixfmt_name(enum tc_pixfmt fmt)
{
	switch (fmt) {
	case TC_PIXFMT_NV12:
		return "NV12";
	case TC_PIXFMT_YUV420:
		return "YUV420";
	}
	return "?";
}
