/*
 * bench_sync_throughput.c - issue 7: syncd's throughput on loopback,
 * 200 photos of about 5 MB (12 MP synthetic frames, sealed), from
 * `camctl sync` to the pass's end (receipts checked, photos securely
 * deleted, audit log sent), against the raw capacity of an mbedtls TLS
 * connection between the same endpoints in the same run (tc_tlssink).
 * Target: ratio >= 0.85.
 */
#include <stdio.h>

#include "bench.h"
#include "sync_common.h"

#define PHOTOS 200u

int
main(void)
{
	struct bsync s;
	double t0, t, raw;
	int rc = 1;

	if (bsync_setup(&s, PHOTOS) != 0)
		goto out;
	t0 = bench_now();
	if (bsync_sh(&s, "\"$B/camctl\" -r dev/run sync --wait | tail -1 | grep -q '^sync done: 200 '") != 0) {
		fprintf(stderr, "bench: the sync failed\n");
		goto out;
	}
	t = bench_now() - t0;
	raw = bsrv_raw_push(&s.srv, s.bytes);
	if (raw <= 0) {
		fprintf(stderr, "bench: raw TLS push failed\n");
		goto out;
	}
	printf("sync: %u photos, %.1f MB in %.2f s; raw TLS %.2f s\n", PHOTOS, s.bytes / 1e6, t, raw);
	bench_report("sync-throughput", s.bytes / 1e6 / t, "MB/s", s.bytes / 1e6 / raw, ">=", 0.85);
	rc = 0;
out:
	bsync_teardown(&s);
	return rc;
}
