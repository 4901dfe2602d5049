/*
 * bench_photod_rss.c - peak resident memory of photod (VmHWM) over a
 * burst of 12 photos at 4056x3040, with a 10,000-pupil consent roster
 * installed (target <= 48 MiB; no baseline, so the ratio is against the
 * target itself).
 */
#include "bench.h"
#include "capture_common.h"

int
main(void)
{
	struct bench_photod p;
	double mib;

	if (bench_photod_start(&p) != 0)
		return 1;
	if (bench_photod_capture(&p, 12) <= 0)
		return 1;
	mib = bench_photod_peak_rss_mib(&p);
	bench_photod_stop(&p);
	if (mib <= 0)
		return 1;
	bench_report("photod-rss", mib, "MiB", 48.0, "<=", 1.0);
	return 0;
}
