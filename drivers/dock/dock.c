/*
 * dock.c - the dock driver (tc_dock.h): kernel events as hints, sysfs as
 * the truth.
 *
 * Power: every /sys/class/power_supply/NAME whose type is Mains, USB (or
 * USB_*) and whose online reads 1.  A supply without a type file counts
 * as external (fake trees may omit it); batteries never do.
 * Link: every /sys/class/net/NAME other than lo whose operstate is "up".
 *
 * Events: a NETLINK_KOBJECT_UEVENT socket (power_supply change uevents),
 * an rtnetlink socket subscribed to RTMGRP_LINK, and, for a sysfs root
 * other than /sys, inotify watches on the class directories and each
 * device directory (a test docks by writing online or operstate).  All
 * three sit in one epoll set, so syncd polls a single descriptor.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "tc_dock.h"
#include "tc_io.h"
#include "tc_log.h"

struct tc_dock {
	char root[256];
	int ep;			/* epoll set: what tc_dock_fd() returns */
	int uevent, rtnl, ino;	/* -1 when unavailable */
	enum tc_dock_mode mode;
};

static const char *const mode_names[] = {
	[TC_DOCK_POWER_LINK] = "power-link",
	[TC_DOCK_LINK] = "link",
	[TC_DOCK_ALWAYS] = "always",
};

int
tc_dock_mode_parse(const char *s, enum tc_dock_mode *out)
{
	size_t i;

	for (i = 0; i < sizeof(mode_names) / sizeof(mode_names[0]); i++) {
		if (s && strcmp(s, mode_names[i]) == 0) {
			*out = (enum tc_dock_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *
tc_dock_mode_name(enum tc_dock_mode m)
{
	return (unsigned)m < sizeof(mode_names) / sizeof(mode_names[0]) ? mode_names[m] : "?";
}

enum tc_dock_mode
tc_dock_mode_default(void)
{
#if defined(CONFIG_DOCK_MODE_ALWAYS)
	return TC_DOCK_ALWAYS;
#elif defined(CONFIG_DOCK_MODE_LINK)
	return TC_DOCK_LINK;
#else
	return TC_DOCK_POWER_LINK;
#endif
}

void
tc_dock_set_mode(struct tc_dock *d, enum tc_dock_mode m)
{
	d->mode = m;
}

static int
nl_open(int proto, unsigned groups)
{
	struct sockaddr_nl sa;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);

	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.nl_family = AF_NETLINK;
	sa.nl_groups = groups;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* Read a short sysfs attribute, trailing newline cut; 0 or negative errno. */
static int
attr(const char *dir, const char *name, char *out, size_t cap)
{
	char path[512];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, out, cap - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' '))
		out[--n] = '\0';
	return 0;
}

/* Inotify watch on path (fake trees only); errors are ignored: the dir may not exist yet. */
static void
watch(struct tc_dock *d, const char *path)
{
	if (d->ino >= 0)
		(void)inotify_add_watch(d->ino, path, IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE |
					IN_DELETE | IN_MODIFY);
}

/*
 * Walk root/class/<cls>/ *: calls ok(dir, name) for each entry, watches
 * each device directory; true if any entry says yes.
 */
static bool
scan(struct tc_dock *d, const char *cls, bool (*ok)(const char *dir, const char *name))
{
	char base[300], dir[600];
	struct dirent *e;
	bool any = false;
	DIR *dp;

	snprintf(base, sizeof(base), "%s/class/%s", d->root, cls);
	watch(d, base);
	dp = opendir(base);
	if (!dp)
		return false;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(dir, sizeof(dir), "%s/%s", base, e->d_name);
		watch(d, dir);
		if (ok(dir, e->d_name))
			any = true;
	}
	closedir(dp);
	return any;
}

static bool
supply_ok(const char *dir, const char *name)
{
	char v[32];

	(void)name;
	if (attr(dir, "type", v, sizeof(v)) == 0 && strcmp(v, "Mains") != 0 &&
	    strncmp(v, "USB", 3) != 0)
		return false;
	return attr(dir, "online", v, sizeof(v)) == 0 && strcmp(v, "1") == 0;
}

static bool
link_ok(const char *dir, const char *name)
{
	char v[32];

	return strcmp(name, "lo") != 0 && attr(dir, "operstate", v, sizeof(v)) == 0 &&
	       strcmp(v, "up") == 0;
}

static void
add(struct tc_dock *d, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (fd >= 0 && epoll_ctl(d->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		tc_warn("dock: epoll_ctl: %s", strerror(errno));
}

int
tc_dock_open(struct tc_dock **out, const char *root)
{
	struct tc_dock *d;
	bool fake;
	int rc;

	*out = NULL;
	if (!root)
		root = getenv("TC_SYSFS_ROOT");
	if (!root || !*root)
		root = "/sys";
	d = tc_calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->uevent = d->rtnl = d->ino = -1;
	d->mode = tc_dock_mode_default();
	if (tc_strlcpy(d->root, root, sizeof(d->root)) >= sizeof(d->root)) {
		rc = -ENAMETOOLONG;
		goto fail;
	}
	fake = strcmp(root, "/sys") != 0;
	d->ep = epoll_create1(EPOLL_CLOEXEC);
	if (d->ep < 0) {
		rc = -errno;
		goto fail;
	}
	d->uevent = nl_open(NETLINK_KOBJECT_UEVENT, 1);
	if (d->uevent < 0) {
		tc_warn("dock: no uevent socket (%s): power changes seen at the next event only",
			strerror(-d->uevent));
		d->uevent = -1;
	}
	d->rtnl = nl_open(NETLINK_ROUTE, RTMGRP_LINK);
	if (d->rtnl < 0) {
		tc_warn("dock: no rtnetlink socket (%s)", strerror(-d->rtnl));
		d->rtnl = -1;
	}
	if (fake) {
		d->ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
		if (d->ino < 0) {
			rc = -errno;
			goto fail;
		}
	}
	add(d, d->uevent);
	add(d, d->rtnl);
	add(d, d->ino);
	(void)tc_dock_docked(d);	/* sets the watches */
	*out = d;
	return 0;
fail:
	tc_dock_close(d);
	return rc;
}

int
tc_dock_fd(const struct tc_dock *d)
{
	return d->ep;
}

static void
drain(int fd)
{
	char buf[8192];

	if (fd < 0)
		return;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

bool
tc_dock_power(struct tc_dock *d)
{
	return scan(d, "power_supply", supply_ok);
}

bool
tc_dock_link(struct tc_dock *d)
{
	return scan(d, "net", link_ok);
}

bool
tc_dock_docked(struct tc_dock *d)
{
	struct epoll_event ev[4];
	bool power, link;

	/* Level-triggered epoll: draining the members clears the set's readiness. */
	drain(d->uevent);
	drain(d->rtnl);
	drain(d->ino);
	(void)epoll_wait(d->ep, ev, 4, 0);
	/* Both scans always run: each (re)adds the inotify watches of its class. */
	power = tc_dock_power(d);
	link = tc_dock_link(d);
	switch (d->mode) {
	case TC_DOCK_ALWAYS:
		return true;
	case TC_DOCK_LINK:
		return link;
	default:
		return power && link;
	}
}

void
tc_dock_close(struct tc_dock *d)
{
	if (!d)
		return;
	if (d->uevent >= 0)
		close(d->uevent);
	if (d->rtnl >= 0)
		close(d->rtnl);
	if (d->ino >= 0)
		close(d->ino);
	if (d->ep > 0)
		close(d->ep);
	tc_free(d);
}
