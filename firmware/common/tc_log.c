/*
 * tc_log.c - levelled logging to syslog or stderr.
 *
 * Tuned for simplicity: one global sink, set once from main().  Lines
 * written to stderr are formatted into one buffer and written with one
 * write(2) so concurrent processes do not interleave within a line.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "tc_log.h"

static const char *log_ident = "trustcam";
static bool log_syslog;
static enum tc_log_level log_max = TC_LOG_INFO;

void
tc_log_open(const char *ident, bool use_syslog, enum tc_log_level max)
{
	log_ident = ident ? ident : "trustcam";
	log_syslog = use_syslog;
	log_max = max;
	if (use_syslog)
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
tc_log_close(void)
{
	if (log_syslog)
		closelog();
	log_syslog = false;
}

void
tc_log_set_level(enum tc_log_level max)
{
	log_max = max;
}

int
tc_log_parse_level(const char *s, enum tc_log_level *out)
{
	static const struct { const char *name; enum tc_log_level lvl; } t[] = {
		{ "err", TC_LOG_ERR }, { "warn", TC_LOG_WARN },
		{ "info", TC_LOG_INFO }, { "debug", TC_LOG_DEBUG },
	};
	size_t i;

	for (i = 0; s && i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i].name) == 0) {
			*out = t[i].lvl;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *
level_name(enum tc_log_level lvl)
{
	switch (lvl) {
	case TC_LOG_ERR: return "error";
	case TC_LOG_WARN: return "warning";
	case TC_LOG_INFO: return "info";
	default: return "debug";
	}
}

void
tc_log(enum tc_log_level lvl, const char *fmt, ...)
{
	char line[1024];
	int n, m;
	va_list ap;
	int saved = errno;

	if (lvl > log_max)
		return;
	va_start(ap, fmt);
	if (log_syslog) {
		vsyslog((int)lvl, fmt, ap);
		va_end(ap);
		errno = saved;
		return;
	}
	n = snprintf(line, sizeof(line), "%s: %s: ", log_ident, level_name(lvl));
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	if ((size_t)(n + m) > sizeof(line) - 2)
		m = (int)sizeof(line) - 2 - n;
	line[n + m] = '\n';
	/* Best effort: a failed log write must not change the caller's errno. */
	if (write(STDERR_FILENO, line, (size_t)(n + m + 1)) < 0)
		(void)0;
	errno = saved;
}
