/*
 * tc_camera.h - the camera driver interface: one still camera, one frame
 * at a time, whatever sits behind it.
 *
 * photod's capture pipeline is the only user.  It lists cameras, opens one
 * by id, configures a still mode (a sensor size and a YUV 4:2:0 layout the
 * JPEG encoder takes directly), starts it, takes frames and gives each
 * frame back when the encoder is done with it.  The backends behind this
 * header (a libcamera shim and a synthetic sensor) never show their own
 * types here: a camera is an opaque handle and a frame is plain planes.
 *
 * Buffer ownership is explicit.  tc_camera_take() lends the caller one of
 * the driver's buffers (no copy: for libcamera it is the mmap'd DMA buffer
 * the sensor wrote); the caller reads it and hands it back with
 * tc_camera_release().  The driver has a small fixed pool, so a caller
 * that holds every buffer gets -EBUSY from the next take.
 *
 * Handles are not thread-safe: one thread drives one camera.
 *
 * Lifecycle, checked on every call (a call from the wrong state returns
 * -EBADFD and changes nothing):
 *
 *      tc_camera_open                  tc_camera_configure
 *   ------------------> OPENED -------------------------------> CONFIGURED
 *                                 <-- (again: another mode) --    |    ^
 *                                                  tc_camera_start |    | tc_camera_stop
 *                                                                  v    |
 *                                                                 RUNNING
 *                                                    (tc_camera_take / tc_camera_release)
 *   tc_camera_close: from any state.
 *
 *   | from       | call                | to         | refused with          |
 *   |------------|---------------------|------------|-----------------------|
 *   | OPENED     | tc_camera_configure | CONFIGURED | -EINVAL bad mode      |
 *   | CONFIGURED | tc_camera_configure | CONFIGURED | -EBUSY frames on loan |
 *   | CONFIGURED | tc_camera_start     | RUNNING    |                       |
 *   | RUNNING    | tc_camera_take      | RUNNING    | -EBUSY pool empty     |
 *   | RUNNING    | tc_camera_stop      | CONFIGURED |                       |
 *   | any        | tc_camera_release   | same       | -EINVAL not on loan   |
 */
#ifndef TC_CAMERA_H
#define TC_CAMERA_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_CAMERA_ID_MAX 128     /* "<backend>:<backend's own id>" + NUL */
#define TC_CAMERA_MODEL_MAX 64
#define TC_CAMERA_BACKEND_MAX 16
#define TC_CAMERA_MODES_MAX 8
#define TC_CAMERA_MAX_BUFFERS 8  /* largest pool any backend may use */

/* YUV 4:2:0 layouts, both 8-bit, full chroma siting of the sensor's ISP. */
enum tc_pixfmt {
	TC_PIXFMT_NV12,   /* 2 planes: Y, then interleaved U/V (Cb/Cr) */
	TC_PIXFMT_YUV420, /* 3 planes: Y, U, V (I420) */
};

struct tc_camera_mode {
	uint32_t width;
	uint32_t height;
};

struct tc_camera_info {
	char id[TC_CAMERA_ID_MAX];           /* pass to tc_camera_open() */
	char model[TC_CAMERA_MODEL_MAX];     /* sensor or product name */
	char backend[TC_CAMERA_BACKEND_MAX]; /* "synthetic", "libcamera" */
	size_t nmodes;
	struct tc_camera_mode modes[TC_CAMERA_MODES_MAX]; /* largest first */
};

/*
 * A frame on loan.  Everything above the line is the caller's to read;
 * the fields below it identify the loan and belong to the driver.
 */
struct tc_frame {
	const uint8_t *plane[3];  /* Y, then UV (NV12) or U, V (YUV420) */
	size_t stride[3];         /* bytes per row of each plane */
	size_t plane_len[3];      /* bytes of each plane (stride * rows) */
	unsigned nplanes;         /* 2 for NV12, 3 for YUV420 */
	uint32_t width;
	uint32_t height;
	enum tc_pixfmt fmt;
	uint64_t seq;             /* frame number since open; synthetic: the render index */
	uint64_t timestamp_ns;    /* CLOCK_MONOTONIC (libcamera: the sensor's timestamp) */
	/* ---- driver-private: the loan ---- */
	const void *owner_;
	uint32_t slot_;
	uint32_t loan_;
};

struct tc_camera; /* opaque */

/*
 * Every camera of every backend compiled in, synthetic first.  Writes at
 * most max entries to out; *n is the number of cameras found (which may
 * exceed max: those past max are not written).  A backend that finds no
 * hardware reports none and prints nothing.  Returns 0, or -EINVAL.
 */
int tc_camera_list(struct tc_camera_info *out, size_t max, size_t *n) TC_MUST_CHECK;

/*
 * Open camera id ("synthetic:<seed>", "libcamera:<id>").  Returns 0 and
 * *cam, -ENODEV (no such camera or backend), -EBUSY (in use elsewhere),
 * -ENOMEM.
 */
int tc_camera_open(struct tc_camera **cam, const char *id) TC_MUST_CHECK;

/*
 * Choose a still mode.  width x height must be one of the camera's modes
 * and fmt one of enum tc_pixfmt, else -EINVAL and the previous mode (if
 * any) stays.  Allocates the buffer pool; after any other error (-ENOMEM,
 * -EIO) the camera is left unconfigured.  Allowed while stopped with no
 * frame on loan (-EBADFD when running, -EBUSY with frames on loan);
 * reconfiguring replaces the previous mode.
 */
int tc_camera_configure(struct tc_camera *cam, uint32_t width, uint32_t height,
			enum tc_pixfmt fmt) TC_MUST_CHECK;

/* Start streaming into the pool.  Needs a configured, stopped camera. */
int tc_camera_start(struct tc_camera *cam) TC_MUST_CHECK;

/*
 * Wait up to timeout_ms (0: only a frame already there; negative: forever)
 * for the next frame and lend it to the caller in *frame.  The caller must hand it back with
 * tc_camera_release() (or close the camera) and must not write to it.
 * Returns 0, -EBUSY (every buffer is on loan), -ETIMEDOUT, -EBADFD (not
 * running), -EIO (the sensor failed), or -ENOMEM.
 */
int tc_camera_take(struct tc_camera *cam, struct tc_frame *frame, int timeout_ms) TC_MUST_CHECK;

/*
 * Give a frame back.  The frame must be on loan from this camera: a frame
 * from another camera, one already released or a forged one is refused
 * with -EINVAL and nothing changes.  On success *frame is cleared so a
 * stale pointer into the buffer cannot be used by mistake.
 */
int tc_camera_release(struct tc_camera *cam, struct tc_frame *frame) TC_MUST_CHECK;

/*
 * Stop streaming.  Frames on loan stay valid until released; nothing new
 * is captured.  Returns 0 or -EBADFD when not running.
 */
int tc_camera_stop(struct tc_camera *cam) TC_MUST_CHECK;

/*
 * Stop if running and free everything, including the buffers of frames
 * still on loan (their pointers are dangling afterwards).  NULL is a no-op.
 */
void tc_camera_close(struct tc_camera *cam);

/* The backend name of an open camera ("synthetic", "libcamera"). */
const char *tc_camera_backend(const struct tc_camera *cam);

/*
 * Tight layout of a frame of fmt at width x height (both even): strides,
 * plane lengths and plane count, as the synthetic sensor lays frames out.
 * Returns 0 or -EINVAL (odd or zero size, unknown fmt, overflow).
 */
int tc_pixfmt_layout(enum tc_pixfmt fmt, uint32_t width, uint32_t height,
		     size_t stride[3], size_t plane_len[3], unsigned *nplanes) TC_MUST_CHECK;

/* "NV12" or "YUV420" (or "?"). */
const char *tc_pixfmt_name(enum tc_pixfmt fmt);

/*
 * Synthetic camera only: set the seed of the frames rendered from now on
 * (opening "synthetic:<seed>" sets it too).  Returns 0, or -ENOTSUP for a
 * camera of another backend.
 */
int tc_camera_synthetic_seed(struct tc_camera *cam, uint64_t seed) TC_MUST_CHECK;

#endif /* TC_CAMERA_H */
