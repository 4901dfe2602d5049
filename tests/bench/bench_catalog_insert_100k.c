/*
 * bench_catalog_insert_100k.c - catalog insert latency with 100,000
 * photos already catalogued, against an empty catalog in the same run.
 *
 * Measures the catalog operation itself (tc_catalog_insert: one durable
 * INSERT transaction, WAL + synchronous=FULL), not sealing or file I/O.
 * The 100k rows go in through one bulk transaction, as a device that has
 * kept a year of tombstones would hold them.  Inserts alternate between
 * the two catalogs so disk and cache drift hit both alike; the 1000
 * inserts into each are cut into 10 blocks of 100 in order, each block's
 * medians a pair (bench_pairs_from_blocks).
 *
 *   BENCH name=catalog-insert-100k value=<median of block medians, 100k, us>
 *         baseline=<the same, empty> ratio=<median block ratio> spread=... target<=1.2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "catalog_common.h"

#define PREFILL 100000
#define OPS 1000
#define WARMUP 50
#define BLOCKS 10

int
main(void)
{
	static double t_empty[OPS], t_full[OPS];
	struct bcat b;
	struct tc_store_rec *bulk, r;
	int i, rc = 1;
	double t0, t1;

	if (bcat_open(&b, "tc-bench-ins") != 0)
		goto out;
	if (!(bulk = calloc(PREFILL, sizeof(*bulk))))
		goto out;
	for (i = 0; i < PREFILL; i++)	/* mostly tombstones, a quota's worth live */
		if (bcat_rec(&bulk[i], i % 50 ? TC_PHOTO_DELETED : TC_PHOTO_CAPTURED, (uint64_t)i))
			goto out;
	t0 = bench_now();
	rc = tc_catalog_bulk_insert(b.full, bulk, PREFILL);
	free(bulk);
	if (rc != 0 || tc_catalog_checkpoint(b.full) != 0) {
		rc = 1;
		goto out;
	}
	fprintf(stderr, "prefilled %d rows in %.1f s\n", PREFILL, bench_now() - t0);
	rc = 1;
	for (i = 0; i < WARMUP; i++)
		if (bcat_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + i)) ||
		    tc_catalog_insert(b.empty, &r) || tc_catalog_insert(b.full, &r))
			goto out;
	for (i = 0; i < OPS; i++) {
		struct tc_catalog *first = i % 2 ? b.empty : b.full, *second = i % 2 ? b.full : b.empty;
		double *tf = i % 2 ? t_empty : t_full, *ts = i % 2 ? t_full : t_empty;

		if (bcat_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + WARMUP + i)))
			goto out;
		t0 = bench_now();
		if (tc_catalog_insert(first, &r))
			goto out;
		t1 = bench_now();
		tf[i] = (t1 - t0) * 1e6;
		if (bcat_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + WARMUP + i)))
			goto out;
		t0 = bench_now();
		if (tc_catalog_insert(second, &r))
			goto out;
		ts[i] = (bench_now() - t0) * 1e6;
	}
	{
		struct bench_pairs p;

		if (bench_pairs_from_blocks(&p, t_empty, t_full, OPS, BLOCKS) != 0 ||
		    bench_report_pairs("catalog-insert-100k", "us", &p, "<=", 1.2, NULL) != 0)
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_catalog_insert_100k: failed\n");
	bcat_close(&b);
	return rc;
}
