/*
 * bench_catalog_delete_100k.c - the catalog side of a secure delete with
 * 100,000 photos already catalogued, against a catalog holding only the
 * photos to delete, in the same run.
 *
 * One op is what tc_store_secure_delete asks of the catalog: the intent
 * (receipted -> deleting), the tombstone (deleting -> deleted), each a
 * durable transaction, and the WAL checkpoint with truncation.  File
 * erasure is left out (bench_secure_delete_5mb measures it).  Deletes
 * alternate between the two catalogs so drift hits both alike; the 1000
 * deletes from each are cut into 10 blocks of 100 in order, each block's
 * medians a pair (bench_pairs_from_blocks).
 *
 *   BENCH name=catalog-delete-100k value=<median of block medians, 100k, us>
 *         baseline=<the same, empty> ratio=<median block ratio> spread=... target<=1.2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "catalog_common.h"

#define PREFILL 100000
#define OPS 1000
#define WARMUP 20
#define VICTIMS (OPS + WARMUP)
#define BLOCKS 10

/* The catalog work of one secure delete. */
static int
catalog_delete(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN])
{
	int rc;

	if ((rc = tc_catalog_transition(c, id, TC_STORE_BIT(TC_PHOTO_RECEIPTED),
					 TC_PHOTO_DELETING, 1, NULL)) != 0 ||
	    (rc = tc_catalog_transition(c, id, TC_STORE_BIT(TC_PHOTO_DELETING),
					 TC_PHOTO_DELETED, 2, NULL)) != 0)
		return rc;
	return tc_catalog_checkpoint(c);
}

int
main(void)
{
	static double t_empty[OPS], t_full[OPS];
	static struct tc_store_rec victims_e[VICTIMS], victims_f[VICTIMS];
	struct bcat b;
	struct tc_store_rec *bulk;
	int i, rc = 1;
	double t0;

	if (bcat_open(&b, "tc-bench-del") != 0)
		goto out;
	for (i = 0; i < VICTIMS; i++)
		if (bcat_rec(&victims_e[i], TC_PHOTO_RECEIPTED, (uint64_t)i) ||
		    bcat_rec(&victims_f[i], TC_PHOTO_RECEIPTED, (uint64_t)i))
			goto out;
	if (!(bulk = calloc(PREFILL, sizeof(*bulk))))
		goto out;
	for (i = 0; i < PREFILL - VICTIMS; i++)	/* mostly tombstones, some live */
		if (bcat_rec(&bulk[i], i % 50 ? TC_PHOTO_DELETED : TC_PHOTO_CAPTURED, (uint64_t)i))
			goto out;
	memcpy(bulk + PREFILL - VICTIMS, victims_f, sizeof(victims_f));
	rc = tc_catalog_bulk_insert(b.full, bulk, PREFILL);
	free(bulk);
	if (rc != 0 || tc_catalog_bulk_insert(b.empty, victims_e, VICTIMS) != 0 ||
	    tc_catalog_checkpoint(b.full) != 0 || tc_catalog_checkpoint(b.empty) != 0)
		goto fail;
	for (i = 0; i < WARMUP; i++)
		if (catalog_delete(b.empty, victims_e[OPS + i].id) ||
		    catalog_delete(b.full, victims_f[OPS + i].id))
			goto fail;
	for (i = 0; i < OPS; i++) {
		int empty_first = i % 2;

		for (int k = 0; k < 2; k++) {
			int on_empty = k == 0 ? empty_first : !empty_first;

			t0 = bench_now();
			if (catalog_delete(on_empty ? b.empty : b.full,
					   on_empty ? victims_e[i].id : victims_f[i].id))
				goto fail;
			(on_empty ? t_empty : t_full)[i] = (bench_now() - t0) * 1e6;
		}
	}
	{
		struct bench_pairs p;

		if (bench_pairs_from_blocks(&p, t_empty, t_full, OPS, BLOCKS) != 0 ||
		    bench_report_pairs("catalog-delete-100k", "us", &p, "<=", 1.2, NULL) != 0)
			goto fail;
	}
	rc = 0;
	goto out;
fail:
	rc = 1;
out:
	if (rc)
		fprintf(stderr, "bench_catalog_delete_100k: failed\n");
	bcat_close(&b);
	return rc;
}
