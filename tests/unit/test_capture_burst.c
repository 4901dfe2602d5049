/*
 * test_capture_burst.c - firmware/capture bursts: each photo's commit on
 * the committer thread while the next one encodes.  Photos are reported
 * (done) in order, only once catalogued, while the next photo is already
 * being written (the overlap); each opens with the Trust's key and holds
 * its own frame; the gate's view of the photo not yet committed
 * (pending); and a fault at any write or fsync of any photo stops the
 * burst with its error, every photo reported stays and nothing else is
 * left.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_audit.h"
#include "tc_camera.h"
#include "tc_capture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "tc_seal.h"
#include "tc_store.h"
#include "store_fixture.h"

#define MAX_PHOTOS 8

struct fixture {
	struct sfx x;			/* store, audit log, Trust and device keys */
	struct tc_capture_settings cs;
	struct tc_camera *cam;
	/* what the done callback saw */
	unsigned ndone;
	struct tc_capture_result done[MAX_PHOTOS];
	int tmp_at_done[MAX_PHOTOS];	/* temporaries in objects/ when it ran */
};

static int
count_files(const char *store_dir, int tmp_only)
{
	char p[700];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/objects", store_dir);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d))) {
		int tmp = strncmp(de->d_name, ".tmp", 4) == 0;

		if (tmp || (!tmp_only && de->d_name[0] != '.'))
			n++;
	}
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sfx_init(&f->x, "burst"), 0);
	assert_int_equal(sfx_open(&f->x), 0);
	f->cs.trust_pub = f->x.trust_pub;
	f->cs.device_mac_key = f->x.mac_key;
	assert_int_equal(tc_camera_open(&f->cam, "synthetic:7"), 0);
	assert_int_equal(tc_camera_configure(f->cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(f->cam), 0);
	tc_fault_disarm_all();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tc_fault_disarm_all();
	tc_camera_close(f->cam);
	sfx_close(&f->x);
	tc_zeroize(&f->x, sizeof(f->x));
	free(f);
	return 0;
}

/*
 * tc_capture_done_fn, on the committer thread: record, and look at
 * objects/ (not the store: the rule).  No cmocka assert here: it would
 * jump out of the wrong thread; the main thread checks what is recorded.
 */
static void
on_done(void *ctx, const struct tc_capture_result *res)
{
	struct fixture *f = ctx;

	if (f->ndone >= MAX_PHOTOS) {
		f->ndone++;
		return;
	}
	f->done[f->ndone] = *res;
	f->tmp_at_done[f->ndone] = count_files(f->x.store_dir, 1);
	f->ndone++;
}

/* One burst photo: take, encode and seal, release.  The burst's result. */
static int
shoot(struct fixture *f, struct tc_capture_burst *b, uint64_t *seq)
{
	struct tc_photo_meta meta;
	struct tc_frame fr;
	int rc;

	assert_int_equal(tc_camera_take(f->cam, &fr, 10000), 0);
	memset(&meta, 0, sizeof(meta));
	tc_strlcpy(meta.staff_id, "S042", sizeof(meta.staff_id));
	meta.capture_time_us = tc_time_wall_us();
	meta.frame_seq = fr.seq;
	meta.width = fr.width;
	meta.height = fr.height;
	if (seq)
		*seq = fr.seq;
	rc = tc_capture_burst_photo(b, &f->cs, &fr, &meta);
	assert_int_equal(tc_camera_release(f->cam, &fr), 0);
	return rc;
}

static void
open_photo(struct fixture *f, const uint8_t id[TC_PHOTO_ID_LEN], struct tc_photo_meta *meta)
{
	uint8_t *obj, *jpeg;
	uint64_t size;
	size_t got, jlen;
	int fd;

	assert_int_equal(tc_store_open_object(f->x.s, id, &fd, &size), 0);
	obj = malloc(size);
	assert_non_null(obj);
	assert_int_equal(tc_read_full(fd, obj, size, &got), 0);
	assert_int_equal(got, size);
	close(fd);
	assert_int_equal(tc_obj_open(obj, size, f->x.trust_priv, meta, &jpeg, &jlen), 0);
	assert_true(jlen > 1000 && jpeg[0] == 0xFF && jpeg[1] == 0xD8);
	tc_secure_free(jpeg);
	free(obj);
}

/*
 * Five photos: reported in order, each catalogued, each opening to its
 * own frame; every report but the last came while the next photo's
 * temporary object was being written (the commit overlapped its encode).
 */
static void
test_burst_in_order_and_overlapped(void **state)
{
	struct fixture *f = *state;
	struct tc_capture_burst *b;
	struct tc_photo_meta back;
	struct tc_store_rec rec;
	uint64_t seq[5], bytes;
	unsigned i, pending;

	assert_int_equal(tc_capture_burst_open(&b, f->x.s, on_done, f), 0);
	tc_capture_burst_pending(b, &pending, &bytes);
	assert_int_equal(pending, 0);
	for (i = 0; i < 5; i++) {
		assert_int_equal(shoot(f, b, &seq[i]), 0);
		/* The photo just sealed waits for the next one's begin, or the flush. */
		assert_int_equal(f->ndone, i);
		tc_capture_burst_pending(b, &pending, &bytes);
		assert_int_equal(pending, 1);
		assert_true(bytes > 1000);
	}
	assert_int_equal(tc_capture_burst_flush(b), 0);
	assert_int_equal(f->ndone, 5);
	tc_capture_burst_pending(b, &pending, &bytes);
	assert_int_equal(pending, 0);
	assert_int_equal(bytes, 0);
	tc_capture_burst_close(b);

	for (i = 0; i < 5; i++) {
		assert_int_equal(tc_store_get(f->x.s, f->done[i].id, &rec), 0);
		assert_int_equal(rec.state, TC_PHOTO_CAPTURED);
		assert_int_equal(rec.size, f->done[i].sealed_size);
		assert_memory_equal(rec.digest, f->done[i].digest, TC_SHA256_LEN);
		assert_true(f->done[i].latency_us > 0);
		open_photo(f, f->done[i].id, &back);
		assert_int_equal(back.frame_seq, seq[i]);	/* in order, its own frame */
		assert_int_equal(f->tmp_at_done[i], i < 4 ? 1 : 0);
	}
	assert_int_equal(count_files(f->x.store_dir, 0), 5);
	assert_int_equal(count_files(f->x.store_dir, 1), 0);
}

/*
 * A write or fsync failing (ENOSPC, EIO) at any call, in any photo of a
 * burst of four: the burst stops with that error; the photos reported are
 * exactly the catalogued ones, each opens, and no other file is left.
 */
static void
test_burst_faults_stop_cleanly(void **state)
{
	struct fixture *f = *state;
	static const struct { enum tc_fault_site site; int err; } faults[] = {
		{ TC_FAULT_WRITE, ENOSPC }, { TC_FAULT_FSYNC, EIO }, { TC_FAULT_FSYNC, ENOSPC },
	};
	struct tc_capture_burst *b;
	struct tc_store_stats st;
	struct tc_photo_meta back;
	uint64_t before, stride;
	unsigned long n;
	unsigned i, k, failed_runs = 0;
	int rc;

	for (k = 0; k < sizeof(faults) / sizeof(faults[0]); k++) {
		/* Writes come in hundreds per photo, fsyncs in a handful. */
		stride = faults[k].site == TC_FAULT_WRITE ? 3 : 1;
		for (n = 1;; n += stride) {
			assert_int_equal(tc_store_stats(f->x.s, &st), 0);
			before = st.count[TC_PHOTO_CAPTURED];
			f->ndone = 0;
			assert_int_equal(tc_capture_burst_open(&b, f->x.s, on_done, f), 0);
			tc_fault_arm(faults[k].site, n, faults[k].err, false);
			rc = 0;
			for (i = 0; i < 4 && rc == 0; i++)
				rc = shoot(f, b, NULL);
			if (rc == 0)
				rc = tc_capture_burst_flush(b);
			tc_capture_burst_close(b);
			tc_fault_disarm_all();
			assert_true(f->ndone <= 4);
			assert_int_equal(tc_store_stats(f->x.s, &st), 0);
			assert_int_equal(st.count[TC_PHOTO_CAPTURED], before + f->ndone);
			assert_int_equal(count_files(f->x.store_dir, 1), 0);
			assert_int_equal(count_files(f->x.store_dir, 0), (int)(before + f->ndone));
			for (i = 0; i < f->ndone; i++)
				open_photo(f, f->done[i].id, &back);
			if (rc == 0) {
				assert_int_equal(f->ndone, 4);	/* past the last such call */
				break;
			}
			/* The errno itself, or the catalog's code for it. */
			assert_true(rc < 0);
			assert_true(f->ndone < 4);
			failed_runs++;
		}
	}
	assert_true(failed_runs > 10);
}

static void
test_burst_bad_args(void **state)
{
	struct fixture *f = *state;
	struct tc_capture_settings cs = f->cs;
	struct tc_capture_burst *b;
	struct tc_photo_meta meta;
	struct tc_frame fr;

	assert_int_equal(tc_capture_burst_open(&b, NULL, on_done, f), -EINVAL);
	assert_int_equal(tc_capture_burst_open(&b, f->x.s, on_done, f), 0);
	memset(&fr, 0, sizeof(fr));
	memset(&meta, 0, sizeof(meta));
	tc_strlcpy(meta.staff_id, "S042", sizeof(meta.staff_id));
	meta.capture_time_us = tc_time_wall_us();
	cs.trust_pub = NULL;
	assert_int_equal(tc_capture_burst_photo(b, &cs, &fr, &meta), -EINVAL);
	assert_int_equal(tc_capture_burst_photo(b, &f->cs, &fr, &meta), -EINVAL);
	assert_int_equal(tc_capture_burst_flush(b), 0);
	tc_capture_burst_close(b);
	assert_int_equal(f->ndone, 0);
	assert_int_equal(count_files(f->x.store_dir, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_burst_in_order_and_overlapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_faults_stop_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst_bad_args, setup, teardown),
	};

	return cmocka_run_group_tests_name("capture_burst", tests, NULL, NULL);
}
