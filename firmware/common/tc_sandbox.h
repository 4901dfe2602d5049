/*
 * tc_sandbox.h - what a device daemon gives up once it is set up.
 *
 * photod (and the kiosk UI) must never talk to the network (DESIGN: only
 * syncd holds the link to the Trust).  tc_sandbox_no_network() installs a
 * seccomp filter (libseccomp) so that socket(2) for any family but
 * AF_UNIX and AF_NETLINK (libcamera's device hotplug) fails with EACCES,
 * and sets no_new_privs.  The filter is inherited by every thread created
 * afterwards and cannot be removed.
 */
#ifndef TC_SANDBOX_H
#define TC_SANDBOX_H

#include "tc_err.h"

int tc_sandbox_no_network(void) TC_MUST_CHECK;

#endif /* TC_SANDBOX_H */
