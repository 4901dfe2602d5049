/*
 * bench_capture_first_shot.c - the first shot after photod starts over a
 * later shot (request to durable), same photod, same run (target <= 1.5):
 * photod keeps the camera warm so the first shot costs what the next does.
 */
#include "bench.h"
#include "capture_common.h"

int
main(void)
{
	struct bench_photod p;
	double first, later[5];
	int i;

	if (bench_photod_start(&p) != 0)
		return 1;
	first = bench_photod_capture(&p, 1);
	for (i = 0; i < 5; i++)
		later[i] = bench_photod_capture(&p, 1);
	bench_photod_stop(&p);
	if (first <= 0)
		return 1;
	bench_report("capture-first-shot", first * 1e3, "ms", bench_median(later, 5) * 1e3,
		     "<=", 1.5);
	return 0;
}
