/*
 * tc_synth.h - the synthetic sensor's renderer, a pure function.
 *
 * The synthetic camera (cam_synthetic.c) renders every frame with
 * tc_synth_render(); tests and the Trust side's demo verification call
 * the same function to re-create a frame from (seed, frame number, mode,
 * format) and compare it byte for byte.
 *
 * Determinism contract: the output depends only on the arguments.  It is
 * computed with integer arithmetic on fixed-width unsigned types (no
 * floating point, no rand(), no global state), so every build on every
 * architecture produces the same bytes.  Changing the picture is a format
 * change: bump TC_SYNTH_VERSION so stored expectations can tell.
 *
 * Content: a scene of smooth multi-scale gradients (sky, light falloff),
 * about a dozen hard-edged shapes with their own tone and colour, fine
 * texture and per-frame sensor noise; the frame number also moves the
 * scene by a few pixels (hand shake).  It is tuned so that a 12 MP frame
 * encodes to roughly 4-6 MB as a quality-90 4:2:0 JPEG, like a real photo.
 */
#ifndef TC_SYNTH_H
#define TC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "tc_camera.h"

#define TC_SYNTH_VERSION 1
#define TC_SYNTH_MAX_DIM 16384

/* The synthetic sensor's modes, largest first. */
extern const struct tc_camera_mode tc_synth_modes[];
extern const size_t tc_synth_nmodes;

/*
 * Render frame frame_no of the scene of seed into caller buffers.
 * width and height: even, 2..TC_SYNTH_MAX_DIM (any size, not only the
 * sensor modes).  plane[0..n-1] and stride[0..n-1] for n = 2 (NV12: Y,
 * UV) or 3 (YUV420: Y, U, V); each stride at least the row's width in
 * bytes.  Bytes between a row's end and its stride are not touched.
 * Returns 0, -EINVAL (bad size, format, plane or stride) or -ENOMEM.
 */
int tc_synth_render(uint64_t seed, uint64_t frame_no, uint32_t width, uint32_t height,
		    enum tc_pixfmt fmt, uint8_t *const plane[3], const size_t stride[3]) TC_MUST_CHECK;

#endif /* TC_SYNTH_H */
