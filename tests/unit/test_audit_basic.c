/*
 * test_audit_basic.c - firmware/audit: append, reopen and verify; field
 * validation; private-directory rules; threads and processes appending
 * to one log.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "tc_fault.h"
#include "test_audit_helpers.h"

static char base[512], logdir[600];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
	return 0;
}

static void
test_roundtrip(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry e[8];
	struct tc_audit *a = NULL;
	uint64_t before = tc_time_wall_us();

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	assert_int_equal(tc_audit_head_seq(a), 0);
	assert_int_equal(tc_audit_append(a, "staff:S123", "login", NULL, 0, NULL), 0);
	assert_int_equal(tc_audit_append(a, "photod", "capture",
					 "00112233445566778899aabbccddeeff", 0, "event E42"), 0);
	assert_int_equal(tc_audit_append(a, "camctl:uid=1000", "refuse.export", "",
					 TC_E_STATE, "no such command"), 0);
	assert_int_equal(tc_audit_head_seq(a), 3);
	tc_audit_close(a);

	/* Reopen: verifies, keeps the sequence going. */
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	assert_int_equal(tc_audit_head_seq(a), 3);
	assert_int_equal(tc_audit_append(a, "syncd", "delete", "ffeeddccbbaa99887766554433221100",
					 0, "receipt 7"), 0);
	tc_audit_close(a);

	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "verify_dir of a clean log");
	assert_int_equal(res.count, 4);
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.last_seq, 4);
	assert_int_equal(res.head_seq, 4);
	assert_true(res.head_present && res.head_mac_ok);
	assert_int_equal(res.tail_bytes, 0);
	assert_memory_equal(res.prev, zero_hash, sizeof(zero_hash));
	assert_memory_equal(res.head_hash, res.last_hash, TC_AUDIT_HASH_LEN);

	assert_int_equal(read_entries(logdir, e, 8), 4);
	assert_string_equal(e[0].actor, "staff:S123");
	assert_string_equal(e[0].action, "login");
	assert_string_equal(e[0].object, "");
	assert_string_equal(e[0].detail, "");
	assert_memory_equal(e[0].prev, zero_hash, sizeof(zero_hash));
	assert_string_equal(e[1].object, "00112233445566778899aabbccddeeff");
	assert_string_equal(e[1].detail, "event E42");
	assert_int_equal(e[2].result, TC_E_STATE);
	assert_string_equal(e[2].actor, "camctl:uid=1000");
	assert_string_equal(e[3].action, "delete");
	for (int i = 0; i < 4; i++) {
		assert_int_equal(e[i].seq, (uint64_t)i + 1);
		assert_true(e[i].wall_us >= before);
		assert_true(e[i].mono_us > 0);
		if (i > 0)
			assert_memory_equal(e[i].prev, e[i - 1].hash, TC_AUDIT_HASH_LEN);
	}
	assert_memory_equal(e[3].hash, res.head_hash, TC_AUDIT_HASH_LEN);
}

static void
test_files_are_private(void **state)
{
	static const char *const names[] = { "audit.log", "audit.head", "audit.lock" };
	char path[700];
	struct stat st;

	(void)state;
	append_n(logdir, 1, 2);
	assert_int_equal(stat(logdir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	for (size_t i = 0; i < 3; i++) {
		path_in(path, sizeof(path), logdir, names[i]);
		assert_int_equal(lstat(path, &st), 0);
		assert_true(S_ISREG(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0600);
	}
	/* No temp head left behind. */
	path_in(path, sizeof(path), logdir, "audit.head.tmp");
	assert_int_equal(lstat(path, &st), -1);
}

static void
test_field_validation(void **state)
{
	char long63[64], long64[65], det255[256], det256[257];
	struct tc_audit *a = NULL;

	(void)state;
	memset(long63, 'a', 63);
	long63[63] = '\0';
	memset(long64, 'b', 64);
	long64[64] = '\0';
	memset(det255, 'd', 255);
	det255[255] = '\0';
	memset(det256, 'e', 256);
	det256[256] = '\0';
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);

	/* Longest allowed values fit exactly. */
	expect_rc(tc_audit_append(a, long63, long63, long63, INT32_MIN, det255), 0,
		  "max-length fields");
	expect_rc(tc_audit_append(a, long64, "x", NULL, 0, NULL), -EINVAL, "64-byte actor");
	expect_rc(tc_audit_append(a, "x", long64, NULL, 0, NULL), -EINVAL, "64-byte action");
	expect_rc(tc_audit_append(a, "x", "y", long64, 0, NULL), -EINVAL, "64-byte object");
	expect_rc(tc_audit_append(a, "x", "y", NULL, 0, det256), -EINVAL, "256-byte detail");
	expect_rc(tc_audit_append(a, "", "y", NULL, 0, NULL), -EINVAL, "empty actor");
	expect_rc(tc_audit_append(a, "x", "", NULL, 0, NULL), -EINVAL, "empty action");
	expect_rc(tc_audit_append(a, NULL, "y", NULL, 0, NULL), -EINVAL, "NULL actor");
	expect_rc(tc_audit_append(a, "x", NULL, NULL, 0, NULL), -EINVAL, "NULL action");
	expect_rc(tc_audit_append(NULL, "x", "y", NULL, 0, NULL), -EINVAL, "NULL handle");
	/* Control bytes, DEL and non-ASCII in any field. */
	expect_rc(tc_audit_append(a, "x\n", "y", NULL, 0, NULL), -EINVAL, "newline in actor");
	expect_rc(tc_audit_append(a, "x", "y\t", NULL, 0, NULL), -EINVAL, "tab in action");
	expect_rc(tc_audit_append(a, "x", "y", "\x1b[2J", 0, NULL), -EINVAL, "escape in object");
	expect_rc(tc_audit_append(a, "x", "y", NULL, 0, "a\x7f"), -EINVAL, "DEL in detail");
	expect_rc(tc_audit_append(a, "x", "y", NULL, 0, "caf\xc3\xa9"), -EINVAL, "UTF-8 in detail");
	expect_rc(tc_audit_append(a, "x", "y", NULL, 0, "\r"), -EINVAL, "CR in detail");
	/* Nothing rejected was written. */
	assert_int_equal(tc_audit_head_seq(a), 1);
	tc_audit_close(a);

	struct tc_audit_entry e[2];

	assert_int_equal(read_entries(logdir, e, 2), 1);
	assert_string_equal(e[0].actor, long63);
	assert_string_equal(e[0].detail, det255);
	assert_int_equal(e[0].result, INT32_MIN);

	expect_rc(tc_audit_open(NULL, logdir, test_key), -EINVAL, "NULL out");
	expect_rc(tc_audit_open(&a, NULL, test_key), -EINVAL, "NULL dir");
	expect_rc(tc_audit_open(&a, logdir, NULL), -EINVAL, "NULL key");
	assert_int_equal(tc_audit_head_seq(NULL), 0);
	tc_audit_close(NULL);
}

static void
test_private_dir_rules(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit *a = NULL;
	char path[700], path2[700];

	(void)state;
	append_n(logdir, 1, 1);

	/* A symlink to a perfectly good log directory is refused. */
	path_in(path, sizeof(path), base, "link");
	assert_int_equal(symlink(logdir, path), 0);
	expect_rc(tc_audit_open(&a, path, test_key), TC_E_UNSAFE_PATH, "open through a symlink");
	assert_null(a);
	expect_rc(tc_audit_verify_dir(path, test_key, &res), TC_E_UNSAFE_PATH,
		  "verify through a symlink");

	/* A directory others can read is refused. */
	assert_int_equal(chmod(logdir, 0755), 0);
	expect_rc(tc_audit_open(&a, logdir, test_key), TC_E_UNSAFE_PATH, "open a 0755 dir");
	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), TC_E_UNSAFE_PATH, "verify a 0755 dir");
	assert_int_equal(chmod(logdir, 0700), 0);
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	tc_audit_close(a);

	/* The log file replaced by a symlink (to a copy of itself) is refused. */
	path_in(path, sizeof(path), logdir, "audit.log");
	path_in(path2, sizeof(path2), base, "elsewhere.log");
	assert_int_equal(rename(path, path2), 0);
	assert_int_equal(symlink(path2, path), 0);
	expect_rc(tc_audit_open(&a, logdir, test_key), TC_E_UNSAFE_PATH, "symlinked audit.log");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(path2, path), 0);

	/* A FIFO planted as the head must neither hang nor be read. */
	path_in(path, sizeof(path), logdir, "audit.head");
	path_in(path2, sizeof(path2), base, "head.saved");
	assert_int_equal(rename(path, path2), 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	expect_rc(tc_audit_open(&a, logdir, test_key), TC_E_UNSAFE_PATH, "FIFO as audit.head");
	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), TC_E_UNSAFE_PATH,
		  "verify with a FIFO head");
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rename(path2, path), 0);
	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "restored log verifies");

	/* A missing directory is created private; verify_dir never creates. */
	path_in(path, sizeof(path), base, "absent");
	expect_rc(tc_audit_verify_dir(path, test_key, &res), -ENOENT, "verify a missing dir");
	assert_int_equal(tc_audit_open(&a, path, test_key), 0);
	tc_audit_close(a);
	expect_rc(tc_audit_verify_dir(path, test_key, &res), 0, "verify an empty log");
	assert_int_equal(res.count, 0);
}

#define NTHREADS 4
#define PER_THREAD 25

static void *
appender(void *arg)
{
	struct tc_audit *a = arg;
	char detail[32];

	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(detail, sizeof(detail), "thread %d", i);
		if (tc_audit_append(a, "photod", "capture", NULL, 0, detail) != 0)
			return (void *)1;
	}
	return NULL;
}

static void
test_threads(void **state)
{
	struct tc_audit_verify_result res;
	pthread_t t[NTHREADS];
	struct tc_audit *a = NULL;
	void *rv;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, appender, a), 0);
	for (int i = 0; i < NTHREADS; i++) {
		assert_int_equal(pthread_join(t[i], &rv), 0);
		assert_null(rv);
	}
	assert_int_equal(tc_audit_head_seq(a), NTHREADS * PER_THREAD);
	tc_audit_close(a);
	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "log after threaded appends");
	assert_int_equal(res.count, NTHREADS * PER_THREAD);
}

/* photod and syncd both append: two processes, one directory. */
static void
test_two_processes(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry e[64];
	struct tc_audit *a = NULL, *b = NULL;
	int status, mine = 0, theirs = 0;
	pid_t pid;

	(void)state;
	/* Two handles in one process see each other's entries. */
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	assert_int_equal(tc_audit_open(&b, logdir, test_key), 0);
	assert_int_equal(tc_audit_append(a, "photod", "first", NULL, 0, NULL), 0);
	assert_int_equal(tc_audit_append(b, "syncd", "second", NULL, 0, NULL), 0);
	assert_int_equal(tc_audit_append(a, "photod", "third", NULL, 0, NULL), 0);
	assert_int_equal(tc_audit_head_seq(a), 3);
	assert_int_equal(tc_audit_head_seq(b), 2);
	tc_audit_close(b);
	tc_audit_close(a);

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tc_audit *c = NULL;
		int rc = tc_audit_open(&c, logdir, test_key);

		for (int i = 0; rc == 0 && i < 20; i++)
			rc = tc_audit_append(c, "syncd", "child", NULL, 0, NULL);
		tc_audit_close(c);
		_exit(rc == 0 ? 0 : 1);
	}
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	for (int i = 0; i < 20; i++)
		assert_int_equal(tc_audit_append(a, "photod", "parent", NULL, 0, NULL), 0);
	tc_audit_close(a);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "log after two processes");
	assert_int_equal(res.count, 43);
	assert_int_equal(read_entries(logdir, e, 64), 43);
	for (int i = 3; i < 43; i++) {
		if (strcmp(e[i].action, "parent") == 0)
			mine++;
		else if (strcmp(e[i].action, "child") == 0)
			theirs++;
	}
	assert_int_equal(mine, 20);
	assert_int_equal(theirs, 20);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_roundtrip, setup),
		cmocka_unit_test_setup(test_files_are_private, setup),
		cmocka_unit_test_setup(test_field_validation, setup),
		cmocka_unit_test_setup(test_private_dir_rules, setup),
		cmocka_unit_test_setup(test_threads, setup),
		cmocka_unit_test_setup(test_two_processes, setup),
	};

	return cmocka_run_group_tests_name("audit_basic", tests, NULL, NULL);
}
