/*
 * libcamera_shim.h - the C face of libcamera_shim.cpp (private to
 * drivers/camera).
 *
 * Plain C types only: every libcamera type stays inside the .cpp file.
 * cam_libcamera.c puts these functions behind the backend table; their
 * contracts are those of struct tc_camera_ops (cam_backend.h), with the
 * handle typed.  No function lets a C++ exception escape.
 */
#ifndef LIBCAMERA_SHIM_H
#define LIBCAMERA_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "tc_camera.h"

struct tc_lcshim_cam; /* opaque */

int tc_lcshim_list(struct tc_camera_info *out, size_t max, size_t *n);
int tc_lcshim_open(const char *id, struct tc_lcshim_cam **out);
int tc_lcshim_configure(struct tc_lcshim_cam *c, uint32_t width, uint32_t height,
			enum tc_pixfmt fmt, unsigned *nbufs);
int tc_lcshim_start(struct tc_lcshim_cam *c);
int tc_lcshim_take(struct tc_lcshim_cam *c, struct tc_frame *frame, unsigned *slot,
		   int timeout_ms);
void tc_lcshim_release(struct tc_lcshim_cam *c, unsigned slot);
int tc_lcshim_stop(struct tc_lcshim_cam *c);
void tc_lcshim_close(struct tc_lcshim_cam *c);

/*
 * Where the planes of a frame (fmt, height rows, stride[] per plane) lie
 * in a libcamera buffer of nbase mapped planes at base[] of len[] bytes:
 * one plane holding Y, U and V back to back, or one per pixel-format
 * plane.  Fills plane[] and plane_len[] (stride * rows), 0 for unused
 * planes.  Returns 0, or -EIO when the buffer is too small or its plane
 * count does not fit the format.  Plain arithmetic, in cam_libcamera.c.
 */
int tc_lcshim_layout(enum tc_pixfmt fmt, uint32_t height, const size_t stride[3],
		     const uint8_t *const base[3], const size_t len[3], unsigned nbase,
		     const uint8_t *plane[3], size_t plane_len[3]);

#ifdef __cplusplus
}
#endif

#endif /* LIBCAMERA_SHIM_H */
