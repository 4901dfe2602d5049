/*
 * tc_log.h - levelled logging to syslog or stderr.
 *
 * Never pass a secret, a key, a PIN or a photo byte to these functions:
 * log ids, sizes, states and error codes only.  The sink is chosen once
 * at start-up by tc_log_open(); before that, messages go to stderr.
 */
#ifndef TC_LOG_H
#define TC_LOG_H

#include <stdbool.h>

enum tc_log_level {
	TC_LOG_ERR = 3,
	TC_LOG_WARN = 4,
	TC_LOG_INFO = 6,
	TC_LOG_DEBUG = 7,
};

/* ident: program name; use_syslog: syslog(3) instead of stderr. */
void tc_log_open(const char *ident, bool use_syslog, enum tc_log_level max);
void tc_log_close(void);
void tc_log_set_level(enum tc_log_level max);
/* Parse "err", "warn", "info", "debug"; returns 0 or -EINVAL. */
int tc_log_parse_level(const char *s, enum tc_log_level *out);

void tc_log(enum tc_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define tc_err(...)   tc_log(TC_LOG_ERR, __VA_ARGS__)
#define tc_warn(...)  tc_log(TC_LOG_WARN, __VA_ARGS__)
#define tc_info(...)  tc_log(TC_LOG_INFO, __VA_ARGS__)
#define tc_debug(...) tc_log(TC_LOG_DEBUG, __VA_ARGS__)

#endif /* TC_LOG_H */
