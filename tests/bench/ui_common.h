/*
 * ui_common.h - the kiosk benchmarks' session: photod at BENCH_W x
 * BENCH_H with the synthetic sensor (capture_common.h), and the kiosk on
 * SDL's offscreen driver at 800x480 driven by a script: log in, no
 * event, the viewfinder for 90 frames, the shutter.  The kiosk's "stats"
 * lines are parsed into struct bench_ui.
 */
#ifndef UI_COMMON_H
#define UI_COMMON_H

#include <stdint.h>

#include "capture_common.h"

struct bench_ui_stats {
	double ms;
	double notified, shown, last_seq, shutter_frame, rss_kib;
};

struct bench_ui {
	struct bench_photod photod;
	struct bench_ui_stats before, after, shot;	/* viewfinder start, after 90 frames, after the shot */
	long captured_frame;	/* the photo's frame, read on the Trust side (tc_verify -m) */
	double photod_rss_mib;	/* photod's peak with the preview running */
};

/* Run the whole session; 0 or -1 (said why). */
int bench_ui_session(struct bench_ui *u);

#endif /* UI_COMMON_H */
