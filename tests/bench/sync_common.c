/*
 * sync_common.c - the device side of the sync benchmarks (sync_common.h).
 * The device is set up the way IT and staff would, through trustadm and
 * camctl, by one shell script, so the benchmark times only the sync.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int
bsync_setup(struct bsync *s, unsigned n)
{
	char cmd[4096];
	unsigned long long bytes = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	s->photos = n;
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
		 " n=%u; while [ $n -gt 0 ]; do c=$n; [ $c -gt 100 ] && c=100;"
		 " \"$B/camctl\" -r $R capture --count $c >/dev/null; n=$((n - c)); done;"
		 " \"$B/camctl\" -r $R list | awk '$4 == \"captured\" { s += $3 } END { print s }' > dev.bytes;"
		 " \"$B/syncd\" -d dev/state -r $R -S sysfs -b -P $R/syncd.pid -l debug 2>syncd.log",
		 s->srv.port, n);
	if (bsync_sh(s, cmd) != 0) {
		fprintf(stderr, "bench: cannot set up the device\n");
		return -1;
	}
	snprintf(cmd, sizeof(cmd), "%s/dev.bytes", s->srv.dir);
	f = fopen(cmd, "r");
	if (!f || fscanf(f, "%llu", &bytes) != 1 || bytes == 0) {
		if (f)
			fclose(f);
		fprintf(stderr, "bench: no photos captured\n");
		return -1;
	}
	fclose(f);
	s->bytes = bytes;
	return 0;
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
