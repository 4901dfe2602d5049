/*
 * bench_catalog_insert_100k.c - catalog insert latency with 100,000
 * photos already catalogued, against an empty catalog in the same run.
 *
 * Measures the catalog operation itself (tc_catalog_insert: one durable
 * INSERT transaction, WAL + synchronous=FULL), not sealing or file I/O.
 * The 100k rows go in through one bulk transaction, as a device that has
 * kept a year of tombstones would hold them.  Inserts alternate between
 * the two catalogs so disk and cache drift hit both alike.
 *
 *   BENCH name=catalog-insert-100k value=<median us, 100k> baseline=<median us, empty>
 *   target <= 1.2
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "catalog.h"
#include "tc_io.h"
#include "tc_random.h"

#define PREFILL 100000
#define OPS 1000
#define WARMUP 50

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
open_catalog(const char *base, const char *name, char *dir, size_t len,
	     struct tc_catalog **c, int *dfd)
{
	snprintf(dir, len, "%s/%s", base, name);
	if ((*dfd = tc_open_private_dir(dir, 1)) < 0)
		return *dfd;
	return tc_catalog_open(c, *dfd, dir);
}

static int
fill_rec(struct tc_store_rec *r, enum tc_photo_state state, uint64_t t)
{
	memset(r, 0, sizeof(*r));
	r->state = state;
	r->size = 3000000 + t % 1000000;
	r->created_us = r->stored_us = 1700000000000000ull + t * 1000000;
	if (tc_random_bytes(r->id, sizeof(r->id)) != 0 ||
	    tc_random_bytes(r->digest, sizeof(r->digest)) != 0)
		return -1;
	return 0;
}

int
main(void)
{
	static double t_empty[OPS], t_full[OPS];
	char base[256], d1[320], d2[320];
	const char *tmp = getenv("TMPDIR");
	struct tc_catalog *empty = NULL, *full = NULL;
	struct tc_store_rec *bulk, r;
	int fd1 = -1, fd2 = -1, i, rc = 1;
	double t0, t1;

	snprintf(base, sizeof(base), "%s/tc-bench-insXXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(base))
		return 1;
	if (open_catalog(base, "empty", d1, sizeof(d1), &empty, &fd1) != 0 ||
	    open_catalog(base, "full", d2, sizeof(d2), &full, &fd2) != 0)
		goto out;
	if (!(bulk = calloc(PREFILL, sizeof(*bulk))))
		goto out;
	for (i = 0; i < PREFILL; i++)	/* mostly tombstones, a quota's worth live */
		if (fill_rec(&bulk[i], i % 50 ? TC_PHOTO_DELETED : TC_PHOTO_CAPTURED, (uint64_t)i))
			goto out;
	t0 = bench_now();
	rc = tc_catalog_bulk_insert(full, bulk, PREFILL);
	free(bulk);
	if (rc != 0 || tc_catalog_checkpoint(full) != 0) {
		rc = 1;
		goto out;
	}
	fprintf(stderr, "prefilled %d rows in %.1f s\n", PREFILL, bench_now() - t0);
	rc = 1;
	for (i = 0; i < WARMUP; i++)
		if (fill_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + i)) ||
		    tc_catalog_insert(empty, &r) || tc_catalog_insert(full, &r))
			goto out;
	for (i = 0; i < OPS; i++) {
		struct tc_catalog *first = i % 2 ? empty : full, *second = i % 2 ? full : empty;
		double *tf = i % 2 ? t_empty : t_full, *ts = i % 2 ? t_full : t_empty;

		if (fill_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + WARMUP + i)))
			goto out;
		t0 = bench_now();
		if (tc_catalog_insert(first, &r))
			goto out;
		t1 = bench_now();
		tf[i] = (t1 - t0) * 1e6;
		if (fill_rec(&r, TC_PHOTO_CAPTURED, (uint64_t)(PREFILL + WARMUP + i)))
			goto out;
		t0 = bench_now();
		if (tc_catalog_insert(second, &r))
			goto out;
		ts[i] = (bench_now() - t0) * 1e6;
	}
	{
		double full_med = bench_median(t_full, OPS), empty_med = bench_median(t_empty, OPS);

		bench_report("catalog-insert-100k", full_med, "us", empty_med, "<=", 1.2);
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_catalog_insert_100k: failed\n");
	tc_catalog_close(empty);
	tc_catalog_close(full);
	if (fd1 >= 0)
		close(fd1);
	if (fd2 >= 0)
		close(fd2);
	nftw(base, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return rc;
}
