/*
 * bench_server_concurrent.c - 32 devices upload at once: aggregate
 * throughput over the single-client figure measured in the same run
 * (target >= 1.0 on 2 cores), in BENCH_MIN_PAIRS interleaved pairs.
 *
 * The same 64 sealed objects of 5 MB serve every run (each run starts the
 * server on an empty data directory, since a photo id belongs to one
 * device, and every run has devices of its own): one device uploads all 64 on one
 * connection (the baseline), then 32 other devices upload 2 each, all at
 * once, one connection each; both figures are bytes over wall time from
 * the first client's start to the last one's end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "bench.h"
#include "server_common.h"

#define PAIRS BENCH_MIN_PAIRS
#define CLIENTS 32
#define PER 2
/* all clients come from 127.0.0.1: let them all handshake at once */
#define SRV_OPTS "-o handshake-per-addr=64"
#define SIZE 5000000UL

struct conc {
	struct bsrv b;
	double bytes;		/* of the sealed objects, from tc_mkobj's manifest */
};

/* Devices of pair i: d<i*(CLIENTS+1)+1> alone, then the next CLIENTS together. */
static unsigned
first_dev(int i)
{
	return (unsigned)i * (CLIENTS + 1) + 1;
}

/*
 * A photo id belongs to one device (another device's upload of a held id
 * is refused), so every run starts the server on an empty data directory.
 */
static int
fresh_server(struct conc *c)
{
	char data[600];

	bsrv_stop(&c->b);
	snprintf(data, sizeof(data), "%s/data", c->b.dir);
	return bench_rm_tree(data) == 0 && bsrv_start(&c->b, SRV_OPTS) == 0 ? 0 : 1;
}

static int
run_one(void *ctx, int i, double *mbs)
{
	struct conc *c = ctx;
	double t0;
	int fd;
	pid_t pid;

	if (fresh_server(c) != 0)
		return 1;
	t0 = bench_now();

	if (bsrv_upload_start(&c->b, first_dev(i), "objs.man", "objs/*.tco", 1, &fd, &pid) != 0 ||
	    bsrv_upload_wait(fd, pid) <= 0) {
		fprintf(stderr, "bench_server_concurrent: the single client failed\n");
		return 1;
	}
	*mbs = c->bytes / (bench_now() - t0) / 1e6;
	return 0;
}

static int
run_all(void *ctx, int i, double *mbs)
{
	struct conc *c = ctx;
	char files[512];
	int fd[CLIENTS], k, bad = 0;
	pid_t pid[CLIENTS];
	double t0;

	if (fresh_server(c) != 0)
		return 1;
	t0 = bench_now();

	for (k = 0; k < CLIENTS; k++) {
		/* client k takes files PER*k .. PER*k+PER-1 of the sorted list */
		snprintf(files, sizeof(files), "$(ls objs/*.tco | sed -n '%d,%dp')", PER * k + 1,
			 PER * k + PER);
		if (bsrv_upload_start(&c->b, first_dev(i) + 1 + (unsigned)k, "objs.man", files, 1, &fd[k],
				      &pid[k]) != 0)
			return 1;
	}
	for (k = 0; k < CLIENTS; k++)
		if (bsrv_upload_wait(fd[k], pid[k]) <= 0)
			bad++;
	if (bad) {
		fprintf(stderr, "bench_server_concurrent: %d client(s) failed\n", bad);
		return 1;
	}
	*mbs = c->bytes / (bench_now() - t0) / 1e6;
	fprintf(stderr, "server-concurrent: pair %d: %d clients %.0f MB/s\n", i + 1, CLIENTS, *mbs);
	return 0;
}

int
main(void)
{
	static struct conc c;
	struct bench_pairs p;
	int rc = 1;

	if (bsrv_setup(&c.b, PAIRS * (CLIENTS + 1)) != 0 ||
	    bsrv_objects(&c.b, "objs", CLIENTS * PER, SIZE) != 0 ||
	    bsrv_manifest_bytes(&c.b, "objs.man", &c.bytes) != 0 || bsrv_start(&c.b, SRV_OPTS) != 0) {
		fprintf(stderr, "bench_server_concurrent: setup failed\n");
		goto out;
	}
	if (bench_pairs_run(&p, PAIRS, run_one, run_all, &c) != 0 ||
	    bench_report_pairs("server-concurrent", "MB/s", &p, ">=", 1.0, NULL) != 0)
		goto out;
	rc = 0;
out:
	bsrv_stop(&c.b);
	bsrv_cleanup(&c.b);
	return rc;
}
