/*
 * bench_ui_shutter_lag.c - frames between the preview frame on the
 * kiosk's screen when the shutter is pressed and the frame the sealed
 * photo was taken from (read on the Trust side): target <= 1.
 */
#include <stdio.h>

#include "bench.h"
#include "ui_common.h"

int
main(void)
{
	struct bench_ui u;
	double lag;

	if (bench_ui_session(&u) != 0)
		return 1;
	lag = (double)u.captured_frame - u.shot.shutter_frame;
	printf("shutter: frame %.0f on screen, photo from frame %ld\n", u.shot.shutter_frame,
	       u.captured_frame);
	bench_report("ui-shutter-lag", lag, "frames", NAN, "<=", 1.0);
	return 0;
}
