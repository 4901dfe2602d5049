/*
 * test_camera_libcamera.c - drivers/camera: the libcamera backend where
 * there may be no camera.  Listing and opening go through libcamera's
 * real CameraManager and must print nothing on stderr; with no video
 * device on the machine, no libcamera camera is listed.  Where a frame's
 * planes lie in a libcamera buffer is checked without a camera.  Built without
 * CONFIG_CAMERA_LIBCAMERA, the backend must simply be absent.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "autoconf.h"
#include "tc_camera.h"
#ifdef CONFIG_CAMERA_LIBCAMERA
#include "libcamera_shim.h"
#endif

/* Where stderr goes while a call runs: a pipe that never blocks the writer. */
struct capture {
	int saved;
	int rd;
};

static void
capture_start(struct capture *c)
{
	int p[2];

	fflush(stderr);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	c->saved = dup(STDERR_FILENO);
	assert_true(c->saved >= 0);
	assert_true(dup2(p[1], STDERR_FILENO) >= 0);
	close(p[1]);
	c->rd = p[0];
}

/* Restore stderr; returns how many bytes were written to it meanwhile. */
static size_t
capture_stop(struct capture *c, char *text, size_t cap)
{
	size_t got = 0;
	ssize_t r;

	fflush(stderr);
	assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
	close(c->saved);
	while ((r = read(c->rd, text + got, cap - 1 - got)) > 0)
		got += (size_t)r;
	text[got] = '\0';
	close(c->rd);
	return got;
}

static size_t
count_backend(const struct tc_camera_info *info, size_t n, const char *backend)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += strcmp(info[i].backend, backend) == 0;
	return k;
}

/* Whether the machine has any V4L2 or media-controller node at all. */
static int
has_video_nodes(void)
{
	glob_t g;
	int found;

	memset(&g, 0, sizeof(g));
	found = glob("/dev/video*", 0, NULL, &g) == 0;
	globfree(&g);
	memset(&g, 0, sizeof(g));
	found |= glob("/dev/media*", 0, NULL, &g) == 0;
	globfree(&g);
	return found;
}

#ifdef CONFIG_CAMERA_LIBCAMERA

static int
setup(void **state)
{
	(void)state;
	/* The shim lets libcamera log when these ask for it; this test asks for quiet. */
	unsetenv("LIBCAMERA_LOG_LEVELS");
	unsetenv("LIBCAMERA_LOG_FILE");
	return 0;
}

static void
test_list_is_quiet_and_finds_no_camera_without_hardware(void **state)
{
	struct tc_camera_info info[16];
	struct capture cap;
	char text[4096];
	size_t n = 0, lc, i, noise;
	int round;

	(void)state;
	/* Twice: the process's one CameraManager is made and destroyed each time. */
	for (round = 0; round < 2; round++) {
		capture_start(&cap);
		assert_int_equal(tc_camera_list(info, 16, &n), 0);
		noise = capture_stop(&cap, text, sizeof(text));
		if (noise)
			fail_msg("listing cameras wrote to stderr: \"%s\"", text);
		lc = count_backend(info, n < 16 ? n : 16, "libcamera");
		if (!has_video_nodes())
			assert_int_equal(lc, 0);
		for (i = 0; i < n && i < 16; i++) {
			if (strcmp(info[i].backend, "libcamera") != 0)
				continue;
			assert_memory_equal(info[i].id, "libcamera:", 10);
			assert_true(info[i].nmodes >= 1);
		}
	}
#ifdef CONFIG_CAMERA_SYNTHETIC
	/* libcamera's empty answer does not hide the other backend. */
	assert_int_equal(count_backend(info, n < 16 ? n : 16, "synthetic"), 1);
#endif
}

static void
test_open_unknown_camera_is_quiet(void **state)
{
	struct tc_camera *cam = NULL;
	struct capture cap;
	char text[4096];
	size_t noise;

	(void)state;
	capture_start(&cap);
	assert_int_equal(tc_camera_open(&cam, "libcamera:/base/no/such/camera"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, "libcamera:"), -ENODEV);
	noise = capture_stop(&cap, text, sizeof(text));
	assert_null(cam);
	if (noise)
		fail_msg("opening an unknown camera wrote to stderr: \"%s\"", text);
}

/*
 * Where the planes of a libcamera buffer land: contiguous in one dmabuf
 * (the usual case, with the ISP's padded stride), or one dmabuf per plane.
 */
static void
test_plane_layout(void **state)
{
	static uint8_t buf[4096 * 64 * 3 / 2 + 16];
	const uint8_t *base[3] = { buf, NULL, NULL }, *plane[3];
	size_t len[3] = { 4096 * 64 * 3 / 2, 0, 0 }, plen[3];
	const size_t nv_stride[3] = { 4096, 4096, 0 }, yuv_stride[3] = { 4096, 2048, 2048 };

	(void)state;
	/* NV12 in one buffer: UV right after Y */
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_NV12, 64, nv_stride, base, len, 1, plane, plen), 0);
	assert_ptr_equal(plane[0], buf);
	assert_ptr_equal(plane[1], buf + 4096 * 64);
	assert_null(plane[2]);
	assert_int_equal(plen[0], 4096 * 64);
	assert_int_equal(plen[1], 4096 * 32);
	assert_int_equal(plen[2], 0);

	/* YUV420 in one buffer: U then V */
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_YUV420, 64, yuv_stride, base, len, 1, plane, plen), 0);
	assert_ptr_equal(plane[1], buf + 4096 * 64);
	assert_ptr_equal(plane[2], buf + 4096 * 64 + 2048 * 32);
	assert_int_equal(plen[2], 2048 * 32);

	/* one byte short */
	len[0] = 4096 * 64 * 3 / 2 - 1;
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_NV12, 64, nv_stride, base, len, 1, plane, plen), -EIO);
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_YUV420, 64, yuv_stride, base, len, 1, plane, plen), -EIO);

	/* one buffer per plane */
	base[1] = buf + 300000;
	base[2] = buf + 350000;
	len[0] = 4096 * 64;
	len[1] = len[2] = 2048 * 32;
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_YUV420, 64, yuv_stride, base, len, 3, plane, plen), 0);
	assert_ptr_equal(plane[1], buf + 300000);
	assert_ptr_equal(plane[2], buf + 350000);
	len[2]--;
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_YUV420, 64, yuv_stride, base, len, 3, plane, plen), -EIO);
	/* plane counts that do not fit the format */
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_YUV420, 64, yuv_stride, base, len, 2, plane, plen), -EIO);
	assert_int_equal(tc_lcshim_layout(TC_PIXFMT_NV12, 64, nv_stride, base, len, 3, plane, plen), -EIO);
	assert_null(plane[0]); /* nothing half-filled on failure */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_list_is_quiet_and_finds_no_camera_without_hardware, setup),
		cmocka_unit_test_setup(test_open_unknown_camera_is_quiet, setup),
		cmocka_unit_test(test_plane_layout),
	};

	return cmocka_run_group_tests_name("camera_libcamera", tests, NULL, NULL);
}

#else /* !CONFIG_CAMERA_LIBCAMERA */

static void
test_no_libcamera_backend(void **state)
{
	struct tc_camera_info info[16];
	struct tc_camera *cam = NULL;
	struct capture cap;
	char text[4096];
	size_t n = 0;

	(void)state;
	(void)has_video_nodes;
	capture_start(&cap);
	assert_int_equal(tc_camera_list(info, 16, &n), 0);
	assert_int_equal(capture_stop(&cap, text, sizeof(text)), 0);
	assert_int_equal(count_backend(info, n < 16 ? n : 16, "libcamera"), 0);
	assert_int_equal(tc_camera_open(&cam, "libcamera:anything"), -ENODEV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_libcamera_backend),
	};

	return cmocka_run_group_tests_name("camera_libcamera", tests, NULL, NULL);
}

#endif /* CONFIG_CAMERA_LIBCAMERA */
