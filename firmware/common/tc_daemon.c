/*
 * tc_daemon.c - background with readiness, flock'd pid files, dropping
 * to an unprivileged user (see tc_daemon.h).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tc_daemon.h"
#include "tc_notify.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

/*
 * The daemon in the background keeps no descriptor it did not open: its
 * stdin and stdout become /dev/null, and every inherited descriptor from
 * 3 up is closed, ready (the pipe to the waiting parent) kept as fd 3.
 * Whoever started it waits for those to close: a shell's $(...) for
 * stdout, and faketime's wrapper for a pipe of its own, which is why
 * `faketime ... photod -b` hung until photod stopped.  stderr stays: it
 * is the log without -s.
 */
static int
detach_fds(int ready)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return -errno;
	if (dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
		close(null);
		return -errno;
	}
	if (null > STDERR_FILENO)
		close(null);
	if (ready != 3) {
		if (dup3(ready, 3, O_CLOEXEC) != 3)
			return -errno;
		close(ready);
	}
	if (close_range(4, ~0U, 0) != 0)
		return -errno;
	return 3;
}

int
tc_daemon_background(int *ready_fd)
{
	char c;
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		close(p[0]);
		if ((*ready_fd = detach_fds(p[1])) < 0)
			_exit(1);
		(void)setsid();
		return 0;
	}
	close(p[1]);
	if (read(p[0], &c, 1) == 1)
		_exit(0);
	if (waitpid(pid, &st, 0) == pid && WIFEXITED(st))
		_exit(WEXITSTATUS(st) ? WEXITSTATUS(st) : 1);
	_exit(1);
}

void
tc_daemon_ready(int *ready_fd)
{
	tc_notify_ready("serving");
	if (*ready_fd < 0)
		return;
	if (write(*ready_fd, "R", 1) != 1)
		tc_warn("could not signal readiness");
	close(*ready_fd);
	*ready_fd = -1;
}

int
tc_daemon_lock_pidfile(const char *path, int *fd)
{
	char buf[32];
	int n;

	*fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
		close(*fd);
		*fd = -1;
		return -EADDRINUSE;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) != 0 || tc_write_all(*fd, buf, (size_t)n) != 0)
		return -EIO;
	return 0;
}

int
tc_daemon_drop_to(const char *user)
{
	struct passwd *pw;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	if (geteuid() != 0)
		return 0;
	if (!user) {
		tc_warn("running as root: pass -u USER to drop privileges");
		return 0;
	}
	pw = getpwnam(user);
	if (!pw) {
		tc_err("no such user: %s", user);
		return -ENOENT;
	}
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return -errno;
	if (setuid(0) == 0) {
		tc_err("could still regain root after dropping to %s", user);
		return -EPERM;
	}
	return 0;
}

void
tc_daemon_init(struct tc_daemon *dm, const char *name)
{
	dm->name = name;
	dm->lvl = TC_LOG_INFO;
	dm->use_syslog = dm->bg = false;
	dm->pidfile = NULL;
	dm->ready_fd = dm->pid_fd = -1;
}

int
tc_daemon_option(struct tc_daemon *dm, int c, const char *arg, int level_opt)
{
	if (c == level_opt) {
		if (tc_log_parse_level(arg, &dm->lvl) != 0) {
			fprintf(stderr, "%s: bad log level '%s'\n", dm->name, arg);
			return -1;
		}
		return 1;
	}
	switch (c) {
	case 's': dm->use_syslog = true; return 1;
	case 'b': dm->bg = true; return 1;
	case 'P': dm->pidfile = arg; return 1;
	default: return 0;
	}
}

int
tc_daemon_start(struct tc_daemon *dm)
{
	/* Background first: it closes what was inherited, the syslog socket would be among it. */
	if (dm->bg && tc_daemon_background(&dm->ready_fd) != 0) {
		fprintf(stderr, "%s: cannot go to the background\n", dm->name);
		return -1;
	}
	tc_log_open(dm->name, dm->use_syslog, dm->lvl);
	/* nothing a daemon holds (photos, keys) may ever reach a core file */
	if (tc_secure_process() != 0) {
		tc_err("cannot disable core dumps");
		return -1;
	}
	return 0;
}

const char *
tc_euser_name(void)
{
	static char buf[32];
	struct passwd *pw = getpwuid(geteuid());

	if (pw)
		return pw->pw_name;
	snprintf(buf, sizeof(buf), "uid %u", (unsigned)geteuid());
	return buf;
}

int
tc_daemon_lock(struct tc_daemon *dm)
{
	int rc;

	if (!dm->pidfile || (rc = tc_daemon_lock_pidfile(dm->pidfile, &dm->pid_fd)) == 0)
		return 0;
	if (rc == -EADDRINUSE)
		tc_err("pid file %s: another %s holds it", dm->pidfile, dm->name);
	else if (rc == -EACCES || rc == -EPERM)
		tc_err("pid file %s: %s as user %s (it is written after the privilege drop: "
		       "its directory must be writable by that user)", dm->pidfile, tc_strerror(rc),
		       tc_euser_name());
	else
		tc_err("pid file %s: %s", dm->pidfile, tc_strerror(rc));
	return -1;
}

void
tc_daemon_unlock(struct tc_daemon *dm, bool clean)
{
	if (dm->pid_fd < 0)
		return;
	if (clean)
		unlink(dm->pidfile);	/* a clean stop; a crash leaves it, unlocked */
	close(dm->pid_fd);
	dm->pid_fd = -1;
}
