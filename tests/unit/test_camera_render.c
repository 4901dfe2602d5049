/*
 * test_camera_render.c - drivers/camera: the synthetic sensor's renderer.
 * Determinism (same seed and frame give the same bytes, other frames and
 * seeds differ, a pinned digest holds across builds, the scene cache and
 * concurrent callers change nothing), NV12 and YUV420 carrying the same
 * picture, strides honoured, arguments checked, content that is not flat,
 * and a 12 MP frame that costs a JPEG encoder what a photo does
 * (TurboJPEG, quality 90, 4:2:0: 4 to 6.5 MB).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <turbojpeg.h>

#include "tc_camera.h"
#include "tc_fault.h"
#include "tc_synth.h"

/* A frame in tight buffers. */
struct img {
	uint32_t w, h;
	enum tc_pixfmt fmt;
	size_t stride[3], len[3];
	unsigned np;
	uint8_t *plane[3];
};

static void
img_alloc(struct img *im, uint32_t w, uint32_t h, enum tc_pixfmt fmt)
{
	unsigned p;

	memset(im, 0, sizeof(*im));
	im->w = w;
	im->h = h;
	im->fmt = fmt;
	assert_int_equal(tc_pixfmt_layout(fmt, w, h, im->stride, im->len, &im->np), 0);
	for (p = 0; p < im->np; p++) {
		im->plane[p] = malloc(im->len[p]);
		assert_non_null(im->plane[p]);
	}
}

static void
img_render(struct img *im, uint64_t seed, uint64_t frame)
{
	assert_int_equal(tc_synth_render(seed, frame, im->w, im->h, im->fmt, im->plane, im->stride), 0);
}

static void
img_free(struct img *im)
{
	unsigned p;

	for (p = 0; p < 3; p++)
		free(im->plane[p]);
}

/* FNV-1a 64 over the planes: a digest with no library behind it. */
static uint64_t
img_digest(const struct img *im)
{
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	unsigned p;
	size_t i;

	for (p = 0; p < im->np; p++)
		for (i = 0; i < im->len[p]; i++) {
			h ^= im->plane[p][i];
			h *= UINT64_C(0x100000001b3);
		}
	return h;
}

static size_t
bytes_differing(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i, d = 0;

	for (i = 0; i < n; i++)
		d += a[i] != b[i];
	return d;
}

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return 0;
}

static void
test_same_seed_and_frame_same_bytes(void **state)
{
	struct img a, b;
	enum tc_pixfmt fmt;
	unsigned p;

	(void)state;
	for (fmt = TC_PIXFMT_NV12; fmt <= TC_PIXFMT_YUV420; fmt++) {
		img_alloc(&a, 1920, 1080, fmt);
		img_alloc(&b, 1920, 1080, fmt);
		memset(b.plane[0], 0x33, b.len[0]);
		img_render(&a, 9, 5);
		img_render(&b, 9, 5);
		for (p = 0; p < a.np; p++)
			assert_memory_equal(a.plane[p], b.plane[p], a.len[p]);
		img_free(&a);
		img_free(&b);
	}
}

static void
test_other_frames_and_seeds_differ(void **state)
{
	struct img a, b, c;
	size_t n;

	(void)state;
	img_alloc(&a, 1920, 1080, TC_PIXFMT_YUV420);
	img_alloc(&b, 1920, 1080, TC_PIXFMT_YUV420);
	img_alloc(&c, 1920, 1080, TC_PIXFMT_YUV420);
	img_render(&a, 9, 0);
	img_render(&b, 9, 1);
	img_render(&c, 10, 0);
	n = a.len[0];
	/* Frames of one scene: sensor noise and shake change most pixels. */
	assert_true(bytes_differing(a.plane[0], b.plane[0], n) > n / 2);
	assert_true(bytes_differing(a.plane[1], b.plane[1], a.len[1]) > a.len[1] / 4);
	/* Another seed is another scene. */
	assert_true(bytes_differing(a.plane[0], c.plane[0], n) > n * 3 / 4);
	img_free(&a);
	img_free(&b);
	img_free(&c);
}

/*
 * The determinism contract pinned: these digests may change only with
 * TC_SYNTH_VERSION, since the Trust side re-creates frames to verify them.
 */
static void
test_digest_is_pinned(void **state)
{
	struct img a;

	(void)state;
	assert_int_equal(TC_SYNTH_VERSION, 2);
	img_alloc(&a, 640, 480, TC_PIXFMT_YUV420);
	img_render(&a, 1, 2);
	assert_int_equal(img_digest(&a), UINT64_C(0xff5b58428b4d415f));
	img_free(&a);
	img_alloc(&a, 1920, 1080, TC_PIXFMT_NV12);
	img_render(&a, 7, 0);
	assert_int_equal(img_digest(&a), UINT64_C(0x2101eba43e020c58));
	img_free(&a);
	/* photod's mode, and the smallest frame there is */
	img_alloc(&a, 4056, 3040, TC_PIXFMT_NV12);
	img_render(&a, 7, 3);
	assert_int_equal(img_digest(&a), UINT64_C(0x20515161c2f58895));
	img_free(&a);
	img_alloc(&a, 2, 2, TC_PIXFMT_YUV420);
	img_render(&a, 5, 1);
	assert_int_equal(img_digest(&a), UINT64_C(0xcd090476a7637654));
	img_free(&a);
}

/*
 * The scene cache keeps one scene: whatever was rendered in between (other
 * seeds, other sizes, evicting it and building it again), a frame comes
 * out the same.
 */
static void
test_scene_cache_changes_nothing(void **state)
{
	static const struct { uint64_t seed; uint32_t w, h; } between[] = {
		{ 10, 1920, 1080 }, { 9, 640, 480 }, { 9, 1920, 1080 }, { 9, 1920, 1080 },
	};
	struct img ref, other, again;
	size_t i;
	unsigned p;

	(void)state;
	img_alloc(&ref, 1920, 1080, TC_PIXFMT_YUV420);
	img_alloc(&again, 1920, 1080, TC_PIXFMT_YUV420);
	img_render(&ref, 9, 5);
	for (i = 0; i < sizeof(between) / sizeof(between[0]); i++) {
		img_alloc(&other, between[i].w, between[i].h, TC_PIXFMT_YUV420);
		img_render(&other, between[i].seed, 5);
		img_free(&other);
		memset(again.plane[0], 0, again.len[0]);
		img_render(&again, 9, 5);
		for (p = 0; p < 3; p++)
			assert_memory_equal(ref.plane[p], again.plane[p], ref.len[p]);
	}
	img_free(&ref);
	img_free(&again);
}

/* Threads rendering different scenes at once fight over the cache: bytes stay right. */
struct racer {
	uint64_t seed[2];
	uint64_t want[2];
	int bad;
};

/* No cmocka assertion off the main thread: count failures for it instead. */
static void *
racer_main(void *arg)
{
	struct racer *r = arg;
	struct img a;
	int i;

	memset(&a, 0, sizeof(a));
	a.w = 640;
	a.h = 480;
	a.fmt = TC_PIXFMT_NV12;
	if (tc_pixfmt_layout(a.fmt, a.w, a.h, a.stride, a.len, &a.np) != 0 ||
	    !(a.plane[0] = malloc(a.len[0])) || !(a.plane[1] = malloc(a.len[1]))) {
		r->bad = -1;
		img_free(&a);
		return NULL;
	}
	for (i = 0; i < 12; i++) {
		if (tc_synth_render(r->seed[i & 1], 4, a.w, a.h, a.fmt, a.plane, a.stride) != 0 ||
		    img_digest(&a) != r->want[i & 1])
			r->bad++;
	}
	img_free(&a);
	return NULL;
}

static void
test_concurrent_renders_agree(void **state)
{
	struct racer r[3];
	pthread_t t[3];
	struct img a;
	uint64_t want[3];
	unsigned i;

	(void)state;
	img_alloc(&a, 640, 480, TC_PIXFMT_NV12);
	for (i = 0; i < 3; i++) {
		img_render(&a, 100 + i, 4);
		want[i] = img_digest(&a);
	}
	img_free(&a);
	for (i = 0; i < 3; i++) {
		r[i].seed[0] = 100 + i;
		r[i].want[0] = want[i];
		r[i].seed[1] = 100 + (i + 1) % 3;
		r[i].want[1] = want[(i + 1) % 3];
		r[i].bad = 0;
		assert_int_equal(pthread_create(&t[i], NULL, racer_main, &r[i]), 0);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		if (r[i].bad)
			fail_msg("thread %u: %d of 12 renders differed from the single-threaded one", i,
				 r[i].bad);
	}
}

static void
test_nv12_and_yuv420_hold_the_same_picture(void **state)
{
	struct img nv, yu;
	size_t i;

	(void)state;
	img_alloc(&nv, 4056, 3040, TC_PIXFMT_NV12);
	img_alloc(&yu, 4056, 3040, TC_PIXFMT_YUV420);
	img_render(&nv, 2, 3);
	img_render(&yu, 2, 3);
	assert_memory_equal(nv.plane[0], yu.plane[0], nv.len[0]);
	for (i = 0; i < yu.len[1]; i++) {
		if (nv.plane[1][2 * i] != yu.plane[1][i] || nv.plane[1][2 * i + 1] != yu.plane[2][i])
			fail_msg("chroma sample %zu: NV12 (%u,%u) != YUV420 (%u,%u)", i,
				 nv.plane[1][2 * i], nv.plane[1][2 * i + 1], yu.plane[1][i], yu.plane[2][i]);
	}
	img_free(&nv);
	img_free(&yu);
}

static void
test_strides_are_honoured(void **state)
{
	const uint32_t w = 1920, h = 1080, pad = 72;
	struct img tight;
	uint8_t *buf[3];
	size_t stride[3] = { w + pad, w / 2 + pad, w / 2 + pad };
	uint32_t rows[3] = { h, h / 2, h / 2 }, width[3] = { w, w / 2, w / 2 };
	unsigned p;

	(void)state;
	img_alloc(&tight, w, h, TC_PIXFMT_YUV420);
	img_render(&tight, 11, 4);
	for (p = 0; p < 3; p++) {
		buf[p] = malloc(stride[p] * rows[p]);
		assert_non_null(buf[p]);
		memset(buf[p], 0xA5, stride[p] * rows[p]);
	}
	assert_int_equal(tc_synth_render(11, 4, w, h, TC_PIXFMT_YUV420, buf, stride), 0);
	for (p = 0; p < 3; p++) {
		for (uint32_t r = 0; r < rows[p]; r++) {
			const uint8_t *row = buf[p] + r * stride[p];

			assert_memory_equal(row, tight.plane[p] + r * tight.stride[p], width[p]);
			for (size_t x = width[p]; x < stride[p]; x++)
				if (row[x] != 0xA5)
					fail_msg("plane %u row %u: padding byte %zu was written", p, r, x);
		}
		free(buf[p]);
	}
	img_free(&tight);
}

static void
test_bad_arguments(void **state)
{
	uint8_t y[64 * 48], u[64 * 48], v[64 * 48];
	uint8_t *pl[3] = { y, u, v };
	uint8_t *nopl[3] = { y, NULL, v };
	size_t st[3] = { 64, 32, 32 }, nvst[3] = { 64, 64, 0 }, shortst[3] = { 64, 31, 32 };

	(void)state;
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, pl, st), 0);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_NV12, pl, nvst), 0);
	assert_int_equal(tc_synth_render(0, 0, 63, 48, TC_PIXFMT_YUV420, pl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 47, TC_PIXFMT_YUV420, pl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 0, 48, TC_PIXFMT_YUV420, pl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, (enum tc_pixfmt)2, pl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, nopl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, pl, shortst), -EINVAL);
	/* NV12's chroma rows are full width */
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_NV12, pl, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, NULL, st), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, pl, NULL), -EINVAL);
	assert_int_equal(tc_synth_render(0, 0, TC_SYNTH_MAX_DIM + 2, 48, TC_PIXFMT_YUV420, pl, st),
			 -EINVAL);
	tc_fault_arm(TC_FAULT_ALLOC, 1, ENOMEM, false);
	assert_int_equal(tc_synth_render(0, 0, 64, 48, TC_PIXFMT_YUV420, pl, st), -ENOMEM);
	tc_fault_disarm_all();
}

/*
 * Photo-like, not a flat fill: many luma levels, texture in almost every
 * 8x8 block, colour, little clipping, a mid-grey overall level.
 */
static void
test_content_is_not_flat(void **state)
{
	struct img a;
	unsigned seen[256] = { 0 }, useen[256] = { 0 }, distinct = 0, udistinct = 0;
	size_t i, blocks = 0, textured = 0, clipped = 0;
	uint64_t sum = 0;
	uint32_t bx, by;

	(void)state;
	img_alloc(&a, 4056, 3040, TC_PIXFMT_YUV420);
	img_render(&a, 0, 0);
	for (i = 0; i < a.len[0]; i++) {
		seen[a.plane[0][i]]++;
		sum += a.plane[0][i];
		clipped += a.plane[0][i] == 0 || a.plane[0][i] == 255;
	}
	for (i = 0; i < a.len[1]; i++)
		useen[a.plane[1][i]]++;
	for (i = 0; i < 256; i++) {
		distinct += seen[i] != 0;
		udistinct += useen[i] != 0;
	}
	assert_true(distinct >= 200);
	assert_true(udistinct >= 64);
	assert_true(clipped < a.len[0] / 100);
	assert_in_range(sum / a.len[0], 60, 190);

	for (by = 0; by + 8 <= a.h; by += 8)
		for (bx = 0; bx + 8 <= a.w; bx += 8) {
			int64_t s = 0, s2 = 0, var;

			for (uint32_t y = 0; y < 8; y++)
				for (uint32_t x = 0; x < 8; x++) {
					int64_t v = a.plane[0][(size_t)(by + y) * a.w + bx + x];

					s += v;
					s2 += v * v;
				}
			var = (64 * s2 - s * s) / (64 * 64);
			blocks++;
			textured += var >= 2;
		}
	if (textured < blocks * 95 / 100)
		fail_msg("only %zu of %zu 8x8 blocks have luma variance >= 2", textured, blocks);
	img_free(&a);
}

static unsigned long
jpeg_size(uint32_t w, uint32_t h, uint64_t seed)
{
	struct img a;
	tjhandle tj = tjInitCompress();
	unsigned char *jpeg = NULL;
	unsigned long len = 0;
	const unsigned char *planes[3];
	int strides[3];

	assert_non_null(tj);
	img_alloc(&a, w, h, TC_PIXFMT_YUV420);
	img_render(&a, seed, 0);
	planes[0] = a.plane[0];
	planes[1] = a.plane[1];
	planes[2] = a.plane[2];
	strides[0] = (int)a.stride[0];
	strides[1] = (int)a.stride[1];
	strides[2] = (int)a.stride[2];
	assert_int_equal(tjCompressFromYUVPlanes(tj, planes, (int)w, strides, (int)h, TJSAMP_420,
						 &jpeg, &len, 90, 0), 0);
	tjFree(jpeg);
	tjDestroy(tj);
	img_free(&a);
	return len;
}

static void
test_jpeg_size_like_a_photo(void **state)
{
	static const struct { uint32_t w, h; uint64_t seed; } cases[] = {
		{ 4056, 3040, 0 }, { 4056, 3040, 7 }, { 4608, 2592, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long len = jpeg_size(cases[i].w, cases[i].h, cases[i].seed);

		if (len < 4000000 || len > 6500000)
			fail_msg("%ux%u seed %llu: JPEG q90 is %lu bytes, expected 4-6.5 MB",
				 cases[i].w, cases[i].h, (unsigned long long)cases[i].seed, len);
	}
	/* Full HD scales with the pixel count: about a sixth of 12 MP. */
	assert_in_range(jpeg_size(1920, 1080, 0), 500000, 1300000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_same_seed_and_frame_same_bytes, setup),
		cmocka_unit_test_setup(test_other_frames_and_seeds_differ, setup),
		cmocka_unit_test_setup(test_digest_is_pinned, setup),
		cmocka_unit_test_setup(test_scene_cache_changes_nothing, setup),
		cmocka_unit_test_setup(test_concurrent_renders_agree, setup),
		cmocka_unit_test_setup(test_nv12_and_yuv420_hold_the_same_picture, setup),
		cmocka_unit_test_setup(test_strides_are_honoured, setup),
		cmocka_unit_test_setup(test_bad_arguments, setup),
		cmocka_unit_test_setup(test_content_is_not_flat, setup),
		cmocka_unit_test_setup(test_jpeg_size_like_a_photo, setup),
	};

	return cmocka_run_group_tests_name("camera_render", tests, NULL, NULL);
}
