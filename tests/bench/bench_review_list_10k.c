/*
 * bench_review_list_10k.c - `trustadm review list` over 10,000 sealed
 * objects against reading the same objects' first 64 KiB raw (what the
 * list cannot do without: each object's header and metadata chunk), in
 * interleaved pairs, with trustadm's metadata index filled (cold_s: the
 * first run, which fills it).  Issue target: ratio <= 2.0 and under 10 s.
 * TC_BENCH_N overrides the count (a quick look at scale).
 */
#include "review_common.h"

static int
list(void *ctx, int i, double *t)
{
	(void)i;
	return (*t = rvb_trustadm(ctx, "review list")) < 0;
}

int
main(void)
{
	return rvb_main("review-list-10k", list);
}
