/*
 * review_common.h - what the trustadm review and subject access
 * benchmarks share: a Trust and a trust-server data directory holding
 * n sealed objects uploaded the real way (tc_mkobj objects, tc_client,
 * trust-server; every 1000th tagged with pupil P-BENCH), the baseline
 * (reading each object's first 64 KiB raw) and a timed trustadm run.
 */
#ifndef TC_REVIEW_COMMON_H
#define TC_REVIEW_COMMON_H

#include "bench.h"
#include "server_common.h"

#define RVB_PUPIL "P-BENCH"
#define RVB_SIZE 150000UL	/* three chunks: the metadata chunk is not the whole object */

struct rvb {
	struct bsrv b;
	unsigned n;
	char **paths;		/* the n objects in the server's data directory */
};

/* n objects of size bytes each in a fresh Trust and server data directory. */
int rvb_setup(struct rvb *r, unsigned n, unsigned long size);
void rvb_free(struct rvb *r);
/* Seconds to open and read the first 64 KiB of every object, or < 0. */
double rvb_raw(struct rvb *r);
/* Seconds for `trustadm -d trust -S data ARGS >/dev/null` in the temp dir, or < 0 if it fails. */
double rvb_trustadm(struct rvb *r, const char *args);

/* The baseline side of a pair: rvb_raw. */
int rvb_base(void *ctx, int i, double *t);
/*
 * A whole benchmark: $TC_BENCH_N (10,000) objects, one first run of subj
 * (i = BENCH_MAX_PAIRS: it fills trustadm's metadata index), then
 * BENCH_MIN_PAIRS pairs of rvb_base and subj (the steady state), the
 * BENCH line as name (target ratio <= 2.0, under 10 s) with the first
 * run as cold_s.  The exit status.
 */
int rvb_main(const char *name, bench_run_fn subj);

#endif /* TC_REVIEW_COMMON_H */
