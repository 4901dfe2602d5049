/*
 * bench.h - the one summary line every benchmark prints.
 *
 *   BENCH name=<id> value=<v> unit=<u> [baseline=<b> ratio=<r> [spread=<min>-<max> pairs=<n>]
 *         target=<op><t>] [<key>=<v> ...] machine=<cpu>x<cores>
 *
 * A benchmark measures its figure and its baseline in the same run and
 * passes both here; the ratio is computed, never typed in.  Targets are
 * printed, not asserted: benchmarks never fail a build.
 *
 * A ratio benchmark (a baseline measured in the same run) runs at least
 * BENCH_MIN_PAIRS interleaved pairs (baseline, subject, baseline,
 * subject, ...) so that drift of a shared machine hits both alike, and
 * reports them with bench_report_pairs: value and baseline are the
 * medians of the subject and baseline figures, ratio is the median of
 * the per-pair ratios subject/baseline, spread their smallest and
 * largest, pairs how many.  Lines without spread (bench_report) are
 * figures with no measured baseline (a budget stands in, or none).
 * Extra fields (context such as an older baseline's ratio, CPU cost)
 * come after the target, before machine.
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
/* The same with extra: NULL or " key=value ..." fields after the target. */
void bench_report_extra(const char *name, double value, const char *unit, double baseline,
			const char *target_op, double target, const char *extra);

#define BENCH_MIN_PAIRS 5
#define BENCH_MAX_PAIRS 64

/* Baseline and subject figures of a ratio benchmark, pair by pair. */
struct bench_pairs {
	int n;
	double base[BENCH_MAX_PAIRS], subj[BENCH_MAX_PAIRS];
};

/* Record one pair (its baseline was measured just before its subject): 0, or -1 if full. */
int bench_pair_add(struct bench_pairs *p, double base, double subj);

/*
 * One run of a side of a pair: pair index i, its figure into *figure;
 * 0, or nonzero to stop (the benchmark has printed why).
 */
typedef int (*bench_run_fn)(void *ctx, int i, double *figure);

/*
 * n pairs, each base(ctx, i) then subj(ctx, i), into p (emptied first):
 * 0, or the first failing run's status.
 */
int bench_pairs_run(struct bench_pairs *p, int n, bench_run_fn base, bench_run_fn subj,
		    void *ctx);

/*
 * For micro-benchmarks that alternate baseline and subject op by op: n
 * timings of each, cut in order into `blocks` blocks, each block's
 * medians one pair, into p (emptied first; base and subj are sorted
 * block by block).  0, or -1 if blocks is out of range.
 */
int bench_pairs_from_blocks(struct bench_pairs *p, double *base, double *subj, int n, int blocks);

/*
 * Print the BENCH line of a ratio benchmark from p (see above); extra:
 * NULL or " key=value ..." fields.  -1 (and a message, no line) if p has
 * fewer than BENCH_MIN_PAIRS pairs or a baseline of 0.
 */
int bench_report_pairs(const char *name, const char *unit, const struct bench_pairs *p,
		       const char *target_op, double target, const char *extra);

/* The smallest and largest of n samples (n > 0). */
void bench_range(const double *v, int n, double *lo, double *hi);

/*
 * A figure measured as n interleaved pairs (value[i] against baseline[i],
 * each pair in the same conditions): prints the BENCH line with value and
 * baseline the medians, ratio the median of the n pair ratios, and
 * " spread=<min>-<max> pairs=<n>" of those ratios before machine=.
 * Sorts the arrays in place.
 */

/* The median of n samples (sorts the array in place). */
double bench_median(double *v, int n);

/* Peak resident set (VmHWM) of process pid, in MiB; negative if unreadable. */
/* CPU seconds (user + system, every thread) process pid has used so far; -1 if unknown. */
double bench_pid_cpu_s(long pid);
double bench_peak_rss_mib(long pid);

/* The pid a daemon wrote to pidfile (dir/name); 0 if unreadable. */
long bench_read_pid(const char *dir, const char *name);

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
