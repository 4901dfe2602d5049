/*
 * bench_sync_dock_to_empty.c - issue 7: seconds from dock (the fake
 * sysfs says power and link are up; syncd wakes on the inotify event) to
 * the last of 100 photos of about 5 MB securely deleted.  The end is seen
 * with `camctl sync --wait`, which waits for the pass after the dock's
 * (an empty pass: connect, audit, policy; tens of ms), so the figure is
 * a slight over-estimate.  No target in the issue: reported as measured.
 */
#include <stdio.h>

#include "bench.h"
#include "sync_common.h"

#define PHOTOS 100u

int
main(void)
{
	struct bsync s;
	double t0, t;
	int rc = 1;

	if (bsync_setup(&s, PHOTOS) != 0)
		goto out;
	t0 = bench_now();
	if (bsync_sh(&s, "echo 1 > sysfs/class/power_supply/AC/online &&"
		     " echo up > sysfs/class/net/eth0/operstate &&"
		     " \"$B/camctl\" -r dev/run sync --wait >/dev/null &&"
		     " \"$B/camctl\" -r dev/run status | grep -q 'sync pending: *0 photos; 0 receipted'") != 0) {
		fprintf(stderr, "bench: the sync after the dock failed\n");
		goto out;
	}
	t = bench_now() - t0;
	printf("dock to empty: %u photos, %.1f MB in %.2f s\n", PHOTOS, s.bytes / 1e6, t);
	bench_report("sync-dock-to-empty", t, "s", NAN, "<=", 0);
	rc = 0;
out:
	bsync_teardown(&s);
	return rc;
}
