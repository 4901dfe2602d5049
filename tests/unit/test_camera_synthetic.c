/*
 * test_camera_synthetic.c - drivers/camera: the camera interface through
 * the synthetic sensor.  Listing, the lifecycle in every mode and format,
 * refused modes and out-of-order calls, the buffer pool (-EBUSY when all
 * frames are on loan), release of frames that are not on loan, frames
 * that equal tc_synth_render() for their seed and seq, frames rendered
 * ahead dropped on a stop or a seed change without losing a number, and
 * allocation failures.  Streaming itself: test_camera_stream.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "autoconf.h"
#include "tc_camera.h"
#include "tc_fault.h"
#include "tc_synth.h"

#ifdef CONFIG_CAMERA_SYNTHETIC

/* A bounded wait for a frame: generous, for sanitizer builds on a loaded machine. */
#define WAIT_MS 20000

static const struct tc_camera_mode modes[] = {
	{ 4056, 3040 }, { 4608, 2592 }, { 1920, 1080 },
};

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return 0;
}

/* Whether frame holds exactly what tc_synth_render makes for its seq. */
static void
assert_frame_is_render(const struct tc_frame *fr, uint64_t seed)
{
	size_t stride[3], len[3];
	unsigned np, p;
	uint8_t *buf[3] = { NULL, NULL, NULL };
	uint32_t rows[3] = { fr->height, fr->height / 2, fr->height / 2 };

	assert_int_equal(tc_pixfmt_layout(fr->fmt, fr->width, fr->height, stride, len, &np), 0);
	assert_int_equal(np, fr->nplanes);
	for (p = 0; p < np; p++) {
		buf[p] = malloc(len[p]);
		assert_non_null(buf[p]);
	}
	assert_int_equal(tc_synth_render(seed, fr->seq, fr->width, fr->height, fr->fmt, buf, stride), 0);
	for (p = 0; p < np; p++) {
		for (uint32_t r = 0; r < rows[p]; r++)
			if (memcmp(fr->plane[p] + r * fr->stride[p], buf[p] + r * stride[p], stride[p]) != 0)
				fail_msg("plane %u row %u differs from tc_synth_render(seed %llu, frame %llu)",
					 p, r, (unsigned long long)seed, (unsigned long long)fr->seq);
		free(buf[p]);
	}
}

static void
test_list_has_synthetic_with_three_modes(void **state)
{
	struct tc_camera_info info[8];
	size_t n = 0, i, m, k, found = 0;

	(void)state;
	assert_int_equal(tc_camera_list(info, 8, &n), 0);
	assert_true(n >= 1);
	for (i = 0; i < n && i < 8; i++) {
		if (strcmp(info[i].backend, "synthetic") != 0)
			continue;
		found++;
		assert_string_equal(info[i].id, "synthetic:0");
		assert_true(info[i].model[0] != '\0');
		assert_int_equal(info[i].nmodes, 3);
		for (k = 0; k < 3; k++) {
			int seen = 0;

			for (m = 0; m < info[i].nmodes; m++)
				seen |= info[i].modes[m].width == modes[k].width &&
					info[i].modes[m].height == modes[k].height;
			if (!seen)
				fail_msg("synthetic camera lacks mode %ux%u", modes[k].width, modes[k].height);
		}
		/* largest first, so "the first mode" is the full sensor */
		for (m = 1; m < info[i].nmodes; m++)
			assert_true((uint64_t)info[i].modes[m - 1].width * info[i].modes[m - 1].height >=
				    (uint64_t)info[i].modes[m].width * info[i].modes[m].height);
	}
	assert_int_equal(found, 1);

	/* Counting only: nothing written, the same count. */
	{
		size_t n0 = 99;

		assert_int_equal(tc_camera_list(NULL, 0, &n0), 0);
		assert_int_equal(n0, n);
	}
	assert_int_equal(tc_camera_list(NULL, 4, &n), -EINVAL);
	assert_int_equal(tc_camera_list(info, 8, NULL), -EINVAL);
}

static void
lifecycle(uint32_t w, uint32_t h, enum tc_pixfmt fmt)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr;
	size_t stride[3], len[3];
	unsigned np, p;

	assert_int_equal(tc_camera_open(&cam, "synthetic:3"), 0);
	assert_non_null(cam);
	assert_string_equal(tc_camera_backend(cam), "synthetic");
	assert_int_equal(tc_camera_configure(cam, w, h, fmt), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);

	assert_int_equal(fr.width, w);
	assert_int_equal(fr.height, h);
	assert_int_equal(fr.fmt, fmt);
	assert_int_equal(fr.seq, 0);
	assert_int_equal(fr.nplanes, fmt == TC_PIXFMT_NV12 ? 2 : 3);
	assert_int_equal(tc_pixfmt_layout(fmt, w, h, stride, len, &np), 0);
	for (p = 0; p < fr.nplanes; p++) {
		assert_non_null(fr.plane[p]);
		assert_int_equal(fr.stride[p], stride[p]);
		assert_int_equal(fr.plane_len[p], len[p]);
	}
	assert_frame_is_render(&fr, 3);

	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_null(fr.plane[0]);
	assert_int_equal(tc_camera_stop(cam), 0);
	tc_camera_close(cam);
}

static void
test_lifecycle_every_mode_and_format(void **state)
{
	size_t m;

	(void)state;
	for (m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		lifecycle(modes[m].width, modes[m].height, TC_PIXFMT_NV12);
		lifecycle(modes[m].width, modes[m].height, TC_PIXFMT_YUV420);
	}
}

static void
test_invalid_mode_or_format(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:0"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1088, TC_PIXFMT_NV12), -EINVAL);
	assert_int_equal(tc_camera_configure(cam, 1080, 1920, TC_PIXFMT_NV12), -EINVAL);
	assert_int_equal(tc_camera_configure(cam, 0, 0, TC_PIXFMT_NV12), -EINVAL);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, (enum tc_pixfmt)7), -EINVAL);
	/* still unconfigured: cannot start */
	assert_int_equal(tc_camera_start(cam), -EBADFD);

	/* A refused reconfigure keeps the mode that was there. */
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), 0);
	assert_int_equal(tc_camera_configure(cam, 640, 480, TC_PIXFMT_YUV420), -EINVAL);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.width, 1920);
	assert_int_equal(fr.fmt, TC_PIXFMT_YUV420);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	tc_camera_close(cam);
}

static void
test_calls_out_of_order(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:0"), 0);
	assert_int_equal(tc_camera_take(cam, &fr, 0), -EBADFD);
	assert_int_equal(tc_camera_start(cam), -EBADFD);
	assert_int_equal(tc_camera_stop(cam), -EBADFD);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_take(cam, &fr, 0), -EBADFD);
	assert_int_equal(tc_camera_stop(cam), -EBADFD);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_start(cam), -EBADFD);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), -EBADFD);
	assert_int_equal(tc_camera_stop(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, 0), -EBADFD);
	/* and round again after a stop */
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	tc_camera_close(cam);
	tc_camera_close(NULL);
}

static void
test_take_with_every_buffer_on_loan_is_busy(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr[TC_CAMERA_MAX_BUFFERS + 1], extra;
	unsigned n = 0, i, j;
	int rc;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:1"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	while ((rc = tc_camera_take(cam, &fr[n], WAIT_MS)) == 0) {
		assert_int_equal(fr[n].seq, n);
		n++;
		assert_true(n <= TC_CAMERA_MAX_BUFFERS);
	}
	assert_int_equal(rc, -EBUSY);
	assert_true(n >= 2); /* a burst needs at least double buffering */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_ptr_not_equal(fr[i].plane[0], fr[j].plane[0]);
	/* Still busy until something comes back; frames on loan are intact. */
	assert_int_equal(tc_camera_take(cam, &extra, 100), -EBUSY);
	assert_frame_is_render(&fr[0], 1);

	assert_int_equal(tc_camera_release(cam, &fr[1]), 0);
	assert_int_equal(tc_camera_take(cam, &extra, WAIT_MS), 0);
	assert_int_equal(extra.seq, n); /* a -EBUSY take consumes no frame number */
	assert_frame_is_render(&extra, 1);
	assert_int_equal(tc_camera_release(cam, &extra), 0);
	for (i = 0; i < n; i++)
		if (i != 1)
			assert_int_equal(tc_camera_release(cam, &fr[i]), 0);
	tc_camera_close(cam);
}

static void
test_release_of_frame_not_on_loan_is_refused(void **state)
{
	struct tc_camera *a = NULL, *b = NULL;
	struct tc_frame fa, fb, copy, forged;
	int tries;

	(void)state;
	assert_int_equal(tc_camera_open(&a, "synthetic:1"), 0);
	assert_int_equal(tc_camera_open(&b, "synthetic:2"), 0);
	assert_int_equal(tc_camera_configure(a, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_configure(b, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(a), 0);
	assert_int_equal(tc_camera_start(b), 0);
	assert_int_equal(tc_camera_take(a, &fa, WAIT_MS), 0);
	assert_int_equal(tc_camera_take(b, &fb, WAIT_MS), 0);

	/* a frame of another camera */
	assert_int_equal(tc_camera_release(a, &fb), -EINVAL);
	assert_int_equal(tc_camera_release(b, &fa), -EINVAL);
	assert_non_null(fa.plane[0]); /* a refused release leaves the frame alone */

	/* forged: zeroed, or a copy with another slot or loan number */
	memset(&forged, 0, sizeof(forged));
	assert_int_equal(tc_camera_release(a, &forged), -EINVAL);
	forged = fa;
	forged.slot_ = fa.slot_ + 1;
	assert_int_equal(tc_camera_release(a, &forged), -EINVAL);
	forged = fa;
	forged.slot_ = 1000;
	assert_int_equal(tc_camera_release(a, &forged), -EINVAL);
	forged = fa;
	forged.loan_ ^= 0x5555;
	assert_int_equal(tc_camera_release(a, &forged), -EINVAL);
	assert_int_equal(tc_camera_release(a, NULL), -EINVAL);

	/* released twice, or a stale copy after the slot was lent again */
	copy = fa;
	assert_int_equal(tc_camera_release(a, &fa), 0);
	assert_int_equal(tc_camera_release(a, &fa), -EINVAL);
	assert_int_equal(tc_camera_release(a, &copy), -EINVAL);
	/* Frames are rendered ahead into the other buffer: take until it comes round. */
	for (tries = 0; tries < 8; tries++) {
		assert_int_equal(tc_camera_take(a, &fa, WAIT_MS), 0);
		if (fa.slot_ == copy.slot_)
			break;
		assert_int_equal(tc_camera_release(a, &fa), 0);
	}
	assert_int_equal(fa.slot_, copy.slot_); /* the same buffer, lent again */
	assert_int_equal(tc_camera_release(a, &copy), -EINVAL);
	assert_int_equal(tc_camera_release(a, &fa), 0);

	assert_int_equal(tc_camera_release(b, &fb), 0);
	tc_camera_close(a);
	tc_camera_close(b);
}

static void
test_frames_on_loan_survive_stop(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:4"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(tc_camera_stop(cam), 0);
	assert_frame_is_render(&fr, 4);
	/* no new mode while a buffer of the old one is out */
	assert_int_equal(tc_camera_configure(cam, 4056, 3040, TC_PIXFMT_YUV420), -EBUSY);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 1); /* numbering runs on across stop and reconfigure */
	assert_frame_is_render(&fr, 4);
	/* Closing with a frame on loan frees it too (ASan checks the leak). */
	tc_camera_close(cam);
}

static void
test_seed_from_id_and_setter(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr, f2;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:18446744073709551615"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_frame_is_render(&fr, UINT64_MAX);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	/* Frame 1 is rendering or rendered with the old seed: it must be dropped. */
	assert_int_equal(tc_camera_synthetic_seed(cam, 5), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 1);
	assert_frame_is_render(&fr, 5);

	/* Again with the whole pool rendered ahead: hold one, take the other. */
	assert_int_equal(tc_camera_take(cam, &f2, WAIT_MS), 0);
	assert_int_equal(f2.seq, 2);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_release(cam, &f2), 0);
	assert_int_equal(tc_camera_synthetic_seed(cam, 6), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 3);
	assert_frame_is_render(&fr, 6);
	assert_int_equal(tc_camera_take(cam, &f2, WAIT_MS), 0);
	assert_int_equal(f2.seq, 4);
	assert_frame_is_render(&f2, 6);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_release(cam, &f2), 0);

	/* Stopped, or not configured yet: the seed waits for the next frames. */
	assert_int_equal(tc_camera_stop(cam), 0);
	assert_int_equal(tc_camera_synthetic_seed(cam, 7), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 5);
	assert_frame_is_render(&fr, 7);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	tc_camera_close(cam);
	assert_int_equal(tc_camera_open(&cam, "synthetic:1"), 0);
	assert_int_equal(tc_camera_synthetic_seed(cam, 8), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_frame_is_render(&fr, 8);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	tc_camera_close(cam);
	assert_int_equal(tc_camera_synthetic_seed(NULL, 5), -EINVAL);
}

static void
test_open_unknown_ids(void **state)
{
	struct tc_camera *cam = (struct tc_camera *)&cam;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:abc"), -ENODEV);
	assert_null(cam);
	assert_int_equal(tc_camera_open(&cam, "synthetic:"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, "synthetic:-1"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, "synthetic"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, "synth:0"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, ":0"), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, ""), -ENODEV);
	assert_int_equal(tc_camera_open(&cam, NULL), -EINVAL);
	assert_int_equal(tc_camera_open(NULL, "synthetic:0"), -EINVAL);
}

/*
 * Every allocation of open and configure can fail cleanly; once
 * configured, nothing allocates: start and take never fail for memory
 * (the render thread has everything it needs from configure).
 */
static void
test_allocation_failures(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr;
	unsigned long nth;
	int rc;

	(void)state;
	for (nth = 1;; nth++) {
		tc_fault_arm(TC_FAULT_ALLOC, nth, ENOMEM, true);
		/* a seed no other test uses: its scene is built, not found in the cache */
		rc = tc_camera_open(&cam, "synthetic:31337");
		if (rc == 0) {
			rc = tc_camera_configure(cam, 4608, 2592, TC_PIXFMT_NV12);
			if (rc == 0) {
				/* configured means the whole pool is there */
				assert_int_equal(tc_camera_start(cam), 0);
				assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
				assert_int_equal(tc_camera_release(cam, &fr), 0);
				assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
				assert_int_equal(fr.seq, 1);
				tc_fault_disarm_all();
				assert_frame_is_render(&fr, 31337);
				assert_int_equal(tc_camera_release(cam, &fr), 0);
				tc_camera_close(cam);
				break;
			}
			assert_int_equal(rc, -ENOMEM);
			/* a failed configure leaves the camera unconfigured */
			assert_int_equal(tc_camera_start(cam), -EBADFD);
			tc_camera_close(cam);
		} else {
			assert_int_equal(rc, -ENOMEM);
			assert_null(cam);
		}
		tc_fault_disarm_all();
		assert_true(nth < 50);
	}
	/* open, two buffers, the scene's three blocks and the scratch were all hit */
	assert_true(nth > 6);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_list_has_synthetic_with_three_modes, setup),
		cmocka_unit_test_setup(test_lifecycle_every_mode_and_format, setup),
		cmocka_unit_test_setup(test_invalid_mode_or_format, setup),
		cmocka_unit_test_setup(test_calls_out_of_order, setup),
		cmocka_unit_test_setup(test_take_with_every_buffer_on_loan_is_busy, setup),
		cmocka_unit_test_setup(test_release_of_frame_not_on_loan_is_refused, setup),
		cmocka_unit_test_setup(test_frames_on_loan_survive_stop, setup),
		cmocka_unit_test_setup(test_seed_from_id_and_setter, setup),
		cmocka_unit_test_setup(test_open_unknown_ids, setup),
		cmocka_unit_test_setup(test_allocation_failures, setup),
	};

	return cmocka_run_group_tests_name("camera_synthetic", tests, NULL, NULL);
}

#else /* !CONFIG_CAMERA_SYNTHETIC */

/* Built without the synthetic sensor: it must not be listed or opened. */
static void
test_no_synthetic_camera(void **state)
{
	struct tc_camera_info info[8];
	struct tc_camera *cam = NULL;
	size_t n = 0, i;

	(void)state;
	assert_int_equal(tc_camera_list(info, 8, &n), 0);
	for (i = 0; i < n && i < 8; i++)
		assert_string_not_equal(info[i].backend, "synthetic");
	assert_int_equal(tc_camera_open(&cam, "synthetic:0"), -ENODEV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_synthetic_camera),
	};

	return cmocka_run_group_tests_name("camera_synthetic", tests, NULL, NULL);
}

#endif /* CONFIG_CAMERA_SYNTHETIC */
