/*
 * bench.h - the one summary line every benchmark prints.
 *
 *   BENCH name=<id> value=<v> unit=<u> [baseline=<b> ratio=<v/b> target=<op><t>] machine=<cpu>x<cores>
 *   BENCH name=<id> value=<v> unit=<u> baseline=<b> ratio=<r> target=<op><t> spread=<lo>-<hi> pairs=<n> machine=...
 *
 * The second form is for pairs (bench_report_pairs): r is the median of
 * the pairs' ratios, lo and hi the smallest and largest of them.
 *
 * A benchmark measures its figure and its baseline in the same run and
 * passes both here; the ratio is computed, never typed in.  Targets are
 * printed, not asserted: benchmarks never fail a build.
 */
#ifndef TC_BENCH_H
#define TC_BENCH_H

#include <math.h>
#include <stddef.h>

/* Monotonic seconds. */
double bench_now(void);

/*
 * Print the BENCH line.  baseline: NAN when the issue gives no target
 * (then target_op is ignored); target_op: "<=" or ">=".
 */
void bench_report(const char *name, double value, const char *unit,
		  double baseline, const char *target_op, double target);

/*
 * A figure measured as n interleaved pairs (value[i] against baseline[i],
 * each pair in the same conditions): prints the BENCH line with value and
 * baseline the medians, ratio the median of the n pair ratios, and
 * " spread=<min>-<max> pairs=<n>" of those ratios before machine=.
 * Sorts the arrays in place.
 */
void bench_report_pairs(const char *name, double *value, double *baseline, int n,
			const char *unit, const char *target_op, double target);

/* The median of n samples (sorts the array in place). */
double bench_median(double *v, int n);

/* Peak resident set (VmHWM) of process pid, in MiB; negative if unreadable. */
double bench_peak_rss_mib(long pid);

/*
 * Stop a trustcam daemon: SIGTERM, then wait for it to release the flock
 * it holds on pidfile for its whole life (no polling).
 */
void bench_stop_daemon(long pid, const char *pidfile);

/*
 * A fresh private directory $TMPDIR/<tag>XXXXXX (fallback when TMPDIR is
 * unset) into dir: 0, or -1 with dir empty.
 */
int bench_mkdtemp(char *dir, size_t size, const char *tag, const char *fallback);

/* Remove dir and everything under it (no symlink followed); "" is a no-op.  0 or -1. */
int bench_rm_tree(const char *dir);

#endif /* TC_BENCH_H */
