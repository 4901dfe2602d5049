/*
 * server_common.c - setting up and driving trust-server for the
 * benchmarks (see server_common.h).  Shell snippets do the one-off setup
 * the way the integration tests do it; the timed parts are the clients'
 * own measurements or wall time around them.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "server_common.h"

static int
sh(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static unsigned
random_port(void)
{
	return 20000 + (unsigned)((getpid() * 7919u + (unsigned)time(NULL) * 31u +
				   (unsigned)rand()) % 40000u);
}

int
bsrv_setup(struct bsrv *b, unsigned n_devices)
{
	const char *bin = getenv("TC_BIN");
	char cmd[4096];

	memset(b, 0, sizeof(*b));
	if (!bin) {
		fprintf(stderr, "bench: set TC_BIN to the built programs (make bench does)\n");
		return -EINVAL;
	}
	srand((unsigned)getpid());
	snprintf(b->bin, sizeof(b->bin), "%s", bin);
	snprintf(b->tools, sizeof(b->tools), "%s/../tests/tools", bin);
	if (bench_mkdtemp(b->dir, sizeof(b->dir), "tcsrvbench", "/var/tmp") != 0)
		return -errno;
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; B='%s'; T='%s'; \"$B/trustadm\" init --no-passphrase trust >/dev/null; i=1;"
		 " while [ $i -le %u ]; do \"$T/tc_mkcsr\" d$i.key d$i.csr > d$i.id;"
		 " \"$B/trustadm\" -d trust enrol --csr d$i.csr --class trust-owned --label d$i >/dev/null;"
		 " cp trust/devices/$(cat d$i.id).crt d$i.crt; i=$((i + 1)); done",
		 b->dir, b->bin, b->tools, n_devices);
	return sh(cmd) == 0 ? 0 : -EIO;
}

int
bsrv_objects(struct bsrv *b, const char *name, unsigned n, unsigned long size)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "set -e; cd '%s'; mkdir %s; '%s/tc_mkobj' %s %u %lu"
		 " trust/photo.pub > %s.man", b->dir, name, b->tools, name, n, size, name);
	return sh(cmd) == 0 ? 0 : -EIO;
}

int
bsrv_manifest_bytes(struct bsrv *b, const char *manifest, double *bytes)
{
	char path[600], id[80], digest[80];
	unsigned long long size, total = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", b->dir, manifest);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fscanf(f, "%79s %79s %llu", id, digest, &size) == 3)
		total += size;
	fclose(f);
	*bytes = (double)total;
	return total > 0 ? 0 : -1;
}

int
bsrv_start(struct bsrv *b, const char *extra)
{
	char cmd[4096];
	int tries;

	for (tries = 0; tries < 8; tries++) {
		b->port = random_port();
		snprintf(cmd, sizeof(cmd),
			 "cd '%s' && '%s/trust-server' -d data -t trust -l 127.0.0.1:%u -b"
			 " -P server.pid -L warn %s 2>>server.log", b->dir, b->bin, b->port, extra);
		if (sh(cmd) == 0)
			break;
	}
	b->pid = (pid_t)bench_read_pid(b->dir, "server.pid");
	return b->pid > 0 ? 0 : -EIO;
}

void
bsrv_stop(struct bsrv *b)
{
	char path[512];

	if (b->pid <= 0)
		return;
	snprintf(path, sizeof(path), "%s/server.pid", b->dir);
	bench_stop_daemon((long)b->pid, path);
	b->pid = 0;
}

double
bsrv_peak_rss_mib(const struct bsrv *b)
{
	return bench_peak_rss_mib((long)b->pid);
}

/* Run a shell command with its stdout on a pipe. */
static int
spawn(const char *cmd, int *fd_out, pid_t *pid_out)
{
	int p[2];
	pid_t pid;

	if (pipe(p) != 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	*fd_out = p[0];
	*pid_out = pid;
	return 0;
}

/* Read fd to the end; the value of the last "elapsed S" line, or -1. */
static double
read_elapsed(int fd)
{
	char buf[65536];
	size_t have = 0;
	ssize_t n;
	double e = -1;
	char *p;

	while ((n = read(fd, buf + have, sizeof(buf) - 1 - have)) > 0) {
		have += (size_t)n;
		if (have > sizeof(buf) / 2) {	/* keep the tail only */
			memmove(buf, buf + have - 1024, 1024);
			have = 1024;
		}
	}
	buf[have] = '\0';
	close(fd);
	if ((p = strstr(buf, "elapsed ")) != NULL)
		while (p) {
			e = strtod(p + 8, NULL);
			p = strstr(p + 8, "elapsed ");
		}
	return e;
}

int
bsrv_upload_start(struct bsrv *b, unsigned dev, const char *manifest, const char *files,
		  unsigned conns, int *fd_out, pid_t *pid_out)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec '%s/tc_client' -a 127.0.0.1:%u -C trust/ca.crt -c d%u.crt"
		 " -k d%u.key -M %s -j %u upload %s", b->dir, b->tools, b->port, dev, dev,
		 manifest, conns, files);
	return spawn(cmd, fd_out, pid_out);
}

/* Reap pid (a child that exec'ed its program): 0 if it exited 0; its CPU seconds into *cpu_s. */
static int
reap(pid_t pid, double *cpu_s)
{
	struct rusage ru;
	int st = 0;

	memset(&ru, 0, sizeof(ru));
	if (wait4(pid, &st, 0, &ru) != pid)
		return -1;
	if (cpu_s)
		*cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

double
bsrv_client_wait(int fd, pid_t pid, double *cpu_s)
{
	double e = read_elapsed(fd);

	return reap(pid, cpu_s) == 0 ? e : -1;
}

double
bsrv_upload_wait(int fd, pid_t pid)
{
	return bsrv_client_wait(fd, pid, NULL);
}

double
bsrv_server_cpu_s(const struct bsrv *b)
{
	return bench_pid_cpu_s((long)b->pid);
}

/* Start a tc_tlssink (extra: its mode options) on a free port; wait for its "ready". */
static int
sink_start(struct bsrv *b, const char *extra, unsigned *port, int *fd, pid_t *pid)
{
	char cmd[4096], line[64];
	ssize_t n;

	*port = random_port() ^ 1;
	snprintf(cmd, sizeof(cmd), "cd '%s' && exec '%s/tc_tlssink' -l 127.0.0.1:%u -T trust %s",
		 b->dir, b->tools, *port, extra);
	if (spawn(cmd, fd, pid) != 0)
		return -1;
	n = read(*fd, line, sizeof(line) - 1);	/* "ready": it listens */
	if (n <= 0 || strncmp(line, "ready", 5) != 0) {
		close(*fd);
		(void)reap(*pid, NULL);
		return -1;
	}
	return 0;
}

double
bsrv_minimal(struct bsrv *b, const char *files, unsigned conns, double *tx_cpu, double *rx_cpu)
{
	char cmd[4096], dir[512];
	unsigned port;
	int sfd, cfd;
	pid_t spid, cpid;
	double e;

	snprintf(dir, sizeof(dir), "%s/sink", b->dir);
	(void)bench_rm_tree(dir);
	snprintf(cmd, sizeof(cmd), "-D sink -j %u", conns);
	if (mkdir(dir, 0700) != 0 || sink_start(b, cmd, &port, &sfd, &spid) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec '%s/tc_client' -a 127.0.0.1:%u -C trust/ca.crt -c d1.crt"
		 " -k d1.key -j %u send %s", b->dir, b->tools, port, conns, files);
	e = spawn(cmd, &cfd, &cpid) == 0 ? bsrv_client_wait(cfd, cpid, tx_cpu) : -1;
	close(sfd);
	if (reap(spid, rx_cpu) != 0 || e <= 0) {
		fprintf(stderr, "bench: the minimal sender and receiver failed\n");
		return -1;
	}
	(void)bench_rm_tree(dir);
	return e;
}

double
bsrv_raw_push(struct bsrv *b, uint64_t bytes)
{
	char cmd[4096];
	unsigned port;
	int sfd, cfd;
	pid_t spid, cpid;
	double e;

	if (sink_start(b, "", &port, &sfd, &spid) != 0)
		return -1;
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && exec '%s/tc_client' -a 127.0.0.1:%u -C trust/ca.crt -c d1.crt"
		 " -k d1.key push %llu", b->dir, b->tools, port, (unsigned long long)bytes);
	if (spawn(cmd, &cfd, &cpid) != 0)
		return -1;
	e = bsrv_upload_wait(cfd, cpid);
	close(sfd);
	return reap(spid, NULL) == 0 ? e : -1;
}

void
bsrv_cleanup(struct bsrv *b)
{
	(void)bench_rm_tree(b->dir);
}
