/*
 * tc_notify.h - telling systemd how a daemon is doing (Type=notify and
 * WatchdogSec= in the units), through libsystemd's sd_notify.
 *
 * Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC) every call is a
 * no-op, so the daemons behave the same under tests and by hand.
 */
#ifndef TC_NOTIFY_H
#define TC_NOTIFY_H

/* READY=1 with a STATUS= line (NULL: none). */
void tc_notify_ready(const char *status);
/* STOPPING=1. */
void tc_notify_stopping(void);
/*
 * The longest a daemon's main loop may sleep between watchdog kicks, in
 * ms (half the unit's WatchdogSec=), or -1 when no watchdog is asked for.
 * Min it into poll()'s timeout.
 */
int tc_notify_watchdog_ms(void);
/*
 * Kick the watchdog (WATCHDOG=1) if a kick is due: call it on every pass
 * of the main loop; it sends at most one kick per tc_notify_watchdog_ms().
 */
void tc_notify_watchdog(void);
/* min(timeout_ms, tc_notify_watchdog_ms()), where -1 means forever for both. */
int tc_notify_poll_timeout(int timeout_ms);

#endif /* TC_NOTIFY_H */
