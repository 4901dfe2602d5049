/*
 * bench_capture_burst.c - a burst of 20 shots through photod at
 * 4056x3040: photos per second over the bare TurboJPEG encode rate
 * measured in the same run (target >= 0.90).  Pairs: the median of 3
 * bare encodes, then a burst.
 *
 * Also printed: photod's CPU time a photo over the bursts (every thread:
 * the synthetic sensor's render, encode, seal, commit, audit) and
 * cpu_bound = cores x the bare encode's CPU time / that, the best ratio
 * the cores allow if photod had them all.  A ratio near cpu_bound is lost to CPU,
 * not to waiting; unlike the ratio, it barely moves with the load.
 */
#include <stdio.h>
#include <unistd.h>

#include "bench.h"
#include "capture_common.h"

#define PAIRS BENCH_MIN_PAIRS
#define SHOTS 20

int
main(void)
{
	struct bench_photod p;
	struct bench_pairs pairs = { 0 };
	double bare, t, enc_cpu, enc_sum = 0, cpu0, cpu_ms;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	char extra[160];
	int i, rc = 1;

	if (bench_photod_start(&p) != 0)
		return 1;
	if (bench_photod_capture(&p, 1) <= 0)	/* warm the store, as after any first shot */
		goto out;
	if ((cpu0 = bench_pid_cpu_s((long)p.pid)) < 0)
		goto out;
	for (i = 0; i < PAIRS; i++) {
		bare = bench_bare_encode_median_cpu(3, &enc_cpu);
		enc_sum += enc_cpu;
		if ((t = bench_photod_capture(&p, SHOTS)) <= 0 ||
		    bench_pair_add(&pairs, 1.0 / bare, SHOTS / t) != 0)
			goto out;
	}
	cpu_ms = (bench_pid_cpu_s((long)p.pid) - cpu0) * 1000.0 / (PAIRS * SHOTS);
	snprintf(extra, sizeof(extra), " photod_cpu_ms=%.1f encode_cpu_ms=%.1f cpu_bound=%.2f",
		 cpu_ms, enc_sum * 1000.0 / PAIRS,
		 (double)(cores > 0 ? cores : 1) * enc_sum * 1000.0 / PAIRS / cpu_ms);
	rc = bench_report_pairs("capture-burst", "photos/s", &pairs, ">=", 0.90, extra) == 0 ? 0 : 1;
out:
	bench_photod_stop(&p);
	return rc;
}
