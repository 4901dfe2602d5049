/*
 * sync_common.h - what the sync benchmarks share: a throwaway Trust and
 * trust-server (server_common.h), and a real device: photod with the
 * synthetic sensor at 4056x3040, provisioned by trustadm, a staff member
 * logged in, N photos captured, and syncd watching an undocked fake
 * sysfs tree.  All on loopback in a temp directory.
 */
#ifndef TC_SYNC_COMMON_H
#define TC_SYNC_COMMON_H

#include <stdint.h>

#include "server_common.h"

struct bsync {
	struct bsrv srv;
	uint64_t bytes;		/* sealed bytes of the photos captured */
	unsigned photos;
};

/* Everything above, with n photos waiting to sync; 0 or -1 (message printed). */
int bsync_setup(struct bsync *s, unsigned n);
/* Run a shell command in the temp dir; its exit status. */
int bsync_sh(struct bsync *s, const char *cmd);
/* Stop syncd, photod and the server; remove the temp dir. */
void bsync_teardown(struct bsync *s);

#endif /* TC_SYNC_COMMON_H */
