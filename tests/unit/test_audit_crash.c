/*
 * test_audit_crash.c - firmware/audit: kill -9 at every step of creating,
 * appending to and recovering a log.  After each crash the log must open
 * and verify, and every entry the child saw acknowledged must be there.
 *
 * The child reports each acknowledged append on a pipe before doing
 * anything else, so the parent knows exactly what was promised.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "tc_fault.h"
#include "test_audit_helpers.h"

#define BASE_ENTRIES 3
#define CHILD_APPENDS 2
#define MAX_STEPS 200

static char base[512], logdir[600];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return 0;
}

/*
 * In a child: crash at the nth crash point of any name, open the log and
 * append CHILD_APPENDS entries, writing one byte to fd per acknowledged
 * append.  Exits 0 if no crash point fired.
 */
static void
child_run(unsigned long nth, int fd)
{
	struct tc_audit *a = NULL;
	char action[32];

	tc_fault_crash_at("*", nth);
	if (tc_audit_open(&a, logdir, test_key) != 0)
		_exit(2);
	for (int i = 0; i < CHILD_APPENDS; i++) {
		snprintf(action, sizeof(action), "child.%d", i);
		if (tc_audit_append(a, "photod", action, NULL, 0, NULL) != 0)
			_exit(3);
		if (write(fd, "a", 1) != 1)
			_exit(4);
	}
	tc_audit_close(a);
	_exit(0);
}

/* Fork a child for step nth; returns how many appends it acknowledged. */
static int
crash_child(unsigned long nth, bool *crashed)
{
	char acks[CHILD_APPENDS + 1];
	int p[2], status;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_run(nth, p[1]);
	}
	close(p[1]);
	/* Until EOF: the child's end closes when it exits or is killed. */
	n = 0;
	for (;;) {
		ssize_t r = read(p[0], acks + n, sizeof(acks) - (size_t)n);

		if (r < 0 && errno == EINTR)
			continue;
		assert_true(r >= 0);
		if (r == 0)
			break;
		n += r;
		assert_true(n <= CHILD_APPENDS);
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status)) {
		assert_int_equal(WTERMSIG(status), SIGKILL);
		*crashed = true;
	} else {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fail_msg("child for step %lu failed without crashing (status %d)", nth, status);
		*crashed = false;
	}
	return (int)n;
}

/*
 * After a crash: the log opens (recovering), verifies, keeps entries
 * 1..base unchanged, holds every acknowledged child entry in order, and
 * takes another append.
 */
static void
check_after_crash(unsigned long nth, unsigned base_entries, int acked)
{
	struct tc_audit_entry e[32];
	struct tc_audit *a = NULL;
	size_t n, i;
	int seen = 0;
	char want[32];

	n = read_entries(logdir, e, 32);
	if (n < base_entries + (size_t)acked)
		fail_msg("step %lu: %zu entries after crash, expected at least %u + %d acknowledged",
			 nth, n, base_entries, acked);
	for (i = 0; i < base_entries; i++) {
		snprintf(want, sizeof(want), "test.%zu", i + 1);
		assert_string_equal(e[i].action, want);
	}
	for (; i < n; i++) {
		snprintf(want, sizeof(want), "child.%d", seen);
		if (strcmp(e[i].action, want) == 0)
			seen++;
		else if (strcmp(e[i].action, "audit.recover") != 0)
			fail_msg("step %lu: unexpected entry %s", nth, e[i].action);
	}
	if (seen < acked)
		fail_msg("step %lu: %d of %d acknowledged entries present", nth, seen, acked);
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	assert_int_equal(tc_audit_append(a, "photod", "after.crash", NULL, 0, NULL), 0);
	tc_audit_close(a);
	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), 0, "log after crash and append");
}

/* Loop over every crash point of (open + recover + appends), from a given start. */
static unsigned long
crash_loop(unsigned base_entries, void (*prepare)(void))
{
	unsigned long nth;
	bool crashed = true;
	int acked;

	for (nth = 1; nth < MAX_STEPS && crashed; nth++) {
		fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
		if (base_entries)
			append_n(logdir, 1, base_entries);
		if (prepare)
			prepare();
		acked = crash_child(nth, &crashed);
		if (crashed)
			check_after_crash(nth, base_entries, acked);
		else
			assert_int_equal(acked, CHILD_APPENDS);
	}
	assert_false(crashed);
	return nth - 1;
}

static void
test_crash_every_step_of_append(void **state)
{
	unsigned long steps;

	(void)state;
	steps = crash_loop(BASE_ENTRIES, NULL);
	print_message("%lu crash points visited\n", steps);
	/* 7 points per append: anything less means a step lost its crash point. */
	assert_true(steps >= 1 + CHILD_APPENDS * 7);
}

static void
test_crash_every_step_of_create(void **state)
{
	unsigned long steps;

	(void)state;
	steps = crash_loop(0, NULL);
	print_message("%lu crash points visited\n", steps);
	assert_true(steps >= 1 + 5 + CHILD_APPENDS * 7);
}

/* A torn record past the head: the open that recovers it crashes too. */
static void
tear_tail(void)
{
	static const uint8_t torn[] = { 'T', 'C', 'A', 'E', 1, 0, 0, 200, 0, 0, 0 };
	char path[1024];
	int fd;

	path_in(path, sizeof(path), logdir, "audit.log");
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, torn, sizeof(torn)), 0);
	close(fd);
}

static void
test_crash_every_step_of_recovery(void **state)
{
	unsigned long steps;

	(void)state;
	steps = crash_loop(BASE_ENTRIES, tear_tail);
	print_message("%lu crash points visited\n", steps);
	assert_true(steps >= 1 + 7 + CHILD_APPENDS * 7);
}

/* Each named step of the protocol: is the entry there afterwards, or a cut tail? */
static void
test_named_steps(void **state)
{
	static const struct {
		const char *point;
		bool tail;	/* bytes past the head are left to cut */
		bool committed;	/* the head names the new entry */
	} steps[] = {
		{ "audit.append.start", false, false },
		{ "audit.append.written", true, false },
		{ "audit.append.synced", true, false },
		{ "audit.head.written", true, false },
		{ "audit.head.synced", true, false },
		{ "audit.head.renamed", false, true },
		{ "audit.append.done", false, true },
	};
	struct tc_audit_verify_result res;
	struct tc_audit_entry e[8];
	char path[1024];
	int status;
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
		append_n(logdir, 1, BASE_ENTRIES);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			struct tc_audit *a = NULL;

			if (tc_audit_open(&a, logdir, test_key) != 0)
				_exit(2);
			tc_fault_crash_at(steps[i].point, 1);
			(void)!tc_audit_append(a, "photod", "crashing", NULL, 0, NULL);
			_exit(0);
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("crash point %s was not reached", steps[i].point);
		/* The read-only view first: what the crash left. */
		expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, steps[i].point);
		assert_int_equal(res.head_seq, BASE_ENTRIES + (steps[i].committed ? 1 : 0));
		if (steps[i].tail != (res.tail_bytes > 0))
			fail_msg("%s: expected %s tail, found %llu bytes", steps[i].point,
				 steps[i].tail ? "a" : "no", (unsigned long long)res.tail_bytes);
		/* Then open (which recovers) and look at the entries. */
		if (steps[i].committed) {
			assert_int_equal(read_entries(logdir, e, 8), BASE_ENTRIES + 1);
			assert_string_equal(e[BASE_ENTRIES].action, "crashing");
		} else if (steps[i].tail) {
			assert_int_equal(read_entries(logdir, e, 8), BASE_ENTRIES + 1);
			assert_string_equal(e[BASE_ENTRIES].action, "audit.recover");
		} else {
			assert_int_equal(read_entries(logdir, e, 8), BASE_ENTRIES);
		}
		assert_string_equal(e[BASE_ENTRIES - 1].action, "test.3");
		/* A temp head left by the crash is gone after the open. */
		path_in(path, sizeof(path), logdir, "audit.head.tmp");
		assert_int_equal(access(path, F_OK), -1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_crash_every_step_of_append, setup),
		cmocka_unit_test_setup(test_crash_every_step_of_create, setup),
		cmocka_unit_test_setup(test_crash_every_step_of_recovery, setup),
		cmocka_unit_test_setup(test_named_steps, setup),
	};

	return cmocka_run_group_tests_name("audit_crash", tests, NULL, NULL);
}
