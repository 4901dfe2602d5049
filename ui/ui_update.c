/*
 * ui_update.c - the update function: the one place the model changes.
 *
 * Replies from photod are folded into the model here (status, lists,
 * refusals) whatever the screen, then the current screen's event
 * function sees the event to move the state machine.  Requests go to the
 * outbox; one is outstanding at a time, so replies need no ids: photod
 * answers a connection's requests in order.
 */
#include <stdio.h>
#include <string.h>

#include "tc_err.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "ui.h"

static const struct ui_screen_ops *const screens[UI_SCR_MAX] = {
	[UI_SCR_LOCKED] = &ui_screen_locked,
	[UI_SCR_STAFF] = &ui_screen_staff,
	[UI_SCR_PIN] = &ui_screen_pin,
	[UI_SCR_EVENTS] = &ui_screen_events,
	[UI_SCR_VIEWFINDER] = &ui_screen_viewfinder,
	[UI_SCR_TAGS] = &ui_screen_tags,
	[UI_SCR_CONFIRM] = &ui_screen_confirm,
};

const char *
ui_screen_name(enum ui_screen s)
{
	return (unsigned)s < UI_SCR_MAX ? screens[s]->name : "unknown";
}

void
ui_init(struct ui_model *m, const struct ui_profile *p, int64_t now_ms)
{
	memset(m, 0, sizeof(*m));
	m->prof = p;
	m->now_ms = now_ms;
	m->staff_sel = -1;
	m->screen = UI_SCR_LOCKED;
	screens[m->screen]->enter(m);
}

void
ui_forget(struct ui_model *m)
{
	tc_zeroize(m->pin, sizeof(m->pin));
	m->pin_len = 0;
	tc_zeroize(m->pupils, sizeof(m->pupils));
	m->n_pupils = 0;
	m->pupils_page = 0;
	m->roster_loaded = false;
	m->n_tagged = 0;
	m->n_platforms = 0;
	m->allowed[0] = '\0';
	m->internal_only = false;
	m->events_loaded = false;
	m->n_events = 0;
	m->burst = false;
	tc_zeroize(m->thumb, sizeof(m->thumb));
	m->have_thumb = false;
	m->shot_count = m->shot_sealed = 0;
	m->staff_sel = -1;
	m->previewing = false;	/* photod ends the stream with the session */
	m->frame = NULL;
	m->frame_seq = 0;
}

void
ui_goto(struct ui_model *m, enum ui_screen s)
{
	m->screen = s;
	m->refusal = UI_S_NONE;
	m->refusal_detail[0] = '\0';
	screens[s]->enter(m);
}

static bool
is_status(uint16_t t)
{
	return t == TC_MSG_STATUS_REQ;
}

bool
ui_request(struct ui_model *m, const struct ui_cmd *c)
{
	unsigned i;

	if (!is_status(c->type)) {
		if (m->pending && !is_status(m->pending)) {
			ui_refuse(m, UI_S_REFUSED_BUSY, NULL);
			return false;
		}
		for (i = 0; i < m->n_out; i++)
			if (!is_status(m->outbox[i].type)) {
				ui_refuse(m, UI_S_REFUSED_BUSY, NULL);
				return false;
			}
	}
	if (m->n_out == UI_OUTBOX)
		return false;
	m->outbox[m->n_out++] = *c;
	m->busy = !is_status(c->type) || m->busy;
	return true;
}

bool
ui_outbox_take(struct ui_model *m, struct ui_cmd *out)
{
	if (m->n_out == 0 || m->pending)
		return false;
	*out = m->outbox[0];
	/* The PIN leaves the model as it is handed to the IPC client. */
	tc_zeroize(&m->outbox[0], sizeof(m->outbox[0]));
	memmove(m->outbox, m->outbox + 1, (m->n_out - 1) * sizeof(m->outbox[0]));
	m->n_out--;
	tc_zeroize(&m->outbox[m->n_out], sizeof(m->outbox[0]));
	m->pending = out->type;
	return true;
}

void
ui_refuse(struct ui_model *m, enum ui_str why, const char *detail)
{
	m->refusal = why;
	tc_strlcpy(m->refusal_detail, detail ? detail : "", sizeof(m->refusal_detail));
}

static enum ui_str
refusal_for(int code)
{
	switch (code) {
	case TC_E_BAD_PIN: return UI_S_REFUSED_PIN;
	case TC_E_LOCKED_OUT: return UI_S_REFUSED_LOCKOUT;
	case TC_E_NOT_LOGGED_IN: return UI_S_REFUSED_LOGIN;
	case TC_E_NO_EVENT: return UI_S_REFUSED_EVENT;
	case TC_E_MUST_DOCK: return UI_S_REFUSED_DOCK;
	case TC_E_QUOTA: return UI_S_REFUSED_FULL;
	case TC_E_NOT_PROVISIONED: case TC_E_CERT: return UI_S_REFUSED_PROVISION;
	case TC_E_NO_POLICY: case TC_E_POLICY_EXPIRED: case TC_E_POLICY_FORMAT:
	case TC_E_POLICY_SIGNER: case TC_E_POLICY_SIGNATURE: case TC_E_POLICY_DEVICE:
	case TC_E_POLICY_CLASS:
		return UI_S_REFUSED_POLICY;
	case TC_E_NO_CAMERA: return UI_S_REFUSED_CAMERA;
	case TC_E_REVOKED: return UI_S_REFUSED_REVOKED;
	default: return UI_S_REFUSED_OTHER;
	}
}

enum ui_str
ui_blocked(const struct ui_model *m)
{
	if (!m->have_status || m->st.blocked_code == 0 ||
	    m->st.blocked_code == TC_E_NOT_LOGGED_IN || m->st.blocked_code == TC_E_NO_EVENT)
		return UI_S_NONE;
	return refusal_for(m->st.blocked_code);
}

int64_t
ui_lockout_left(const struct ui_model *m)
{
	int64_t now;

	if (!m->have_status || m->st.login_locked_until == 0)
		return 0;
	now = m->st.now + (m->now_ms - m->status_at_ms) / 1000;
	return m->st.login_locked_until > now ? m->st.login_locked_until - now : 0;
}

void
ui_tags_changed(struct ui_model *m)
{
	uint32_t mask = ~UINT32_C(0);
	unsigned i, n = 0;
	size_t used = 0;

	m->allowed[0] = '\0';
	for (i = 0; i < m->n_pupils; i++)
		if (m->pupils[i].tagged) {
			mask &= m->pupils[i].platforms;
			n++;
		}
	m->n_tagged = n;
	if (m->n_platforms < 32)
		mask &= (UINT32_C(1) << m->n_platforms) - 1;
	m->internal_only = n > 0 && mask == 0;
	if (n == 0 || m->internal_only)
		return;
	for (i = 0; i < m->n_platforms; i++) {
		int w;

		if (!(mask & (UINT32_C(1) << i)))
			continue;
		w = snprintf(m->allowed + used, sizeof(m->allowed) - used, "%s%s",
			     used ? ", " : "", m->platform[i]);
		if (w < 0 || (size_t)w >= sizeof(m->allowed) - used)
			break;
		used += (size_t)w;
	}
}

/* A roster row: its platform names become bits of the model's table. */
static void
add_pupil(struct ui_model *m, const struct tc_msg_pupil *p)
{
	struct ui_pupil *u;
	unsigned i, k;

	if (m->n_pupils == UI_MAX_PUPILS || !tc_ipc_str_ok(p->ref, sizeof(p->ref)))
		return;
	u = &m->pupils[m->n_pupils++];
	memset(u, 0, sizeof(*u));
	tc_strlcpy(u->ref, p->ref, sizeof(u->ref));
	if (tc_ipc_str_ok(p->label, sizeof(p->label)))
		tc_strlcpy(u->label, p->label, sizeof(u->label));
	for (i = 0; i < p->n_platforms && i < TC_IPC_MAX_PLATFORMS; i++) {
		if (!tc_ipc_str_ok(p->platforms[i], sizeof(p->platforms[i])))
			continue;
		for (k = 0; k < m->n_platforms; k++)
			if (strcmp(m->platform[k], p->platforms[i]) == 0)
				break;
		if (k == m->n_platforms) {
			if (k == UI_MAX_PLATFORM_NAMES)
				continue;	/* past the table: this pupil simply allows less */
			tc_strlcpy(m->platform[k], p->platforms[i], sizeof(m->platform[k]));
			m->n_platforms++;
		}
		u->platforms |= UINT32_C(1) << k;
	}
}

static void
add_event(struct ui_model *m, const struct tc_msg_event *e)
{
	struct ui_event_item *it;

	if (m->n_events == UI_MAX_EVENTS || !tc_ipc_str_ok(e->id, sizeof(e->id)) ||
	    !tc_ipc_str_ok(e->name, sizeof(e->name)) || !tc_ipc_str_ok(e->date, sizeof(e->date)))
		return;
	it = &m->events[m->n_events++];
	tc_strlcpy(it->id, e->id, sizeof(it->id));
	tc_strlcpy(it->name, e->name, sizeof(it->name));
	tc_strlcpy(it->date, e->date, sizeof(it->date));
	snprintf(it->label, sizeof(it->label), "%s\n%s", e->name, e->date);
}

static bool
logged_in_screen(enum ui_screen s)
{
	return s == UI_SCR_EVENTS || s == UI_SCR_VIEWFINDER || s == UI_SCR_TAGS ||
	       s == UI_SCR_CONFIRM;
}

/* Fold a message from photod into the model.  Returns false if the screen need not see it. */
static bool
fold_msg(struct ui_model *m, const struct ui_event *ev)
{
	const struct tc_msg_error *err;

	switch (ev->msg_type) {
	case TC_MSG_STATUS:
		memcpy(&m->st, ev->msg, sizeof(m->st));
		m->st.staff[sizeof(m->st.staff) - 1] = '\0';
		m->st.event[sizeof(m->st.event) - 1] = '\0';
		m->st.device_id[sizeof(m->st.device_id) - 1] = '\0';
		m->st.capture_blocked[sizeof(m->st.capture_blocked) - 1] = '\0';
		m->have_status = true;
		m->status_at_ms = m->now_ms;
		m->connected = true;
		if (logged_in_screen(m->screen) && m->st.staff[0] == '\0') {
			/* photod logged the session out (idle time, new policy). */
			ui_forget(m);
			ui_goto(m, UI_SCR_LOCKED);
			return false;
		}
		return true;
	case TC_MSG_ERROR:
		err = ev->msg;
		snprintf(m->refusal_detail, sizeof(m->refusal_detail), "%s%s%s",
			 err->rule[0] && tc_ipc_str_ok(err->rule, sizeof(err->rule)) ? err->rule : "",
			 err->rule[0] ? ": " : "",
			 tc_ipc_str_ok(err->text, sizeof(err->text)) ? err->text : "");
		m->refusal = refusal_for(err->code);
		return true;
	case TC_MSG_STAFF:
		if (m->n_staff < UI_MAX_STAFF &&
		    tc_ipc_str_ok(((const struct tc_msg_staff *)ev->msg)->id, TC_IPC_NAME_MAX))
			tc_strlcpy(m->staff[m->n_staff++], ((const struct tc_msg_staff *)ev->msg)->id,
				   TC_IPC_NAME_MAX);
		return false;
	case TC_MSG_EVENT:
		add_event(m, ev->msg);
		return false;
	case TC_MSG_PUPIL:
		add_pupil(m, ev->msg);
		return false;
	case TC_MSG_CAPTURED:
		m->shot_sealed++;
		return false;
	case TC_MSG_PREVIEW_RING:
		m->previewing = true;
		return false;
	default:
		return true;
	}
}

/* Which reply types end the request they answer. */
static bool
ends_request(uint16_t t)
{
	switch (t) {
	case TC_MSG_ERROR: case TC_MSG_OK: case TC_MSG_STATUS: case TC_MSG_STAFF_END:
	case TC_MSG_PREVIEW_RING:
	case TC_MSG_EVENTS_END: case TC_MSG_ROSTER_END: case TC_MSG_CAPTURE_END:
		return true;
	default:
		return false;
	}
}

static const struct ui_button *
hit_test(const struct ui_model *m, const struct ui_event *ev, struct ui_button *b, unsigned n)
{
	unsigned i;

	/* Last drawn is on top. */
	for (i = n; i-- > 0;)
		if (ui_hit(b[i].r, ev->x, ev->y))
			return b[i].disabled ? NULL : &b[i];
	(void)m;
	return NULL;
}

void
ui_update(struct ui_model *m, const struct ui_event *ev)
{
	struct ui_button b[UI_MAX_BUTTONS];
	const struct ui_button *hit = NULL;
	struct ui_cmd c;
	unsigned n;

	if (ev->now_ms > m->now_ms)
		m->now_ms = ev->now_ms;
	switch (ev->type) {
	case UI_EV_TICK:
		if (m->now_ms >= m->next_status_ms && !m->pending && m->n_out == 0) {
			memset(&c, 0, sizeof(c));
			c.type = TC_MSG_STATUS_REQ;
			(void)ui_request(m, &c);
			m->next_status_ms = m->now_ms + UI_STATUS_PERIOD_MS;
		}
		break;
	case UI_EV_MSG:
		if (ends_request(ev->msg_type)) {
			m->pending = 0;
			m->busy = m->n_out > 0;
		}
		if (!fold_msg(m, ev))
			return;
		break;
	case UI_EV_DISCONNECTED:
		m->connected = false;
		m->have_status = false;
		m->pending = 0;
		m->busy = false;
		tc_zeroize(m->outbox, sizeof(m->outbox));
		m->n_out = 0;
		if (m->screen != UI_SCR_LOCKED) {
			ui_forget(m);
			ui_goto(m, UI_SCR_LOCKED);
		}
		return;
	case UI_EV_TAP:
		n = ui_buttons(m, b, UI_MAX_BUTTONS);
		hit = hit_test(m, ev, b, n);
		if (!hit)
			return;
		break;
	case UI_EV_FRAME:
		m->frame_seq = ev->frame_seq;
		m->frame = ev->frame;
		m->frame_w = ev->frame_w;
		m->frame_h = ev->frame_h;
		return;
	case UI_EV_KEY:
		break;
	}
	screens[m->screen]->event(m, hit, ev);
}

unsigned
ui_buttons(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	return screens[m->screen]->layout(m, b, max);
}

void
ui_draw(const struct ui_model *m, struct ui_canvas *c)
{
	ui_fill(c, (struct ui_rect){ 0, 0, m->prof->w, m->prof->h }, m->prof->colour[UI_C_BG]);
	screens[m->screen]->draw(m, c);
	ui_draw_status_bar(m, c);
	ui_draw_refusal(m, c);
}

enum ui_key
ui_key_named(const char *s)
{
	if (s[0] >= '0' && s[0] <= '9' && s[1] == '\0')
		return (enum ui_key)(UI_KEY_DIGIT0 + (s[0] - '0'));
	if (strcmp(s, "shutter") == 0)
		return UI_KEY_SHUTTER;
	if (strcmp(s, "back") == 0)
		return UI_KEY_BACK;
	if (strcmp(s, "enter") == 0)
		return UI_KEY_ENTER;
	if (strcmp(s, "delete") == 0)
		return UI_KEY_DELETE;
	return UI_KEY_NONE;
}
