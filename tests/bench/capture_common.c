/*
 * capture_common.c - baseline encodes and a photod under benchmark.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <turbojpeg.h>

#include "autoconf.h"
#include "bench.h"
#include "capture_common.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_synth.h"

static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One bare encode of fr: wall seconds, and its CPU seconds into *cpu. */
static double
encode_timed(const struct tc_frame *fr, double *cpu)
{
	tjhandle tj = tjInitCompress();
	size_t ysz = (size_t)fr->width * fr->height, csz = ysz / 4, i;
	unsigned char *u = malloc(csz), *v = malloc(csz), *out = NULL;
	const unsigned char *planes[3] = { fr->plane[0], u, v };
	int strides[3] = { (int)fr->stride[0], (int)fr->width / 2, (int)fr->width / 2 };
	unsigned long len = 0;
	double t0, t;

	/* De-interleave outside the timing: TurboJPEG takes planar chroma only. */
	for (i = 0; i < csz; i++) {
		u[i] = fr->plane[1][2 * i];
		v[i] = fr->plane[1][2 * i + 1];
	}
	*cpu = thread_cpu_s();
	t0 = bench_now();
	if (tjCompressFromYUVPlanes(tj, planes, (int)fr->width, strides, (int)fr->height,
				    TJSAMP_420, &out, &len, CONFIG_CAPTURE_JPEG_QUALITY,
				    TJFLAG_ACCURATEDCT) != 0) {
		fprintf(stderr, "bench: TurboJPEG: %s\n", tjGetErrorStr2(tj));
		exit(1);
	}
	t = bench_now() - t0;
	*cpu = thread_cpu_s() - *cpu;
	tjFree(out);
	tjDestroy(tj);
	free(u);
	free(v);
	return t;
}

double
bench_bare_encode(const struct tc_frame *fr)
{
	double cpu;

	return encode_timed(fr, &cpu);
}

double
bench_bare_encode_median_cpu(int n, double *cpu_s)
{
	size_t ysz = (size_t)BENCH_W * BENCH_H;
	uint8_t *buf = malloc(ysz * 3 / 2);
	uint8_t *const planes[3] = { buf, buf + ysz, NULL };
	const size_t strides[3] = { BENCH_W, BENCH_W, 0 };
	struct tc_frame fr;
	double t[16], c[16];
	int i;

	memset(&fr, 0, sizeof(fr));
	fr.plane[0] = buf;
	fr.plane[1] = buf + ysz;
	fr.stride[0] = fr.stride[1] = BENCH_W;
	fr.nplanes = 2;
	fr.width = BENCH_W;
	fr.height = BENCH_H;
	fr.fmt = TC_PIXFMT_NV12;
	for (i = 0; i < n && i < 16; i++) {
		if (tc_synth_render(BENCH_SEED, (uint64_t)i, BENCH_W, BENCH_H, TC_PIXFMT_NV12,
				    planes, strides) != 0)
			exit(1);
		t[i] = encode_timed(&fr, &c[i]);
	}
	free(buf);
	if (cpu_s)
		*cpu_s = bench_median(c, i);
	return bench_median(t, i);
}

double
bench_bare_encode_median(int n)
{
	return bench_bare_encode_median_cpu(n, NULL);
}

static int
run(const char *cmd)
{
	int st = system(cmd);

	return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

/* Start photod -b on p's state (the pid into p->pid), then log staff S1 in: 0 or -EIO. */
static int
photod_launch(struct bench_photod *p, const char *bin)
{
	char cmd[3000];

	/* As root: photod drops to trustcam, as in production. */
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; B='%s'; \"$B/photod\" -d state -r run -c synthetic:%d -m %dx%d %s"
		 " -b -P run/photod.pid -l err; if [ -e policy.bundle ]; then"
		 " echo " BENCH_PIN " | \"$B/camctl\" -r run login S1 >/dev/null; fi",
		 p->dir, bin, BENCH_SEED, BENCH_W, BENCH_H, getuid() == 0 ? "-u trustcam" : "");
	if (run(cmd) != 0)
		return -EIO;
	p->pid = (pid_t)bench_read_pid(p->run, "photod.pid");
	return p->pid > 0 ? 0 : -EIO;
}

int
bench_photod_start(struct bench_photod *p)
{
	const char *bin = getenv("TC_BIN");
	char cmd[3000];

	if (!bin) {
		fprintf(stderr, "bench: set TC_BIN to the built programs (make bench does)\n");
		return -EINVAL;
	}
	if (bench_mkdtemp(p->dir, sizeof(p->dir), "tcbench", "/tmp") != 0)
		return -errno;
	snprintf(p->run, sizeof(p->run), "%s/run", p->dir);
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; mkdir -p state; chmod 700 state; chmod 711 .;"
		 " if [ $(id -u) -eq 0 ]; then id trustcam >/dev/null 2>&1 ||"
		 " useradd --system --no-create-home --shell /usr/sbin/nologin trustcam; fi", p->dir);
	if (run(cmd) != 0 || photod_launch(p, bin) != 0)
		return -EIO;
	/*
	 * A device captures only once provisioned and with staff logged in: a
	 * throwaway Trust (trustadm) provisions it, with a policy that
	 * requires no event and carries the largest roster trustadm allows
	 * (10,000 pupils, so photod-rss covers it), and staff S1 logs in.
	 */
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd '%s'; B='%s';"
		 " c() { \"$B/camctl\" -r run \"$@\"; }; t() { \"$B/trustadm\" -d trust \"$@\"; };"
		 " t init --no-passphrase >/dev/null; echo " BENCH_PIN " | t staff add S1 --name Bench --pin-stdin >/dev/null;"
		 " awk 'BEGIN { print \"pupil,platforms\"; for (i = 0; i < 10000; i++)"
		 " printf \"P-%%06d,%%s\\n\", i, i %% 3 ? \"website;newsletter\" : \"website\" }'"
		 " > consent.csv; t consent import consent.csv >/dev/null;"
		 " c provision request > dev.csr 2>/dev/null;"
		 " id=$(c status | sed -n 's/^device: *\\(D-[0-9a-f]*\\).*/\\1/p');"
		 " t enrol --csr dev.csr --class trust-owned --label bench >/dev/null;"
		 " t policy issue \"$id\" --no-require-event -o policy.bundle >/dev/null;"
		 " c provision install --cert \"trust/devices/$id.crt\" --ca trust/ca.crt"
		 " --policy policy.bundle >/dev/null;"
		 " echo " BENCH_PIN " | c login S1 >/dev/null",
		 p->dir, bin);
	return run(cmd) == 0 ? 0 : -EIO;
}

int
bench_photod_restart(struct bench_photod *p)
{
	const char *bin = getenv("TC_BIN");
	char path[400];

	snprintf(path, sizeof(path), "%s/photod.pid", p->run);
	bench_stop_daemon((long)p->pid, path);
	p->pid = 0;
	return bin ? photod_launch(p, bin) : -EINVAL;
}

double
bench_photod_capture(struct bench_photod *p, uint32_t count)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_end end; } u;
	struct tc_msg_capture_req req = { .count = count };
	char path[400];
	uint16_t type;
	double t0, t = -1;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", p->run, TC_IPC_SOCKET_NAME);
	fd = tc_ipc_connect(path);
	if (fd < 0)
		return -1;
	t0 = bench_now();
	if (tc_ipc_send(fd, TC_MSG_CAPTURE_REQ, &req, sizeof(req)) == 0) {
		while (tc_ipc_recv(fd, &type, &u, sizeof(u), 600000) == 0) {
			if (type == TC_MSG_CAPTURE_END) {
				if (u.end.count == count)
					t = bench_now() - t0;
				break;
			}
			if (type != TC_MSG_CAPTURED)
				break;
		}
	}
	close(fd);
	return t;
}

double
bench_photod_peak_rss_mib(const struct bench_photod *p)
{
	return bench_peak_rss_mib((long)p->pid);
}

void
bench_photod_stop(struct bench_photod *p)
{
	char path[400];

	snprintf(path, sizeof(path), "%s/photod.pid", p->run);
	bench_stop_daemon((long)p->pid, path);
	p->pid = 0;
	(void)bench_rm_tree(p->dir);
}
