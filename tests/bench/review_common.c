/*
 * review_common.c - the setup and the two timed sides of the review
 * benchmarks (see review_common.h).  The objects reach the server's data
 * directory through trust-server itself, so the ledger and object files
 * are exactly what trustadm reads in a Trust.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "review_common.h"

static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* The object paths, from tc_mkobj's manifest and the device's id. */
static int
load_paths(struct rvb *r)
{
	char path[600], dev[128], id[80], digest[80];
	unsigned long long size;
	unsigned i = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/d1.id", r->b.dir);
	if (!(f = fopen(path, "r")) || fscanf(f, "%127s", dev) != 1) {
		if (f)
			fclose(f);
		return -1;
	}
	fclose(f);
	snprintf(path, sizeof(path), "%s/objs.man", r->b.dir);
	if (!(f = fopen(path, "r")) || !(r->paths = calloc(r->n, sizeof(*r->paths)))) {
		if (f)
			fclose(f);
		return -1;
	}
	while (i < r->n && fscanf(f, "%79s %79s %llu", id, digest, &size) == 3) {
		snprintf(path, sizeof(path), "%s/data/objects/%s/%s.tco", r->b.dir, dev, id);
		if (!(r->paths[i++] = strdup(path)))
			break;
	}
	fclose(f);
	return i == r->n && r->paths[r->n - 1] ? 0 : -1;
}

int
rvb_setup(struct rvb *r, unsigned n, unsigned long size)
{
	char cmd[4096];
	double up;
	pid_t pid;
	int fd;

	memset(r, 0, sizeof(*r));
	r->n = n;
	if (bsrv_setup(&r->b, 1) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd), "set -e; cd '%s'; mkdir objs; '%s/tc_mkobj' -p %s objs %u %lu"
		 " trust/photo.pub > objs.man; printf 'pupil,platforms\\n%s,website\\n' > c.csv;"
		 " '%s/trustadm' -d trust consent import c.csv >/dev/null", r->b.dir, r->b.tools,
		 RVB_PUPIL, n, size, RVB_PUPIL, r->b.bin);
	if (sh(cmd) != 0 || bsrv_start(&r->b, "") != 0)
		return -1;
	if (bsrv_upload_start(&r->b, 1, "objs.man", "objs/*.tco", 2, &fd, &pid) != 0)
		return -1;
	up = bsrv_upload_wait(fd, pid);
	bsrv_stop(&r->b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/objs'", r->b.dir);
	if (up < 0 || sh(cmd) != 0)
		return -1;
	fprintf(stderr, "bench: %u objects of %lu bytes uploaded in %.1f s\n", n, size, up);
	return load_paths(r);
}

void
rvb_free(struct rvb *r)
{
	unsigned i;

	for (i = 0; r->paths && i < r->n; i++)
		free(r->paths[i]);
	free(r->paths);
	r->paths = NULL;
	bench_rm_tree(r->b.dir);
}

double
rvb_raw(struct rvb *r)
{
	static char buf[64 * 1024];
	double t0 = bench_now();
	unsigned i;
	int fd;

	for (i = 0; i < r->n; i++) {
		if ((fd = open(r->paths[i], O_RDONLY | O_CLOEXEC)) < 0)
			return -1;
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			close(fd);
			return -1;
		}
		close(fd);
	}
	return bench_now() - t0;
}

double
rvb_trustadm(struct rvb *r, const char *args)
{
	char cmd[4096];
	double t0;

	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s/trustadm' -d trust -S data %s >/dev/null",
		 r->b.dir, r->b.bin, args);
	t0 = bench_now();
	if (sh(cmd) != 0) {
		fprintf(stderr, "bench: trustadm %s failed\n", args);
		return -1;
	}
	return bench_now() - t0;
}

int
rvb_main(const char *name, bench_run_fn subj)
{
	const char *env = getenv("TC_BENCH_N");
	unsigned n = env ? (unsigned)strtoul(env, NULL, 10) : 10000;
	struct bench_pairs p;
	struct rvb r;
	char extra[96];
	double cold;
	int rc = 1;

	if (n == 0 || rvb_setup(&r, n, RVB_SIZE) != 0) {
		fprintf(stderr, "%s: setup failed\n", name);
		rvb_free(&r);
		return 1;
	}
	/*
	 * The first run opens every object's metadata with the photo key and
	 * fills trustadm's metadata index; the pairs then measure the steady
	 * state (in a Trust the index is filled as photos arrive and are
	 * listed).  The first run is shown, not judged.
	 */
	if (subj(&r, BENCH_MAX_PAIRS, &cold) == 0 &&
	    bench_pairs_run(&p, BENCH_MIN_PAIRS, rvb_base, subj, &r) == 0) {
		snprintf(extra, sizeof(extra), " target_s=<10 cold_s=%.3f", cold);
		if (bench_report_pairs(name, "s", &p, "<=", 2.0, extra) == 0)
			rc = 0;
	}
	rvb_free(&r);
	return rc;
}

int
rvb_base(void *ctx, int i, double *t)
{
	(void)i;
	return (*t = rvb_raw(ctx)) < 0;
}
