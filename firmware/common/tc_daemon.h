/*
 * tc_daemon.h - what every trustcam daemon (photod, syncd, trust-server)
 * does the same way at start-up.
 *
 *   -b     tc_daemon_background() forks; the parent returns to the shell
 *          only when the child calls tc_daemon_ready() (exit 0) or exits
 *          (its status), so scripts and tests never poll for readiness.
 *   -P     tc_daemon_lock_pidfile() writes the pid and holds an exclusive
 *          flock for the daemon's life: a second instance refuses to start
 *          and `flock pidfile true` waits for this one to exit.
 *   -u     tc_daemon_drop_to() sets no_new_privs and, as root, becomes the
 *          user for good (no supplementary groups; root cannot be regained).
 */
#ifndef TC_DAEMON_H
#define TC_DAEMON_H

#include "tc_err.h"

/* In the child: 0 and *ready_fd set.  The parent never returns. */
int tc_daemon_background(int *ready_fd) TC_MUST_CHECK;
/* Tell the waiting parent the daemon serves; a no-op without -b. */
void tc_daemon_ready(int *ready_fd);
/* 0, -EADDRINUSE (another instance holds it) or a negative errno. */
int tc_daemon_lock_pidfile(const char *path, int *fd) TC_MUST_CHECK;
/* user NULL as root: stays root with a warning.  -ENOENT for an unknown user. */
int tc_daemon_drop_to(const char *user) TC_MUST_CHECK;

#endif /* TC_DAEMON_H */
