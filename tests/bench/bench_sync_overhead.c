/*
 * bench_sync_overhead.c - issue 7: the median per-photo time syncd
 * spends beyond the transfer itself: checking and recording the receipt
 * (signature, fields, catalog transaction) plus the secure delete
 * (object overwrite, key-wrap records, tombstone, audit), in ms, over 60
 * photos of about 5 MB.  syncd's debug log times both steps per photo.
 * Target: <= 5 ms (printed as baseline=5, ratio <= 1).  (The delete runs
 * on the deleter thread, overlapped with the next uploads, so this is
 * work, not added latency; it is also slowed by the server's writes to
 * the same disk on loopback.)
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "sync_common.h"

#define PHOTOS 60

int
main(void)
{
	static double rec[PHOTOS], del[PHOTOS], sum[PHOTOS];
	struct bsync s;
	char path[512], line[512], id[40];
	unsigned long long us;
	int nr = 0, nd = 0, i, rc = 1;
	FILE *f;

	if (bsync_setup(&s, PHOTOS) != 0)
		goto out;
	if (bsync_sh(&s, "\"$B/camctl\" -r dev/run sync --wait | tail -1 | grep -q '^sync done: 60 '") != 0) {
		fprintf(stderr, "bench: the sync failed\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/syncd.log", s.srv.dir);
	if (!(f = fopen(path, "r")))
		goto out;
	while (fgets(line, sizeof(line), f)) {
		if (nr < PHOTOS && sscanf(line, "syncd: debug: %32[0-9a-f]: receipt checked and recorded in %llu us",
					  id, &us) == 2 && strstr(line, "receipt checked"))
			rec[nr++] = us / 1000.0;
		else if (nd < PHOTOS && sscanf(line, "syncd: debug: %32[0-9a-f]: secure delete in %llu us",
					       id, &us) == 2 && strstr(line, "secure delete in"))
			del[nd++] = us / 1000.0;
	}
	fclose(f);
	if (nr != PHOTOS || nd != PHOTOS) {
		fprintf(stderr, "bench: %d receipt and %d delete timings (want %d)\n", nr, nd, PHOTOS);
		goto out;
	}
	for (i = 0; i < PHOTOS; i++)
		sum[i] = rec[i] + del[i];
	printf("receipt check median %.2f ms, secure delete median %.2f ms\n",
	       bench_median(rec, PHOTOS), bench_median(del, PHOTOS));
	/*
	 * No measured baseline: a bare secure delete needs a store of its own
	 * (the device's is held by photod and syncd), and secure-delete-5mb
	 * measures that.  The budget stands in, as photod-rss does.
	 */
	bench_report("sync-overhead", bench_median(sum, PHOTOS), "ms", 5.0, "<=", 1.0);
	rc = 0;
out:
	bsync_teardown(&s);
	return rc;
}
