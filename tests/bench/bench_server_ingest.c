/*
 * bench_server_ingest.c - trust-server's ingest rate for one device: 100
 * sealed objects of 5 MB uploaded over mutual TLS on loopback (each
 * digest-checked, fsynced, committed to the ledger and receipted),
 * against a minimal correct receiver of the same objects in the same
 * run: tc_tlssink -D, the same TLS profile and credentials, and for each
 * object read, SHA-256 (tc_sha256, as the server), write, fsync of the
 * file and of its directory, and nothing else (no HTTP, ledger or
 * receipt), fed by tc_client send.  Both use two connections, as syncd
 * does (one object's commit overlaps the next one's transfer).
 * Target: ratio >= 0.90, over BENCH_MIN_PAIRS interleaved pairs, each
 * subject upload by another enrolled device (the ledger keys photos by
 * device, so each is new work).
 *
 * Extra fields: the CPU seconds per GB of the receiving process
 * (rx_cpu_s_per_gb: trust-server, from /proc/PID/stat since it is a
 * daemon; base_rx_cpu_s_per_gb: tc_tlssink, from getrusage) and of the
 * sending client (tx_..., getrusage), so the cost shows apart from the
 * core count; and the old baseline, the raw capacity of one TLS stream
 * pushing the same bytes (tc_tlssink without -D): raw_tls (MB/s) and
 * raw_ratio (median ingest/raw), measured in each pair too.
 *
 * The device side knows its digests (from its catalog), so the client
 * gets them from tc_mkobj's manifest rather than hashing each file.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "server_common.h"

#define PAIRS BENCH_MIN_PAIRS
#define OBJECTS 100
#define SIZE 5000000UL
#define CONNS 2

struct ingest {
	struct bsrv b;
	double bytes;			/* of each pair's object set (the same size) */
	double rx_cpu[PAIRS], tx_cpu[PAIRS], base_rx_cpu[PAIRS], base_tx_cpu[PAIRS];
	double base[PAIRS], raw[PAIRS], raw_ratio[PAIRS];
};

/* The minimal receiver, fed by the minimal sender: MB/s. */
static int
run_base(void *ctx, int i, double *mbs)
{
	struct ingest *g = ctx;
	char files[32];
	double t;

	snprintf(files, sizeof(files), "objs%d/*.tco", i + 1);
	t = bsrv_minimal(&g->b, files, CONNS, &g->base_tx_cpu[i], &g->base_rx_cpu[i]);

	if (t <= 0)
		return 1;
	*mbs = g->base[i] = g->bytes / t / 1e6;
	return 0;
}

/* trust-server, device d<i+1>; then the old baseline, raw TLS, for the record. */
static int
run_subject(void *ctx, int i, double *mbs)
{
	struct ingest *g = ctx;
	double t, cpu0 = bsrv_server_cpu_s(&g->b), cpu1;
	char man[32], files[32];
	int fd;
	pid_t pid;

	/* A photo id belongs to one device (trust-server refuses another's
	 * upload of it), so device d<i+1> sends its own set, objs<i+1>. */
	snprintf(man, sizeof(man), "objs%d.man", i + 1);
	snprintf(files, sizeof(files), "objs%d/*.tco", i + 1);
	if (cpu0 < 0 ||
	    bsrv_upload_start(&g->b, (unsigned)i + 1, man, files, CONNS, &fd, &pid) != 0)
		return 1;
	t = bsrv_client_wait(fd, pid, &g->tx_cpu[i]);
	cpu1 = bsrv_server_cpu_s(&g->b);
	if (t <= 0 || cpu1 < 0) {
		fprintf(stderr, "bench_server_ingest: the upload failed (see %s/server.log)\n",
			g->b.dir);
		return 1;
	}
	g->rx_cpu[i] = cpu1 - cpu0;
	*mbs = g->bytes / t / 1e6;
	if ((t = bsrv_raw_push(&g->b, (uint64_t)g->bytes)) <= 0) {
		fprintf(stderr, "bench_server_ingest: the raw TLS push failed\n");
		return 1;
	}
	g->raw[i] = g->bytes / t / 1e6;
	g->raw_ratio[i] = *mbs / g->raw[i];
	fprintf(stderr, "server-ingest: pair %d: minimal receiver %.0f MB/s, trust-server %.0f MB/s,"
		" raw TLS %.0f MB/s\n", i + 1, g->base[i], *mbs, g->raw[i]);
	return 0;
}

int
main(void)
{
	static struct ingest g;
	struct bench_pairs p;
	char extra[512];
	double gb, rx, tx, brx, btx, lo, hi, bytes;
	char name[32];
	int i, rc = 1;

	if (bsrv_setup(&g.b, PAIRS) != 0)
		goto setup_failed;
	for (i = 1; i <= PAIRS; i++) {
		snprintf(name, sizeof(name), "objs%d", i);
		if (bsrv_objects(&g.b, name, OBJECTS, SIZE) != 0)
			goto setup_failed;
		snprintf(name, sizeof(name), "objs%d.man", i);
		if (bsrv_manifest_bytes(&g.b, name, &bytes) != 0 || (i > 1 && bytes != g.bytes))
			goto setup_failed;
		g.bytes = bytes;
	}
	if (bsrv_start(&g.b, "") != 0 || bench_pairs_run(&p, PAIRS, run_base, run_subject, &g) != 0)
		goto out;
	gb = g.bytes / 1e9;
	rx = bench_median(g.rx_cpu, PAIRS) / gb;
	tx = bench_median(g.tx_cpu, PAIRS) / gb;
	brx = bench_median(g.base_rx_cpu, PAIRS) / gb;
	btx = bench_median(g.base_tx_cpu, PAIRS) / gb;
	bench_range(g.raw_ratio, PAIRS, &lo, &hi);
	snprintf(extra, sizeof(extra),
		 " rx_cpu_s_per_gb=%.2f base_rx_cpu_s_per_gb=%.2f tx_cpu_s_per_gb=%.2f"
		 " base_tx_cpu_s_per_gb=%.2f raw_tls=%.0f raw_ratio=%.4f raw_spread=%.3f-%.3f",
		 rx, brx, tx, btx, bench_median(g.raw, PAIRS), bench_median(g.raw_ratio, PAIRS),
		 lo, hi);
	fprintf(stderr, "server-ingest: %d x %lu B, %d pairs; CPU s/GB: trust-server %.2f,"
		" minimal receiver %.2f; their clients %.2f and %.2f\n", OBJECTS, SIZE, PAIRS, rx,
		brx, tx, btx);
	if (bench_report_pairs("server-ingest", "MB/s", &p, ">=", 0.90, extra) != 0)
		goto out;
	rc = 0;
	goto out;
setup_failed:
	fprintf(stderr, "bench_server_ingest: setup failed\n");
out:
	bsrv_stop(&g.b);
	bsrv_cleanup(&g.b);
	return rc;
}
