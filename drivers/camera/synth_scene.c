/*
 * synth_scene.c - the synthetic sensor's scene: everything about a picture
 * that depends on (seed, width, height) only, computed once and shared.
 *
 * Tuned so that the per-frame render (synth_render.c) is a handful of
 * integer operations per sample: the expensive parts are evaluated here,
 * once per scene, into small tables (about 1 MB at 12 MP):
 *   - per plane, a grid every 16 plane pixels of the smooth parts: a
 *     vertical gradient (sky to ground), a side light on luma, value
 *     noise at 512 down to 32 pixels, and the texture gain from a coarse
 *     "detail map" (smooth sky and walls, busy foliage and crowds); the
 *     renderer interpolates it bilinearly;
 *   - a 512x512 tile of fine texture (value noise at 8, 4 and 2 pixels),
 *     periodic so it tiles without seams, laid over the scene as a
 *     mosaic of 512-pixel cells each with its own offset into the tile so
 *     the repeat does not show;
 *   - 14 discs and rectangles with their own tone and colour;
 *   - two tables of triangular sensor noise (luma, chroma); each frame
 *     starts every row at its own random place in the table.
 * Value noise here is a grid of hashed bytes, smoothstep-interpolated.
 *
 * Determinism: integer arithmetic on fixed-width types only; values that
 * are shifted are non-negative.  See tc_synth.h.
 *
 * The cache: one scene per process (the last built), guarded by a mutex,
 * reference-counted so a scene replaced in the cache lives on while a
 * camera or a verifier still renders from it.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "synth_scene.h"
#include "tc_io.h"
#include "tc_synth.h"

#define TEX_MID 50                 /* mean of the tile's samples (0..100) */
#define CHROMA_GAIN 24             /* chroma texture gain /256: about +-5 levels */
#define NOISE_AMP_Y 36
#define NOISE_AMP_C 6

struct octave {
	unsigned shift;            /* cell of 1 << shift pixels, shift 1..9 */
	uint32_t amp;              /* adds 0..amp, amp <= 255 */
};

struct plane_spec {
	const struct octave *coarse;
	size_t ncoarse;
	int32_t top, bottom;       /* vertical gradient */
	uint32_t side;             /* horizontal gradient 0..side (luma) */
};

static const struct octave luma_coarse[] = { { 9, 64 }, { 7, 40 }, { 5, 28 } };
static const struct octave chroma_coarse[] = { { 8, 40 }, { 6, 20 } };
static const struct octave detail_octave = { 8, 255 };
static const struct octave fine_octaves[] = { { 3, 36 }, { 2, 36 }, { 1, 28 } }; /* sum 0..100 */

static const struct plane_spec specs[3] = {
	[SYN_Y] = { luma_coarse, sizeof(luma_coarse) / sizeof(luma_coarse[0]), 178, 82, 36 },
	[SYN_U] = { chroma_coarse, sizeof(chroma_coarse) / sizeof(chroma_coarse[0]), 146, 114, 0 },
	[SYN_V] = { chroma_coarse, sizeof(chroma_coarse) / sizeof(chroma_coarse[0]), 116, 138, 0 },
};

/* Hash ids, so no two uses of the seed share values. */
enum {
	ID_COARSE = 0x100,         /* + plane << 4 + octave */
	ID_DETAIL = 0x200,
	ID_FINE = 0x300,           /* + octave */
	ID_MOSAIC = 0x7113,        /* + plane */
	ID_NOISE = 0x4015e,        /* + table */
	ID_SHAPE = 0x5ea9e,
};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tc_synth_scene *cache; /* holds one reference */

/* splitmix64's finaliser: a good 64-bit mix, cheap enough per grid point. */
static uint64_t
mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

uint64_t
tc_synth_hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return mix64(seed ^ mix64(a ^ mix64(b ^ mix64(c))));
}

/* The scene's shapes, in luma scene coordinates. */
static void
make_shapes(uint64_t seed, uint32_t w, uint32_t h, struct synth_shape *s)
{
	unsigned k;

	for (k = 0; k < SYN_NSHAPES; k++) {
		uint64_t a = tc_synth_hash4(seed, ID_SHAPE, k, 1), b = tc_synth_hash4(seed, ID_SHAPE, k, 2);
		int64_t size = (int64_t)w / 48 + (int64_t)((a >> 20) & 1023) * w / 5120;

		s[k].disc = (int)(a & 1);
		s[k].cx = (int64_t)((a >> 1) & 1023) * w / 1024;
		s[k].cy = (int64_t)((a >> 11) & 511) * h / 512;
		s[k].rx = size;
		s[k].ry = s[k].disc ? size : size / 2 + (int64_t)((a >> 30) & 1023) * size / 1024;
		s[k].tone[SYN_Y] = 24 + (uint32_t)(b & 0xff) * 208 / 256;
		s[k].tone[SYN_U] = 80 + (uint32_t)((b >> 8) & 0xff) * 96 / 256;
		s[k].tone[SYN_V] = 80 + (uint32_t)((b >> 16) & 0xff) * 96 / 256;
		s[k].keep = 2 + (uint32_t)((b >> 24) % 2);
	}
}

/* Smoothstep 3t^2 - 2t^3 across a cell of 1 << shift, scaled to 0..256. */
static void
make_weights(uint16_t *wt, unsigned shift)
{
	uint64_t c = UINT64_C(1) << shift, f;

	for (f = 0; f < c; f++)
		wt[f] = (uint16_t)(((3 * f * f * c - 2 * f * f * f) << 8) >> (3 * shift));
}

/* A lattice of nx by ny hashed bytes: the grid points of one octave. */
struct lattice {
	uint8_t *v;
	uint32_t nx, ny;
	uint32_t wrap;             /* index mask (periodic, power of two), or UINT32_MAX */
	unsigned shift;
	uint16_t wt[512];
};

static void
lattice_fill(struct lattice *l, uint64_t seed, uint64_t id, unsigned shift, uint32_t nx,
	     uint32_t ny, uint32_t wrap)
{
	uint32_t x, y;

	l->nx = nx;
	l->ny = ny;
	l->wrap = wrap;
	l->shift = shift;
	make_weights(l->wt, shift);
	for (y = 0; y < ny; y++)
		for (x = 0; x < nx; x++)
			l->v[(size_t)y * nx + x] = (uint8_t)(tc_synth_hash4(seed, id, x, y) & 0xff);
}

/* Value noise of lattice l at (x, y), scaled by amp: 0..amp in 1/16 units. */
static uint32_t
lattice_at(const struct lattice *l, uint32_t x, uint32_t y, uint32_t amp)
{
	uint32_t m = (UINT32_C(1) << l->shift) - 1, gx = x >> l->shift, gy = y >> l->shift;
	uint32_t gx1 = (gx + 1) & l->wrap, gy1 = (gy + 1) & l->wrap;
	uint32_t wx = l->wt[x & m], wy = l->wt[y & m], top, bot, v;
	const uint8_t *r0 = l->v + (size_t)(gy & l->wrap) * l->nx, *r1 = l->v + (size_t)gy1 * l->nx;

	gx &= l->wrap;
	top = r0[gx] * (256 - wx) + r0[gx1] * wx;
	bot = r1[gx] * (256 - wx) + r1[gx1] * wx;
	v = (top * (256 - wy) + bot * wy) >> 16; /* 0..255 */
	return (v * amp) >> 4;
}

/*
 * Texture gain (/256) for a detail map value: a little texture where the
 * map is low (sky, walls), rising steeply to busy (foliage, crowds,
 * fabric) where it peaks.  These numbers set the JPEG size.
 */
static uint32_t
detail_gain(uint32_t d)
{
	uint32_t g = d < 48 ? 64 : 64 + (d - 48) * 6;

	return g > 600 ? 600 : g;
}

/* Plane p's size and its scene's extent (the plane plus the shake). */
static void
plane_dims(uint32_t w, uint32_t h, unsigned p, uint32_t *pw, uint32_t *ph, uint32_t *ew,
	   uint32_t *eh)
{
	uint32_t margin = p == SYN_Y ? 2 * SYN_SHAKE_MAX : SYN_SHAKE_MAX;

	*pw = p == SYN_Y ? w : w / 2;
	*ph = p == SYN_Y ? h : h / 2;
	*ew = *pw + margin;
	*eh = *ph + margin;
}

/* Grid, mosaic and lattice sizes of plane p. */
static void
grid_dims(uint32_t w, uint32_t h, unsigned p, uint32_t *cols, uint32_t *rows, uint32_t *mcols,
	  uint32_t *mrows)
{
	uint32_t pw, ph, ew, eh;

	plane_dims(w, h, p, &pw, &ph, &ew, &eh);
	*cols = (ew >> SYN_CELL_SHIFT) + 3;
	*rows = (eh >> SYN_CELL_SHIFT) + 3;
	*mcols = (ew >> SYN_TILE_SHIFT) + 2;
	*mrows = (eh >> SYN_TILE_SHIFT) + 2;
}

static size_t
lattice_len(uint32_t cols, uint32_t rows, unsigned shift)
{
	return (size_t)(((cols << SYN_CELL_SHIFT) >> shift) + 2) *
	       (((rows << SYN_CELL_SHIFT) >> shift) + 2);
}

/* Plane p's grid of smooth parts; lat: scratch for the largest lattice. */
static void
make_grid(struct tc_synth_scene *sc, unsigned p, struct lattice *lat, uint32_t *coarse)
{
	const struct plane_spec *sp = &specs[p];
	struct synth_grid *g = &sc->grid[p];
	uint32_t pw, ph, ew, eh, x, y, i, n = g->cols * g->rows;
	unsigned oi;

	plane_dims(sc->width, sc->height, p, &pw, &ph, &ew, &eh);
	memset(coarse, 0, n * sizeof(*coarse));
	for (oi = 0; oi < sp->ncoarse; oi++) {
		const struct octave *oc = &sp->coarse[oi];

		lattice_fill(lat, sc->seed, ID_COARSE + (p << 4) + oi, oc->shift,
			     ((g->cols << SYN_CELL_SHIFT) >> oc->shift) + 2,
			     ((g->rows << SYN_CELL_SHIFT) >> oc->shift) + 2, UINT32_MAX);
		for (i = 0, y = 0; y < g->rows; y++)
			for (x = 0; x < g->cols; x++, i++)
				coarse[i] += lattice_at(lat, x << SYN_CELL_SHIFT, y << SYN_CELL_SHIFT,
							oc->amp);
	}
	if (p == SYN_Y) {
		lattice_fill(lat, sc->seed, ID_DETAIL, detail_octave.shift,
			     ((g->cols << SYN_CELL_SHIFT) >> detail_octave.shift) + 2,
			     ((g->rows << SYN_CELL_SHIFT) >> detail_octave.shift) + 2, UINT32_MAX);
	}
	for (i = 0, y = 0; y < g->rows; y++) {
		for (x = 0; x < g->cols; x++, i++) {
			uint32_t sx = x << SYN_CELL_SHIFT, sy = y << SYN_CELL_SHIFT;
			uint32_t gain = p == SYN_Y ?
				detail_gain(lattice_at(lat, sx, sy, detail_octave.amp) >> 4) : CHROMA_GAIN;
			int64_t lv = (int64_t)sp->top * 16 +
				     (int64_t)(sp->bottom - sp->top) * 16 * (int64_t)sy / (int64_t)ph;

			lv += (int64_t)((uint64_t)sp->side * 16 * sx / pw);
			for (oi = 0; oi < sp->ncoarse; oi++)
				lv -= (int64_t)sp->coarse[oi].amp * 8; /* each octave's mean */
			lv += coarse[i];
			/* The texture adds tile * gain / 256: take its mean off here. */
			lv += (int64_t)SYN_LEVEL_OFFSET * 16 - (int64_t)TEX_MID * gain / 16;
			g->level[i] = lv < 0 ? 0 : (uint32_t)lv;
			g->gain[i] = gain;
		}
	}
}

/* Plane p's mosaic: where each 512-pixel cell of the scene reads the tile. */
static void
make_mosaic(struct tc_synth_scene *sc, unsigned p, uint32_t mrows)
{
	struct synth_grid *g = &sc->grid[p];
	uint32_t x, y;

	for (y = 0; y < mrows; y++)
		for (x = 0; x < g->mcols; x++) {
			uint64_t r = tc_synth_hash4(sc->seed, ID_MOSAIC + p, x, y);

			g->mosaic[(size_t)y * g->mcols + x] =
				(uint32_t)(r & (SYN_TILE - 1)) | (uint32_t)((r >> 16) & (SYN_TILE - 1)) << 16;
		}
}

/* The fine texture: periodic value noise, so the tile wraps without a seam. */
static void
make_tile(struct tc_synth_scene *sc, struct lattice *lat)
{
	size_t n = (size_t)SYN_TILE * SYN_TILE;
	uint32_t x, y;
	unsigned oi;

	memset(sc->tile, 0, n);
	for (oi = 0; oi < sizeof(fine_octaves) / sizeof(fine_octaves[0]); oi++) {
		const struct octave *oc = &fine_octaves[oi];
		uint32_t cells = SYN_TILE >> oc->shift;

		lattice_fill(lat, sc->seed, ID_FINE + oi, oc->shift, cells, cells, cells - 1);
		for (y = 0; y < SYN_TILE; y++)
			for (x = 0; x < SYN_TILE; x++)
				sc->tile[(size_t)y * SYN_TILE + x] +=
					(uint8_t)(lattice_at(lat, x, y, oc->amp) >> 4);
	}
}

/* xorshift64 (13, 7, 17): fills the noise tables. */
static uint64_t
xs64(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/* Triangular noise 0..amp-1: the sum of two uniform bytes, scaled. */
static void
make_noise(uint64_t seed, unsigned which, uint32_t amp, uint8_t *t, size_t len)
{
	uint64_t rng = tc_synth_hash4(seed, ID_NOISE + which, 0, 0) | 1, r = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if ((i & 3) == 0)
			r = xs64(&rng);
		t[i] = (uint8_t)((((uint32_t)(r & 0xff) + (uint32_t)((r >> 8) & 0xff)) * amp) >> 9);
		r >>= 16;
	}
}

static size_t
align64(size_t n)
{
	return (n + 63) & ~(size_t)63;
}

/* Build a scene (refs = 0): one allocation for all of it. */
static int
scene_build(uint64_t seed, uint32_t w, uint32_t h, struct tc_synth_scene **out)
{
	struct tc_synth_scene *sc = NULL;
	struct lattice lat;
	uint32_t cols[3], rows[3], mcols[3], mrows[3];
	size_t total = align64(sizeof(*sc)), latmax = (size_t)(SYN_TILE / 2) * (SYN_TILE / 2);
	size_t gridmax = 0, noise_len = SYN_NOISE_PERIOD + (size_t)w + 64, off;
	uint32_t *coarse = NULL;
	uint8_t *mem;
	unsigned p, oi;
	int err = -ENOMEM;

	memset(&lat, 0, sizeof(lat));
	for (p = 0; p < 3; p++) {
		const struct plane_spec *sp = &specs[p];

		grid_dims(w, h, p, &cols[p], &rows[p], &mcols[p], &mrows[p]);
		total += 2 * align64((size_t)cols[p] * rows[p] * sizeof(uint32_t));
		total += align64((size_t)mcols[p] * mrows[p] * sizeof(uint32_t));
		if ((size_t)cols[p] * rows[p] > gridmax)
			gridmax = (size_t)cols[p] * rows[p];
		for (oi = 0; oi < sp->ncoarse; oi++)
			if (lattice_len(cols[p], rows[p], sp->coarse[oi].shift) > latmax)
				latmax = lattice_len(cols[p], rows[p], sp->coarse[oi].shift);
	}
	if (lattice_len(cols[SYN_Y], rows[SYN_Y], detail_octave.shift) > latmax)
		latmax = lattice_len(cols[SYN_Y], rows[SYN_Y], detail_octave.shift);
	total += align64((size_t)SYN_TILE * SYN_TILE) + 2 * align64(noise_len);

	mem = tc_malloc(total);
	lat.v = tc_malloc(latmax);
	coarse = tc_malloc(gridmax * sizeof(*coarse));
	if (!mem || !lat.v || !coarse)
		goto out;
	sc = (struct tc_synth_scene *)(void *)mem;
	memset(sc, 0, sizeof(*sc));
	sc->seed = seed;
	sc->width = w;
	sc->height = h;
	off = align64(sizeof(*sc));
	for (p = 0; p < 3; p++) {
		struct synth_grid *g = &sc->grid[p];

		g->cols = cols[p];
		g->rows = rows[p];
		g->mcols = mcols[p];
		g->level = (uint32_t *)(void *)(mem + off);
		off += align64((size_t)cols[p] * rows[p] * sizeof(uint32_t));
		g->gain = (uint32_t *)(void *)(mem + off);
		off += align64((size_t)cols[p] * rows[p] * sizeof(uint32_t));
		g->mosaic = (uint32_t *)(void *)(mem + off);
		off += align64((size_t)mcols[p] * mrows[p] * sizeof(uint32_t));
	}
	sc->tile = mem + off;
	off += align64((size_t)SYN_TILE * SYN_TILE);
	sc->noise[0] = mem + off;
	off += align64(noise_len);
	sc->noise[1] = mem + off;

	make_shapes(seed, w, h, sc->shapes);
	for (p = 0; p < 3; p++) {
		make_grid(sc, p, &lat, coarse);
		make_mosaic(sc, p, mrows[p]);
	}
	make_tile(sc, &lat);
	make_noise(seed, 0, NOISE_AMP_Y, sc->noise[0], noise_len);
	make_noise(seed, 1, NOISE_AMP_C, sc->noise[1], noise_len);
	sc->noise_bias[0] = NOISE_AMP_Y / 2;
	sc->noise_bias[1] = NOISE_AMP_C / 2;
	*out = sc;
	mem = NULL;
	err = 0;
out:
	tc_free(coarse);
	tc_free(lat.v);
	tc_free(mem);
	return err;
}

static int
scene_is(const struct tc_synth_scene *sc, uint64_t seed, uint32_t w, uint32_t h)
{
	return sc && sc->seed == seed && sc->width == w && sc->height == h;
}

int
tc_synth_scene_get(uint64_t seed, uint32_t width, uint32_t height, struct tc_synth_scene **out)
{
	struct tc_synth_scene *sc = NULL, *drop = NULL;
	int err;

	pthread_mutex_lock(&cache_mu);
	if (scene_is(cache, seed, width, height)) {
		cache->refs++;
		*out = cache;
		pthread_mutex_unlock(&cache_mu);
		return 0;
	}
	pthread_mutex_unlock(&cache_mu);

	/* Built unlocked: another thread may render from the cached scene meanwhile. */
	if ((err = scene_build(seed, width, height, &sc)) != 0)
		return err;
	pthread_mutex_lock(&cache_mu);
	if (scene_is(cache, seed, width, height)) {
		/* Another thread built the same scene first: use that one. */
		drop = sc;
		sc = cache;
		sc->refs++;
	} else {
		if (cache && --cache->refs == 0)
			drop = cache;
		sc->refs = 2; /* the cache's and the caller's */
		cache = sc;
	}
	*out = sc;
	pthread_mutex_unlock(&cache_mu);
	tc_free(drop);
	return 0;
}

void
tc_synth_scene_hold(struct tc_synth_scene *sc)
{
	pthread_mutex_lock(&cache_mu);
	sc->refs++;
	pthread_mutex_unlock(&cache_mu);
}

void
tc_synth_scene_put(struct tc_synth_scene *sc)
{
	int last;

	if (!sc)
		return;
	pthread_mutex_lock(&cache_mu);
	last = --sc->refs == 0;
	pthread_mutex_unlock(&cache_mu);
	if (last)
		tc_free(sc);
}
