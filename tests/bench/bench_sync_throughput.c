/*
 * bench_sync_throughput.c - syncd's throughput on loopback: a pass of
 * 100 photos of about 5 MB (12 MP synthetic frames, sealed), from
 * `camctl sync` to the pass's end (receipts checked, photos securely
 * deleted, audit log sent), against the minimal job in the same run:
 * a minimal sender (tc_client send: read each of the same objects from
 * the device's store and send it over the same TLS profile) to the
 * minimal correct receiver (tc_tlssink -D: SHA-256, write, fsync of file
 * and directory, nothing else), both with two connections as syncd.
 * Target: ratio >= 0.85, over BENCH_MIN_PAIRS interleaved pairs; each
 * pair captures its photos first (not timed), the baseline sends them,
 * then syncd syncs them.
 *
 * Extra fields, the old baseline: the raw capacity of one TLS stream
 * pushing the same bytes (tc_tlssink without -D, measured after each
 * pair's sync): raw_tls (MB/s) and raw_ratio (median sync/raw).
 */
#include <stdio.h>

#include "bench.h"
#include "sync_common.h"

#define PAIRS BENCH_MIN_PAIRS
#define PHOTOS 100u
#define CONNS 2

struct run {
	struct bsync s;
	double base[PAIRS], raw[PAIRS], raw_ratio[PAIRS];
};

/* Capture this pair's photos, then send them from the store to the minimal receiver. */
static int
run_base(void *ctx, int i, double *mbs)
{
	struct run *r = ctx;
	double t;

	if (bsync_capture(&r->s, PHOTOS) != 0 ||
	    (t = bsrv_minimal(&r->s.srv, "dev/state/store/objects/*.tco", CONNS, NULL, NULL)) <= 0)
		return 1;
	*mbs = r->base[i] = (double)r->s.bytes / t / 1e6;
	return 0;
}

/* syncd syncs them; then the raw TLS push of as many bytes, for the record. */
static int
run_subject(void *ctx, int i, double *mbs)
{
	struct run *r = ctx;
	double bytes = (double)r->s.bytes, t0 = bench_now(), t;

	if (bsync_pass(&r->s) != 0)
		return 1;
	t = bench_now() - t0;
	*mbs = bytes / t / 1e6;
	if ((t = bsrv_raw_push(&r->s.srv, (uint64_t)bytes)) <= 0) {
		fprintf(stderr, "bench_sync_throughput: the raw TLS push failed\n");
		return 1;
	}
	r->raw[i] = bytes / t / 1e6;
	r->raw_ratio[i] = *mbs / r->raw[i];
	fprintf(stderr, "sync-throughput: pair %d: %.1f MB; minimal sender %.0f MB/s, syncd %.0f MB/s,"
		" raw TLS %.0f MB/s\n", i + 1, bytes / 1e6, r->base[i], *mbs, r->raw[i]);
	return 0;
}

int
main(void)
{
	static struct run r;
	struct bench_pairs p;
	char extra[256];
	double lo, hi;
	int rc = 1;

	if (bsync_setup(&r.s, 0) != 0 || bench_pairs_run(&p, PAIRS, run_base, run_subject, &r) != 0)
		goto out;
	bench_range(r.raw_ratio, PAIRS, &lo, &hi);
	snprintf(extra, sizeof(extra), " raw_tls=%.0f raw_ratio=%.4f raw_spread=%.3f-%.3f",
		 bench_median(r.raw, PAIRS), bench_median(r.raw_ratio, PAIRS), lo, hi);
	if (bench_report_pairs("sync-throughput", "MB/s", &p, ">=", 0.85, extra) != 0)
		goto out;
	rc = 0;
out:
	bsync_teardown(&r.s);
	return rc;
}
