/*
 * test_store_faults.c - firmware/store: ENOSPC and EIO on the Nth write
 * and the Nth fsync, and ENOMEM on the Nth allocation, for every N that
 * a commit or a secure delete reaches (SQLite's own writes, syncs and
 * allocations included, through the catalog's fault VFS and a fault
 * allocator installed first thing in main()).
 *
 * After each failure: the call returned exactly the injected error, the
 * store reopens, catalog and files agree, committed photos still decrypt,
 * and the store still accepts a new photo.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define PHOTO_LEN (150 * 1024)
#define MAX_N 5000

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

struct fault {
	enum tc_fault_site site;
	int err;
	const char *name;
};

static struct sfx fx;
static uint8_t *jpeg;
static uint8_t kept[4][TC_PHOTO_ID_LEN];
static unsigned kept_seed[4];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	if (sfx_init(&fx, "fault") != 0 || sfx_open(&fx) != 0)
		return -1;
	/* Two photos that every failure must leave intact. */
	for (int i = 0; i < 2; i++) {
		kept_seed[i] = 10 + (unsigned)i;
		if (sfx_capture(&fx, PHOTO_LEN, kept_seed[i], kept[i]) != 0)
			return -1;
	}
	return sfx_receipt(&fx, kept[1]);
}

static int
teardown(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	sfx_close(&fx);
	return 0;
}

static void
reopen_and_check(void)
{
	char why[256];

	sfx_close(&fx);
	expect_rc(sfx_open(&fx), 0, "reopen after a fault");
	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("store inconsistent after a fault: %s", why);
	for (int i = 0; i < 2; i++)
		expect_rc(sfx_check_photo(&fx, kept[i], PHOTO_LEN, kept_seed[i]), 0,
			  "committed photo intact");
}

/* The photo was sealed from jpeg (made from seed before arming the fault). */
static int
capture(unsigned seed, uint8_t id[TC_PHOTO_ID_LEN])
{
	(void)seed;
	return sfx_capture_meta(&fx, jpeg, PHOTO_LEN, NULL, id);
}

static void
test_fault_during_commit(void **state)
{
	const struct fault *f = *state;
	uint8_t id[TC_PHOTO_ID_LEN];
	struct tc_store_stats st;
	int failures = 0, done = 0, rc;
	unsigned long n;

	for (n = 1; !done && n < MAX_N; n++) {
		unsigned seed = 100 + (unsigned)n;

		sfx_make_jpeg(jpeg, PHOTO_LEN, seed);
		tc_fault_arm(f->site, n, f->err, false);
		rc = capture(seed, id);
		done = tc_fault_count(f->site) < n;	/* the fault never came: all steps seen */
		tc_fault_disarm_all();
		if (rc != 0) {
			if (rc != -f->err)
				fail_msg("%s at call %lu: expected %s, got %d (%s)", f->name, n,
					 tc_strerror(-f->err), rc, tc_strerror(rc));
			failures++;
		}
		reopen_and_check();
		expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
		/* A failed commit leaves no photo; a successful one is whole. */
		if (rc != 0) {
			assert_int_equal(st.used_photos, 2);
		} else {
			assert_int_equal(st.used_photos, 3);
			expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, seed), 0, "new photo");
			expect_rc(tc_store_discard(fx.s, id, "staff:S1"), 0, "make room");
		}
	}
	assert_true(done);
	print_message("%s: %d failing calls during commit\n", f->name, failures);
	assert_true(failures >= (f->site == TC_FAULT_RENAME ? 1 : 2));
	/* Still accepts new photos. */
	sfx_make_jpeg(jpeg, PHOTO_LEN, 7);
	expect_rc(capture(7, id), 0, "capture after the faults");
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 7), 0, "new photo after the faults");
}

static void
test_fault_during_delete(void **state)
{
	const struct fault *f = *state;
	uint8_t id[TC_PHOTO_ID_LEN], wraps[1024];
	int failures = 0, done = 0, rc;
	struct tc_store_rec r;
	unsigned long n;
	size_t wlen;

	for (n = 1; !done && n < MAX_N; n++) {
		sfx_make_jpeg(jpeg, PHOTO_LEN, 300 + (unsigned)n);
		expect_rc(capture(0, id), 0, "capture");
		expect_rc(sfx_receipt(&fx, id), 0, "receipt");
		expect_rc(sfx_read_wraps(&fx, id, wraps, sizeof(wraps), &wlen), 0, "wraps");
		tc_fault_arm(f->site, n, f->err, false);
		rc = tc_store_secure_delete(fx.s, id);
		done = tc_fault_count(f->site) < n;
		tc_fault_disarm_all();
		if (rc != 0) {
			if (rc != -f->err)
				fail_msg("%s at call %lu: expected %s, got %d (%s)", f->name, n,
					 tc_strerror(-f->err), rc, tc_strerror(rc));
			failures++;
		}
		reopen_and_check();
		expect_rc(tc_store_get(fx.s, id, &r), 0, "row");
		/* Failed before the intent: still receipted, and a retry works. */
		if (r.state == TC_PHOTO_RECEIPTED) {
			assert_true(rc != 0);
			expect_rc(tc_store_secure_delete(fx.s, id), 0, "retry");
			expect_rc(tc_store_get(fx.s, id, &r), 0, "row");
		}
		assert_int_equal(r.state, TC_PHOTO_DELETED);
		if (sfx_grep_tree(fx.store_dir, wraps, wlen) != 0)
			fail_msg("%s at call %lu: key-wrap bytes survive", f->name, n);
	}
	assert_true(done);
	print_message("%s: %d failing calls during delete\n", f->name, failures);
	assert_true(failures >= 2);
	sfx_make_jpeg(jpeg, PHOTO_LEN, 8);
	expect_rc(capture(8, id), 0, "capture after the faults");
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 8), 0, "new photo after the faults");
}

static const struct fault write_enospc = { TC_FAULT_WRITE, ENOSPC, "write ENOSPC" };
static const struct fault write_eio = { TC_FAULT_WRITE, EIO, "write EIO" };
static const struct fault fsync_enospc = { TC_FAULT_FSYNC, ENOSPC, "fsync ENOSPC" };
static const struct fault fsync_eio = { TC_FAULT_FSYNC, EIO, "fsync EIO" };
static const struct fault alloc_enomem = { TC_FAULT_ALLOC, ENOMEM, "alloc ENOMEM" };
static const struct fault rename_eio = { TC_FAULT_RENAME, EIO, "rename EIO" };

#define BOTH(f) \
	cmocka_unit_test_prestate_setup_teardown(test_fault_during_commit, setup, teardown, \
						 (void *)&(f)), \
	cmocka_unit_test_prestate_setup_teardown(test_fault_during_delete, setup, teardown, \
						 (void *)&(f))

int
main(void)
{
	const struct CMUnitTest tests[] = {
		BOTH(write_enospc), BOTH(write_eio), BOTH(fsync_enospc), BOTH(fsync_eio),
		BOTH(alloc_enomem),
		cmocka_unit_test_prestate_setup_teardown(test_fault_during_commit, setup, teardown,
							 (void *)&rename_eio),
	};
	int rc;

	/* Before SQLite initialises: its allocations then pass the ALLOC site too. */
	if (sfx_sqlite_fault_malloc() != 0)
		return 2;
	if (!(jpeg = tc_secure_alloc(PHOTO_LEN)))
		return 2;
	rc = cmocka_run_group_tests_name("store_faults", tests, NULL, NULL);
	tc_secure_free(jpeg);
	return rc;
}
