/*
 * screen_staff.c - who is logging in: one button per staff id in the
 * policy (ids only: the policy holds no names), a page at a time.
 */
#include <string.h>

#include "ui.h"

static void
enter(struct ui_model *m)
{
	m->staff_sel = -1;
}

static void
item(const struct ui_model *m, unsigned i, struct ui_button *b)
{
	b->label = m->staff[i];
}

static struct ui_list
list(const struct ui_model *m)
{
	return (struct ui_list){
		.r = ui_below_title(m), .cols = (unsigned)m->prof->list_cols,
		.rows = (unsigned)m->prof->list_rows, .page = m->staff_page, .n = m->n_staff,
		.item_name = "staff", .item = item,
		.last = { .name = "back", .kind = UI_BTN_NORMAL, .label = ui_str(UI_S_BACK) },
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
	if ((hit && strcmp(hit->name, "back") == 0) ||
	    (ev->type == UI_EV_KEY && ev->key == UI_KEY_BACK)) {
		ui_goto(m, UI_SCR_LOCKED);
	} else if (hit && strcmp(hit->name, "more") == 0) {
		struct ui_list l = list(m);

		m->staff_page = ui_list_next_page(&l);
	} else if (hit && strcmp(hit->name, "staff") == 0) {
		m->staff_sel = hit->arg;
		ui_goto(m, UI_SCR_PIN);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	struct ui_button b[UI_MAX_BUTTONS];

	ui_title(m, c, ui_str(UI_S_WHO_ARE_YOU));
	ui_draw_buttons(m, c, b, layout(m, b, UI_MAX_BUTTONS));
}

const struct ui_screen_ops ui_screen_staff = { "staff", enter, event, layout, draw };
