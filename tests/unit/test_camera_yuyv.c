/*
 * test_camera_yuyv.c - drivers/camera/yuyv.c: a UVC camera's YUYV
 * (packed 4:2:2) frame converted to NV12 and YUV420 as the libcamera shim
 * lends it.  Exact planes for known input, strides honoured on both
 * sides, chroma rounding, and bad sizes or buffers refused with nothing
 * written.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cam_yuyv.h"

/*
 * A 4x4 YUYV frame, 8 bytes a row (tight): row r holds
 * Y = 10r+1..10r+4, U = 100+r, V = 200+r (first pair) and U = 110+r,
 * V = 210+r (second pair).
 */
static void
fill(uint8_t *src, size_t stride)
{
	for (unsigned r = 0; r < 4; r++) {
		uint8_t *p = src + r * stride;
		const uint8_t row[8] = { (uint8_t)(10 * r + 1), (uint8_t)(100 + r), (uint8_t)(10 * r + 2),
					 (uint8_t)(200 + r), (uint8_t)(10 * r + 3), (uint8_t)(110 + r),
					 (uint8_t)(10 * r + 4), (uint8_t)(210 + r) };

		memcpy(p, row, sizeof(row));
	}
}

static const uint8_t want_y[16] = { 1, 2, 3, 4, 11, 12, 13, 14, 21, 22, 23, 24, 31, 32, 33, 34 };
/* Chroma: the rounded mean of rows 0,1 and rows 2,3: (100+101+1)/2 = 101, ... */
static const uint8_t want_u[4] = { 101, 111, 103, 113 };
static const uint8_t want_v[4] = { 201, 211, 203, 213 };

static void
test_nv12_exact(void **state)
{
	uint8_t src[32], y[16], uv[8];
	uint8_t *const plane[3] = { y, uv, NULL };
	const size_t stride[3] = { 4, 4, 0 };

	(void)state;
	fill(src, 8);
	assert_int_equal(tc_yuyv_to_420(src, 8, sizeof(src), 4, 4, TC_PIXFMT_NV12, plane, stride), 0);
	assert_memory_equal(y, want_y, 16);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(uv[2 * i], want_u[i]);
		assert_int_equal(uv[2 * i + 1], want_v[i]);
	}
}

static void
test_yuv420_exact_with_strides(void **state)
{
	/* Padded rows both sides: source 12 bytes a row, planes 6 and 3. */
	uint8_t src[48], y[24], u[6], v[6];
	uint8_t *const plane[3] = { y, u, v };
	const size_t stride[3] = { 6, 3, 3 };

	(void)state;
	memset(src, 0xee, sizeof(src));
	memset(y, 0x55, sizeof(y));
	memset(u, 0x55, sizeof(u));
	memset(v, 0x55, sizeof(v));
	fill(src, 12);
	assert_int_equal(tc_yuyv_to_420(src, 12, sizeof(src), 4, 4, TC_PIXFMT_YUV420, plane, stride), 0);
	for (unsigned r = 0; r < 4; r++) {
		assert_memory_equal(y + 6 * r, want_y + 4 * r, 4);
		assert_int_equal(y[6 * r + 4], 0x55); /* padding untouched */
		assert_int_equal(y[6 * r + 5], 0x55);
	}
	for (unsigned r = 0; r < 2; r++) {
		assert_memory_equal(u + 3 * r, want_u + 2 * r, 2);
		assert_memory_equal(v + 3 * r, want_v + 2 * r, 2);
		assert_int_equal(u[3 * r + 2], 0x55);
		assert_int_equal(v[3 * r + 2], 0x55);
	}
}

/* Chroma rounds half up: (0 + 1 + 1) >> 1 = 1, (254 + 255 + 1) >> 1 = 255. */
static void
test_rounding_extremes(void **state)
{
	const uint8_t src[16] = { 0, 0, 255, 254, 255, 255, 0, 0,
				  255, 1, 0, 255, 0, 0, 255, 1 };
	uint8_t y[8], uv[4];
	uint8_t *const plane[3] = { y, uv, NULL };
	const size_t stride[3] = { 4, 4, 0 };
	const uint8_t want_y2[8] = { 0, 255, 255, 0, 255, 0, 0, 255 };

	(void)state;
	assert_int_equal(tc_yuyv_to_420(src, 8, sizeof(src), 4, 2, TC_PIXFMT_NV12, plane, stride), 0);
	assert_memory_equal(y, want_y2, 8);
	assert_int_equal(uv[0], 1);   /* (0 + 1 + 1) >> 1 */
	assert_int_equal(uv[1], 255); /* (254 + 255 + 1) >> 1 */
	assert_int_equal(uv[2], 128); /* (255 + 0 + 1) >> 1 */
	assert_int_equal(uv[3], 1);   /* (0 + 1 + 1) >> 1 */
}

static void
test_refused_and_nothing_written(void **state)
{
	uint8_t src[64], y[32], uv[16], u[8], v[8];
	uint8_t *const nv12[3] = { y, uv, NULL };
	uint8_t *const i420[3] = { y, u, v };
	uint8_t *const no_v[3] = { y, u, NULL };
	const size_t s_nv12[3] = { 4, 4, 0 }, s_i420[3] = { 4, 2, 2 };
	const size_t s_short_y[3] = { 3, 4, 0 }, s_short_uv[3] = { 4, 3, 0 }, s_short_v[3] = { 4, 2, 1 };

	(void)state;
	fill(src, 8);
	memset(y, 0x77, sizeof(y));
	memset(uv, 0x77, sizeof(uv));
	/* odd or zero sizes */
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 3, 4, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 3, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 0, 4, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 0, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	/* a source row shorter than the width, a source shorter than its rows */
	assert_int_equal(tc_yuyv_to_420(src, 7, 32, 4, 4, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 31, 4, 4, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, SIZE_MAX / 2, SIZE_MAX, 4, 4, TC_PIXFMT_NV12, nv12, s_nv12),
			 -EINVAL);
	/* output strides too small, a plane missing, an unknown format */
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, TC_PIXFMT_NV12, nv12, s_short_y), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, TC_PIXFMT_NV12, nv12, s_short_uv), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, TC_PIXFMT_YUV420, i420, s_short_v), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, TC_PIXFMT_YUV420, no_v, s_i420), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(NULL, 8, 32, 4, 4, TC_PIXFMT_NV12, nv12, s_nv12), -EINVAL);
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, (enum tc_pixfmt)7, nv12, s_nv12), -EINVAL);
	for (unsigned i = 0; i < sizeof(y); i++)
		assert_int_equal(y[i], 0x77);
	for (unsigned i = 0; i < sizeof(uv); i++)
		assert_int_equal(uv[i], 0x77);
	/* and the same call with the right arguments works */
	assert_int_equal(tc_yuyv_to_420(src, 8, 32, 4, 4, TC_PIXFMT_NV12, nv12, s_nv12), 0);
	assert_memory_equal(y, want_y, 16);
}

/* NV12 and YUV420 of one frame hold the same samples. */
static void
test_nv12_and_yuv420_agree(void **state)
{
	enum { W = 64, H = 48 };
	static uint8_t src[W * 2 * H], y1[W * H], y2[W * H], uv[W * H / 2], u[W * H / 4], v[W * H / 4];
	uint8_t *const nv12[3] = { y1, uv, NULL };
	uint8_t *const i420[3] = { y2, u, v };
	const size_t s_nv12[3] = { W, W, 0 }, s_i420[3] = { W, W / 2, W / 2 };
	uint32_t h = 1;

	(void)state;
	for (size_t i = 0; i < sizeof(src); i++) {
		h = h * 1664525u + 1013904223u;
		src[i] = (uint8_t)(h >> 24);
	}
	assert_int_equal(tc_yuyv_to_420(src, 2 * W, sizeof(src), W, H, TC_PIXFMT_NV12, nv12, s_nv12), 0);
	assert_int_equal(tc_yuyv_to_420(src, 2 * W, sizeof(src), W, H, TC_PIXFMT_YUV420, i420, s_i420), 0);
	assert_memory_equal(y1, y2, sizeof(y1));
	for (size_t i = 0; i < sizeof(u); i++) {
		assert_int_equal(uv[2 * i], u[i]);
		assert_int_equal(uv[2 * i + 1], v[i]);
	}
	/* every luma sample is the source's, in order */
	for (size_t i = 0; i < (size_t)W * H; i++)
		assert_int_equal(y1[i], src[2 * i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nv12_exact),
		cmocka_unit_test(test_yuv420_exact_with_strides),
		cmocka_unit_test(test_rounding_extremes),
		cmocka_unit_test(test_refused_and_nothing_written),
		cmocka_unit_test(test_nv12_and_yuv420_agree),
	};

	return cmocka_run_group_tests_name("camera_yuyv", tests, NULL, NULL);
}
