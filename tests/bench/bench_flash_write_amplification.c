/*
 * bench_flash_write_amplification.c - bytes the device writes to its
 * store's file system over a capture-and-sync cycle of 100 photos of
 * about 5 MB (capture, sync, receipts, secure delete), divided by the
 * bytes of the sealed objects: every byte beyond 1.0 is flash wear the
 * photos themselves did not need.  Target: <= 1.10.
 *
 * The bytes are write_bytes of /proc/PID/io (what the process sent
 * towards the block layer, counted when a page is first dirtied) of
 * photod and syncd, each read just before and just after the cycle,
 * while they run (the counters vanish with the process).  The server
 * writes to the same disk on loopback but is not the device, so it is
 * not counted; neither is the block device's own counter, which the
 * other processes of a shared machine would swell.  cancelled_write_bytes
 * (dirty pages dropped before writeback by a truncate or unlink) is
 * shown beside it; it is not subtracted, so the figure is an upper bound.
 *
 * The cycle measured is the second of two: the first (not counted) fills
 * the store's pool of crypto-erased files (firmware/store/README.md, "The
 * pool"), so the measured captures write over pooled files as a device's
 * do from its second day on, and the measured deletes pool them again.
 *
 *   BENCH name=flash-write-amplification value=<MB written> unit=MB
 *         baseline=<MB of objects> ratio=<amplification> target=<=1.1
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "sync_common.h"

#define PHOTOS 100u

struct io {
	unsigned long long written, cancelled;
};

/* write_bytes and cancelled_write_bytes of pid: 0 or -1. */
static int
read_io(long pid, struct io *io)
{
	char path[64], line[128];
	int got = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/io", pid);
	if (pid <= 0 || !(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "write_bytes: %llu", &io->written) == 1)
			got |= 1;
		else if (sscanf(line, "cancelled_write_bytes: %llu", &io->cancelled) == 1)
			got |= 2;
	}
	fclose(f);
	return got == 3 ? 0 : -1;
}

int
main(void)
{
	struct io p0, p1, s0, s1;
	struct bsync s;
	long photod, syncd;
	double bytes, written, cancelled;
	char extra[160];
	int rc = 1;

	if (bsync_setup(&s, 0) != 0)
		goto out;
	/* The first cycle, not counted: a device's steady state has a pool to write over. */
	if (bsync_capture(&s, PHOTOS) != 0 || bsync_pass(&s) != 0)
		goto out;
	photod = bsync_pid(&s, "photod");
	syncd = bsync_pid(&s, "syncd");
	if (read_io(photod, &p0) != 0 || read_io(syncd, &s0) != 0) {
		fprintf(stderr, "bench: cannot read /proc/PID/io of photod or syncd\n");
		goto out;
	}
	if (bsync_capture(&s, PHOTOS) != 0)
		goto out;
	bytes = (double)s.bytes;
	if (bsync_pass(&s) != 0)
		goto out;
	if (read_io(photod, &p1) != 0 || read_io(syncd, &s1) != 0) {
		fprintf(stderr, "bench: cannot read /proc/PID/io after the cycle\n");
		goto out;
	}
	written = (double)(p1.written - p0.written) + (double)(s1.written - s0.written);
	cancelled = (double)(p1.cancelled - p0.cancelled) + (double)(s1.cancelled - s0.cancelled);
	fprintf(stderr, "flash-write-amplification: %u photos, %.1f MB of objects; photod wrote %.1f MB,"
		" syncd %.1f MB; cancelled %.1f MB\n", PHOTOS, bytes / 1e6,
		(double)(p1.written - p0.written) / 1e6, (double)(s1.written - s0.written) / 1e6,
		cancelled / 1e6);
	snprintf(extra, sizeof(extra), " photod_mb=%.1f syncd_mb=%.1f cancelled_mb=%.1f",
		 (double)(p1.written - p0.written) / 1e6, (double)(s1.written - s0.written) / 1e6,
		 cancelled / 1e6);
	bench_report_extra("flash-write-amplification", written / 1e6, "MB", bytes / 1e6, "<=", 1.10,
			   extra);
	rc = 0;
out:
	bsync_teardown(&s);
	return rc;
}
