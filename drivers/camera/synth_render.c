/*
 * synth_render.c - the synthetic sensor's picture: deterministic,
 * photo-like YUV 4:2:0 frames from (seed, frame number).
 *
 * Tuned for two things.  Realism for the encoder: a 12 MP frame must
 * cost a JPEG encoder what a photo costs (about 4-6 MB at quality 90), so
 * the picture has gradients at every scale, hard edges, fine texture and
 * sensor noise, not a flat fill.  Speed: the camera renders a frame while
 * the previous one is encoded, on a 2-core board, so a 12 MP frame must
 * cost a fraction of an encode (about 10 ms at 12 MP on the development
 * machine).  Everything that depends
 * on the scene only is precomputed once per (seed, size) in a shared
 * scene (synth_scene.c); a frame is that scene moved by a few pixels of
 * hand shake, with a small brightness drift and fresh sensor noise.
 *
 * Each plane is rendered row by row into a row of 16-bit accumulators
 * that stays in L1.  The loops over a row are written in blocks of 16 on
 * restrict pointers so the compiler vectorises them at -O2, in 16-bit
 * lanes: interpolate the smooth parts from the scene's 16-pixel grid, add
 * the fine texture (a copy from the scene's tile) times the detail gain,
 * blend the shapes that cross the row, add noise from the scene's noise
 * table at a per-frame random start, clamp.
 *
 * Only fixed-width unsigned arithmetic on non-negative values goes into a
 * shift; signed values are only added, compared and divided (truncation
 * is defined in C99).  See tc_synth.h for the determinism contract.
 */
#include <errno.h>
#include <string.h>

#include "synth_scene.h"
#include "tc_io.h"
#include "tc_synth.h"

const struct tc_camera_mode tc_synth_modes[] = {
	{ 4056, 3040 }, /* like the IMX477 (HQ Camera), 12.3 MP 4:3 */
	{ 4608, 2592 }, /* like the IMX708 (Camera Module 3), 11.9 MP 16:9 */
	{ 1920, 1080 }, /* full HD */
};
const size_t tc_synth_nmodes = sizeof(tc_synth_modes) / sizeof(tc_synth_modes[0]);

#define BLK 16                     /* one grid cell: the unit of the row loops */
#define DRIFT_MAX 2                /* brightness drift per frame: -2..+2 luma levels */

enum {
	ID_SHAKE = 0x5ba4e,
	ID_DRIFT = 0xd41f7,
	ID_ROW_NOISE = 0x4015e,
};

/* One frame being rendered: the scene, the frame's offsets, the scratch rows. */
struct frame_ctx {
	const struct tc_synth_scene *sc;
	uint64_t frame;
	uint32_t ox[3], oy[3];     /* scene position of each plane's pixel (0, 0) */
	int32_t drift[3];
	uint16_t *acc;             /* the row being built, from the cell-aligned scene column */
	uint8_t *tex;              /* fine texture of that row */
	uint16_t *lr, *gr;         /* the grid row interpolated at this row: level /4, gain */
	uint8_t *urow, *vrow;      /* NV12: chroma rows before interleaving */
};

/* Scratch row lengths for frames w pixels wide. */
static size_t
row_len(uint32_t w)
{
	return ((size_t)w + 3 * BLK + 63) & ~(size_t)63;
}

static size_t
grid_row_len(uint32_t w)
{
	return (((size_t)(w >> 4) + 8) * sizeof(uint16_t) + 63) & ~(size_t)63;
}

size_t
tc_synth_scratch_len(uint32_t width)
{
	return row_len(width) * (sizeof(uint16_t) + 1) + 2 * grid_row_len(width) +
	       2 * row_len(width / 2);
}

static void
frame_init(struct frame_ctx *f, const struct tc_synth_scene *sc, uint64_t frame, void *scratch)
{
	uint8_t *m = scratch;
	uint64_t shake = tc_synth_hash4(sc->seed, frame, ID_SHAKE, 0);
	uint32_t sx = (uint32_t)(shake % (SYN_SHAKE_MAX + 1));
	uint32_t sy = (uint32_t)((shake >> 32) % (SYN_SHAKE_MAX + 1));
	size_t rl = row_len(sc->width), gl = grid_row_len(sc->width);

	memset(f, 0, sizeof(*f));
	f->sc = sc;
	f->frame = frame;
	f->ox[SYN_Y] = 2 * sx;
	f->oy[SYN_Y] = 2 * sy;
	f->ox[SYN_U] = f->ox[SYN_V] = sx;
	f->oy[SYN_U] = f->oy[SYN_V] = sy;
	f->drift[SYN_Y] = (int32_t)(tc_synth_hash4(sc->seed, frame, ID_DRIFT, 0) % (2 * DRIFT_MAX + 1)) -
			  DRIFT_MAX;
	f->acc = (uint16_t *)(void *)m;
	m += rl * sizeof(uint16_t);
	f->tex = m;
	m += rl;
	f->lr = (uint16_t *)(void *)m;
	m += gl;
	f->gr = (uint16_t *)(void *)m;
	m += gl;
	f->urow = m;
	m += row_len(sc->width / 2);
	f->vrow = m;
}

/*
 * Fine texture of scene row sy, scene columns x0 .. x0 + n - 1: copies
 * from the tile, each 512-pixel cell of the scene from its own offset.
 */
static void
fill_tex(const struct tc_synth_scene *sc, unsigned p, uint32_t sy, uint32_t x0, uint32_t n,
	 uint8_t *tex)
{
	const struct synth_grid *g = &sc->grid[p];
	const uint32_t *mrow = g->mosaic + (size_t)(sy >> SYN_TILE_SHIFT) * g->mcols;
	uint32_t x = 0;

	while (x < n) {
		uint32_t sx = x0 + x, m = mrow[sx >> SYN_TILE_SHIFT];
		uint32_t col = (sx + (m & 0xffff)) & (SYN_TILE - 1);
		uint32_t row = (sy + (m >> 16)) & (SYN_TILE - 1);
		uint32_t len = SYN_TILE - (sx & (SYN_TILE - 1));

		if (len > SYN_TILE - col)
			len = SYN_TILE - col;
		if (len > n - x)
			len = n - x;
		memcpy(tex + x, sc->tile + (size_t)row * SYN_TILE + col, len);
		x += len;
	}
}

/*
 * One grid cell of a row: the smooth level interpolated from la to lb
 * (1/4 levels), plus the texture times the gain interpolated from ga to
 * gb (/256).  Every intermediate fits 16 bits unsigned.
 */
static inline void
combine_cell(uint16_t *restrict acc, const uint8_t *restrict tex, uint16_t la, uint16_t lb,
	     uint16_t ga, uint16_t gb)
{
	unsigned k;

	for (k = 0; k < BLK; k++) {
		uint16_t l = (uint16_t)((uint16_t)(la * (BLK - k) + lb * k) >> 6);
		uint16_t gn = (uint16_t)((uint16_t)(ga * (BLK - k) + gb * k) >> 4);

		acc[k] = (uint16_t)(l + ((uint16_t)(tex[k] * gn) >> 8));
	}
}

static uint64_t
isqrt64(uint64_t n)
{
	uint64_t r = 0, bit = UINT64_C(1) << 62;

	while (bit > n)
		bit >>= 2;
	while (bit) {
		if (n >= r + bit) {
			n -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/* Blend a shape's tone over n samples: keep quarters of what is there. */
static void
blend_span(uint16_t *restrict a, uint32_t n, uint16_t keep, uint16_t tone4)
{
	uint32_t n16 = n & ~(uint32_t)(BLK - 1), x;

	for (x = 0; x < n16; x++)
		a[x] = (uint16_t)((uint16_t)(a[x] * keep + tone4) >> 2);
	for (; x < n; x++)
		a[x] = (uint16_t)((uint16_t)(a[x] * keep + tone4) >> 2);
}

/* Shapes that cross scene luma row sy, over plane p's row of width pw. */
static void
add_shapes(const struct frame_ctx *f, unsigned p, int64_t sy, uint32_t pw, uint16_t *acc)
{
	unsigned k, sub = p != SYN_Y;
	int64_t ox = f->ox[p];

	for (k = 0; k < SYN_NSHAPES; k++) {
		const struct synth_shape *s = &f->sc->shapes[k];
		int64_t dy = sy - s->cy, half, x0, x1;

		if (dy <= -s->ry || dy >= s->ry)
			continue;
		if (s->disc)
			half = (int64_t)isqrt64((uint64_t)(s->rx * s->rx - dy * dy));
		else
			half = s->rx;
		/* scene luma x to this plane's pixel x */
		x0 = (s->cx - half) / (1 + sub) - ox;
		x1 = (s->cx + half) / (1 + sub) - ox;
		if (x0 < 0)
			x0 = 0;
		if (x1 > (int64_t)pw)
			x1 = pw;
		if (x1 > x0)
			blend_span(acc + x0, (uint32_t)(x1 - x0), (uint16_t)s->keep,
				   (uint16_t)((s->tone[p] + SYN_LEVEL_OFFSET) * (4 - s->keep)));
	}
}

/* out = clamp(acc + noise - sub), n samples. */
static void
finish_row(uint8_t *restrict out, const uint16_t *restrict acc, const uint8_t *restrict nz,
	   int16_t sub, uint32_t n)
{
	uint32_t n16 = n & ~(uint32_t)(BLK - 1), x;

	for (x = 0; x < n16; x++) {
		int16_t v = (int16_t)((int16_t)acc[x] + nz[x] - sub);

		out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
	for (; x < n; x++) {
		int16_t v = (int16_t)((int16_t)acc[x] + nz[x] - sub);

		out[x] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
	}
}

/* Row y of plane p into out (the plane's width of bytes). */
static void
render_row(const struct frame_ctx *f, unsigned p, uint32_t y, uint8_t *out)
{
	const struct tc_synth_scene *sc = f->sc;
	const struct synth_grid *g = &sc->grid[p];
	uint32_t pw = p == SYN_Y ? sc->width : sc->width / 2, ox = f->ox[p], sy = y + f->oy[p];
	uint32_t c0 = ox >> SYN_CELL_SHIFT, lead = ox & (BLK - 1), ncell = (lead + pw + BLK - 1) / BLK;
	uint32_t fy = sy & (BLK - 1), i, c;
	const uint32_t *l0 = g->level + (size_t)(sy >> SYN_CELL_SHIFT) * g->cols + c0;
	const uint32_t *g0 = g->gain + (size_t)(sy >> SYN_CELL_SHIFT) * g->cols + c0;
	const uint8_t *nz = sc->noise[p != SYN_Y];
	uint64_t start = tc_synth_hash4(sc->seed, f->frame, (uint64_t)p << 32 | y, ID_ROW_NOISE);

	for (i = 0; i <= ncell; i++) {
		f->lr[i] = (uint16_t)((l0[i] * (BLK - fy) + l0[i + g->cols] * fy) >> 6);
		f->gr[i] = (uint16_t)((g0[i] * (BLK - fy) + g0[i + g->cols] * fy) >> 4);
	}
	fill_tex(sc, p, sy, c0 << SYN_CELL_SHIFT, ncell * BLK, f->tex);
	for (c = 0; c < ncell; c++)
		combine_cell(f->acc + c * BLK, f->tex + c * BLK, f->lr[c], f->lr[c + 1], f->gr[c],
			     f->gr[c + 1]);
	add_shapes(f, p, (int64_t)sy << (p != SYN_Y), pw, f->acc + lead);
	finish_row(out, f->acc + lead, nz + (start & (SYN_NOISE_PERIOD - 1)),
		   (int16_t)(SYN_LEVEL_OFFSET + (int32_t)sc->noise_bias[p != SYN_Y] - f->drift[p]), pw);
}

static void
interleave(uint8_t *restrict uv, const uint8_t *restrict u, const uint8_t *restrict v, uint32_t n)
{
	uint32_t n16 = n & ~(uint32_t)(BLK - 1), x;

	for (x = 0; x < n16; x++) {
		uv[2 * x] = u[x];
		uv[2 * x + 1] = v[x];
	}
	for (; x < n; x++) {
		uv[2 * x] = u[x];
		uv[2 * x + 1] = v[x];
	}
}

void
tc_synth_scene_render(const struct tc_synth_scene *sc, uint64_t frame_no, enum tc_pixfmt fmt,
		      uint8_t *const plane[3], const size_t stride[3], void *scratch)
{
	struct frame_ctx f;
	uint32_t y, ch = sc->height / 2;

	frame_init(&f, sc, frame_no, scratch);
	for (y = 0; y < sc->height; y++)
		render_row(&f, SYN_Y, y, plane[0] + (size_t)y * stride[0]);
	for (y = 0; y < ch; y++) {
		if (fmt == TC_PIXFMT_YUV420) {
			render_row(&f, SYN_U, y, plane[1] + (size_t)y * stride[1]);
			render_row(&f, SYN_V, y, plane[2] + (size_t)y * stride[2]);
		} else {
			render_row(&f, SYN_U, y, f.urow);
			render_row(&f, SYN_V, y, f.vrow);
			interleave(plane[1] + (size_t)y * stride[1], f.urow, f.vrow, sc->width / 2);
		}
	}
}

static int
check_args(uint32_t width, uint32_t height, enum tc_pixfmt fmt, uint8_t *const plane[3],
	   const size_t stride[3])
{
	unsigned np = fmt == TC_PIXFMT_NV12 ? 2 : 3, i;

	if (fmt != TC_PIXFMT_NV12 && fmt != TC_PIXFMT_YUV420)
		return -EINVAL;
	if (width < 2 || height < 2 || width > TC_SYNTH_MAX_DIM || height > TC_SYNTH_MAX_DIM ||
	    (width & 1) || (height & 1) || !plane || !stride)
		return -EINVAL;
	for (i = 0; i < np; i++) {
		size_t need = i == 0 || fmt == TC_PIXFMT_NV12 ? width : width / 2;

		if (!plane[i] || stride[i] < need)
			return -EINVAL;
	}
	return 0;
}

int
tc_synth_render(uint64_t seed, uint64_t frame_no, uint32_t width, uint32_t height,
		enum tc_pixfmt fmt, uint8_t *const plane[3], const size_t stride[3])
{
	struct tc_synth_scene *sc = NULL;
	void *scratch = NULL;
	int err;

	if ((err = check_args(width, height, fmt, plane, stride)) != 0)
		return err;
	if ((err = tc_synth_scene_get(seed, width, height, &sc)) != 0)
		return err;
	scratch = tc_malloc(tc_synth_scratch_len(width));
	if (!scratch) {
		err = -ENOMEM;
		goto out;
	}
	tc_synth_scene_render(sc, frame_no, fmt, plane, stride, scratch);
out:
	tc_free(scratch);
	tc_synth_scene_put(sc);
	return err;
}
