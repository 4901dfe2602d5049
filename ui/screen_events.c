/*
 * screen_events.c - the event picker: the policy's events, a page at a
 * time.  Choosing one asks photod to set it; its OK opens the
 * viewfinder; when the policy requires no event, "No event" goes straight
 * there.  Log out ends the session at once (the request goes out,
 * the screen does not wait for it).
 */
#include <string.h>

#include "ui.h"

static void
enter(struct ui_model *m)
{
	struct ui_cmd c = { .type = TC_MSG_EVENTS_REQ };

	if (m->events_loaded)
		return;
	m->n_events = 0;
	m->events_page = 0;
	(void)ui_request(m, &c);
}

static void
item(const struct ui_model *m, unsigned i, struct ui_button *b)
{
	b->label = m->events[i].label;
	if (strcmp(m->events[i].id, m->st.event) == 0)
		b->kind = UI_BTN_TOGGLE_ON;
}

static struct ui_list
list(const struct ui_model *m)
{
	return (struct ui_list){
		.r = ui_below_title(m), .cols = (unsigned)m->prof->list_cols,
		.rows = (unsigned)m->prof->list_rows, .page = m->events_page, .n = m->n_events,
		.item_name = "event", .item = item,
		.last = { .name = "logout", .kind = UI_BTN_DANGER, .label = ui_str(UI_S_LOGOUT) },
		/* Only a policy that requires no event lets staff go on without one. */
		.second = { .name = m->st.require_event ? NULL : "skip", .kind = UI_BTN_NORMAL,
			    .label = ui_str(UI_S_NO_EVENT) },
	};
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	struct ui_list l = list(m);

	return ui_list_layout(m, &l, b, max);
}

/* Log out now: photod is told, the model forgets the session, the screen locks. */
void
ui_logout(struct ui_model *m)
{
	struct ui_cmd c = { .type = TC_MSG_LOGOUT_REQ };

	m->n_out = 0;	/* anything still queued is for the session that ends */
	(void)ui_request(m, &c);
	ui_forget(m);
	ui_goto(m, UI_SCR_LOCKED);
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	struct ui_cmd c;

	if (ev->type == UI_EV_MSG) {
		if (ev->msg_type == TC_MSG_EVENTS_END)
			m->events_loaded = true;
		else if (ev->msg_type == TC_MSG_OK)
			ui_goto(m, UI_SCR_VIEWFINDER);
		return;
	}
	if (!hit)
		return;
	if (strcmp(hit->name, "logout") == 0) {
		ui_logout(m);
	} else if (strcmp(hit->name, "skip") == 0) {
		ui_goto(m, UI_SCR_VIEWFINDER);
	} else if (strcmp(hit->name, "more") == 0) {
		struct ui_list l = list(m);

		m->events_page = ui_list_next_page(&l);
	} else if (strcmp(hit->name, "event") == 0) {
		memset(&c, 0, sizeof(c));
		c.type = TC_MSG_EVENT_SET_REQ;
		memcpy(c.u.event.id, m->events[hit->arg].id, sizeof(c.u.event.id));
		(void)ui_request(m, &c);
	}
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	struct ui_button b[UI_MAX_BUTTONS];
	struct ui_rect r = ui_title(m, c, ui_str(UI_S_PICK_EVENT));

	if (m->events_loaded && m->n_events == 0)
		ui_text(c, r, ui_str(UI_S_NO_EVENTS), UI_FONT_BODY, m->prof->colour[UI_C_TEXT],
			UI_ALIGN_CENTRE);
	ui_draw_buttons(m, c, b, layout(m, b, UI_MAX_BUTTONS));
}

const struct ui_screen_ops ui_screen_events = { "events", enter, event, layout, draw };
