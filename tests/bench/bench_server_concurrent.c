/*
 * bench_server_concurrent.c - 32 devices upload at once: aggregate
 * throughput over the single-client figure measured in the same run
 * (target >= 1.0 on 2 cores).
 *
 * The same 128 sealed objects of 5 MB serve both runs: one device
 * uploads all 128 on one connection, then the server is restarted on an
 * empty data directory (a photo id belongs to one device, so another
 * device's upload of a held id would be refused) and 32 other devices
 * upload 4 each, all at once, one connection each; both figures are
 * bytes over wall time from the first client's start to the last one's
 * end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "bench.h"
#include "server_common.h"

#define CLIENTS 32
/* all clients come from 127.0.0.1: let them all handshake at once */
#define SRV_OPTS "-o handshake-per-addr=64"
#define PER 4
#define SIZE 5000000UL

int
main(void)
{
	struct bsrv b;
	char files[512];
	int fd[CLIENTS];
	pid_t pid[CLIENTS];
	double t0, t_one, t_all, bytes = (double)CLIENTS * PER * SIZE, one, all;
	int i, rc = 1, bad = 0;

	if (bsrv_setup(&b, CLIENTS + 1) != 0 ||
	    bsrv_objects(&b, "objs", CLIENTS * PER, SIZE) != 0 || bsrv_start(&b, SRV_OPTS) != 0) {
		fprintf(stderr, "bench_server_concurrent: setup failed\n");
		goto out;
	}
	t0 = bench_now();
	if (bsrv_upload_start(&b, CLIENTS + 1, "objs.man", "objs/*.tco", 1, &fd[0], &pid[0]) != 0 ||
	    bsrv_upload_wait(fd[0], pid[0]) <= 0)
		goto out;
	t_one = bench_now() - t0;
	bsrv_stop(&b);
	snprintf(files, sizeof(files), "%s/data", b.dir);
	if (bench_rm_tree(files) != 0 || bsrv_start(&b, SRV_OPTS) != 0)
		goto out;
	t0 = bench_now();
	for (i = 0; i < CLIENTS; i++) {
		/* client i takes files PER*i .. PER*i+PER-1 of the sorted list */
		snprintf(files, sizeof(files), "$(ls objs/*.tco | sed -n '%d,%dp')", PER * i + 1,
			 PER * i + PER);
		if (bsrv_upload_start(&b, (unsigned)i + 1, "objs.man", files, 1, &fd[i], &pid[i]) != 0)
			goto out;
	}
	for (i = 0; i < CLIENTS; i++)
		if (bsrv_upload_wait(fd[i], pid[i]) <= 0)
			bad++;
	t_all = bench_now() - t0;
	if (bad) {
		fprintf(stderr, "bench_server_concurrent: %d client(s) failed\n", bad);
		goto out;
	}
	one = bytes / t_one / 1e6;
	all = bytes / t_all / 1e6;
	fprintf(stderr, "server-concurrent: 1 client %.2f s (%.0f MB/s), %d clients %.2f s"
		" (%.0f MB/s)\n", t_one, one, CLIENTS, t_all, all);
	bench_report("server-concurrent", all, "MB/s", one, ">=", 1.0);
	rc = 0;
out:
	bsrv_stop(&b);
	bsrv_cleanup(&b);
	return rc;
}
