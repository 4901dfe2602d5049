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

void
bench_report(const char *name, double value, const char *unit,
	     double baseline, const char *target_op, double target)
{
	char cpu[200];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	cpu_model(cpu, sizeof(cpu));
	printf("BENCH name=%s value=%.6g unit=%s", name, value, unit);
	if (!isnan(baseline))
		printf(" baseline=%.6g ratio=%.4f target=%s%g", baseline,
		       baseline != 0 ? value / baseline : NAN, target_op, target);
	printf(" machine=%sx%ld\n", cpu, cores);
	fflush(stdout);
}

void
bench_report_pairs(const char *name, double *value, double *baseline, int n,
		   const char *unit, const char *target_op, double target)
{
	double ratio[64], lo, hi, r;
	char cpu[200];
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	int i;

	if (n < 1 || n > (int)(sizeof(ratio) / sizeof(ratio[0])))
		return;
	for (i = 0; i < n; i++)
		ratio[i] = baseline[i] != 0 ? value[i] / baseline[i] : NAN;
	r = bench_median(ratio, n);	/* sorted: the ends are the spread */
	lo = ratio[0];
	hi = ratio[n - 1];
	cpu_model(cpu, sizeof(cpu));
	printf("BENCH name=%s value=%.6g unit=%s baseline=%.6g ratio=%.4f target=%s%g"
	       " spread=%.4f-%.4f pairs=%d machine=%sx%ld\n", name, bench_median(value, n), unit,
	       bench_median(baseline, n), r, target_op, target, lo, hi, n, cpu, cores);
	fflush(stdout);
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
