/*
 * test_store_quota.c - firmware/store: the photo-count and byte quotas
 * refuse with TC_E_QUOTA, deleting frees room, a policy may lower the
 * build's limits but never raise them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"

#define PHOTO_LEN (100 * 1024)

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

static struct sfx fx;

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;
}

static void
assert_consistent(void)
{
	char why[256];

	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("store inconsistent: %s", why);
}

static void
test_photo_count_quota(void **state)
{
	uint8_t id[4][TC_PHOTO_ID_LEN], extra[TC_PHOTO_ID_LEN];
	struct tc_store_writer *w;
	struct tc_store_stats st;

	(void)state;
	tc_fault_disarm_all();
	assert_int_equal(sfx_init(&fx, "quota"), 0);
	fx.quota_photos = 3;
	expect_rc(sfx_open(&fx), 0, "open");
	for (int i = 0; i < 3; i++)
		expect_rc(sfx_capture(&fx, PHOTO_LEN, (unsigned)i, id[i]), 0, "capture within quota");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 9, extra), TC_E_QUOTA, "fourth photo");
	expect_rc(tc_store_begin(fx.s, &w), TC_E_QUOTA, "begin refuses at once");
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.used_photos, 3);
	assert_int_equal(st.quota_photos, 3);

	/* Receipted but not deleted still counts... */
	expect_rc(sfx_receipt(&fx, id[0]), 0, "receipt");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 9, extra), TC_E_QUOTA, "receipted still held");
	/* ...deleting frees its place, and so does a discard. */
	expect_rc(tc_store_secure_delete(fx.s, id[0]), 0, "delete");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 10, id[0]), 0, "room after delete");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 11, extra), TC_E_QUOTA, "full again");
	expect_rc(tc_store_discard(fx.s, id[1], "staff:S1"), 0, "discard");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 12, id[1]), 0, "room after discard");
	assert_consistent();
}

static void
test_byte_quota(void **state)
{
	uint8_t a[TC_PHOTO_ID_LEN], b[TC_PHOTO_ID_LEN], c[TC_PHOTO_ID_LEN];
	struct tc_store_rec ra;
	struct tc_store_stats st;

	(void)state;
	tc_fault_disarm_all();
	assert_int_equal(sfx_init(&fx, "quotab"), 0);
	fx.quota_bytes = 250 * 1024;	/* two sealed 100 KiB photos fit, a third does not */
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 1, a), 0, "first");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 2, b), 0, "second");
	/* begin() still has room, but the sink refuses bytes past the quota. */
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 3, c), TC_E_QUOTA, "third overflows");
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	expect_rc(tc_store_get(fx.s, a, &ra), 0, "get");
	assert_int_equal(st.used_photos, 2);
	assert_int_equal(st.used_bytes, 2 * ra.size);
	assert_true(st.used_bytes <= st.quota_bytes);
	assert_consistent();	/* the refused photo left no temporary behind */

	expect_rc(sfx_receipt(&fx, a), 0, "receipt");
	expect_rc(tc_store_secure_delete(fx.s, a), 0, "delete frees bytes");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 4, c), 0, "fits after delete");
	expect_rc(sfx_check_photo(&fx, c, PHOTO_LEN, 4), 0, "photo intact");
	assert_consistent();
}

static void
test_policy_lowers_never_raises(void **state)
{
	struct tc_store_stats st;
	uint8_t id[TC_PHOTO_ID_LEN];

	(void)state;
	tc_fault_disarm_all();
	assert_int_equal(sfx_init(&fx, "quotap"), 0);
	fx.quota_photos = 1000000000ull;
	fx.quota_bytes = UINT64_MAX;
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.quota_photos, CONFIG_STORE_QUOTA_PHOTOS);
	assert_int_equal(st.quota_bytes, (uint64_t)CONFIG_STORE_QUOTA_MB << 20);
	tc_store_set_quota(fx.s, 0, 1);
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.quota_photos, 1);
	assert_int_equal(st.quota_bytes, (uint64_t)CONFIG_STORE_QUOTA_MB << 20);
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 1, id), 0, "one photo");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 2, id), TC_E_QUOTA, "policy limit");
	tc_store_set_quota(fx.s, 0, 1000000000ull);
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.quota_photos, CONFIG_STORE_QUOTA_PHOTOS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_photo_count_quota, teardown),
		cmocka_unit_test_teardown(test_byte_quota, teardown),
		cmocka_unit_test_teardown(test_policy_lowers_never_raises, teardown),
	};

	return cmocka_run_group_tests_name("store_quota", tests, NULL, NULL);
}
