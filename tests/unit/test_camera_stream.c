/*
 * test_camera_stream.c - drivers/camera: the synthetic sensor streams.
 * A render thread fills free buffers ahead of take, like a sensor's DMA:
 * frames arrive in seq order whatever the caller holds, a just-started
 * camera has a frame ready, take times out on the monotonic clock and
 * consumes no number when it does, stop and close are clean while a frame
 * renders (ASan, and TSan by hand), and the render thread takes no signal
 * and runs at a lower priority.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <cmocka.h>

#include "autoconf.h"
#include "tc_camera.h"
#include "tc_fault.h"
#include "tc_synth.h"

#ifdef CONFIG_CAMERA_SYNTHETIC

/* A bounded wait for a frame: generous, for sanitizer builds on a loaded machine. */
#define WAIT_MS 20000

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

/*
 * Streaming: frames come in seq order whatever the caller holds, each the
 * render of its seq, with non-decreasing timestamps.
 */
static void
test_frames_stream_in_order(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame held, fr;
	uint64_t seq = 0, last_ts = 0;
	int i;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:6"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_YUV420), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	for (i = 0; i < 12; i++) {
		/* every third round, hold one frame across the next take */
		bool hold = i % 3 == 0;

		assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
		assert_int_equal(fr.seq, seq++);
		assert_true(fr.timestamp_ns >= last_ts);
		last_ts = fr.timestamp_ns;
		if (hold) {
			held = fr;
			assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
			assert_int_equal(fr.seq, seq++);
			assert_frame_is_render(&held, 6);
			assert_int_equal(tc_camera_release(cam, &held), 0);
		}
		assert_frame_is_render(&fr, 6);
		assert_int_equal(tc_camera_release(cam, &fr), 0);
	}
	tc_camera_close(cam);
}

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/*
 * take waits for the next frame at most timeout_ms.  start renders frame 0
 * itself, so it is there at once; the thread starts on frame 1 then, and
 * a 12 MP frame takes milliseconds, so a 1 ms take right after times out
 * (it may win now and then on a fast machine: it has 20 tries), after at
 * least 1 ms, and consumes no frame number.
 */
static void
test_take_times_out(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame first, fr;
	uint64_t seq = 0;
	int i, timeouts = 0, rc;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:2"), 0);
	assert_int_equal(tc_camera_configure(cam, 4056, 3040, TC_PIXFMT_NV12), 0);
	for (i = 0; i < 20 && timeouts == 0; i++) {
		uint64_t t0, took;

		assert_int_equal(tc_camera_start(cam), 0);
		assert_int_equal(tc_camera_take(cam, &first, 0), 0); /* ready: no wait at all */
		assert_int_equal(first.seq, seq++);
		t0 = mono_ns();
		rc = tc_camera_take(cam, &fr, 1);
		took = mono_ns() - t0;
		if (rc == -ETIMEDOUT) {
			timeouts++;
			assert_true(took >= 1000000);
			assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
		} else {
			assert_int_equal(rc, 0);
		}
		assert_int_equal(fr.seq, seq++); /* the timed-out take took no number */
		assert_int_equal(tc_camera_release(cam, &first), 0);
		assert_int_equal(tc_camera_release(cam, &fr), 0);
		assert_int_equal(tc_camera_stop(cam), 0);
	}
	assert_true(timeouts > 0);
	tc_camera_close(cam);
}

/*
 * Stop and close while the thread renders (right after start, or with a
 * buffer just released): no leak, no use after free (ASan), the right
 * frames after a restart.
 */
static void
test_stop_and_close_while_rendering(void **state)
{
	struct tc_camera *cam = NULL;
	struct tc_frame fr, f2, extra;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(tc_camera_open(&cam, "synthetic:9"), 0);
		assert_int_equal(tc_camera_configure(cam, 4056, 3040, TC_PIXFMT_NV12), 0);
		assert_int_equal(tc_camera_start(cam), 0);
		/* frame 0 ready, frame 1 mid-render: both dropped */
		assert_int_equal(tc_camera_stop(cam), 0);
		assert_int_equal(tc_camera_start(cam), 0);
		assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
		assert_int_equal(fr.seq, 0);
		assert_int_equal(tc_camera_release(cam, &fr), 0); /* renders into it again */
		assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
		assert_int_equal(fr.seq, 1);
		if (i == 0)
			assert_frame_is_render(&fr, 9);
		/* close from running, a frame on loan, the other buffer rendering */
		tc_camera_close(cam);
	}
	/* Stopped with every buffer on loan: the restart has none to render into. */
	assert_int_equal(tc_camera_open(&cam, "synthetic:9"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(tc_camera_take(cam, &f2, WAIT_MS), 0);
	assert_int_equal(tc_camera_stop(cam), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	assert_int_equal(tc_camera_take(cam, &extra, 0), -EBUSY);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 2);
	assert_frame_is_render(&fr, 9);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_release(cam, &f2), 0);
	tc_camera_close(cam);
	assert_int_equal(tc_camera_open(&cam, "synthetic:9"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	tc_camera_close(cam); /* never taken from */
}

/* Threads of this process, by id, into tids (at most max); how many. */
static size_t
list_tasks(pid_t *tids, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	size_t n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && n < max)
			tids[n++] = (pid_t)strtol(de->d_name, NULL, 10);
	closedir(d);
	return n;
}

static uint64_t
task_sigblk(pid_t tid)
{
	char path[64], line[128];
	unsigned long long mask = 0;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", (long)tid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &mask) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	assert_true(found);
	return mask;
}

/*
 * The render thread blocks every signal, even when the thread that starts
 * the camera blocks none (photod's signalfd relies on no other thread
 * taking SIGTERM); start leaves its caller's mask alone; the thread runs
 * at nice 10 or lower priority (it must not hold up the encoder); stop
 * ends it.
 */
static void
test_render_thread_takes_no_signal(void **state)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM,
				    SIGTERM, SIGCHLD };
	struct tc_camera *cam = NULL;
	struct tc_frame fr;
	sigset_t none, old, now;
	pid_t before[64], during[64], after[64];
	size_t nb, nd, na, i, j, k, fresh = 0;

	(void)state;
	sigemptyset(&none);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &none, &old), 0);
	nb = list_tasks(before, 64);
	assert_int_equal(tc_camera_open(&cam, "synthetic:0"), 0);
	assert_int_equal(tc_camera_configure(cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(cam), 0);
	/* frame 1 taken: the thread rendered it, so it has set itself up (start rendered 0) */
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	assert_int_equal(tc_camera_take(cam, &fr, WAIT_MS), 0);
	assert_int_equal(fr.seq, 1);
	assert_int_equal(tc_camera_release(cam, &fr), 0);
	nd = list_tasks(during, 64);
	for (i = 0; i < nd; i++) {
		uint64_t blk;
		int prio;

		for (j = 0; j < nb && before[j] != during[i]; j++)
			;
		if (j < nb)
			continue;
		fresh++;
		blk = task_sigblk(during[i]);
		for (k = 0; k < sizeof(sigs) / sizeof(sigs[0]); k++)
			if (!(blk & (UINT64_C(1) << (sigs[k] - 1))))
				fail_msg("render thread %ld does not block signal %d (SigBlk %llx)",
					 (long)during[i], sigs[k], (unsigned long long)blk);
		errno = 0;
		prio = getpriority(PRIO_PROCESS, (id_t)during[i]);
		assert_int_equal(errno, 0);
		if (prio < 10)
			fail_msg("render thread %ld runs at nice %d, expected 10 or more",
				 (long)during[i], prio);
	}
	assert_int_equal(fresh, 1);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, NULL, &now), 0);
	assert_false(sigismember(&now, SIGTERM));
	assert_false(sigismember(&now, SIGINT));

	assert_int_equal(tc_camera_stop(cam), 0);
	na = list_tasks(after, 64);
	assert_int_equal(na, nb);
	tc_camera_close(cam);
	assert_int_equal(pthread_sigmask(SIG_SETMASK, &old, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_frames_stream_in_order, setup),
		cmocka_unit_test_setup(test_take_times_out, setup),
		cmocka_unit_test_setup(test_stop_and_close_while_rendering, setup),
		cmocka_unit_test_setup(test_render_thread_takes_no_signal, setup),
	};

	return cmocka_run_group_tests_name("camera_stream", tests, NULL, NULL);
}

#else /* !CONFIG_CAMERA_SYNTHETIC */

/* Built without the synthetic sensor: there is nothing here to stream. */
static void
test_no_synthetic_camera(void **state)
{
	struct tc_camera *cam = NULL;

	(void)state;
	assert_int_equal(tc_camera_open(&cam, "synthetic:0"), -ENODEV);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_synthetic_camera),
	};

	return cmocka_run_group_tests_name("camera_stream", tests, NULL, NULL);
}

#endif /* CONFIG_CAMERA_SYNTHETIC */
