/*
 * cam_backend.h - what a camera backend implements (private to
 * drivers/camera).
 *
 * Each backend is one static table of operations, as curl's vtls
 * backends are: camera.c routes ids by their "<name>:" prefix, checks
 * every call against the handle's state and owns the bookkeeping of frame
 * loans, so a backend only moves buffers.  A backend's types stay in its
 * own files; priv is its handle.
 */
#ifndef CAM_BACKEND_H
#define CAM_BACKEND_H

#include <stdint.h>

#include "autoconf.h"
#include "tc_camera.h"

struct tc_camera_ops {
	const char *name; /* id prefix and tc_camera_info.backend */

	/*
	 * Describe up to max cameras in out (ids with the "<name>:" prefix);
	 * *n = cameras found.  No hardware is not an error: *n = 0.
	 */
	int (*list)(struct tc_camera_info *out, size_t max, size_t *n);
	/* local: the id after "<name>:".  -ENODEV when there is no such camera. */
	int (*open)(const char *local, void **priv);
	/*
	 * Check the mode (-EINVAL, the previous pool left as it was), then
	 * replace the buffer pool and say its size in *nbufs
	 * (1..TC_CAMERA_MAX_BUFFERS).  Any other error leaves no pool.
	 * Called stopped, nothing on loan.
	 */
	int (*configure)(void *priv, uint32_t width, uint32_t height, enum tc_pixfmt fmt,
			 unsigned *nbufs);
	int (*start)(void *priv);
	/*
	 * Fill the public fields of *frame with a buffer not on loan and say
	 * which in *slot.  Called running, with at least one buffer not on loan.
	 */
	int (*take)(void *priv, struct tc_frame *frame, unsigned *slot, int timeout_ms);
	/* Buffer slot, on loan until now, is the backend's again.  Cannot fail. */
	void (*release)(void *priv, unsigned slot);
	int (*stop)(void *priv);
	/* Free everything; called stopped.  Buffers on loan go too. */
	void (*close)(void *priv);
};

#ifdef CONFIG_CAMERA_SYNTHETIC
extern const struct tc_camera_ops tc_cam_synthetic_ops;
int tc_cam_synthetic_set_seed(void *priv, uint64_t seed);
#endif
#ifdef CONFIG_CAMERA_LIBCAMERA
extern const struct tc_camera_ops tc_cam_libcamera_ops;
#endif

#endif /* CAM_BACKEND_H */
