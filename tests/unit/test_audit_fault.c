/*
 * test_audit_fault.c - firmware/audit: I/O and allocation failures.
 *
 * For each write, fsync and rename an append makes, fail exactly that
 * one with ENOSPC or EIO: the append must return the error, the log must
 * still verify, every earlier entry must be intact and the next append
 * (fault cleared) must succeed.  Then fail the Nth allocation in a loop
 * over N across open, append, export and close, and the Nth read.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tc_fault.h"
#include "test_audit_helpers.h"

#define BASE_ENTRIES 3

static char base[512], logdir[600];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
	append_n(logdir, 1, BASE_ENTRIES);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return 0;
}

/* Entries 1..BASE_ENTRIES are the originals, the rest are "after.<k>" or "faulty". */
static void
check_log(const char *what, unsigned long nth, int after)
{
	struct tc_audit_entry e[64];
	size_t n, i;
	int seen = 0;
	char want[32];

	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), 0, what);
	n = read_entries(logdir, e, 64);
	for (i = 0; i < BASE_ENTRIES; i++) {
		snprintf(want, sizeof(want), "test.%zu", i + 1);
		assert_string_equal(e[i].action, want);
	}
	for (; i < n; i++) {
		snprintf(want, sizeof(want), "after.%d", seen);
		if (strcmp(e[i].action, want) == 0)
			seen++;
		else if (strcmp(e[i].action, "faulty") != 0 &&
			 strcmp(e[i].action, "audit.recover") != 0)
			fail_msg("%s, fault %lu: unexpected entry %s", what, nth, e[i].action);
	}
	if (seen != after)
		fail_msg("%s, fault %lu: %d of %d acknowledged entries", what, nth, seen, after);
}

/*
 * Fail the nth call at site with err during one append, for every nth
 * the append reaches.  Returns how many distinct calls were failed.
 */
static unsigned long
fault_each_call(enum tc_fault_site site, int err, const char *what)
{
	struct tc_audit *a = NULL;
	unsigned long nth, failed = 0;
	int ret, after = 0;
	char action[32];

	/* A fresh log per call, so each starts with no "after" entries. */
	fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
	append_n(logdir, 1, BASE_ENTRIES);
	for (nth = 1; nth < 50; nth++) {
		assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
		tc_fault_arm(site, nth, err, false);
		ret = tc_audit_append(a, "photod", "faulty", NULL, 0, NULL);
		tc_fault_disarm_all();
		if (ret == 0) {
			tc_audit_close(a);
			break;
		}
		if (ret != -err)
			fail_msg("%s, fault %lu: append returned %d (%s), expected %d", what, nth,
				 ret, tc_strerror(ret), -err);
		failed++;
		/* The same handle takes the next entry once the fault is gone. */
		snprintf(action, sizeof(action), "after.%d", after++);
		expect_rc(tc_audit_append(a, "photod", action, NULL, 0, NULL), 0,
			  "append after the fault cleared");
		tc_audit_close(a);
		check_log(what, nth, after);
	}
	assert_true(nth < 50);
	return failed;
}

static void
test_write_faults(void **state)
{
	(void)state;
	/* One write for the record, one for the head. */
	assert_int_equal(fault_each_call(TC_FAULT_WRITE, ENOSPC, "write ENOSPC"), 2);
	assert_int_equal(fault_each_call(TC_FAULT_WRITE, EIO, "write EIO"), 2);
}

static void
test_fsync_faults(void **state)
{
	(void)state;
	/* Log, head temp file, directory. */
	assert_int_equal(fault_each_call(TC_FAULT_FSYNC, EIO, "fsync EIO"), 3);
	assert_int_equal(fault_each_call(TC_FAULT_FSYNC, ENOSPC, "fsync ENOSPC"), 3);
}

static void
test_rename_faults(void **state)
{
	(void)state;
	assert_int_equal(fault_each_call(TC_FAULT_RENAME, EIO, "rename EIO"), 1);
}

/* A full disk that stays full: every append fails, none corrupts the log. */
static void
test_sticky_enospc(void **state)
{
	struct tc_audit *a = NULL;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	tc_fault_arm(TC_FAULT_WRITE, 1, ENOSPC, true);
	for (int i = 0; i < 5; i++)
		expect_rc(tc_audit_append(a, "photod", "faulty", NULL, 0, NULL), -ENOSPC,
			  "append on a full disk");
	tc_fault_disarm_all();
	assert_int_equal(tc_audit_head_seq(a), BASE_ENTRIES);
	expect_rc(tc_audit_append(a, "photod", "after.0", NULL, 0, NULL), 0,
		  "append once space is back");
	tc_audit_close(a);
	check_log("sticky ENOSPC", 0, 1);
}

/*
 * A failed append leaves its record past the head; the next append (this
 * process or another one) cuts it and says so in the log first.
 */
static void
test_leftover_is_noted(void **state)
{
	struct tc_audit_entry e[8];
	struct tc_audit *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	assert_int_equal(tc_audit_open(&b, logdir, test_key), 0);
	tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, false);
	expect_rc(tc_audit_append(a, "photod", "faulty", NULL, 0, NULL), -EIO,
		  "append whose log fsync fails");
	tc_fault_disarm_all();
	/* The other handle (syncd's, say) appends next. */
	expect_rc(tc_audit_append(b, "syncd", "after.0", NULL, 0, NULL), 0, "append via b");
	expect_rc(tc_audit_append(a, "photod", "after.1", NULL, 0, NULL), 0, "append via a");
	tc_audit_close(a);
	tc_audit_close(b);
	assert_int_equal(read_entries(logdir, e, 8), BASE_ENTRIES + 3);
	assert_string_equal(e[BASE_ENTRIES].action, "audit.recover");
	assert_string_equal(e[BASE_ENTRIES].actor, "audit");
	assert_string_equal(e[BASE_ENTRIES + 1].action, "after.0");
	assert_string_equal(e[BASE_ENTRIES + 2].action, "after.1");
	check_log("leftover", 0, 2);
}

/* A read error while verifying refuses the open, then clears. */
static void
test_read_fault(void **state)
{
	struct tc_audit *a = NULL;

	(void)state;
	tc_fault_arm(TC_FAULT_READ, 1, EIO, false);
	expect_rc(tc_audit_open(&a, logdir, test_key), -EIO, "open with a failing read");
	assert_null(a);
	tc_fault_arm(TC_FAULT_READ, 2, EIO, false);
	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), -EIO, "verify with a failing read");
	tc_fault_disarm_all();
	check_log("read fault", 0, 0);
}

/* Fail the nth allocation anywhere in open + append + export + close. */
static void
test_enomem_each_allocation(void **state)
{
	unsigned long nth, failures = 0;
	int ret, after = 0;

	(void)state;
	for (nth = 1; nth < 100; nth++) {
		struct tc_audit *a = NULL;
		uint8_t *seg = NULL;
		size_t seglen = 0;
		char action[32];

		snprintf(action, sizeof(action), "after.%d", after);
		tc_fault_arm(TC_FAULT_ALLOC, nth, ENOMEM, false);
		ret = tc_audit_open(&a, logdir, test_key);
		if (ret == 0) {
			ret = tc_audit_append(a, "photod", action, NULL, 0, NULL);
			if (ret == 0)
				after++;
		}
		if (ret == 0)
			ret = tc_audit_export(a, 1, TC_AUDIT_SEQ_HEAD, &seg, &seglen);
		tc_fault_disarm_all();
		if (a)
			assert_int_equal(tc_audit_head_seq(a), (uint64_t)BASE_ENTRIES + after);
		tc_audit_close(a);
		tc_free(seg);
		if (ret == 0) {
			assert_true(seglen > 0);
			break;
		}
		expect_rc(ret, -ENOMEM, "an allocation failure");
		failures++;
		check_log("ENOMEM", nth, after);
	}
	assert_true(nth < 100);
	/* At least the handle, the key and the export buffer. */
	assert_true(failures >= 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fsync_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rename_faults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sticky_enospc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_leftover_is_noted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_fault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enomem_each_allocation, setup, teardown),
	};

	return cmocka_run_group_tests_name("audit_fault", tests, NULL, NULL);
}
