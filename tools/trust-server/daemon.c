/*
 * daemon.c - the process plumbing trust-server shares with photod's
 * design: dropping root for a user, going to the background only once
 * ready (-b), and a pid file held under flock for the process's life (-P).
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"

/* Started as root with -u: the data directory is handed to USER, then we become USER. */
int
srv_drop_privileges(struct srv *s)
{
	struct passwd *pw;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	if (geteuid() != 0)
		return 0;
	if (!s->set.user) {
		tc_warn("running as root: pass -u USER to drop privileges");
		return 0;
	}
	pw = getpwnam(s->set.user);
	if (!pw) {
		tc_err("no such user: %s", s->set.user);
		return -ENOENT;
	}
	if (mkdir(s->set.data_dir, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (chown(s->set.data_dir, pw->pw_uid, pw->pw_gid) != 0)
		return -errno;
	if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0)
		return -errno;
	if (setuid(0) == 0) {
		tc_err("could still regain root after dropping to %s", s->set.user);
		return -EPERM;
	}
	return 0;
}

/* -b: the parent returns only once the server accepts (0) or has failed. */
int
srv_background(int *ready_fd)
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
		*ready_fd = p[1];
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

/* Held open and flock'ed for the server's whole life (see photod(8)). */
int
srv_lock_pidfile(const char *pidfile, int *fd)
{
	char buf[32];
	int n;

	*fd = open(pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (*fd < 0)
		return -errno;
	if (flock(*fd, LOCK_EX | LOCK_NB) != 0)
		return -EADDRINUSE;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(*fd, 0) != 0 || tc_write_all(*fd, buf, (size_t)n) != 0)
		return -EIO;
	return 0;
}
