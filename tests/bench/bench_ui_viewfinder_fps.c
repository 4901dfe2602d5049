/*
 * bench_ui_viewfinder_fps.c - the kiosk's viewfinder against photod's
 * preview stream (12 MP synthetic sensor, 800x480 display): preview
 * frames drawn per frame photod produced over 90 frames (target >=
 * 0.95), with the absolute frames per second printed beside it.
 */
#include <stdio.h>

#include "bench.h"
#include "ui_common.h"

int
main(void)
{
	struct bench_ui u;
	double shown, produced, secs;

	if (bench_ui_session(&u) != 0)
		return 1;
	shown = u.after.shown - u.before.shown;
	produced = u.after.last_seq - u.before.last_seq;
	secs = (u.after.ms - u.before.ms) / 1000.0;
	if (produced <= 0 || secs <= 0)
		return 1;
	printf("viewfinder: %.0f frames shown of %.0f produced in %.2f s: %.1f fps shown\n", shown,
	       produced, secs, shown / secs);
	bench_report("ui-viewfinder-fps", shown / produced, "ratio", 1.0, ">=", 0.95);
	return 0;
}
