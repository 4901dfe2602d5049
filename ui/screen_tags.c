/*
 * screen_tags.c - tag the pupils in the photo from the consent roster
 * (each pupil by the display label the Trust sealed into the policy, by
 * pseudonymous ref where it has none), a page at a time, with the
 * allowed platforms recomputed at every tap.  This is the only screen
 * that shows a label; the model forgets them at logout and idle lock.  At most TC_IPC_MAX_PUPILS can be tagged: the
 * capture request carries no more.
 */
#include <string.h>

#include "ui.h"

static void
enter(struct ui_model *m)
{
	m->pupils_page = 0;
}

static void
item(const struct ui_model *m, unsigned i, struct ui_button *b)
{
	const struct ui_pupil *u = &m->pupils[i];

	/* The Trust's label when the policy has one: staff cannot recognise a ref. */
	b->label = u->label[0] ? u->label : u->ref;
	if (u->tagged)
		b->kind = UI_BTN_TOGGLE_ON;
	b->disabled = !u->tagged && m->n_tagged >= TC_IPC_MAX_PUPILS;
}

static struct ui_list
list(const struct ui_model *m)
{
	struct ui_rect r = ui_below_title(m);
	int line = m->prof->font_px[UI_FONT_BODY] * 2;

	/* Below the allowed-platforms line. */
	r.y += line;
	r.h -= line;
	return (struct ui_list){
		.r = r, .cols = (unsigned)m->prof->list_cols + 1, .rows = (unsigned)m->prof->list_rows,
		.page = m->pupils_page, .n = m->n_pupils, .item_name = "pupil", .item = item,
		.last = { .name = "done", .kind = UI_BTN_PRIMARY, .label = ui_str(UI_S_DONE) },
	};
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	struct ui_list l = list(m);

	return ui_list_layout(m, &l, b, max);
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	if ((hit && strcmp(hit->name, "done") == 0) ||
	    (ev->type == UI_EV_KEY && ev->key == UI_KEY_BACK)) {
		ui_goto(m, UI_SCR_VIEWFINDER);
	} else if (ev->type == UI_EV_KEY && ev->key == UI_KEY_SHUTTER) {
		/* The shutter works here too: the photo carries the tags picked so far. */
		ui_goto(m, UI_SCR_VIEWFINDER);
		ui_shoot(m);
	} else if (hit && strcmp(hit->name, "more") == 0) {
		struct ui_list l = list(m);

		m->pupils_page = ui_list_next_page(&l);
	} else if (hit && strcmp(hit->name, "pupil") == 0) {
		m->pupils[hit->arg].tagged = !m->pupils[hit->arg].tagged;
		ui_tags_changed(m);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	struct ui_button b[UI_MAX_BUTTONS];
	struct ui_rect r = ui_title(m, c, ui_str(UI_S_PICK_PUPILS));

	r.h = m->prof->font_px[UI_FONT_BODY] * 2 - m->prof->gap;
	ui_draw_allowed(m, c, r);
	ui_draw_buttons(m, c, b, layout(m, b, UI_MAX_BUTTONS));
}

const struct ui_screen_ops ui_screen_tags = { "tags", enter, event, layout, draw };
