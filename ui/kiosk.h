/*
 * kiosk.h - the kiosk program's state, shared by kiosk.c (main loop) and
 * kiosk_script.c (scripted input for tests and the demo).  Private.
 */
#ifndef KIOSK_H
#define KIOSK_H

#include <stdbool.h>
#include <stdint.h>

#include "sdl_canvas.h"
#include "tc_input.h"
#include "ui.h"
#include "ui_ipc.h"

struct kiosk_script;

struct kiosk {
	struct ui_model *m;		/* heap: the thumbnail and roster make it large */
	struct ui_canvas canvas;
	SDL_Window *win;
	SDL_Renderer *r;
	struct ui_ipc io;
	struct tc_input *input;		/* -e: a physical button device, or NULL */
	const char *shots_dir;		/* -o: where "shot" writes PNGs */
	struct kiosk_script *script;	/* -s */
	bool dirty;			/* the model changed since the last draw */
	uint64_t shown_seq;		/* the preview frame drawn last */
	uint64_t frames_shown;		/* preview frames drawn (each new one once) */
	int64_t drawn_ms;
	bool quit;
	int status;			/* exit status */
};

int64_t kiosk_now_ms(void);
/* Feed one event to the model (and mark the screen for redrawing). */
void kiosk_feed(struct kiosk *k, const struct ui_event *ev);
/* Draw the model now. */
void kiosk_draw(struct kiosk *k);

/* kiosk_script.c */
int kiosk_script_open(const char *path, struct kiosk_script **out) TC_MUST_CHECK;
void kiosk_script_close(struct kiosk_script *s);
/* Run what the script can run now.  0: more to do, 1: finished, <0: failed (said why). */
int kiosk_script_step(struct kiosk *k, struct kiosk_script *s);

#endif /* KIOSK_H */
