/*
 * cam_libcamera.c - the libcamera backend's table of operations.
 *
 * The work happens in libcamera_shim.cpp, the one C++ file in the tree;
 * this file types the handle, so the table (and everything above it)
 * stays C and no libcamera type crosses into it, and does the plain
 * arithmetic of where a frame's planes lie in a buffer, so a test can
 * check it without a camera.
 */
#include <errno.h>
#include <stdint.h>
#include <stddef.h>

#include "cam_backend.h"
#include "libcamera_shim.h"

int
tc_lcshim_layout(enum tc_pixfmt fmt, uint32_t height, const size_t stride[3],
		 const uint8_t *const base[3], const size_t len[3], unsigned nbase,
		 const uint8_t *plane[3], size_t plane_len[3])
{
	const unsigned np = fmt == TC_PIXFMT_NV12 ? 2 : 3;
	const size_t rows[3] = { height, height / 2, height / 2 };
	size_t need[3] = { 0, 0, 0 }, total = 0;
	unsigned i;

	for (i = 0; i < 3; i++) {
		plane[i] = NULL;
		plane_len[i] = 0;
	}
	for (i = 0; i < np; i++) {
		if (stride[i] > SIZE_MAX / rows[i] || stride[i] * rows[i] > SIZE_MAX - total)
			return -EIO;
		need[i] = stride[i] * rows[i];
		total += need[i];
	}
	if (nbase == 1) {
		/* One contiguous buffer: the chroma planes follow the luma plane. */
		if (!base[0] || len[0] < total)
			return -EIO;
		for (i = 0; i < np; i++) {
			plane[i] = i == 0 ? base[0] : plane[i - 1] + need[i - 1];
			plane_len[i] = need[i];
		}
		return 0;
	}
	if (nbase != np)
		return -EIO;
	for (i = 0; i < np; i++) {
		if (!base[i] || len[i] < need[i])
			return -EIO;
		plane[i] = base[i];
		plane_len[i] = need[i];
	}
	return 0;
}

static int
lc_open(const char *local, void **priv)
{
	struct tc_lcshim_cam *c = NULL;
	int err = tc_lcshim_open(local, &c);

	if (err == 0)
		*priv = c;
	return err;
}

static int
lc_configure(void *priv, uint32_t width, uint32_t height, enum tc_pixfmt fmt, unsigned *nbufs)
{
	return tc_lcshim_configure(priv, width, height, fmt, nbufs);
}

static int
lc_start(void *priv)
{
	return tc_lcshim_start(priv);
}

static int
lc_take(void *priv, struct tc_frame *frame, unsigned *slot, int timeout_ms)
{
	return tc_lcshim_take(priv, frame, slot, timeout_ms);
}

static void
lc_release(void *priv, unsigned slot)
{
	tc_lcshim_release(priv, slot);
}

static int
lc_stop(void *priv)
{
	return tc_lcshim_stop(priv);
}

static void
lc_close(void *priv)
{
	tc_lcshim_close(priv);
}

const struct tc_camera_ops tc_cam_libcamera_ops = {
	.name = "libcamera",
	.list = tc_lcshim_list,
	.open = lc_open,
	.configure = lc_configure,
	.start = lc_start,
	.take = lc_take,
	.release = lc_release,
	.stop = lc_stop,
	.close = lc_close,
};
