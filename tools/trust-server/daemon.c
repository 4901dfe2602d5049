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
#include "tc_daemon.h"
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
	if (mkdir(s->set.data_dir, 0750) != 0 && errno != EEXIST)
		return -errno;
	if (chown(s->set.data_dir, pw->pw_uid, pw->pw_gid) != 0)
		return -errno;
	return tc_daemon_drop_to(s->set.user);
}

