/*
 * screen_locked.c - the locked screen: what the device is and whether it
 * can take photos; on an unprovisioned, expired or revoked device, what
 * to do and whom to ask (rule R1).  Tapping the button (or the shutter)
 * asks photod for the staff list and moves to the staff picker.
 */
#include <stdio.h>
#include <string.h>

#include "tc_err.h"
#include "ui.h"

/* Why this device cannot be used, as the sentence for the person holding it. */
static enum ui_str
what_to_do(const struct ui_model *m)
{
	/* photod checks expiry when asked to capture: its blocked code may know first. */
	int code = m->st.policy_state ? m->st.policy_state : m->st.blocked_code;

	if (!m->connected || !m->have_status)
		return UI_S_NO_PHOTOD_DO;
	/* With its identity key made (first boot), IT approves the id on the screen. */
	if (!m->st.provisioned)
		return m->st.device_id[0] ? UI_S_DO_ENROL : UI_S_DO_PROVISION;
	switch (code) {
	case TC_E_CERT: return UI_S_DO_REVOKED;
	case TC_E_REVOKED: return UI_S_DO_SERVER_REVOKED;
	case TC_E_POLICY_EXPIRED: return UI_S_DO_EXPIRED;
	case TC_E_NO_POLICY: case TC_E_POLICY_FORMAT: case TC_E_POLICY_SIGNER:
	case TC_E_POLICY_SIGNATURE: case TC_E_POLICY_DEVICE: case TC_E_POLICY_CLASS:
		return UI_S_DO_NO_POLICY;
	default: return UI_S_NONE;
	}
}

static void
enter(struct ui_model *m)
{
	m->next_status_ms = 0;	/* fresh status now */
}

static unsigned
layout(const struct ui_model *m, struct ui_button *b, unsigned max)
{
	struct ui_rect body = ui_body(m);
	int h = m->prof->target * 2;

	/* No button at all when it could not work: the screen says what to do instead. */
	if (max < 1 || what_to_do(m) != UI_S_NONE)
		return 0;
	b[0] = (struct ui_button){ .name = "login", .kind = UI_BTN_PRIMARY,
				   .label = ui_str(UI_S_LOCKED_TAP),
				   .r = { body.x, body.y + body.h - h, body.w, h } };
	return 1;
}

static void
event(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev)
{
	struct ui_cmd c = { .type = TC_MSG_STAFF_REQ };
	bool go = (hit && strcmp(hit->name, "login") == 0) ||
		  (ev->type == UI_EV_KEY && ev->key == UI_KEY_SHUTTER && what_to_do(m) == UI_S_NONE);

	if (go) {
		m->n_staff = 0;
		m->staff_page = 0;
		(void)ui_request(m, &c);
		return;
	}
	if (ev->type == UI_EV_MSG && ev->msg_type == TC_MSG_STAFF_END && m->n_staff > 0)
		ui_goto(m, UI_SCR_STAFF);
}

static void
draw(const struct ui_model *m, struct ui_canvas *c)
{
	const struct ui_profile *p = m->prof;
	const struct tc_msg_status *st = &m->st;
	struct ui_rect r = ui_body(m);
	struct ui_button b[1];
	char info[512], age[32];
	enum ui_str todo = what_to_do(m);
	int64_t secs;
	int line = p->font_px[UI_FONT_BODY] * 3 / 2, n;

	r.h = p->font_px[UI_FONT_HUGE] * 3 / 2;
	ui_text(c, r, m->have_status && st->device_id[0] ? st->device_id : ui_str(UI_S_APP_NAME),
		UI_FONT_HUGE, p->colour[UI_C_TEXT], UI_ALIGN_LEFT);
	r.y += r.h;
	if (!m->have_status) {
		r.h = line;
		ui_text(c, r, ui_str(UI_S_NO_PHOTOD), UI_FONT_BODY, p->colour[UI_C_TEXT], UI_ALIGN_LEFT);
		r.y += line;
	} else {
		n = ui_put(info, sizeof(info), "%s\n",
			     ui_str(st->provisioned ? UI_S_PROVISIONED : UI_S_NOT_PROVISIONED));
		n += ui_fmt(info + n, sizeof(info) - (size_t)n, UI_S_WAITING_FMT,
			      (unsigned long long)st->unsynced);
		n += ui_put(info + n, sizeof(info) - (size_t)n, "\n");
		n += ui_fmt(info + n, sizeof(info) - (size_t)n, UI_S_STORE_FMT,
			      (unsigned long long)st->photos_total, (unsigned long long)st->quota_photos,
			      (unsigned long long)(st->quota_photos ?
						   st->photos_total * 100 / st->quota_photos : 0));
		n += ui_put(info + n, sizeof(info) - (size_t)n, "\n");
		if (st->last_sync > 0 && st->now >= st->last_sync) {
			secs = st->now - st->last_sync;
			if (secs >= 2 * 86400)
				snprintf(age, sizeof(age), "%lld days", (long long)(secs / 86400));
			else if (secs >= 3600)
				snprintf(age, sizeof(age), "%lld h", (long long)(secs / 3600));
			else
				snprintf(age, sizeof(age), "%lld min", (long long)(secs / 60));
			n += ui_fmt(info + n, sizeof(info) - (size_t)n, UI_S_LAST_SYNC_FMT, age);
		} else {
			n += ui_put(info + n, sizeof(info) - (size_t)n, "%s", ui_str(UI_S_LAST_SYNC_NEVER));
		}
		snprintf(info + n, sizeof(info) - (size_t)n, "   %s", ui_str(UI_S_DOCK_HINT));
		r.h = 4 * line;
		ui_text(c, r, info, UI_FONT_BODY, p->colour[UI_C_TEXT], UI_ALIGN_LEFT);
		r.y += r.h;
	}
	if (todo != UI_S_NONE) {
		struct ui_rect w = { r.x, r.y + p->gap, r.w, 2 * line + p->gap };

		ui_fill(c, w, p->colour[UI_C_WARN]);
		w.x += p->gap;
		w.w -= 2 * p->gap;
		ui_text(c, w, ui_str(todo), UI_FONT_BODY, p->colour[UI_C_WARN_TEXT], UI_ALIGN_LEFT);
	}
	ui_draw_buttons(m, c, b, layout(m, b, 1));
}

const struct ui_screen_ops ui_screen_locked = { "locked", enter, event, layout, draw };
