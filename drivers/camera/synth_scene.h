/*
 * synth_scene.h - the synthetic sensor's scene and its per-frame render
 * (private to drivers/camera).
 *
 * A picture is split in two.  The scene depends only on (seed, width,
 * height) and holds what is expensive to compute: smooth gradients and
 * the detail map sampled on a 16-pixel grid, a 512x512 tile of fine
 * texture, the shapes and two sensor-noise tables.  It is about 1 MB at
 * 12 MP, built once (about 10 ms) and then only read, so any
 * number of threads may render from it.  A frame is the scene under a
 * per-frame hand shake, brightness drift and sensor noise, rendered row
 * by row from the scene in a few integer operations per sample (see
 * synth_render.c).
 *
 * Scenes are reference-counted; tc_synth_scene_get() keeps the last one
 * built in a one-entry, process-wide cache (mutex-protected), so the
 * camera and a verifier re-creating frames of the same seed share it.
 * Memory is bounded: the cached scene plus the ones held by callers.
 */
#ifndef SYNTH_SCENE_H
#define SYNTH_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "tc_camera.h"
#include "tc_err.h"

#define SYN_NSHAPES 14
#define SYN_SHAKE_MAX 8            /* per-frame shift in chroma pixels: 0..8 */
#define SYN_CELL_SHIFT 4           /* the smooth parts' grid: 16 plane pixels */
#define SYN_TILE_SHIFT 9           /* fine texture tile: 512 x 512 */
#define SYN_TILE (1u << SYN_TILE_SHIFT)
#define SYN_NOISE_PERIOD 65536u    /* sensor noise table, each row starts at random */
#define SYN_LEVEL_OFFSET 512       /* keeps every intermediate level non-negative */

enum { SYN_Y, SYN_U, SYN_V };

/* A shape in scene coordinates of the luma plane. */
struct synth_shape {
	int disc;                  /* disc of radius rx, else rectangle half-sizes rx, ry */
	int64_t cx, cy, rx, ry;
	uint32_t tone[3];          /* Y, U, V */
	uint32_t keep;             /* quarters of the scene's texture kept: 2 or 3 */
};

/* One plane's smooth parts, sampled every 16 plane pixels of the scene. */
struct synth_grid {
	uint32_t cols, rows;
	uint32_t *level;           /* (level + SYN_LEVEL_OFFSET) * 16, texture mean taken off */
	uint32_t *gain;            /* texture gain /256 */
	uint32_t mcols;            /* columns of mosaic */
	uint32_t *mosaic;          /* per 512-pixel cell: tile offset x | y << 16 */
};

struct tc_synth_scene {
	uint64_t seed;
	uint32_t width, height;
	unsigned refs;             /* guarded by the cache's mutex */
	struct synth_shape shapes[SYN_NSHAPES];
	struct synth_grid grid[3];
	uint8_t *tile;             /* SYN_TILE * SYN_TILE texture samples, 0..100 */
	uint8_t *noise[2];         /* luma, chroma: 0..amp-1, SYN_NOISE_PERIOD + width + pad */
	uint32_t noise_bias[2];    /* mean of each noise table's samples */
};

/*
 * A scene for (seed, width, height): even sizes 2..TC_SYNTH_MAX_DIM (the
 * caller checked).  Returns 0 and a reference in *out (give it back with
 * tc_synth_scene_put), or -ENOMEM.  Allocates only when the cached scene
 * is another one.
 */
int tc_synth_scene_get(uint64_t seed, uint32_t width, uint32_t height,
		       struct tc_synth_scene **out) TC_MUST_CHECK;
/* Another reference to a scene already held. */
void tc_synth_scene_hold(struct tc_synth_scene *sc);
void tc_synth_scene_put(struct tc_synth_scene *sc);

/* Bytes of scratch tc_synth_scene_render needs for frames width pixels wide. */
size_t tc_synth_scratch_len(uint32_t width);

/*
 * Render frame frame_no of scene sc in fmt into plane/stride (checked by
 * the caller as tc_synth_render checks them), using scratch of
 * tc_synth_scratch_len(sc->width) bytes, 16-byte aligned.  Cannot fail;
 * allocates nothing, takes no lock: safe on any thread while sc is held.
 */
void tc_synth_scene_render(const struct tc_synth_scene *sc, uint64_t frame_no, enum tc_pixfmt fmt,
			   uint8_t *const plane[3], const size_t stride[3], void *scratch);

/* Shared by the scene builder and the renderer. */
uint64_t tc_synth_hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c);

#endif /* SYNTH_SCENE_H */
