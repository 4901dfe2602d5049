/*
 * screen_viewfinder.c - the preview, the shutter, burst, the tags and
 * the platforms the photo will be allowed on, live: an empty
 * intersection says "internal only" before the shot (rule R5).
 *
 * The shutter records the preview frame on screen and copies it, scaled
 * down, as the confirmation's thumbnail (RAM only); photod takes the
 * photo from the sensor at the same moment.
 */
#include <stdio.h>
#include <string.h>

#include "tc_io.h"
#include "tc_secmem.h"
#include "ui.h"

/* The stream starts once the roster is in (one request at a time). */
static void
start_preview(struct ui_model *m)
{
	struct ui_cmd c = { .type = TC_MSG_PREVIEW_START_REQ };

	if (!m->previewing)
		(void)ui_request(m, &c);
}

static void
enter(struct ui_model *m)
{
	struct ui_cmd c = { .type = TC_MSG_ROSTER_REQ };

	if (m->roster_loaded) {
		start_preview(m);
		return;
	}
	m->n_pupils = 0;
	m->n_platforms = 0;
	c.u.roster.first = 0;
	c.u.roster.max = UI_MAX_PUPILS < TC_IPC_ROSTER_PAGE ? UI_MAX_PUPILS : TC_IPC_ROSTER_PAGE;
	(void)ui_request(m, &c);
}

/* The preview on the left, a column of buttons on the right. */
static struct ui_rect
preview_rect(const struct ui_model *m)
{
	struct ui_rect b = ui_body(m);

	b.w = b.w * 2 / 3 - m->prof->gap;
	b.h -= m->prof->font_px[UI_FONT_BODY] * 3;
	return b;
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect body = ui_body(m);
	struct ui_rect col = { body.x + body.w * 2 / 3, body.y, body.w - body.w * 2 / 3, body.h };
	struct ui_rect shutter = { col.x, col.y, col.w, col.h * 2 / 5 };
	struct ui_rect rest = { col.x, col.y + shutter.h + p->gap, col.w, col.h - shutter.h - p->gap };

	if (max < 5)
		return 0;
	b[0] = (struct ui_button){ .name = "shutter", .kind = UI_BTN_PRIMARY,
				   .label = ui_str(UI_S_SHUTTER), .r = shutter };
	b[1] = (struct ui_button){ .name = "burst", .kind = m->burst ? UI_BTN_TOGGLE_ON : UI_BTN_NORMAL,
				   .label = ui_str(m->burst ? UI_S_BURST_ON_FMT : UI_S_BURST_OFF) };
	b[2] = (struct ui_button){ .name = "tags", .kind = UI_BTN_NORMAL,
				   .label = ui_str(UI_S_TAG_PUPILS) };
	b[3] = (struct ui_button){ .name = "event", .kind = UI_BTN_NORMAL,
				   .label = ui_str(UI_S_CHANGE_EVENT) };
	b[4] = (struct ui_button){ .name = "logout", .kind = UI_BTN_DANGER,
				   .label = ui_str(UI_S_LOGOUT) };
	ui_grid(rest, 2, 2, 0, p->gap, &b[1].r);
	ui_grid(rest, 2, 2, 1, p->gap, &b[2].r);
	ui_grid(rest, 2, 2, 2, p->gap, &b[3].r);
	ui_grid(rest, 2, 2, 3, p->gap, &b[4].r);
	return 5;
}

/* Nearest-neighbour copy of the frame on screen into the model's thumbnail. */
static void
keep_thumbnail(struct ui_model *m)
{
	int x, y, sx, sy;

	m->have_thumb = false;
	if (!m->frame || m->frame_w <= 0 || m->frame_h <= 0)
		return;
	for (y = 0; y < UI_THUMB_H; y++) {
		sy = y * m->frame_h / UI_THUMB_H;
		for (x = 0; x < UI_THUMB_W; x++) {
			sx = x * m->frame_w / UI_THUMB_W;
			memcpy(&m->thumb[(y * UI_THUMB_W + x) * 3],
			       &m->frame[((size_t)sy * (size_t)m->frame_w + (size_t)sx) * 3], 3);
		}
	}
	m->have_thumb = true;
}

void
ui_shoot(struct ui_model *m)
{
	struct ui_cmd c;
	unsigned i, n = 0;

	memset(&c, 0, sizeof(c));
	c.type = TC_MSG_CAPTURE_REQ;
	c.u.capture.count = m->burst ? UI_BURST : 1;
	for (i = 0; i < m->n_pupils && n < TC_IPC_MAX_PUPILS; i++)
		if (m->pupils[i].tagged)
			tc_strlcpy(c.u.capture.pupils[n++], m->pupils[i].ref, TC_IPC_NAME_MAX);
	c.u.capture.n_pupils = n;
	if (!ui_request(m, &c))
		return;
	/* The last shot's thumbnail goes at the next shot. */
	tc_zeroize(m->thumb, sizeof(m->thumb));
	m->shutter_frame = m->frame_seq;
	keep_thumbnail(m);
	m->shot_count = c.u.capture.count;
	m->shot_sealed = 0;
	m->refusal = UI_S_NONE;
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	if (ev->type == UI_EV_MSG) {
		if (ev->msg_type == TC_MSG_ROSTER_END) {
			m->roster_loaded = true;
			ui_tags_changed(m);
			start_preview(m);
		} else if (ev->msg_type == TC_MSG_CAPTURE_END) {
			ui_goto(m, UI_SCR_CONFIRM);
		}
		return;
	}
	if ((hit && strcmp(hit->name, "shutter") == 0) ||
	    (ev->type == UI_EV_KEY && ev->key == UI_KEY_SHUTTER)) {
		ui_shoot(m);
	} else if (hit && strcmp(hit->name, "burst") == 0) {
		m->burst = !m->burst;
	} else if (hit && strcmp(hit->name, "tags") == 0) {
		ui_goto(m, UI_SCR_TAGS);
	} else if (hit && strcmp(hit->name, "event") == 0) {
		ui_goto(m, UI_SCR_EVENTS);
	} else if (hit && strcmp(hit->name, "logout") == 0) {
		ui_logout(m);
	}
}

/* The line under the preview (and the tags screen): who is tagged, where it may go. */
void
ui_draw_allowed(const struct ui_model *m, struct ui_canvas *c, struct ui_rect r)
{
	const struct ui_profile *p = m->prof;
	char line[320];

	if (m->n_tagged == 0) {
		ui_text(c, r, ui_str(UI_S_NOBODY_TAGGED), UI_FONT_BODY, p->colour[UI_C_TEXT],
			UI_ALIGN_LEFT);
	} else if (m->internal_only) {
		ui_fill(c, r, p->colour[UI_C_WARN]);
		ui_fmt(line, sizeof(line), UI_S_TAGGED_FMT, m->n_tagged);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ". %s",
			 ui_str(UI_S_INTERNAL_ONLY));
		ui_text(c, r, line, UI_FONT_BODY, p->colour[UI_C_WARN_TEXT], UI_ALIGN_LEFT);
	} else {
		ui_fmt(line, sizeof(line), UI_S_TAGGED_FMT, m->n_tagged);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ". ");
		ui_fmt(line + strlen(line), sizeof(line) - strlen(line), UI_S_ALLOWED_FMT,
			 m->allowed);
		ui_text(c, r, line, UI_FONT_BODY, p->colour[UI_C_OK], UI_ALIGN_LEFT);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect pv = preview_rect(m);
	struct ui_rect below = { pv.x, pv.y + pv.h, pv.w, p->font_px[UI_FONT_BODY] * 3 };
	struct ui_button b[UI_MAX_BUTTONS];
	char burst[64];
	unsigned n;

	ui_fill(c, pv, p->colour[UI_C_PREVIEW]);
	if (m->frame)
		ui_image(c, pv, m->frame, m->frame_w, m->frame_h);
	else
		ui_text(c, pv, ui_str(UI_S_NO_PREVIEW), UI_FONT_BODY, p->colour[UI_C_BAR_TEXT],
			UI_ALIGN_CENTRE);
	ui_draw_allowed(m, c, below);
	n = layout(m, b, UI_MAX_BUTTONS);
	ui_fmt(burst, sizeof(burst), UI_S_BURST_ON_FMT, UI_BURST);
	if (m->burst)
		b[1].label = burst;
	if (m->busy)
		b[0].label = ui_str(UI_S_BUSY);
	ui_draw_buttons(m, c, b, n);
}

const struct ui_screen_ops ui_screen_viewfinder = { "viewfinder", enter, event, layout, draw };
