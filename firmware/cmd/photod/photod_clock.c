/*
 * photod_clock.c - the one clock photod's rules read.
 *
 * Policy expiry, the age of the last sync, the PIN lockout and the idle
 * logout all ask photod_now(), so a test build can move time for all of
 * them at once: with CONFIG_FAULT_INJECTION, the environment variable
 * TC_CLOCK_OFFSET_FILE names a file holding a signed number of seconds
 * ("3600", "-60") that is added to the wall clock.  The file is re-read at
 * every call (tests rewrite it while photod runs); a missing or malformed
 * file means no offset.  Production builds have no such hook: the
 * variable is never read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_io.h"

#ifdef CONFIG_FAULT_INJECTION
#define MAX_OFFSET (20LL * 365 * 24 * 3600)

static int64_t
clock_offset(void)
{
	const char *path = getenv("TC_CLOCK_OFFSET_FILE");
	char buf[32], *p;
	uint64_t v;
	size_t got = 0;
	int fd, neg;

	if (!path || !*path)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (tc_read_full(fd, buf, sizeof(buf) - 1, &got) != 0)
		got = 0;
	close(fd);
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		got--;
	buf[got] = '\0';
	p = buf;
	neg = *p == '-';
	if (neg || *p == '+')
		p++;
	if (tc_parse_u64(p, 0, MAX_OFFSET, &v) != 0)
		return 0;
	return neg ? -(int64_t)v : (int64_t)v;
}
#endif

int64_t
photod_now(void)
{
	int64_t now = (int64_t)(tc_time_wall_us() / 1000000);

#ifdef CONFIG_FAULT_INJECTION
	now += clock_offset();
#endif
	return now;
}
