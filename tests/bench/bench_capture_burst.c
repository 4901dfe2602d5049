/*
 * bench_capture_burst.c - a burst of 20 shots through photod at
 * 4056x3040: photos per second over the bare TurboJPEG encode rate
 * measured in the same run (target >= 0.90).
 */
#include <stdio.h>

#include "bench.h"
#include "capture_common.h"

int
main(void)
{
	struct bench_photod p;
	double bare, t;

	bare = bench_bare_encode_median(5);
	if (bench_photod_start(&p) != 0)
		return 1;
	(void)bench_photod_capture(&p, 1);	/* warm the store, as after any first shot */
	t = bench_photod_capture(&p, 20);
	bench_photod_stop(&p);
	if (t <= 0)
		return 1;
	bench_report("capture-burst", 20.0 / t, "photos/s", 1.0 / bare, ">=", 0.90);
	return 0;
}
