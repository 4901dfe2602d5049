/*
 * capture_common.h - shared pieces of the capture benchmarks: the bare
 * TurboJPEG encode that is their baseline, and a photod they start,
 * drive over its socket and stop.
 */
#ifndef CAPTURE_COMMON_H
#define CAPTURE_COMMON_H

#include <stdint.h>
#include <sys/types.h>

#include "tc_camera.h"

#define BENCH_W 4056
#define BENCH_H 3040
#define BENCH_SEED 7
/* Staff S1's PIN: the Trust's PIN policy wants 6 to 12 digits. */
#define BENCH_PIN "246810"

/* Seconds for one bare TurboJPEG encode (4:2:0, quality from Kconfig) of frame fr. */
double bench_bare_encode(const struct tc_frame *fr);
/* Median of n bare encodes of synthetic frames 0..n-1 at BENCH_W x BENCH_H. */
double bench_bare_encode_median(int n);
/* The same, and the median CPU seconds of those encodes into *cpu_s (if not NULL). */
double bench_bare_encode_median_cpu(int n, double *cpu_s);

struct bench_photod {
	char dir[256];		/* the throwaway state, run and key directory */
	char run[300];
	pid_t pid;
};

/* Set up a state dir and start photod -b at BENCH_W x BENCH_H (TC_BIN locates it). */
int bench_photod_start(struct bench_photod *p);
/* Stop photod and start it again on the same state, staff S1 logged in again. */
int bench_photod_restart(struct bench_photod *p);
/* Capture count photos in one request; seconds from request to the last reply. */
double bench_photod_capture(struct bench_photod *p, uint32_t count);
/* Peak resident set of photod so far (VmHWM), in MiB. */
double bench_photod_peak_rss_mib(const struct bench_photod *p);
void bench_photod_stop(struct bench_photod *p);

#endif /* CAPTURE_COMMON_H */
