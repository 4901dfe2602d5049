/*
 * test_common_daemon.c - firmware/common/tc_daemon: -b returns only when
 * the daemon is ready (or with its failure status), a pid file can be
 * held by one instance at a time, and the options and pid file handling
 * the daemons share (tc_daemon_option, tc_daemon_lock/unlock).
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

static void
test_shared_options(void **state)
{
	struct tc_daemon dm;

	(void)state;
	tc_daemon_init(&dm, "testd");
	assert_int_equal(dm.lvl, TC_LOG_INFO);
	assert_false(dm.use_syslog || dm.bg);
	assert_null(dm.pidfile);
	assert_int_equal(tc_daemon_option(&dm, 'L', "debug", 'L'), 1);
	assert_int_equal(dm.lvl, TC_LOG_DEBUG);
	assert_int_equal(tc_daemon_option(&dm, 'L', "loud", 'L'), -1);	/* a bad level */
	/* The level letter is the daemon's: here 'l' is one of its own options. */
	assert_int_equal(tc_daemon_option(&dm, 'l', "info", 'L'), 0);
	assert_int_equal(dm.lvl, TC_LOG_DEBUG);
	assert_int_equal(tc_daemon_option(&dm, 's', NULL, 'L'), 1);
	assert_int_equal(tc_daemon_option(&dm, 'b', NULL, 'L'), 1);
	assert_int_equal(tc_daemon_option(&dm, 'P', "x.pid", 'L'), 1);
	assert_true(dm.use_syslog && dm.bg);
	assert_string_equal(dm.pidfile, "x.pid");
	assert_int_equal(tc_daemon_option(&dm, 'd', "dir", 'L'), 0);
}

static void
test_lock_and_unlock(void **state)
{
	struct tc_daemon a, b;
	char path[512];
	const char *base = getenv("TC_TEST_TMP");

	(void)state;
	snprintf(path, sizeof(path), "%s/shared.pid", base ? base : "/tmp");
	tc_daemon_init(&a, "testd");
	tc_daemon_init(&b, "testd");
	assert_int_equal(tc_daemon_lock(&a), 0);	/* no -P: nothing to lock */
	assert_int_equal(a.pid_fd, -1);
	a.pidfile = b.pidfile = path;
	assert_int_equal(tc_daemon_lock(&a), 0);
	assert_int_equal(tc_daemon_lock(&b), -1);	/* another instance holds it */
	/* A failed run leaves the file (unlocked): the next instance takes it. */
	tc_daemon_unlock(&a, false);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(tc_daemon_lock(&b), 0);
	/* A clean stop removes it. */
	tc_daemon_unlock(&b, true);
	assert_int_equal(access(path, F_OK), -1);
	tc_daemon_unlock(&b, true);	/* twice: a no-op */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_background_waits_for_ready),
		cmocka_unit_test(test_pidfile_one_holder),
		cmocka_unit_test(test_drop_to_unknown_user),
		cmocka_unit_test(test_shared_options),
		cmocka_unit_test(test_lock_and_unlock),
	};

	return cmocka_run_group_tests_name("common_daemon", tests, NULL, NULL);
}
