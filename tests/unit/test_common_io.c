/*
 * test_common_io.c - firmware/common: I/O wrappers, private directories,
 * parsing helpers and fault injection.
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
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_err.h"
#include "tc_fault.h"
#include "tc_io.h"

static char tmp[512];

static int
setup(void **state)
{
	const char *base = getenv("TC_TEST_TMP");

	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/ioXXXXXX", base ? base : "/tmp");
	assert_non_null(mkdtemp(tmp));
	tc_fault_disarm_all();
	return 0;
}

static void
test_write_read_roundtrip(void **state)
{
	unsigned char buf[100000], back[100000];
	size_t got;
	int dfd, fd;

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7);
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = tc_openat(dfd, "f", O_CREAT | O_EXCL | O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, buf, sizeof(buf)), 0);
	assert_int_equal(tc_fsync(fd), 0);
	assert_int_equal(tc_fsync_dir(dfd), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(tc_read_full(fd, back, sizeof(back), &got), 0);
	assert_int_equal(got, sizeof(buf));
	assert_memory_equal(buf, back, sizeof(buf));
	/* A short read only at end of file. */
	assert_int_equal(tc_read_full(fd, back, 10, &got), 0);
	assert_int_equal(got, 0);
	close(fd);
	close(dfd);
}

static void
test_openat_refuses_symlink_and_makes_0600(void **state)
{
	struct stat st;
	int dfd, fd;

	(void)state;
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	fd = tc_openat(dfd, "new", O_CREAT | O_EXCL | O_WRONLY);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	close(fd);
	assert_int_equal(symlinkat("new", dfd, "link"), 0);
	assert_int_equal(tc_openat(dfd, "link", O_RDONLY), -ELOOP);
	close(dfd);
}

static void
test_private_dir_rules(void **state)
{
	char p[600], l[600];
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/priv", tmp);
	fd = tc_open_private_dir(p, 1);
	assert_true(fd >= 0);
	close(fd);
	/* Group or other bits: refused. */
	assert_int_equal(chmod(p, 0750), 0);
	assert_int_equal(tc_open_private_dir(p, 0), TC_E_UNSAFE_PATH);
	assert_int_equal(chmod(p, 0700), 0);
	/* A symlink to a good directory: refused. */
	snprintf(l, sizeof(l), "%s/privlink", tmp);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(tc_open_private_dir(l, 0), TC_E_UNSAFE_PATH);
	/* Missing and not asked to create. */
	snprintf(l, sizeof(l), "%s/missing", tmp);
	assert_int_equal(tc_open_private_dir(l, 0), -ENOENT);
}

/* The run directory: made 0710 (group may reach a socket), nothing looser. */
static void
test_run_dir_rules(void **state)
{
	char p[600], l[600];
	struct stat st;
	int fd;

	(void)state;
	snprintf(p, sizeof(p), "%s/run", tmp);
	fd = tc_open_run_dir(p);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0710);
	/* Opened again as it was left. */
	fd = tc_open_run_dir(p);
	assert_true(fd >= 0);
	close(fd);
	/* Group read, or anything for others: refused, and left as it was. */
	assert_int_equal(chmod(p, 0750), 0);
	assert_int_equal(tc_open_run_dir(p), TC_E_UNSAFE_PATH);
	assert_int_equal(chmod(p, 0711), 0);
	assert_int_equal(tc_open_run_dir(p), TC_E_UNSAFE_PATH);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0711);
	assert_int_equal(chmod(p, 0700), 0);
	/* A symlink to a good directory: refused. */
	snprintf(l, sizeof(l), "%s/runlink", tmp);
	assert_int_equal(symlink(p, l), 0);
	assert_int_equal(tc_open_run_dir(l), TC_E_UNSAFE_PATH);
	/* The state directory's rule is unchanged: 0710 is too open for it. */
	assert_int_equal(chmod(p, 0710), 0);
	assert_int_equal(tc_open_private_dir(p, 0), TC_E_UNSAFE_PATH);
}

static void
test_fault_nth_write_and_sticky(void **state)
{
	int dfd, fd;

	(void)state;
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	fd = tc_openat(dfd, "fault", O_CREAT | O_RDWR);
	assert_true(fd >= 0);
	tc_fault_arm(TC_FAULT_WRITE, 2, ENOSPC, false);
	assert_int_equal(tc_write_all(fd, "a", 1), 0);
	assert_int_equal(tc_write_all(fd, "b", 1), -ENOSPC);
	assert_int_equal(tc_write_all(fd, "c", 1), 0);	/* once only */
	tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, true);
	assert_int_equal(tc_fsync(fd), -EIO);
	assert_int_equal(tc_fsync(fd), -EIO);		/* sticky */
	tc_fault_arm(TC_FAULT_ALLOC, 1, ENOMEM, false);
	assert_null(tc_malloc(10));
	assert_int_equal(errno, ENOMEM);
	tc_fault_arm(TC_FAULT_RENAME, 1, EIO, false);
	assert_int_equal(tc_renameat(dfd, "fault", "fault2"), -EIO);
	assert_int_equal(tc_renameat(dfd, "fault", "fault2"), 0);
	tc_fault_disarm_all();
	assert_int_equal(tc_fsync(fd), 0);
	close(fd);
	close(dfd);
}

static void
test_crash_point_kills_child(void **state)
{
	int st;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		tc_fault_crash_at("*", 2);
		tc_fault_point("step.one");
		tc_fault_point("step.two");	/* dies here */
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), SIGKILL);

	pid = fork();
	if (pid == 0) {
		tc_fault_crash_at("step.two", 1);
		tc_fault_point("step.one");
		tc_fault_point("step.three");
		_exit(tc_fault_points_passed() == 2 ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* The new content or the old, never a mix, never a stray temporary. */
static void
test_write_file_atomic(void **state)
{
	static const struct { enum tc_fault_site site; int err; } faults[] = {
		{ TC_FAULT_WRITE, ENOSPC }, { TC_FAULT_FSYNC, EIO }, { TC_FAULT_RENAME, EIO },
	};
	char buf[16];
	int dfd, fd;
	ssize_t n;

	(void)state;
	dfd = open(tmp, O_RDONLY | O_DIRECTORY);
	assert_true(dfd >= 0);
	assert_int_equal(tc_write_file_atomic(dfd, "f", "old", 3), 0);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		tc_fault_arm(faults[i].site, 1, faults[i].err, false);
		assert_int_equal(tc_write_file_atomic(dfd, "f", "new", 3), -faults[i].err);
		tc_fault_disarm_all();
		assert_int_equal(faccessat(dfd, ".f.tmp", F_OK, 0), -1);
		fd = openat(dfd, "f", O_RDONLY);
		n = read(fd, buf, sizeof(buf));
		close(fd);
		assert_int_equal(n, 3);
		assert_memory_equal(buf, "old", 3);
	}
	assert_int_equal(tc_write_file_atomic(dfd, "f", "new!", 4), 0);
	fd = openat(dfd, "f", O_RDONLY);
	n = read(fd, buf, sizeof(buf));
	close(fd);
	assert_int_equal(n, 4);
	assert_memory_equal(buf, "new!", 4);
	close(dfd);
}

static void
test_hex_and_parse(void **state)
{
	unsigned char b[3] = { 0x00, 0xab, 0xff }, back[3];
	char hex[7];
	uint64_t v;
	char small[4];

	(void)state;
	tc_hex_encode(b, 3, hex);
	assert_string_equal(hex, "00abff");
	assert_int_equal(tc_hex_decode("00ABff", back, 3), 0);
	assert_memory_equal(b, back, 3);
	assert_int_equal(tc_hex_decode("00abf", back, 3), -EINVAL);
	assert_int_equal(tc_hex_decode("00abfg", back, 3), -EINVAL);

	assert_int_equal(tc_parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(tc_parse_u64("101", 0, 100, &v), -ERANGE);
	assert_int_equal(tc_parse_u64("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(tc_parse_u64(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(tc_parse_u64("1x", 0, 100, &v), -EINVAL);
	assert_int_equal(tc_parse_u64("", 0, 100, &v), -EINVAL);
	assert_int_equal(tc_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v), -ERANGE);

	assert_int_equal(tc_strlcpy(small, "abcdef", sizeof(small)), 6);
	assert_string_equal(small, "abc");
}

static void
test_strerror(void **state)
{
	(void)state;
	assert_string_equal(tc_strerror(0), "success");
	assert_string_equal(tc_strerror(-ENOSPC), strerror(ENOSPC));
	assert_string_equal(tc_strerror(TC_E_TRUNCATED), "photo object is truncated");
	assert_string_equal(tc_strerror(-(TC_ERR_BASE + 9999)), "unknown error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_write_read_roundtrip, setup),
		cmocka_unit_test_setup(test_openat_refuses_symlink_and_makes_0600, setup),
		cmocka_unit_test_setup(test_private_dir_rules, setup),
		cmocka_unit_test_setup(test_run_dir_rules, setup),
		cmocka_unit_test_setup(test_fault_nth_write_and_sticky, setup),
		cmocka_unit_test_setup(test_crash_point_kills_child, setup),
		cmocka_unit_test_setup(test_write_file_atomic, setup),
		cmocka_unit_test_setup(test_hex_and_parse, setup),
		cmocka_unit_test_setup(test_strerror, setup),
	};

	return cmocka_run_group_tests_name("common_io", tests, NULL, NULL);
}
