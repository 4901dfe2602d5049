/*
 * tc_fault.c - the error sites and crash points of tc_fault.h.
 *
 * State is global and per process; tests fork before arming a crash.
 * Counters are atomics so a second thread (the capture encoder) may pass
 * a site while the test thread arms another.
 */
#include "autoconf.h"

#ifdef CONFIG_FAULT_INJECTION
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_fault.h"

struct fault_site {
	unsigned long count;	/* calls seen */
	unsigned long nth;	/* 0 = not armed */
	int err;
	bool sticky;
};

static struct fault_site sites[TC_FAULT_NSITES];
static char crash_name[64];
static char hold_fifo[256];	/* TC_HOLD_AT: hold at the point on this FIFO, not SIGKILL */
static unsigned long crash_nth, crash_seen, points_passed;
static int env_loaded;

static const char *const site_names[TC_FAULT_NSITES] = {
	"alloc", "write", "fsync", "rename", "read", "camera",
};

static int
errno_by_name(const char *s)
{
	static const struct { const char *n; int e; } t[] = {
		{ "ENOMEM", ENOMEM }, { "ENOSPC", ENOSPC }, { "EIO", EIO },
		{ "EDQUOT", EDQUOT }, { "EINTR", EINTR }, { "EROFS", EROFS },
		{ "ENODEV", ENODEV }, { "ETIMEDOUT", ETIMEDOUT },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(s, t[i].n) == 0)
			return t[i].e;
	return EIO;
}

/* name[:nth] of TC_CRASH_AT or TC_HOLD_AT: arm the point. */
static void
arm_point_env(const char *v)
{
	char buf[128];
	const char *colon = strchr(v, ':');
	size_t len = colon ? (size_t)(colon - v) : strlen(v);

	if (len >= sizeof(buf))
		return;
	memcpy(buf, v, len);
	buf[len] = '\0';
	tc_fault_crash_at(buf, colon ? strtoul(colon + 1, NULL, 10) : 1);
}

/*
 * TC_FAULT=site:nth:errno[:sticky], TC_CRASH_AT=name[:nth],
 * TC_HOLD_AT=name[:nth] with TC_HOLD_FIFO=path
 */
static void
load_env(void)
{
	char buf[128], *save = NULL, *tok[4] = { 0 };
	const char *v, *p;
	int i, n = 0;

	if (__atomic_exchange_n(&env_loaded, 1, __ATOMIC_ACQ_REL))
		return;
	if ((v = getenv("TC_FAULT")) && strlen(v) < sizeof(buf)) {
		memcpy(buf, v, strlen(v) + 1);
		for (char *t = strtok_r(buf, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
			tok[n++] = t;
		for (i = 0; n >= 3 && i < TC_FAULT_NSITES; i++)
			if (strcmp(tok[0], site_names[i]) == 0)
				tc_fault_arm((enum tc_fault_site)i, strtoul(tok[1], NULL, 10),
					     errno_by_name(tok[2]), n == 4);
	}
	if ((v = getenv("TC_CRASH_AT"))) {
		arm_point_env(v);
	} else if ((v = getenv("TC_HOLD_AT")) && (p = getenv("TC_HOLD_FIFO")) &&
		   strlen(p) < sizeof(hold_fifo)) {
		arm_point_env(v);
		memcpy(hold_fifo, p, strlen(p) + 1);
	}
}

/*
 * Held at a point: opening the FIFO for reading blocks until the test
 * opens it for writing (so the test knows this process is here), and the
 * reads end when the test closes it (so the test says when to go on).
 */
static void
hold(void)
{
	char c;
	ssize_t n;
	int fd;

	while ((fd = open(hold_fifo, O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return;
	while ((n = read(fd, &c, 1)) > 0 || (n < 0 && errno == EINTR))
		;
	close(fd);
}

void
tc_fault_arm(enum tc_fault_site site, unsigned long nth, int err, bool sticky)
{
	if ((int)site < 0 || site >= TC_FAULT_NSITES)
		return;
	env_loaded = 1;
	sites[site].count = 0;
	sites[site].nth = nth;
	sites[site].err = err > 0 ? err : -err;
	sites[site].sticky = sticky;
}

void
tc_fault_disarm_all(void)
{
	env_loaded = 1;
	memset(sites, 0, sizeof(sites));
	crash_name[0] = '\0';
	crash_nth = crash_seen = points_passed = 0;
}

int
tc_fault_hit(enum tc_fault_site site)
{
	struct fault_site *s;
	unsigned long c;

	load_env();
	if ((int)site < 0 || site >= TC_FAULT_NSITES)
		return 0;
	s = &sites[site];
	c = __atomic_add_fetch(&s->count, 1, __ATOMIC_RELAXED);
	if (s->nth == 0 || c < s->nth)
		return 0;
	if (c == s->nth || s->sticky)
		return -s->err;
	return 0;
}

unsigned long
tc_fault_count(enum tc_fault_site site)
{
	if ((int)site < 0 || site >= TC_FAULT_NSITES)
		return 0;
	return __atomic_load_n(&sites[site].count, __ATOMIC_RELAXED);
}

void
tc_fault_crash_at(const char *name, unsigned long nth)
{
	size_t len = strlen(name);

	env_loaded = 1;
	if (len >= sizeof(crash_name))
		len = sizeof(crash_name) - 1;
	memcpy(crash_name, name, len);
	crash_name[len] = '\0';
	crash_nth = nth ? nth : 1;
	crash_seen = 0;
	hold_fifo[0] = '\0';
}

unsigned long
tc_fault_points_passed(void)
{
	return __atomic_load_n(&points_passed, __ATOMIC_RELAXED);
}

void
tc_fault_point(const char *name)
{
	load_env();
	__atomic_add_fetch(&points_passed, 1, __ATOMIC_RELAXED);
	if (crash_name[0] == '\0')
		return;
	/* "*" crashes at the nth point of any name: loop over N to visit every step. */
	if (strcmp(crash_name, "*") != 0 && strcmp(crash_name, name) != 0)
		return;
	if (__atomic_add_fetch(&crash_seen, 1, __ATOMIC_RELAXED) != crash_nth)
		return;
	if (hold_fifo[0] != '\0')
		hold();
	else
		kill(getpid(), SIGKILL);
}
#endif /* CONFIG_FAULT_INJECTION */
