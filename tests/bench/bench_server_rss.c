/*
 * bench_server_rss.c - trust-server's peak resident memory (VmHWM) while
 * 32 devices each upload 3 sealed objects of 5 MB at once (target <= 96
 * MiB; no baseline, so the ratio is against the target itself).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

#include "bench.h"
#include "server_common.h"

#define CLIENTS 32
/* all clients come from 127.0.0.1: let them all handshake at once */
#define SRV_OPTS "-o handshake-per-addr=64"
#define PER 3
#define SIZE 5000000UL

int
main(void)
{
	struct bsrv b;
	char files[512];
	int fd[CLIENTS];
	pid_t pid[CLIENTS];
	double mib;
	int i, rc = 1, bad = 0;

	if (bsrv_setup(&b, CLIENTS) != 0 || bsrv_objects(&b, "objs", CLIENTS * PER, SIZE) != 0 ||
	    bsrv_start(&b, SRV_OPTS) != 0) {
		fprintf(stderr, "bench_server_rss: setup failed\n");
		goto out;
	}
	for (i = 0; i < CLIENTS; i++) {
		snprintf(files, sizeof(files), "$(ls objs/*.tco | sed -n '%d,%dp')", PER * i + 1,
			 PER * i + PER);
		if (bsrv_upload_start(&b, (unsigned)i + 1, "objs.man", files, 1, &fd[i], &pid[i]) != 0)
			goto out;
	}
	for (i = 0; i < CLIENTS; i++)
		if (bsrv_upload_wait(fd[i], pid[i]) <= 0)
			bad++;
	mib = bsrv_peak_rss_mib(&b);
	if (bad || mib <= 0) {
		fprintf(stderr, "bench_server_rss: %d client(s) failed\n", bad);
		goto out;
	}
	bench_report("server-rss", mib, "MiB", 96.0, "<=", 1.0);
	rc = 0;
out:
	bsrv_stop(&b);
	bsrv_cleanup(&b);
	return rc;
}
