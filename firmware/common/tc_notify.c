/*
 * tc_notify.c - sd_notify for the daemons (tc_notify.h).
 *
 * The watchdog interval is read once from WATCHDOG_USEC (sd_watchdog_enabled
 * also honours WATCHDOG_PID); kicks are sent at half of it, and no more
 * often, so a busy loop does not flood the notify socket.
 */
#include <stdint.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "tc_log.h"
#include "tc_notify.h"

static int wd_ms = -2;		/* -2: not read yet; -1: no watchdog */
static uint64_t last_kick_ms;

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
tc_notify_ready(const char *status)
{
	int rc = status ? sd_notifyf(0, "READY=1\nSTATUS=%s", status) : sd_notify(0, "READY=1");

	if (rc < 0)
		tc_warn("sd_notify READY: %d", rc);
	last_kick_ms = mono_ms();
}

void
tc_notify_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1");
}

int
tc_notify_watchdog_ms(void)
{
	uint64_t usec = 0;

	if (wd_ms == -2) {
		if (sd_watchdog_enabled(0, &usec) > 0 && usec >= 2000)
			wd_ms = usec / 2000 > INT32_MAX ? INT32_MAX : (int)(usec / 2000);
		else
			wd_ms = -1;
	}
	return wd_ms;
}

void
tc_notify_watchdog(void)
{
	uint64_t now;

	if (tc_notify_watchdog_ms() < 0)
		return;
	now = mono_ms();
	if (now - last_kick_ms < (uint64_t)wd_ms)
		return;
	last_kick_ms = now;
	(void)sd_notify(0, "WATCHDOG=1");
}

int
tc_notify_poll_timeout(int timeout_ms)
{
	int w = tc_notify_watchdog_ms();

	if (w < 0)
		return timeout_ms;
	return timeout_ms < 0 || w < timeout_ms ? w : timeout_ms;
}
