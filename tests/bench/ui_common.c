/*
 * ui_common.c - see ui_common.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "ui_common.h"

static const char script[] =
	"wait locked\ntap login\nwait staff\npress S1\nwait pin\ndigits " BENCH_PIN "\ntap ok\n"
	"wait events\ntap skip\nwait viewfinder\nframes 5\nstats\nframes 90\nstats\n"
	"key shutter\nwait confirm\nstats\nquit\n";

static int
parse(const char *line, struct bench_ui_stats *s)
{
	return sscanf(line, "kiosk: stats ms=%lf frames_notified=%lf frames_torn=%*f frames_shown=%lf "
		      "first_seq=%*f last_seq=%lf shutter_frame=%lf rss_kib=%lf", &s->ms, &s->notified,
		      &s->shown, &s->last_seq, &s->shutter_frame, &s->rss_kib) == 6 ? 0 : -1;
}

int
bench_ui_session(struct bench_ui *u)
{
	const char *bin = getenv("TC_BIN");
	char cmd[2048], path[400], line[512];
	struct bench_ui_stats *next[3] = { &u->before, &u->after, &u->shot };
	int got = 0, rc = -1;
	FILE *f;

	memset(u, 0, sizeof(*u));
	u->captured_frame = -1;
	if (bench_photod_start(&u->photod) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/kiosk.script", u->photod.dir);
	f = fopen(path, "w");
	if (!f || fputs(script, f) < 0 || fclose(f) != 0)
		goto out;
	/* As root the kiosk runs as its own user in photod's group, as on a device. */
	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && chmod 644 kiosk.script && u='' && if [ $(id -u) -eq 0 ]; then"
		 " id trustcam-ui >/dev/null 2>&1 || useradd --system --no-create-home"
		 " --shell /usr/sbin/nologin -g trustcam trustcam-ui; u='-u trustcam-ui'; fi;"
		 " SDL_VIDEODRIVER=offscreen '%s/kiosk' -r run -p 800x480 $u -s kiosk.script 2>&1",
		 u->photod.dir, bin);
	f = popen(cmd, "r");
	if (!f)
		goto out;
	while (fgets(line, sizeof(line), f))
		if (got < 3 && parse(line, next[got]) == 0) {
			got++;
			if (got == 2)
				u->photod_rss_mib = bench_photod_peak_rss_mib(&u->photod);
		}
	if (pclose(f) != 0 || got != 3) {
		fprintf(stderr, "bench: the kiosk did not finish its script (%d stats lines)\n", got);
		goto out;
	}
	/* The Trust side: the frame the photo was taken from. */
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s/../tests/tools/tc_verify' -m trust/photo.key"
		 " state/store/objects", u->photod.dir, bin);
	f = popen(cmd, "r");
	if (!f)
		goto out;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, " frame=");

		if (strncmp(line, "ok ", 3) == 0 && p)
			u->captured_frame = strtol(p + 7, NULL, 10);
	}
	pclose(f);
	rc = u->captured_frame >= 0 ? 0 : -1;
out:
	bench_photod_stop(&u->photod);
	return rc;
}
