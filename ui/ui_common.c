/*
 * ui_common.c - what every screen draws the same way: the status bar
 * (waiting-to-sync count, store space, policy expiry, dock warning), the
 * refusal banner, buttons, and the grid that places them.
 */
#include <stdio.h>
#include <time.h>

#include "tc_err.h"
#include "ui.h"

struct ui_rect
ui_body(const struct ui_model *m)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect r = { p->margin, p->bar_h + p->margin, p->w - 2 * p->margin,
			     p->h - p->bar_h - 2 * p->margin - p->banner_h };

	return r;
}

void
ui_grid(struct ui_rect r, unsigned cols, unsigned rows, unsigned i, int gap, struct ui_rect *out)
{
	int cw = (r.w - gap * ((int)cols - 1)) / (int)cols;
	int rh = (r.h - gap * ((int)rows - 1)) / (int)rows;

	out->x = r.x + (int)(i % cols) * (cw + gap);
	out->y = r.y + (int)(i / cols) * (rh + gap);
	out->w = cw;
	out->h = rh;
}

static unsigned long long
store_percent(const struct tc_msg_status *st)
{
	unsigned long long a = 0, b = 0;

	if (st->quota_bytes)
		a = st->bytes_total * 100 / st->quota_bytes;
	if (st->quota_photos)
		b = st->photos_total * 100 / st->quota_photos;
	return a > b ? a : b;
}

void
ui_draw_status_bar(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	const struct tc_msg_status *st = &m->st;
	struct ui_rect bar = { 0, 0, p->w, p->bar_h };
	struct ui_rect left = { p->margin, 0, p->w / 3, p->bar_h };
	struct ui_rect right = { p->w / 3, 0, p->w - p->w / 3 - p->margin, p->bar_h };
	char who[2 * TC_IPC_NAME_MAX + 8], line[192], day[16];
	enum ui_str blocked = ui_blocked(m);
	struct tm tm;
	time_t t;
	int n;

	ui_fill(c, bar, p->colour[blocked ? UI_C_DANGER : UI_C_BAR]);
	if (!m->have_status) {
		ui_text(c, left, ui_str(m->connected ? UI_S_APP_NAME : UI_S_NO_PHOTOD), UI_FONT_SMALL,
			p->colour[UI_C_BAR_TEXT], UI_ALIGN_LEFT);
		return;
	}
	snprintf(who, sizeof(who), "%s%s%s", st->staff[0] ? st->staff : ui_str(UI_S_APP_NAME),
		 st->event[0] ? " - " : "", st->event);
	ui_text(c, left, who, UI_FONT_SMALL, p->colour[UI_C_BAR_TEXT], UI_ALIGN_LEFT);

	n = ui_fmt(line, sizeof(line), UI_S_BAR_SYNC_FMT, (unsigned long long)st->unsynced);
	n += ui_put(line + n, sizeof(line) - (size_t)n, "   ");
	n += ui_fmt(line + n, sizeof(line) - (size_t)n, UI_S_BAR_STORE_FMT,
		      store_percent(st));
	n += ui_put(line + n, sizeof(line) - (size_t)n, "   ");
	if (st->policy_state == 0 && st->policy_expires > 0) {
		t = (time_t)st->policy_expires;
		gmtime_r(&t, &tm);
		strftime(day, sizeof(day), "%Y-%m-%d", &tm);
		n += ui_fmt(line + n, sizeof(line) - (size_t)n, UI_S_BAR_POLICY_FMT, day);
	} else {
		n += ui_put(line + n, sizeof(line) - (size_t)n, "%s", ui_str(UI_S_BAR_NO_POLICY));
	}
	if (blocked == UI_S_REFUSED_DOCK || blocked == UI_S_REFUSED_FULL ||
	    blocked == UI_S_REFUSED_REVOKED)
		snprintf(line + n, sizeof(line) - (size_t)n, "   %s", ui_str(UI_S_BAR_BLOCKED));
	ui_text(c, right, line, UI_FONT_SMALL, p->colour[UI_C_BAR_TEXT], UI_ALIGN_RIGHT);
}

void
ui_draw_refusal(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	struct ui_rect r = { 0, p->h - p->banner_h, p->w, p->banner_h };
	struct ui_rect t = { p->margin, r.y, p->w - 2 * p->margin, r.h };
	char line[TC_IPC_TEXT_MAX + 256];

	if (m->refusal == UI_S_NONE)
		return;
	ui_fill(c, r, p->colour[UI_C_WARN]);
	if (m->refusal_detail[0])
		snprintf(line, sizeof(line), "%s\n(%s)", ui_str(m->refusal), m->refusal_detail);
	else
		snprintf(line, sizeof(line), "%s", ui_str(m->refusal));
	ui_text(c, t, line, UI_FONT_SMALL, p->colour[UI_C_WARN_TEXT], UI_ALIGN_LEFT);
}

void
ui_draw_buttons(const struct ui_model *m, struct ui_canvas *c, const struct ui_button *b,
		unsigned n)
{
	const struct ui_profile *p = m->prof;
	enum ui_colour bg, fg;
	unsigned i;

	for (i = 0; i < n; i++) {
		switch (b[i].kind) {
		case UI_BTN_PRIMARY: bg = UI_C_PRIMARY; fg = UI_C_PRIMARY_TEXT; break;
		case UI_BTN_TOGGLE_ON: bg = UI_C_TOGGLE; fg = UI_C_TOGGLE_TEXT; break;
		case UI_BTN_DANGER: bg = UI_C_DANGER; fg = UI_C_PRIMARY_TEXT; break;
		default: bg = UI_C_BUTTON; fg = UI_C_BUTTON_TEXT; break;
		}
		if (b[i].disabled) {
			bg = UI_C_BUTTON;
			fg = UI_C_DISABLED;
		}
		ui_fill(c, b[i].r, p->colour[bg]);
		if (b[i].kind == UI_BTN_TOGGLE_ON) {
			/* A tick as well as the colour: chosen must not be told by colour alone. */
			struct ui_rect t = { b[i].r.x + p->gap, b[i].r.y, p->target, b[i].r.h };

			ui_text(c, t, "\xe2\x9c\x93", UI_FONT_BUTTON, p->colour[fg], UI_ALIGN_LEFT);
		}
		ui_text(c, b[i].r, b[i].label, b[i].kind == UI_BTN_KEY ? UI_FONT_HUGE : UI_FONT_BUTTON,
			p->colour[fg], UI_ALIGN_CENTRE);
	}
}

struct ui_rect
ui_below_title(const struct ui_model *m)
{
	struct ui_rect b = ui_body(m);
	int th = m->prof->font_px[UI_FONT_TITLE] * 2;

	b.y += th;
	b.h -= th;
	return b;
}

struct ui_rect
ui_title(const struct ui_model *m, struct ui_canvas *c, const char *text)
{
	struct ui_rect b = ui_body(m);

	b.h = m->prof->font_px[UI_FONT_TITLE] * 2;
	ui_text(c, b, text, UI_FONT_TITLE, m->prof->colour[UI_C_TEXT], UI_ALIGN_LEFT);
	return ui_below_title(m);
}

unsigned
ui_list_per_page(const struct ui_list *l)
{
	return l->cols * (l->rows - 1);
}

unsigned
ui_list_next_page(const struct ui_list *l)
{
	return (l->page + 1) * ui_list_per_page(l) < l->n ? l->page + 1 : 0;
}

unsigned
ui_list_layout(const struct ui_model *m, const struct ui_list *l, struct ui_button *b,
	       unsigned max)
{
	unsigned i, n = 0, per = ui_list_per_page(l), first = l->page * per;

	for (i = 0; i < per && first + i < l->n && n + 2 < max; i++, n++) {
		b[n] = (struct ui_button){ .name = l->item_name, .arg = (int)(first + i),
					   .kind = UI_BTN_NORMAL };
		l->item(m, first + i, &b[n]);
		ui_grid(l->r, l->cols, l->rows, i, m->prof->gap, &b[n].r);
	}
	if (n + 2 > max)
		return n;
	b[n] = l->last;
	ui_grid(l->r, l->cols, l->rows, (l->rows - 1) * l->cols, m->prof->gap, &b[n++].r);
	if (l->second.name && n + 2 <= max) {
		b[n] = l->second;
		ui_grid(l->r, l->cols, l->rows, (l->rows - 1) * l->cols + 1, m->prof->gap, &b[n++].r);
	}
	if (l->n > per && n < max) {
		b[n] = (struct ui_button){ .name = "more", .kind = UI_BTN_NORMAL,
					   .label = ui_str(UI_S_MORE) };
		ui_grid(l->r, l->cols, l->rows, l->rows * l->cols - 1, m->prof->gap, &b[n++].r);
	}
	return n;
}
