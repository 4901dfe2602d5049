/*
 * sync_common.h - what the sync benchmarks share: a throwaway Trust and
 * trust-server (server_common.h), and a real device: photod with the
 * synthetic sensor at 4056x3040, provisioned by trustadm, a staff member
 * logged in, and syncd watching an undocked fake sysfs tree in dock
 * mode power-link whatever the board's default (so it syncs only when
 * asked or docked); photos are captured into it in batches.  All
 * on loopback in a temp directory; the device's store is
 * dev/state/store, its objects in dev/state/store/objects.
 */
#ifndef TC_SYNC_COMMON_H
#define TC_SYNC_COMMON_H

#include <stdint.h>

#include "server_common.h"

struct bsync {
	struct bsrv srv;
	uint64_t bytes;		/* sealed bytes of the photos waiting to sync */
	unsigned photos;	/* how many */
};

/* Everything above, with n photos waiting to sync (0: none yet); 0 or -1 (message printed). */
int bsync_setup(struct bsync *s, unsigned n);
/* Capture n more photos; s->bytes and s->photos then count every photo waiting.  0 or -1. */
int bsync_capture(struct bsync *s, unsigned n);
/* One sync pass (camctl sync --wait): 0 if it synced every waiting photo, else -1. */
int bsync_pass(struct bsync *s);
/* Run a shell command in the temp dir; its exit status. */
int bsync_sh(struct bsync *s, const char *cmd);
/* Pid of the device's daemon "photod" or "syncd"; 0 if unknown. */
long bsync_pid(struct bsync *s, const char *daemon);
/* Stop syncd, photod and the server; remove the temp dir. */
void bsync_teardown(struct bsync *s);

#endif /* TC_SYNC_COMMON_H */
