/*
 * tc_daemon.h - what every trustcam daemon (photod, syncd, trust-server)
 * does the same way at start-up.
 *
 *   -b     tc_daemon_background() forks; the parent returns to the shell
 *          only when the child calls tc_daemon_ready() (exit 0) or exits
 *          (its status), so scripts and tests never poll for readiness.
 *          The child keeps no inherited descriptor but stderr (stdin and
 *          stdout become /dev/null), so nobody waiting for a pipe it
 *          inherited (faketime's wrapper, a shell's $(...)) waits for it.
 *   -P     tc_daemon_lock_pidfile() writes the pid and holds an exclusive
 *          flock for the daemon's life: a second instance refuses to start
 *          and `flock pidfile true` waits for this one to exit.
 *   -u     tc_daemon_drop_to() sets no_new_privs and, as root, becomes the
 *          user for good (no supplementary groups; root cannot be regained).
 */
#ifndef TC_DAEMON_H
#define TC_DAEMON_H

#include <stdbool.h>

#include "tc_err.h"
#include "tc_log.h"

/*
 * The start-up state every daemon shares: its name, the options -l/-L
 * LEVEL, -s (syslog), -b (background), -P FILE, and the two fds they lead
 * to.  tc_daemon_init, then tc_daemon_option for each getopt letter, then
 * tc_daemon_start, ..., tc_daemon_lock, ..., tc_daemon_ready(&dm.ready_fd),
 * and tc_daemon_unlock at the end.
 */
struct tc_daemon {
	const char *name;		/* in log lines and messages */
	enum tc_log_level lvl;
	bool use_syslog, bg;
	const char *pidfile;
	int ready_fd, pid_fd;
};

void tc_daemon_init(struct tc_daemon *dm, const char *name);
/*
 * getopt's letter c with its argument, if it is a shared option
 * (level_opt: the letter this daemon uses for the log level): 1 taken,
 * 0 not a shared option, -1 a bad value (said on stderr: exit 2).
 */
int tc_daemon_option(struct tc_daemon *dm, int c, const char *arg, int level_opt);
/* Open the log, go to the background (-b), disable core dumps: 0, or -1 (logged). */
int tc_daemon_start(struct tc_daemon *dm) TC_MUST_CHECK;
/* -P: write and lock the pid file (a no-op without -P): 0, or -1 (logged). */
int tc_daemon_lock(struct tc_daemon *dm) TC_MUST_CHECK;
/* Release the pid file: removed after a clean stop, left unlocked after a failure. */
void tc_daemon_unlock(struct tc_daemon *dm, bool clean);

/* In the child: 0 and *ready_fd set.  The parent never returns. */
int tc_daemon_background(int *ready_fd) TC_MUST_CHECK;
/* Tell the waiting parent (-b) and systemd (READY=1) that the daemon serves. */
void tc_daemon_ready(int *ready_fd);
/* 0, -EADDRINUSE (another instance holds it) or a negative errno. */
int tc_daemon_lock_pidfile(const char *path, int *fd) TC_MUST_CHECK;
/* user NULL as root: stays root with a warning.  -ENOENT for an unknown user. */
int tc_daemon_drop_to(const char *user) TC_MUST_CHECK;

/* The effective user's name for messages ("uid N" if it has none); static storage. */
const char *tc_euser_name(void);

#endif /* TC_DAEMON_H */
