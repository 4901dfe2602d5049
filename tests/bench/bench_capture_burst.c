/*
 * bench_capture_burst.c - a burst of 20 shots through photod at
 * 4056x3040: photos per second over the bare TurboJPEG encode rate
 * measured in the same run (target >= 0.90).  Pairs: the median of 3
 * bare encodes, then a burst.
 */
#include <stdio.h>

#include "bench.h"
#include "capture_common.h"

#define PAIRS BENCH_MIN_PAIRS
#define SHOTS 20

int
main(void)
{
	struct bench_photod p;
	struct bench_pairs pairs = { 0 };
	double bare, t;
	int i, rc = 1;

	if (bench_photod_start(&p) != 0)
		return 1;
	if (bench_photod_capture(&p, 1) <= 0)	/* warm the store, as after any first shot */
		goto out;
	for (i = 0; i < PAIRS; i++) {
		bare = bench_bare_encode_median(3);
		if ((t = bench_photod_capture(&p, SHOTS)) <= 0 ||
		    bench_pair_add(&pairs, 1.0 / bare, SHOTS / t) != 0)
			goto out;
	}
	rc = bench_report_pairs("capture-burst", "photos/s", &pairs, ">=", 0.90, NULL) == 0 ? 0 : 1;
out:
	bench_photod_stop(&p);
	return rc;
}
