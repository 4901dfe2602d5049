/*
 * bench_ui_rss.c - peak resident memory (VmHWM) of the kiosk through a
 * session with the viewfinder streaming and a shot (target <= 32 MiB);
 * photod's peak with the preview running is printed beside it (its own
 * target, <= 48 MiB, is photod-rss's).
 */
#include <stdio.h>

#include "bench.h"
#include "ui_common.h"

int
main(void)
{
	struct bench_ui u;

	if (bench_ui_session(&u) != 0)
		return 1;
	printf("photod with the preview running: %.1f MiB peak (target <= 48 MiB)\n",
	       u.photod_rss_mib);
	bench_report("ui-rss", u.shot.rss_kib / 1024.0, "MiB", NAN, "<=", 32.0);
	return 0;
}
