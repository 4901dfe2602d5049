/*
 * screen_confirm.c - after a shot: how many photos were sealed and the
 * thumbnail of the frame that was on screen, held in RAM only.  It is
 * wiped after UI_CONFIRM_MS, at the next shot and at logout; a tap or
 * the shutter goes straight back to the viewfinder (the shutter also
 * takes the next photo).
 */
#include <stdio.h>
#include <string.h>

#include "tc_secmem.h"
#include "ui.h"

static void
enter(struct ui_model *m)
{
	m->confirm_until_ms = m->now_ms + UI_CONFIRM_MS;
}

static void
leave(struct ui_model *m)
{
	tc_zeroize(m->thumb, sizeof(m->thumb));
	m->have_thumb = false;
	ui_goto(m, UI_SCR_VIEWFINDER);
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	struct ui_rect body = ui_body(m);
	int h = m->prof->target * 3 / 2;

	if (max < 1)
		return 0;
	b[0] = (struct ui_button){ .name = "back", .kind = UI_BTN_PRIMARY, .label = ui_str(UI_S_DONE),
				   .r = { body.x + body.w / 2, body.y + body.h - h, body.w / 2, h } };
	return 1;
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	if (ev->type == UI_EV_TICK && m->now_ms >= m->confirm_until_ms) {
		leave(m);
	} else if (hit || (ev->type == UI_EV_KEY && ev->key == UI_KEY_BACK)) {
		leave(m);
	} else if (ev->type == UI_EV_KEY && ev->key == UI_KEY_SHUTTER) {
		leave(m);
		ui_shoot(m);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect body = ui_body(m);
	struct ui_rect th = { body.x, body.y, body.w / 2 - p->gap, body.h };
	struct ui_rect t = { body.x + body.w / 2, body.y, body.w / 2, p->font_px[UI_FONT_HUGE] * 2 };
	struct ui_button b[1];
	char line[96];
	bool ok = m->shot_sealed > 0;

	/* 4:3, as the thumbnail is. */
	if (th.w * 3 > th.h * 4)
		th.w = th.h * 4 / 3;
	else
		th.h = th.w * 3 / 4;
	ui_fill(c, th, p->colour[UI_C_PREVIEW]);
	if (m->have_thumb)
		ui_image(c, th, m->thumb, UI_THUMB_W, UI_THUMB_H);
	if (ok)
		ui_fmt(line, sizeof(line), UI_S_SEALED_FMT, m->shot_sealed, m->shot_count);
	else
		snprintf(line, sizeof(line), "%s", ui_str(UI_S_NOT_SEALED));
	ui_text(c, t, line, UI_FONT_TITLE, p->colour[ok ? UI_C_OK : UI_C_DANGER], UI_ALIGN_LEFT);
	t.y += t.h;
	t.h = p->font_px[UI_FONT_BODY] * 4;
	if (ok)
		ui_text(c, t, ui_str(UI_S_SEALED_NOTE), UI_FONT_BODY, p->colour[UI_C_TEXT],
			UI_ALIGN_LEFT);
	ui_draw_allowed(m, c, (struct ui_rect){ t.x, t.y + t.h, t.w, p->font_px[UI_FONT_BODY] * 3 });
	ui_draw_buttons(m, c, b, layout(m, b, 1));
}

const struct ui_screen_ops ui_screen_confirm = { "confirm", enter, event, layout, draw };
