/*
 * tc_dock.h - is the device docked?  Docked means external power online
 * (a Mains or USB power supply reports online == 1) and a network link up
 * (an interface other than lo with operstate "up").
 *
 * Tuned for a daemon that sleeps until something changes: the handle
 * listens to the kernel (NETLINK_KOBJECT_UEVENT for power_supply changes,
 * rtnetlink for links) and, when the sysfs root is not /sys (tests), also
 * watches the fake tree's files with inotify, since no kernel event can
 * come from a fake tree.  tc_dock_fd() is one pollable descriptor (an
 * epoll set of all of them); when it is readable call tc_dock_docked(),
 * which drains the events and re-reads sysfs, so events are only hints
 * and the answer is always what sysfs says now.
 */
#ifndef TC_DOCK_H
#define TC_DOCK_H

#include <stdbool.h>

#include "tc_err.h"

struct tc_dock;

/*
 * What counts as docked (Kconfig DOCK_MODE_*, syncd -D):
 *   POWER_LINK  external power online and a link up (a handheld on its dock)
 *   LINK        a link up (a mains-powered kiosk, or a Pi with no
 *               power_supply entry): whether the Trust server answers is
 *               the pass's to find out (a failed pass backs off)
 *   ALWAYS      always (a kiosk wired to the Trust network: syncd also
 *               starts a pass as each photo arrives)
 */
enum tc_dock_mode { TC_DOCK_POWER_LINK = 0, TC_DOCK_LINK, TC_DOCK_ALWAYS };

/* "power-link", "link" or "always": 0, or -EINVAL. */
int tc_dock_mode_parse(const char *s, enum tc_dock_mode *out) TC_MUST_CHECK;
const char *tc_dock_mode_name(enum tc_dock_mode m);
/* The mode Kconfig chose for this board. */
enum tc_dock_mode tc_dock_mode_default(void);
/* Set the mode of an open watcher (default: tc_dock_mode_default()). */
void tc_dock_set_mode(struct tc_dock *d, enum tc_dock_mode m);

/*
 * Open a dock watcher over the sysfs tree at root (NULL: $TC_SYSFS_ROOT,
 * else "/sys").  Netlink sockets that cannot be opened (no permission, a
 * container) are skipped with a warning; with a fake root the inotify
 * watches must work (else the error).  0, -ENOMEM or a negative errno.
 */
int tc_dock_open(struct tc_dock **out, const char *root) TC_MUST_CHECK;
/* A descriptor that becomes readable when the dock state may have changed. */
int tc_dock_fd(const struct tc_dock *d);
/* Drain pending events and report whether the device is docked now, by its mode. */
bool tc_dock_docked(struct tc_dock *d);
/* Whether external power / a link is up now (for status lines). */
bool tc_dock_power(struct tc_dock *d);
bool tc_dock_link(struct tc_dock *d);
void tc_dock_close(struct tc_dock *d);

#endif /* TC_DOCK_H */
