/*
 * bench_server_ingest.c - trust-server's ingest rate for one device: 200
 * sealed objects of 5 MB uploaded over mutual TLS on loopback (each
 * digest-checked, fsynced, committed and receipted), against the raw
 * capacity of an mbedtls TLS connection between the same endpoints
 * pushing the same number of bytes in the same run (tc_tlssink reads and
 * drops them).  Target: ratio >= 0.85.
 *
 * The device side knows its digests (from its catalog), so the client
 * gets them from tc_mkobj's manifest rather than hashing each file; it
 * uses two connections so one object's commit overlaps the next one's
 * transfer, as syncd may.
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "server_common.h"

#define OBJECTS 200
#define SIZE 5000000UL

int
main(void)
{
	struct bsrv b;
	double t_raw, t_up, bytes, raw, ingest;
	pid_t pid;
	int fd, rc = 1;

	if (bsrv_setup(&b, 1) != 0 || bsrv_objects(&b, "objs", OBJECTS, SIZE) != 0) {
		fprintf(stderr, "bench_server_ingest: setup failed\n");
		goto out;
	}
	/* The same bytes the upload carries: the sealed objects' total size. */
	{
		char cmd[600];
		FILE *p;
		unsigned long long total = 0;

		snprintf(cmd, sizeof(cmd), "awk '{ s += $3 } END { print s }' '%s/objs.man'", b.dir);
		p = popen(cmd, "r");
		if (!p || fscanf(p, "%llu", &total) != 1 || total == 0) {
			if (p)
				pclose(p);
			goto out;
		}
		pclose(p);
		bytes = (double)total;
	}
	if (bsrv_start(&b, "") != 0)
		goto out;
	t_raw = bsrv_raw_push(&b, (uint64_t)bytes);
	if (bsrv_upload_start(&b, 1, "objs.man", "objs/*.tco", 2, &fd, &pid) != 0)
		goto out;
	t_up = bsrv_upload_wait(fd, pid);
	if (t_raw <= 0 || t_up <= 0) {
		fprintf(stderr, "bench_server_ingest: a transfer failed (see %s/server.log)\n", b.dir);
		goto out;
	}
	raw = bytes / t_raw / 1e6;
	ingest = bytes / t_up / 1e6;
	fprintf(stderr, "server-ingest: %d x %lu B: upload %.2f s (%.0f MB/s), raw TLS %.2f s"
		" (%.0f MB/s)\n", OBJECTS, SIZE, t_up, ingest, t_raw, raw);
	bench_report("server-ingest", ingest, "MB/s", raw, ">=", 0.85);
	rc = 0;
out:
	bsrv_stop(&b);
	bsrv_cleanup(&b);
	return rc;
}
