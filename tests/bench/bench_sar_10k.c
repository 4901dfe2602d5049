/*
 * bench_sar_10k.c - one `trustadm sar` over 10,000 sealed objects, ten
 * of them the pupil's (exported whole), against reading the same
 * objects' first 64 KiB raw (what the request cannot do without: each
 * object's header and metadata chunk), in interleaved pairs, with
 * trustadm's metadata index filled (cold_s: the first run, which fills
 * it).  Issue target: ratio <= 2.0 and under 10 s.  TC_BENCH_N overrides the count.
 */
#include <stdio.h>

#include "review_common.h"

static int
sar(void *ctx, int i, double *t)
{
	char args[64];

	snprintf(args, sizeof(args), "sar " RVB_PUPIL " -o sar%d", i);	/* a new directory each */
	return (*t = rvb_trustadm(ctx, args)) < 0;
}

int
main(void)
{
	return rvb_main("sar-10k", sar);
}
