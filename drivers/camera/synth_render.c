/*
 * synth_render.c - the synthetic sensor's picture: deterministic,
 * photo-like YUV 4:2:0 frames from (seed, frame number).
 *
 * Tuned for two things.  Realism for the encoder: a 12 MP frame must
 * cost a JPEG encoder what a photo costs (about 4-6 MB at quality 90), so
 * the picture has gradients at every scale, hard edges and fine texture,
 * not a flat fill.  Speed: bursts of 12 frames are rendered on the fly, so
 * a 12 MP frame takes well under half a second at -O2.  Each plane is
 * rendered row by row into one row of accumulators that stays in L1, and
 * every per-pixel step is a table lookup, two multiplies and an add.
 *
 * A plane is the sum of:
 *   - a base: a vertical gradient (sky to ground) and, for luma, a
 *     horizontal one (light from one side);
 *   - value noise at several scales (512 down to 2 pixels): a grid of
 *     hashed values, smoothstep-interpolated between grid points; the
 *     fine scales are weighted by a coarse "detail map", so some regions
 *     are smooth (sky, walls) and others busy (foliage, crowds);
 *   - shapes: discs and rectangles with their own tone and colour, drawn
 *     over the scene with a blend that keeps part of its texture;
 *   - sensor noise: triangular, fresh for every frame.
 * The frame number also shifts the whole scene by a few pixels.
 *
 * Only fixed-width unsigned arithmetic on non-negative values goes into a
 * shift; signed values are only added, compared and divided (truncation
 * is defined in C99).  See tc_synth.h for the determinism contract.
 */
#include <errno.h>
#include <string.h>

#include "tc_io.h"
#include "tc_synth.h"

const struct tc_camera_mode tc_synth_modes[] = {
	{ 4056, 3040 }, /* like the IMX477 (HQ Camera), 12.3 MP 4:3 */
	{ 4608, 2592 }, /* like the IMX708 (Camera Module 3), 11.9 MP 16:9 */
	{ 1920, 1080 }, /* full HD */
};
const size_t tc_synth_nmodes = sizeof(tc_synth_modes) / sizeof(tc_synth_modes[0]);

#define NSHAPES 14
#define MAX_OCTAVES 8
#define SHAKE_MAX 8   /* scene shift per frame, in chroma pixels: 0..SHAKE_MAX */

enum oct_role {
	OCT_COARSE,      /* gradients: added as they are */
	OCT_FINE,        /* texture: scaled by the detail map */
	OCT_DETAIL_MAP,  /* how busy the scene is here (foliage vs sky) */
};

struct octave {
	unsigned shift;  /* grid cell is 1 << shift pixels of the plane, shift <= 9 */
	uint32_t amp;    /* adds 0..amp (amp <= 255) */
	enum oct_role role;
};

/* What one plane is made of. */
struct plane_spec {
	const struct octave *oct;
	size_t noct;
	int32_t base_top, base_bottom; /* vertical gradient */
	uint32_t side;                 /* horizontal gradient 0..side (luma) */
	uint32_t noise_amp;            /* sensor noise 0..noise_amp */
};

static const struct octave luma_oct[] = {
	{ 9, 64, OCT_COARSE }, { 7, 40, OCT_COARSE }, { 5, 28, OCT_COARSE },
	{ 3, 36, OCT_FINE }, { 2, 36, OCT_FINE }, { 1, 28, OCT_FINE },
	{ 8, 255, OCT_DETAIL_MAP },
};
static const struct octave chroma_oct[] = {
	{ 8, 40, OCT_COARSE }, { 6, 20, OCT_COARSE }, { 3, 8, OCT_COARSE },
};

enum { PL_Y, PL_U, PL_V };

static const struct plane_spec specs[3] = {
	[PL_Y] = { luma_oct, sizeof(luma_oct) / sizeof(luma_oct[0]), 178, 82, 36, 36 },
	[PL_U] = { chroma_oct, sizeof(chroma_oct) / sizeof(chroma_oct[0]), 146, 114, 0, 6 },
	[PL_V] = { chroma_oct, sizeof(chroma_oct) / sizeof(chroma_oct[0]), 116, 138, 0, 6 },
};

/* A shape in scene coordinates of the luma plane. */
struct shape {
	int disc;              /* disc of radius rx, else rectangle half-sizes rx, ry */
	int64_t cx, cy, rx, ry;
	int32_t tone[3];       /* Y, U, V */
	int32_t keep;          /* quarters of the scene's texture kept: 2 or 3 */
};

struct octave_rows {
	uint32_t *g0, *g1;     /* hashed grid values of grid rows gy, gy + 1 */
	uint32_t *v;           /* g0/g1 interpolated at this row, times amp */
	uint16_t *w;           /* smoothstep weights 0..256 across a cell */
	int64_t gy;            /* grid row held in g0, -1 for none */
	uint32_t i0, ncols;    /* first grid column used, columns held */
};

/* One plane being rendered; its buffers are one block of scratch. */
struct plane_ctx {
	const struct plane_spec *spec;
	unsigned which;        /* PL_Y, PL_U, PL_V */
	unsigned sub;          /* 0 luma, 1 chroma (half resolution) */
	uint32_t w, h;         /* plane size */
	uint32_t ox, oy;       /* scene offset of pixel (0, 0) */
	uint64_t seed, frame;
	int32_t *acc;          /* the row being built */
	uint32_t *sum[3];      /* per role: octaves summed over the row */
	uint32_t *side;        /* horizontal gradient per column, or NULL */
	struct octave_rows o[MAX_OCTAVES];
	const struct shape *shapes;
	int32_t bias;          /* mean of everything added on top of the base */
	int32_t fine_mid;      /* mean of the fine octaves' sum */
	int32_t gain[256];     /* detail map value to texture gain, /256 */
};

/* splitmix64's finaliser: a good 64-bit mix, cheap enough per grid point. */
static uint64_t
mix64(uint64_t z)
{
	z += UINT64_C(0x9e3779b97f4a7c15);
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint64_t
hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
	return mix64(seed ^ mix64(a ^ mix64(b ^ mix64(c))));
}

/* xorshift64 (13, 7, 17): the per-row sensor noise stream. */
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

/* The scene's shapes: depend on the seed and the frame size only. */
static void
make_shapes(uint64_t seed, uint32_t w, uint32_t h, struct shape *s)
{
	unsigned k;

	for (k = 0; k < NSHAPES; k++) {
		uint64_t a = hash4(seed, 0x5ea9e, k, 1), b = hash4(seed, 0x5ea9e, k, 2);
		int64_t size = (int64_t)w / 48 + (int64_t)((a >> 20) & 1023) * w / 5120;

		s[k].disc = (int)(a & 1);
		s[k].cx = (int64_t)((a >> 1) & 1023) * w / 1024;
		s[k].cy = (int64_t)((a >> 11) & 511) * h / 512;
		s[k].rx = size;
		s[k].ry = s[k].disc ? size : size / 2 + (int64_t)((a >> 30) & 1023) * size / 1024;
		s[k].tone[PL_Y] = 24 + (int32_t)(b & 0xff) * 208 / 256;
		s[k].tone[PL_U] = 80 + (int32_t)((b >> 8) & 0xff) * 96 / 256;
		s[k].tone[PL_V] = 80 + (int32_t)((b >> 16) & 0xff) * 96 / 256;
		s[k].keep = 2 + (int32_t)((b >> 24) % 2);
	}
}

/* Smoothstep 3t^2 - 2t^3 over one cell, scaled to 0..256. */
static void
make_weights(uint16_t *wt, unsigned shift)
{
	uint64_t c = UINT64_C(1) << shift, f;

	for (f = 0; f < c; f++)
		wt[f] = (uint16_t)((3 * f * f * c - 2 * f * f * f) * 256 / (c * c * c));
}

static void
grid_row(const struct plane_ctx *p, unsigned oi, uint64_t gy, uint32_t *g)
{
	const struct octave_rows *o = &p->o[oi];
	uint32_t i;

	for (i = 0; i < o->ncols; i++)
		g[i] = (uint32_t)hash4(p->seed, (p->which << 8) | oi, o->i0 + i, gy) & 0xff;
}

/* Add octave oi at scene row sy to the sum of its role. */
static void
add_octave(struct plane_ctx *p, unsigned oi, uint64_t sy)
{
	struct octave_rows *o = &p->o[oi];
	const struct octave *oc = &p->spec->oct[oi];
	uint32_t cell = UINT32_C(1) << oc->shift, wy, i, x, sx, *sum = p->sum[oc->role];
	int64_t gy = (int64_t)(sy >> oc->shift);

	if (gy != o->gy) {
		if (o->gy >= 0 && gy == o->gy + 1) {
			uint32_t *t = o->g0;

			o->g0 = o->g1;
			o->g1 = t;
		} else {
			grid_row(p, oi, (uint64_t)gy, o->g0);
		}
		grid_row(p, oi, (uint64_t)gy + 1, o->g1);
		o->gy = gy;
	}
	wy = o->w[sy & (cell - 1)];
	for (i = 0; i < o->ncols; i++)
		o->v[i] = ((o->g0[i] * (256 - wy) + o->g1[i] * wy) * oc->amp) >> 8;

	x = 0;
	sx = p->ox;
	while (x < p->w) {
		uint32_t f = sx & (cell - 1), n = cell - f, a, b, k;

		i = (sx >> oc->shift) - o->i0;
		a = o->v[i];
		b = o->v[i + 1];
		if (n > p->w - x)
			n = p->w - x;
		for (k = 0; k < n; k++)
			sum[x + k] += (a * (256 - o->w[f + k]) + b * o->w[f + k]) >> 16;
		x += n;
		sx += n;
	}
}

/* Blend the shapes that cross scene row sy (luma coordinates) over acc. */
static void
add_shapes(struct plane_ctx *p, int64_t sy)
{
	unsigned k, sub = p->sub;
	int64_t ox = p->ox;

	for (k = 0; k < NSHAPES; k++) {
		const struct shape *s = &p->shapes[k];
		int64_t dy = sy - s->cy, half, x0, x1, x;
		int32_t t;

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
		if (x1 > (int64_t)p->w)
			x1 = p->w;
		t = (s->tone[p->which] + p->bias) * (4 - s->keep);
		for (x = x0; x < x1; x++)
			p->acc[x] = (p->acc[x] * s->keep + t) / 4;
	}
}

static void
render_row(struct plane_ctx *p, uint32_t y, uint8_t *out)
{
	const struct plane_spec *sp = p->spec;
	uint64_t sy = (uint64_t)y + p->oy, rng;
	int32_t base = sp->base_top + (sp->base_bottom - sp->base_top) * (int32_t)y / (int32_t)p->h;
	uint32_t x, namp = sp->noise_amp, *coarse = p->sum[OCT_COARSE];
	uint32_t *fine = p->sum[OCT_FINE], *dmap = p->sum[OCT_DETAIL_MAP];
	unsigned oi;

	memset(coarse, 0, p->w * sizeof(*coarse));
	memset(fine, 0, p->w * sizeof(*fine));
	memset(dmap, 0, p->w * sizeof(*dmap));
	for (oi = 0; oi < sp->noct; oi++)
		add_octave(p, oi, sy);
	for (x = 0; x < p->w; x++)
		p->acc[x] = base + (int32_t)coarse[x] + (p->side ? (int32_t)p->side[x] : 0) +
			    ((int32_t)fine[x] - p->fine_mid) * p->gain[dmap[x] & 0xff] / 256;
	add_shapes(p, (int64_t)(sy << p->sub));

	rng = hash4(p->seed, p->frame, ((uint64_t)p->which << 32) | y, 0x4015e) | 1;
	for (x = 0; x < p->w; x += 4) {
		uint64_t r = xs64(&rng);
		unsigned k;

		for (k = 0; k < 4 && x + k < p->w; k++) {
			uint32_t n = (((uint32_t)(r & 0xff) + (uint32_t)((r >> 8) & 0xff)) * namp) >> 9;
			int32_t v = p->acc[x + k] + (int32_t)n - p->bias;

			r >>= 16;
			out[x + k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
		}
	}
}

/* Bytes of scratch a plane of width w needs (a multiple of 8). */
static size_t
plane_scratch(uint32_t w)
{
	size_t n = (size_t)w * 5 * sizeof(uint32_t);
	unsigned oi;

	for (oi = 0; oi < MAX_OCTAVES; oi++)
		n += 3 * ((size_t)w + 4) * sizeof(uint32_t) + 512 * sizeof(uint16_t) + 64;
	return (n + 7) & ~(size_t)7;
}

/*
 * Texture gain (/256) for a detail map value: a little texture where the
 * map is low (sky, walls), rising steeply to busy (foliage, crowds,
 * fabric) where it peaks.  These numbers set the JPEG size.
 */
static int32_t
detail_gain(uint32_t d)
{
	int32_t g = d < 48 ? 64 : 64 + ((int32_t)d - 48) * 6;

	return g > 600 ? 600 : g;
}

/* Set up plane which; mem: plane_scratch(w) bytes, 8-byte aligned. */
static void
plane_init(struct plane_ctx *p, unsigned which, uint32_t w, uint32_t h, uint32_t shake_x,
	   uint32_t shake_y, uint64_t seed, uint64_t frame, const struct shape *shapes, void *mem)
{
	uint32_t *m = mem, x;
	unsigned oi, r;

	memset(p, 0, sizeof(*p));
	p->spec = &specs[which];
	p->which = which;
	p->sub = which != PL_Y;
	p->w = w;
	p->h = h;
	p->ox = shake_x << (1 - p->sub);
	p->oy = shake_y << (1 - p->sub);
	p->seed = seed;
	p->frame = frame;
	p->shapes = shapes;
	p->acc = (int32_t *)m;
	m += w;
	for (r = 0; r < 3; r++, m += w)
		p->sum[r] = m;
	if (p->spec->side) {
		p->side = m;
		for (x = 0; x < w; x++)
			p->side[x] = (uint32_t)((uint64_t)p->spec->side * x / w);
	}
	m += w;
	for (x = 0; x < 256; x++)
		p->gain[x] = detail_gain(x);
	p->bias = (int32_t)p->spec->noise_amp / 2;
	for (oi = 0; oi < p->spec->noct; oi++) {
		const struct octave *oc = &p->spec->oct[oi];
		struct octave_rows *o = &p->o[oi];

		if (oc->role == OCT_COARSE)
			p->bias += (int32_t)oc->amp / 2;
		else if (oc->role == OCT_FINE)
			p->fine_mid += (int32_t)oc->amp / 2;
		o->i0 = p->ox >> oc->shift;
		o->ncols = ((p->ox + w - 1) >> oc->shift) - o->i0 + 2;
		o->gy = -1;
		o->g0 = m;
		o->g1 = o->g0 + w + 4;
		o->v = o->g1 + w + 4;
		o->w = (uint16_t *)(void *)(o->v + w + 4);
		m = (uint32_t *)(void *)((uint8_t *)(o->w + 512) + 64);
		make_weights(o->w, oc->shift);
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
	struct shape shapes[NSHAPES];
	struct plane_ctx py, pu, pv;
	uint32_t cw = width / 2, ch = height / 2, y, x, sx, sy;
	size_t ly = plane_scratch(width), lc = plane_scratch(cw);
	uint8_t *mem, *urow, *vrow;
	uint64_t shake;
	int err;

	if ((err = check_args(width, height, fmt, plane, stride)) != 0)
		return err;
	mem = tc_malloc(ly + 2 * lc + 2 * (size_t)cw);
	if (!mem)
		return -ENOMEM;
	urow = mem + ly + 2 * lc;
	vrow = urow + cw;

	make_shapes(seed, width, height, shapes);
	shake = hash4(seed, frame_no, 0x5ba4e, 0);
	sx = (uint32_t)(shake % (SHAKE_MAX + 1));
	sy = (uint32_t)((shake >> 32) % (SHAKE_MAX + 1));
	plane_init(&py, PL_Y, width, height, sx, sy, seed, frame_no, shapes, mem);
	plane_init(&pu, PL_U, cw, ch, sx, sy, seed, frame_no, shapes, mem + ly);
	plane_init(&pv, PL_V, cw, ch, sx, sy, seed, frame_no, shapes, mem + ly + lc);

	for (y = 0; y < height; y++)
		render_row(&py, y, plane[0] + (size_t)y * stride[0]);
	for (y = 0; y < ch; y++) {
		if (fmt == TC_PIXFMT_YUV420) {
			render_row(&pu, y, plane[1] + (size_t)y * stride[1]);
			render_row(&pv, y, plane[2] + (size_t)y * stride[2]);
		} else {
			uint8_t *uv = plane[1] + (size_t)y * stride[1];

			render_row(&pu, y, urow);
			render_row(&pv, y, vrow);
			for (x = 0; x < cw; x++) {
				uv[2 * x] = urow[x];
				uv[2 * x + 1] = vrow[x];
			}
		}
	}
	tc_free(mem);
	return 0;
}
