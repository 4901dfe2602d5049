/*
 * bench_capture_first_shot.c - the first shot after photod starts over a
 * later shot (request to durable), same photod state, same run (target
 * <= 1.5): photod keeps the camera warm so the first shot costs what the
 * next does.  Pairs: a later shot of one photod's life (the baseline),
 * then photod is restarted (staff logged in again, not timed) and its
 * first shot is the subject; the next later shot opens the next pair.
 */
#include "bench.h"
#include "capture_common.h"

#define PAIRS BENCH_MIN_PAIRS

int
main(void)
{
	struct bench_photod p;
	struct bench_pairs pairs = { 0 };
	double first, later;
	int i, rc = 1;

	if (bench_photod_start(&p) != 0)
		return 1;
	if (bench_photod_capture(&p, 1) <= 0)	/* the first life's first shot: not paired */
		goto out;
	for (i = 0; i < PAIRS; i++) {
		if ((later = bench_photod_capture(&p, 1)) <= 0 || bench_photod_restart(&p) != 0 ||
		    (first = bench_photod_capture(&p, 1)) <= 0 ||
		    bench_pair_add(&pairs, later * 1e3, first * 1e3) != 0)
			goto out;
	}
	rc = bench_report_pairs("capture-first-shot", "ms", &pairs, "<=", 1.5, NULL) == 0 ? 0 : 1;
out:
	bench_photod_stop(&p);
	return rc;
}
