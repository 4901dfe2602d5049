/*
 * tc_fault.h - fault injection for tests (after SQLite's test_malloc.c).
 *
 * Built in only with CONFIG_FAULT_INJECTION; otherwise every hook is an
 * inline that returns 0 and costs nothing.  Two kinds of fault:
 *
 *   - error sites: the Nth allocation, write, fsync, rename or read from
 *     now fails with an errno the test chose (ENOMEM, ENOSPC, EIO, ...),
 *     once or for every call after it (sticky);
 *   - crash points: named places in a commit or delete protocol where a
 *     forked child kills itself with SIGKILL, so a test can loop over
 *     every step of a protocol and check the store after each.
 *
 * Tests arm faults through the functions below; integration tests that
 * drive real binaries arm them through the environment:
 *   TC_FAULT=site:nth:errno[:sticky]   e.g. TC_FAULT=write:3:ENOSPC
 *   (sites: alloc, write, fsync, rename, read, camera)
 *   TC_CRASH_AT=name[:nth]             e.g. TC_CRASH_AT=store.commit.renamed
 *   TC_HOLD_AT=name[:nth] TC_HOLD_FIFO=path
 *                                      wait there instead: the point opens the
 *                                      FIFO for reading (the test's open for
 *                                      writing returns once the process is
 *                                      held) and goes on when the test closes it
 */
#ifndef TC_FAULT_H
#define TC_FAULT_H

#include <stdbool.h>

#include "autoconf.h"

enum tc_fault_site {
	TC_FAULT_ALLOC,
	TC_FAULT_WRITE,
	TC_FAULT_FSYNC,
	TC_FAULT_RENAME,
	TC_FAULT_READ,
	TC_FAULT_CAMERA,	/* tc_camera_take: the camera fails or vanishes (-ENODEV, -EIO) */
	TC_FAULT_NSITES
};

#ifdef CONFIG_FAULT_INJECTION
/* From the nth call at site (1 = the next call), fail with -err. */
void tc_fault_arm(enum tc_fault_site site, unsigned long nth, int err, bool sticky);
void tc_fault_disarm_all(void);
/* 0, or the negative errno to inject at this call. */
int tc_fault_hit(enum tc_fault_site site);
/* How many calls each site has seen since the last disarm. */
unsigned long tc_fault_count(enum tc_fault_site site);

/* SIGKILL this process at the nth passage of point name (1 = next). */
void tc_fault_crash_at(const char *name, unsigned long nth);
/* Count of crash points passed since the last disarm. */
unsigned long tc_fault_points_passed(void);
void tc_fault_point(const char *name);
#else
static inline int tc_fault_hit(enum tc_fault_site site) { (void)site; return 0; }
static inline void tc_fault_point(const char *name) { (void)name; }
#endif

#endif /* TC_FAULT_H */
