/*
 * screen_pin.c - the PIN pad.  Digits stay in the model only until "Log
 * in" (then they go to the outbox and are wiped here), and are wiped on
 * Back.  While photod's lockout runs, the pad is disabled and a countdown
 * says how long is left (rule R10).
 */
#include <stdio.h>
#include <string.h>

#include "tc_io.h"
#include "tc_secmem.h"
#include "ui.h"

#define PIN_MIN 4
#define PIN_MAX 12

static const char *const keys[12] = { "1", "2", "3", "4", "5", "6", "7", "8", "9", NULL, "0", NULL };

static void
wipe_pin(struct ui_model *m)
{
	tc_zeroize(m->pin, sizeof(m->pin));
	m->pin_len = 0;
}

static void
enter(struct ui_model *m)
{
	wipe_pin(m);
	m->next_status_ms = 0;	/* the lockout, fresh */
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect body = ui_body(m);
	struct ui_rect pad = { body.x + body.w / 2, body.y, body.w - body.w / 2, body.h };
	bool locked = ui_lockout_left(m) > 0;
	unsigned i, n = 0;

	if (max < 14)
		return 0;
	for (i = 0; i < 12; i++, n++) {
		b[n] = (struct ui_button){ .name = "digit", .kind = UI_BTN_KEY, .disabled = locked };
		if (i == 9) {
			b[n].name = "delete";
			b[n].kind = UI_BTN_NORMAL;
			b[n].label = ui_str(UI_S_PIN_DEL);
		} else if (i == 11) {
			b[n].name = "ok";
			b[n].kind = UI_BTN_PRIMARY;
			b[n].label = ui_str(UI_S_PIN_OK);
			b[n].disabled = locked || m->pin_len < PIN_MIN;
		} else {
			b[n].label = keys[i];
			b[n].arg = keys[i][0] - '0';
		}
		ui_grid(pad, (unsigned)p->pin_cols, 4, i, p->gap, &b[n].r);
	}
	b[n] = (struct ui_button){ .name = "back", .kind = UI_BTN_NORMAL, .label = ui_str(UI_S_BACK),
				   .r = { body.x, body.y + body.h - p->target * 3 / 2,
					  body.w / 2 - 2 * p->gap, p->target * 3 / 2 } };
	return n + 1;
}

static void
send_login(struct ui_model *m)
{
	struct ui_cmd c;

	if (m->pin_len < PIN_MIN || m->staff_sel < 0 || ui_lockout_left(m) > 0)
		return;
	memset(&c, 0, sizeof(c));
	c.type = TC_MSG_LOGIN_REQ;
	tc_strlcpy(c.u.login.staff, m->staff[m->staff_sel], sizeof(c.u.login.staff));
	memcpy(c.u.login.pin, m->pin, m->pin_len);
	(void)ui_request(m, &c);
	tc_zeroize(&c, sizeof(c));
	wipe_pin(m);
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	int digit = -1;

	if (ev->type == UI_EV_MSG) {
		if (ev->msg_type == TC_MSG_OK) {
			ui_goto(m, UI_SCR_EVENTS);
		} else if (ev->msg_type == TC_MSG_ERROR) {
			wipe_pin(m);
			m->next_status_ms = 0;	/* a lockout may have started */
		}
		return;
	}
	if ((hit && strcmp(hit->name, "back") == 0) ||
	    (ev->type == UI_EV_KEY && ev->key == UI_KEY_BACK)) {
		wipe_pin(m);
		ui_goto(m, UI_SCR_STAFF);
		return;
	}
	if (ui_lockout_left(m) > 0)
		return;
	if (hit && strcmp(hit->name, "digit") == 0)
		digit = hit->arg;
	else if (ev->type == UI_EV_KEY && ev->key >= UI_KEY_DIGIT0 && ev->key <= UI_KEY_DIGIT9)
		digit = (int)(ev->key - UI_KEY_DIGIT0);
	if (digit >= 0 && m->pin_len < PIN_MAX) {
		m->pin[m->pin_len++] = (char)('0' + digit);
		m->refusal = UI_S_NONE;
	} else if ((hit && strcmp(hit->name, "delete") == 0) ||
		   (ev->type == UI_EV_KEY && ev->key == UI_KEY_DELETE)) {
		if (m->pin_len > 0)
			m->pin[--m->pin_len] = '\0';
	} else if ((hit && strcmp(hit->name, "ok") == 0) ||
		   (ev->type == UI_EV_KEY && ev->key == UI_KEY_ENTER)) {
		send_login(m);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect body = ui_body(m);
	struct ui_rect r = { body.x, body.y, body.w / 2 - 2 * p->gap, p->font_px[UI_FONT_TITLE] * 2 };
	struct ui_button b[UI_MAX_BUTTONS];
	char line[160], dots[3 * PIN_MAX + 1];
	int64_t left = ui_lockout_left(m);
	unsigned i;

	ui_fmt(line, sizeof(line), UI_S_PIN_FOR_FMT,
		 m->staff_sel >= 0 ? m->staff[m->staff_sel] : "");
	ui_text(c, r, line, UI_FONT_TITLE, p->colour[UI_C_TEXT], UI_ALIGN_LEFT);
	r.y += r.h;
	r.h = p->target * 3 / 2;
	ui_fill(c, r, p->colour[UI_C_BUTTON]);
	for (i = 0; i < m->pin_len; i++)
		memcpy(dots + 3 * i, "\xe2\x97\x8f", 3);	/* U+25CF BLACK CIRCLE */
	dots[3 * m->pin_len] = '\0';
	ui_text(c, r, dots, UI_FONT_HUGE, p->colour[UI_C_TEXT], UI_ALIGN_CENTRE);
	r.y += r.h + p->gap;
	if (left > 0) {
		r.h = p->font_px[UI_FONT_BODY] * 3;
		ui_fmt(line, sizeof(line), UI_S_LOCKED_FMT, (long long)left);
		ui_fill(c, r, p->colour[UI_C_WARN]);
		ui_text(c, r, line, UI_FONT_BODY, p->colour[UI_C_WARN_TEXT], UI_ALIGN_CENTRE);
	}
	ui_draw_buttons(m, c, b, layout(m, b, UI_MAX_BUTTONS));
}

const struct ui_screen_ops ui_screen_pin = { "pin", enter, event, layout, draw };
