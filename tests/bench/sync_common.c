/*
 * sync_common.c - the device side of the sync benchmarks (sync_common.h).
 * The device is set up the way IT and staff would, through trustadm and
 * camctl, by one shell script, so the benchmark times only the sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "sync_common.h"

int
bsync_sh(struct bsync *s, const char *cmd)
{
	char buf[8192];

	if ((size_t)snprintf(buf, sizeof(buf), "cd '%s' && B='%s' && %s", s->srv.dir, s->srv.bin,
			     cmd) >= sizeof(buf))
		return -1;
	return system(buf);
}

/* The first number in file name of the temp dir into *v: 0 or -1. */
static int
read_number(struct bsync *s, const char *name, unsigned long long *v)
{
	char path[512];
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", s->srv.dir, name);
	if (!(f = fopen(path, "r")))
		return -1;
	rc = fscanf(f, "%llu", v) == 1 ? 0 : -1;
	fclose(f);
	return rc;
}

long
bsync_pid(struct bsync *s, const char *daemon)
{
	char name[64];

	snprintf(name, sizeof(name), "dev/run/%s.pid", daemon);
	return bench_read_pid(s->srv.dir, name);
}

int
bsync_capture(struct bsync *s, unsigned n)
{
	char cmd[1024];
	unsigned long long bytes = 0, photos = 0;

	snprintf(cmd, sizeof(cmd),
		 "set -e; n=%u; while [ $n -gt 0 ]; do c=$n; [ $c -gt 100 ] && c=100;"
		 " \"$B/camctl\" -r dev/run capture --count $c >/dev/null; n=$((n - c)); done;"
		 " \"$B/camctl\" -r dev/run list | awk '$4 == \"captured\" { s += $3; n++ }"
		 " END { print s + 0; print n + 0 > \"dev.photos\" }' > dev.bytes", n);
	if (bsync_sh(s, cmd) != 0 || read_number(s, "dev.bytes", &bytes) != 0 ||
	    read_number(s, "dev.photos", &photos) != 0 || photos < n || bytes == 0) {
		fprintf(stderr, "bench: cannot capture %u photos\n", n);
		return -1;
	}
	s->bytes = bytes;
	s->photos = (unsigned)photos;
	return 0;
}

int
bsync_pass(struct bsync *s)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "\"$B/camctl\" -r dev/run sync --wait | tail -1 |"
		 " grep -q '^sync done: %u '", s->photos);
	if (bsync_sh(s, cmd) != 0) {
		fprintf(stderr, "bench: the sync of %u photos failed (see %s/syncd.log)\n", s->photos,
			s->srv.dir);
		return -1;
	}
	s->bytes = 0;
	s->photos = 0;
	return 0;
}

int
bsync_setup(struct bsync *s, unsigned n)
{
	char cmd[4096];

	memset(s, 0, sizeof(*s));
	if (bsrv_setup(&s->srv, 1) != 0 || bsrv_start(&s->srv, "") != 0) {
		fprintf(stderr, "bench: cannot start trust-server\n");
		return -1;
	}
	snprintf(cmd, sizeof(cmd),
		 "set -e; R=dev/run; mkdir -p dev/state $R sysfs/class/power_supply/AC sysfs/class/net/eth0;"
		 " chmod 700 dev/state $R; echo Mains > sysfs/class/power_supply/AC/type;"
		 " echo 0 > sysfs/class/power_supply/AC/online; echo down > sysfs/class/net/eth0/operstate;"
		 " printf '246810\\n' | \"$B/trustadm\" -d trust staff add S042 --name Bench --pin-stdin >/dev/null;"
		 " \"$B/trustadm\" -d trust event add EV-B --name Bench --date 2026-11-25 >/dev/null;"
		 " \"$B/photod\" -d dev/state -r $R -c synthetic:7 -m 4056x3040 -b -P $R/photod.pid -l err;"
		 " \"$B/camctl\" -r $R provision request > dev.csr 2>/dev/null;"
		 " ID=$(\"$B/camctl\" -r $R status | sed -n 's/^device: *//p' | cut -d' ' -f1);"
		 " \"$B/trustadm\" -d trust enrol --csr dev.csr --class trust-owned --label bench >/dev/null;"
		 " \"$B/trustadm\" -d trust policy issue $ID -o dev.bundle --server-url https://127.0.0.1:%u >/dev/null;"
		 " \"$B/camctl\" -r $R provision install --cert trust/devices/$ID.crt --ca trust/ca.crt --policy dev.bundle >/dev/null;"
		 " printf '246810\\n' | \"$B/camctl\" -r $R login S042 >/dev/null;"
		 " \"$B/camctl\" -r $R event set EV-B >/dev/null;"
		 " \"$B/syncd\" -d dev/state -r $R -S sysfs -D power-link -b -P $R/syncd.pid -l debug 2>syncd.log",
		 s->srv.port);
	if (bsync_sh(s, cmd) != 0) {
		fprintf(stderr, "bench: cannot set up the device\n");
		return -1;
	}
	return n > 0 ? bsync_capture(s, n) : 0;
}

void
bsync_teardown(struct bsync *s)
{
	(void)bsync_sh(s, "for p in dev/run/syncd.pid dev/run/photod.pid; do"
		       " [ -e $p ] && kill -TERM $(cat $p) 2>/dev/null;"
		       " { flock 9; } 9<$p 2>/dev/null; done; true");
	bsrv_stop(&s->srv);
	bsrv_cleanup(&s->srv);
}
