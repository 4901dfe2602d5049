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
 * floating point, no rand(), no state that reaches the output: the scene
 * cache only saves work), so every build on every architecture produces
 * the same bytes.  Changing the picture is a format
 * change: bump TC_SYNTH_VERSION so stored expectations can tell.
 *
 * Content: a scene of smooth multi-scale gradients (sky, light falloff),
 * about a dozen hard-edged shapes with their own tone and colour and fine
 * texture whose strength varies over the picture; each frame moves the
 * scene by a few pixels (hand shake), drifts its brightness by up to two
 * levels and adds fresh sensor noise.  It is tuned so that a 12 MP frame
 * encodes to roughly 4-6 MB as a quality-90 4:2:0 JPEG, like a real photo,
 * and renders in about 10 ms: what depends on (seed, size) only is built
 * once into a scene that a process-wide one-entry cache keeps (about
 * 1 MB), so re-creating many frames of one seed costs little.
 *
 * Version 2: scene precomputed per (seed, size), per-frame noise from
 * tables at hashed offsets, brightness drift (version 1 rendered every
 * frame from scratch, ~0.15 s at 12 MP).
 */
#ifndef TC_SYNTH_H
#define TC_SYNTH_H

#include <stddef.h>
#include <stdint.h>

#include "tc_camera.h"

#define TC_SYNTH_VERSION 2
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
 * Thread-safe.  Returns 0, -EINVAL (bad size, format, plane or stride)
 * or -ENOMEM.
 */
int tc_synth_render(uint64_t seed, uint64_t frame_no, uint32_t width, uint32_t height,
		    enum tc_pixfmt fmt, uint8_t *const plane[3], const size_t stride[3]) TC_MUST_CHECK;

#endif /* TC_SYNTH_H */
