/*
 * bench.c - timing and the BENCH summary line (see bench.h).
 */
#define _GNU_SOURCE /* nftw FTW_PHYS */
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(double *v, int n)
{
	if (n <= 0)
		return NAN;
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void
bench_range(const double *v, int n, double *lo, double *hi)
{
	*lo = *hi = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < *lo)
			*lo = v[i];
		if (v[i] > *hi)
			*hi = v[i];
	}
}

/* "Intel(R) Xeon(R) CPU @ 2.20GHz" -> "Intel(R)_Xeon(R)_CPU_@_2.20GHz" */
static void
cpu_model(char *out, size_t len)
{
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(out, len, "unknown");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (!colon || (strncmp(line, "model name", 10) != 0 &&
			       strncmp(line, "Model", 5) != 0))
			continue;
		colon++;
		while (*colon == ' ' || *colon == '\t')
			colon++;
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(out, len, "%s", colon);
		break;
	}
	if (f)
		fclose(f);
	for (char *p = out; *p; p++)
		if (*p == ' ' || *p == '\t')
			*p = '_';
}

static void
print_machine(void)
{
	char cpu[200];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	cpu_model(cpu, sizeof(cpu));
	printf(" machine=%sx%ld\n", cpu, cores);
	fflush(stdout);
}

void
bench_report_extra(const char *name, double value, const char *unit, double baseline,
		   const char *target_op, double target, const char *extra)
{
	printf("BENCH name=%s value=%.6g unit=%s", name, value, unit);
	if (!isnan(baseline))
		printf(" baseline=%.6g ratio=%.4f target=%s%g", baseline,
		       baseline != 0 ? value / baseline : NAN, target_op, target);
	printf("%s", extra ? extra : "");
	print_machine();
}

void
bench_report(const char *name, double value, const char *unit,
	     double baseline, const char *target_op, double target)
{
	bench_report_extra(name, value, unit, baseline, target_op, target, NULL);
}

int
bench_pair_add(struct bench_pairs *p, double base, double subj)
{
	if (p->n >= BENCH_MAX_PAIRS)
		return -1;
	p->base[p->n] = base;
	p->subj[p->n] = subj;
	p->n++;
	return 0;
}

int
bench_pairs_run(struct bench_pairs *p, int n, bench_run_fn base, bench_run_fn subj, void *ctx)
{
	double b, s;
	int i, rc;

	p->n = 0;
	for (i = 0; i < n; i++) {
		if ((rc = base(ctx, i, &b)) != 0 || (rc = subj(ctx, i, &s)) != 0)
			return rc;
		if (bench_pair_add(p, b, s) != 0)
			return -1;
	}
	return 0;
}

int
bench_pairs_from_blocks(struct bench_pairs *p, double *base, double *subj, int n, int blocks)
{
	int b, per = blocks > 0 ? n / blocks : 0;

	p->n = 0;
	if (blocks > BENCH_MAX_PAIRS || per < 1)
		return -1;
	for (b = 0; b < blocks; b++)
		if (bench_pair_add(p, bench_median(base + b * per, per),
				   bench_median(subj + b * per, per)) != 0)
			return -1;
	return 0;
}

int
bench_report_pairs(const char *name, const char *unit, const struct bench_pairs *p,
		   const char *target_op, double target, const char *extra)
{
	double base[BENCH_MAX_PAIRS], subj[BENCH_MAX_PAIRS], ratio[BENCH_MAX_PAIRS], lo, hi;
	int i;

	if (p->n < BENCH_MIN_PAIRS) {
		fprintf(stderr, "%s: %d pairs, at least %d needed\n", name, p->n, BENCH_MIN_PAIRS);
		return -1;
	}
	for (i = 0; i < p->n; i++) {
		if (!(p->base[i] > 0)) {
			fprintf(stderr, "%s: pair %d has a baseline of %g\n", name, i, p->base[i]);
			return -1;
		}
		base[i] = p->base[i];
		subj[i] = p->subj[i];
		ratio[i] = p->subj[i] / p->base[i];
	}
	bench_range(ratio, p->n, &lo, &hi);
	printf("BENCH name=%s value=%.6g unit=%s baseline=%.6g", name, bench_median(subj, p->n),
	       unit, bench_median(base, p->n));
	printf(" ratio=%.4f spread=%.3f-%.3f pairs=%d target=%s%g%s", bench_median(ratio, p->n),
	       lo, hi, p->n, target_op, target, extra ? extra : "");
	print_machine();
	return 0;
}

double
bench_pid_cpu_s(long pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st;
	ssize_t n;
	int fd;

	/* A daemon is not our child, so getrusage cannot see it: its utime and stime. */
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* Fields after the ")" ending comm: state is field 3, utime 14, stime 15. */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

double
bench_peak_rss_mib(long pid)
{
	char path[64], line[256];
	double kib = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lf kB", &kib) == 1)
			break;
	if (f)
		fclose(f);
	return kib / 1024.0;
}

long
bench_read_pid(const char *dir, const char *name)
{
	char path[1024];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "r")))
		return 0;
	if (fscanf(f, "%ld", &pid) != 1 || pid < 0)
		pid = 0;
	fclose(f);
	return pid;
}

void
bench_stop_daemon(long pid, const char *pidfile)
{
	int fd;

	if (pid <= 0)
		return;
	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	kill((pid_t)pid, SIGTERM);
	if (fd >= 0) {
		(void)flock(fd, LOCK_EX);	/* released when the daemon exits */
		close(fd);
	}
}

int
bench_mkdtemp(char *dir, size_t size, const char *tag, const char *fallback)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/%sXXXXXX", tmp ? tmp : fallback, tag);
	if (mkdtemp(dir) != NULL)
		return 0;
	dir[0] = '\0';
	return -1;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int
bench_rm_tree(const char *dir)
{
	if (dir == NULL || dir[0] == '\0')
		return 0;
	return nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : -1;
}
