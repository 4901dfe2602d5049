/*
 * test_common_daemon.c - firmware/common/tc_daemon: -b returns only when
 * the daemon is ready (or with its failure status), and a pid file can be
 * held by one instance at a time.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_daemon.h"

/* Run tc_daemon_background in a child; the daemon side exits with code (after ready if ready). */
static int
background_status(int ready, int code)
{
	pid_t pid = fork();
	int st, fd = -1;

	if (pid == 0) {
		if (tc_daemon_background(&fd) != 0)
			_exit(99);
		/* the daemon */
		if (ready)
			tc_daemon_ready(&fd);
		_exit(code);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void
test_background_waits_for_ready(void **state)
{
	(void)state;
	/* Ready, then the daemon goes on (here: exits 7 later): the caller sees 0. */
	assert_int_equal(background_status(1, 7), 0);
	/* It fails before it is ready: the caller sees its status. */
	assert_int_equal(background_status(0, 3), 3);
	/* It exits 0 without ever being ready: still a failure for the caller. */
	assert_int_equal(background_status(0, 0), 1);
}

static void
test_pidfile_one_holder(void **state)
{
	char path[512];
	const char *base = getenv("TC_TEST_TMP");
	int a = -1, b = -1;
	FILE *f;
	long pid = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/daemon.pid", base ? base : "/tmp");
	assert_int_equal(tc_daemon_lock_pidfile(path, &a), 0);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &pid), 1);
	fclose(f);
	assert_int_equal(pid, (long)getpid());
	/* A second holder (a new open file description) is refused. */
	assert_int_equal(tc_daemon_lock_pidfile(path, &b), -EADDRINUSE);
	assert_int_equal(b, -1);
	close(a);
	/* Once released (the daemon exits), the next one takes it. */
	assert_int_equal(tc_daemon_lock_pidfile(path, &b), 0);
	close(b);
	unlink(path);
}

static void
test_drop_to_unknown_user(void **state)
{
	pid_t pid;
	int st;

	(void)state;
	pid = fork();
	if (pid == 0)
		_exit(tc_daemon_drop_to("no-such-user-trustcam") == (geteuid() == 0 ? -ENOENT : 0) ? 0 : 1);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_waits_for_ready),
		cmocka_unit_test(test_pidfile_one_holder),
		cmocka_unit_test(test_drop_to_unknown_user),
	};

	return cmocka_run_group_tests_name("common_daemon", tests, NULL, NULL);
}
