/*
 * ui_gallery.c - every screen, and every refusal, filled with fixed
 * sample data: what `kiosk -G DIR` renders to PNG for the reference
 * images in tests/ui/ (and for a translator or designer to look at).
 * Fixed clock, fixed ids, a computed test-card frame: the same pixels
 * on every run.
 */
#include <string.h>

#include "tc_err.h"
#include "tc_io.h"
#include "ui_gallery.h"

#define NOW 1796083200		/* 2026-12-01 00:00:00 UTC */
#define FRAME_W 320
#define FRAME_H 240

static uint8_t frame[FRAME_W * FRAME_H * 3];

/* Colour bars over a gradient: shows scaling and orientation at a glance. */
static void
test_card(void)
{
	static const uint8_t bars[6][3] = { { 200, 200, 200 }, { 200, 200, 0 }, { 0, 200, 200 },
					    { 0, 200, 0 }, { 200, 0, 200 }, { 200, 0, 0 } };
	int x, y;

	for (y = 0; y < FRAME_H; y++)
		for (x = 0; x < FRAME_W; x++) {
			uint8_t *px = &frame[(y * FRAME_W + x) * 3];

			if (y < FRAME_H * 2 / 3) {
				memcpy(px, bars[x * 6 / FRAME_W], 3);
			} else {
				px[0] = px[1] = px[2] = (uint8_t)(x * 255 / FRAME_W);
			}
		}
}

static void
base(struct ui_model *m, const struct ui_profile *p)
{
	static const char *const staff[] = { "S042", "S043", "S044", "S051" };
	static const struct { const char *id, *name, *date; } events[] = {
		{ "EV-SPORTS", "Sports day", "2026-11-25" },
		{ "EV-CONCERT", "Winter concert", "2026-12-10" },
		{ "EV-TRIP", "Year 5 trip", "2026-12-14" },
	};
	static const struct { const char *ref; uint32_t platforms; } pupils[] = {
		{ "P-0001", 7 }, { "P-0002", 3 }, { "P-0003", 8 }, { "P-0004", 0 },
		{ "P-0005", 1 }, { "P-0006", 15 }, { "P-0007", 3 },
	};
	static const char *const platforms[] = { "website", "newsletter", "facebook", "instagram" };
	unsigned i;

	ui_init(m, p, 0);
	m->connected = true;
	m->have_status = true;
	tc_strlcpy(m->st.board, "host", sizeof(m->st.board));
	tc_strlcpy(m->st.device_id, "CAM-3F9A21", sizeof(m->st.device_id));
	m->st.provisioned = 1;
	m->st.unsynced = 12;
	m->st.photos_total = 12;
	m->st.quota_photos = 500;
	m->st.quota_bytes = 4ULL << 30;
	m->st.bytes_total = 60ULL << 20;
	m->st.policy_version = 3;
	m->st.policy_expires = NOW + 30 * 86400;
	m->st.last_sync = NOW - 5 * 3600;
	m->st.now = NOW;
	m->st.blocked_code = TC_E_NOT_LOGGED_IN;
	m->st.require_event = 1;
	for (i = 0; i < sizeof(staff) / sizeof(staff[0]); i++)
		tc_strlcpy(m->staff[m->n_staff++], staff[i], TC_IPC_NAME_MAX);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct ui_event_item *e = &m->events[m->n_events++];

		tc_strlcpy(e->id, events[i].id, sizeof(e->id));
		tc_strlcpy(e->name, events[i].name, sizeof(e->name));
		tc_strlcpy(e->date, events[i].date, sizeof(e->date));
		snprintf(e->label, sizeof(e->label), "%s\n%s", events[i].name, events[i].date);
	}
	m->events_loaded = true;
	for (i = 0; i < sizeof(platforms) / sizeof(platforms[0]); i++)
		tc_strlcpy(m->platform[m->n_platforms++], platforms[i], TC_IPC_NAME_MAX);
	for (i = 0; i < sizeof(pupils) / sizeof(pupils[0]); i++) {
		tc_strlcpy(m->pupils[i].ref, pupils[i].ref, TC_IPC_NAME_MAX);
		m->pupils[i].platforms = pupils[i].platforms;
	}
	m->n_pupils = i;
	m->roster_loaded = true;
	test_card();
}

static void
logged_in(struct ui_model *m)
{
	tc_strlcpy(m->st.staff, "S042", sizeof(m->st.staff));
	tc_strlcpy(m->st.event, "EV-SPORTS", sizeof(m->st.event));
	m->st.blocked_code = 0;
	m->staff_sel = 0;
	m->frame = frame;
	m->frame_w = FRAME_W;
	m->frame_h = FRAME_H;
	m->frame_seq = 100;
	m->previewing = true;
}

static void
tag(struct ui_model *m, unsigned a, unsigned b)
{
	m->pupils[a].tagged = m->pupils[b].tagged = true;
	ui_tags_changed(m);
}

static const char *const names[] = {
	"locked", "locked-unprovisioned", "locked-expired", "locked-revoked", "staff", "pin",
	"pin-lockout", "events", "viewfinder", "viewfinder-internal-only", "viewfinder-dock-overdue",
	"tags", "confirm", "events-optional", "tags-labels", "locked-server-revoked",
	"viewfinder-server-revoked",
};

/* The Trust's display labels (trustadm consent import): all but P-0004 have one. */
static void
label(struct ui_model *m)
{
	static const char *const labels[] = { "7B Amelia", "7B Oliver", "5C Zoë", "",
					      "5C Jayden", "6A Siobhán", "6A Amelia W" };
	unsigned i;

	for (i = 0; i < sizeof(labels) / sizeof(labels[0]) && i < m->n_pupils; i++)
		tc_strlcpy(m->pupils[i].label, labels[i], sizeof(m->pupils[i].label));
}

unsigned
ui_gallery_count(void)
{
	return sizeof(names) / sizeof(names[0]);
}

const char *
ui_gallery_make(unsigned i, struct ui_model *m, const struct ui_profile *p)
{
	if (i >= ui_gallery_count())
		return NULL;
	base(m, p);
	switch (i) {
	case 0: break;
	case 1:
		/* First boot made the identity key: its id is what IT approves. */
		m->st.provisioned = 0;
		tc_strlcpy(m->st.device_id, "D-3f9a21c07b5e8d14", sizeof(m->st.device_id));
		m->st.policy_state = TC_E_NOT_PROVISIONED;
		m->st.blocked_code = TC_E_NOT_PROVISIONED;
		break;
	case 2:
		m->st.policy_state = TC_E_POLICY_EXPIRED;
		m->st.blocked_code = TC_E_POLICY_EXPIRED;
		break;
	case 3:
		m->st.policy_state = TC_E_CERT;
		m->st.blocked_code = TC_E_CERT;
		break;
	case 4: m->screen = UI_SCR_STAFF; break;
	case 5:
		m->screen = UI_SCR_PIN;
		m->staff_sel = 0;
		memcpy(m->pin, "1234", 4);
		m->pin_len = 4;
		break;
	case 6:
		m->screen = UI_SCR_PIN;
		m->staff_sel = 0;
		m->st.login_locked_until = NOW + 27;
		ui_refuse(m, UI_S_REFUSED_LOCKOUT, "R10: login locked for 30 s");
		break;
	case 7: logged_in(m); m->screen = UI_SCR_EVENTS; break;
	case 8: logged_in(m); m->screen = UI_SCR_VIEWFINDER; tag(m, 0, 1); break;
	case 9: logged_in(m); m->screen = UI_SCR_VIEWFINDER; tag(m, 0, 3); break;
	case 10:
		logged_in(m);
		m->screen = UI_SCR_VIEWFINDER;
		m->st.blocked_code = TC_E_MUST_DOCK;
		ui_refuse(m, UI_S_REFUSED_DOCK,
			  "policy: last sync 80 h ago, the policy allows 72 h: dock to sync");
		break;
	case 11: logged_in(m); m->screen = UI_SCR_TAGS; tag(m, 0, 1); break;
	case 12:
		logged_in(m);
		tag(m, 0, 1);
		m->screen = UI_SCR_VIEWFINDER;
		m->burst = true;
		ui_shoot(m);
		m->n_out = 0;
		m->busy = false;
		m->shot_sealed = UI_BURST;
		m->screen = UI_SCR_CONFIRM;
		break;
	case 13:
		logged_in(m);
		m->st.require_event = 0;
		m->st.event[0] = '\0';
		m->screen = UI_SCR_EVENTS;
		break;
	case 14: logged_in(m); label(m); m->screen = UI_SCR_TAGS; tag(m, 0, 1); break;
	case 15: m->st.blocked_code = TC_E_REVOKED; break;	/* syncd's refused handshake */
	case 16:
		logged_in(m);
		m->screen = UI_SCR_VIEWFINDER;
		m->st.blocked_code = TC_E_REVOKED;
		ui_refuse(m, UI_S_REFUSED_REVOKED,
			  "policy: refused by the Trust server: this device may be revoked: "
			  "photos taken now could never leave it: ask IT");
		break;
	}
	return names[i];
}
