/*
 * bench_server_handshake_flood.c - a device's upload while unauthenticated
 * clients flood trust-server (issue 12, item 4): the upload's wall time
 * under the flood over its wall time with none, from 7 interleaved pairs
 * (target <= 2.0, median ratio; spread is the smallest and largest).
 *
 * The flood is tc_flood's: 200 silent connections and 200 trickling a
 * ClientHello a byte every 200 ms, from 25 loopback addresses, reopened
 * when the server drops them.  Each upload is one 256 KB object, a new
 * one each time, by one device on one connection, timed from the
 * client's start (connect and handshake included: that is where a flood
 * makes a device wait) to its end.  The pairs alternate which half runs
 * first, so a trend over the run does not favour either.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "server_common.h"

#define PAIRS 7
#define SIZE 262144UL

struct flood {
	pid_t pid;
	int in, out;		/* its stdin (closed to stop it), its stdout */
};

static int
flood_start(struct bsrv *b, struct flood *f)
{
	char cmd[2048], line[64];
	int pin[2], pout[2];
	ssize_t n;
	size_t got = 0;

	if (pipe(pin) != 0 || pipe(pout) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "exec '%s/tc_flood' -a 127.0.0.1:%u -n 200 -T 200 -m 200 -s 25",
		 b->tools, b->port);
	f->pid = fork();
	if (f->pid < 0)
		return -1;
	if (f->pid == 0) {
		dup2(pin[0], 0);
		dup2(pout[1], 1);
		close(pin[0]);
		close(pin[1]);
		close(pout[0]);
		close(pout[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(pin[0]);
	close(pout[1]);
	f->in = pin[1];
	f->out = pout[0];
	/* "holding 400": every connection opened once */
	while (got < sizeof(line) - 1 && (n = read(f->out, line + got, 1)) == 1 &&
	       line[got] != '\n')
		got++;
	line[got] = '\0';
	return strncmp(line, "holding", 7) == 0 ? 0 : -1;
}

static void
flood_stop(struct flood *f)
{
	char buf[256];
	int st;

	close(f->in);
	while (read(f->out, buf, sizeof(buf)) > 0)
		;
	close(f->out);
	waitpid(f->pid, &st, 0);
}

/* Wall time of one upload of object number k (1-based, sorted order). */
static double
upload(struct bsrv *b, unsigned k)
{
	char files[128];
	double t0 = bench_now();
	int fd;
	pid_t pid;

	snprintf(files, sizeof(files), "$(ls objs/*.tco | sed -n '%up')", k);
	if (bsrv_upload_start(b, 1, "objs.man", files, 1, &fd, &pid) != 0 ||
	    bsrv_upload_wait(fd, pid) <= 0)
		return -1;
	return bench_now() - t0;
}

int
main(void)
{
	struct bsrv b;
	struct flood f;
	double quiet[PAIRS], loaded[PAIRS], *first, *second;
	unsigned k = 0;
	int i, rc = 1;
	bool in_flood;

	if (bsrv_setup(&b, 1) != 0 || bsrv_objects(&b, "objs", 2 * PAIRS, SIZE) != 0 ||
	    bsrv_start(&b, "") != 0) {
		fprintf(stderr, "bench_server_handshake_flood: setup failed\n");
		goto out;
	}
	for (i = 0; i < PAIRS; i++) {
		first = i % 2 ? &loaded[i] : &quiet[i];
		second = i % 2 ? &quiet[i] : &loaded[i];
		in_flood = i % 2;
		if (in_flood && flood_start(&b, &f) != 0)
			goto out;
		*first = upload(&b, ++k);
		if (in_flood)
			flood_stop(&f);
		in_flood = !in_flood;
		if (in_flood && flood_start(&b, &f) != 0)
			goto out;
		*second = upload(&b, ++k);
		if (in_flood)
			flood_stop(&f);
		if (quiet[i] <= 0 || loaded[i] <= 0) {
			fprintf(stderr, "bench_server_handshake_flood: upload %d failed\n", i);
			goto out;
		}
		fprintf(stderr, "server-handshake-flood: pair %d quiet %.3f s, flood %.3f s\n", i + 1,
			quiet[i], loaded[i]);
	}
	{
		struct bench_pairs bp = { 0 };

		for (i = 0; i < PAIRS; i++)
			(void)bench_pair_add(&bp, quiet[i], loaded[i]);
		(void)bench_report_pairs("server-handshake-flood", "s", &bp, "<=", 2.0, NULL);
	}
	rc = 0;
out:
	bsrv_stop(&b);
	bsrv_cleanup(&b);
	return rc;
}
