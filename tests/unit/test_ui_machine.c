/*
 * test_ui_machine.c - ui/: the screens' state machine, driven row by row
 * from the transition table in ui/README.md (so the document cannot
 * drift from the code); the words each refusal and device state show;
 * what leaves the model for photod (the PIN, the tags) and what is wiped
 * (PIN, tags, thumbnail); rule R5's "internal only" before the shot; and
 * that every button is a large enough touch target on every profile.
 *
 * The screens draw into a recorder canvas that keeps the words, so no
 * display is needed.
 */
#define _GNU_SOURCE /* memmem */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tc_err.h"
#include "tc_io.h"
#include "ui.h"
#include "ui_gallery.h"

struct ui_canvas {
	char words[16384];
	size_t len;
};

void
ui_fill(struct ui_canvas *c, struct ui_rect r, uint32_t rgb)
{
	(void)c, (void)r, (void)rgb;
}

void
ui_text(struct ui_canvas *c, struct ui_rect r, const char *s, enum ui_font f, uint32_t rgb,
	enum ui_align a)
{
	int n = snprintf(c->words + c->len, sizeof(c->words) - c->len, "%s\n", s);

	(void)r, (void)f, (void)rgb, (void)a;
	if (n > 0 && (size_t)n < sizeof(c->words) - c->len)
		c->len += (size_t)n;
}

void
ui_image(struct ui_canvas *c, struct ui_rect r, const uint8_t *rgb, int w, int h)
{
	(void)c, (void)r, (void)rgb, (void)w, (void)h;
}

static struct ui_model *m;
static struct ui_canvas canvas;

static const char *
words(void)
{
	canvas.len = 0;
	canvas.words[0] = '\0';
	ui_draw(m, &canvas);
	return canvas.words;
}

static void
assert_shows(const char *text)
{
	const char *w = words();

	if (!strstr(w, text))
		fail_msg("screen %s does not show \"%s\"; it shows:\n%s", ui_screen_name(m->screen), text,
			 w);
}

/* The gallery sample that starts on screen s (or the sample of that name). */
static void
start_on(const char *screen)
{
	static const struct { const char *screen; unsigned sample; } start[] = {
		{ "locked", 0 }, { "staff", 4 }, { "pin", 5 }, { "events", 7 },
		{ "viewfinder", 8 }, { "tags", 11 }, { "confirm", 12 },
	};
	const char *name;
	unsigned i;

	for (i = 0; i < sizeof(start) / sizeof(start[0]); i++)
		if (strcmp(start[i].screen, screen) == 0) {
			assert_non_null(ui_gallery_make(start[i].sample, m, &ui_profiles[0]));
			assert_string_equal(ui_screen_name(m->screen), screen);
			return;
		}
	for (i = 0; (name = ui_gallery_make(i, m, &ui_profiles[0])) != NULL; i++)
		if (strcmp(name, screen) == 0)
			return;
	fail_msg("no sample starts on screen %s", screen);
}

/* What the IPC client does: take the queued request (as if sent). */
static void
drain(struct ui_cmd *last)
{
	struct ui_cmd c;

	while (ui_outbox_take(m, &c)) {
		if (last && c.type != TC_MSG_STATUS_REQ)
			*last = c;
		m->pending = c.type;
	}
}

static uint16_t
type_named(const char *name)
{
	uint16_t t;

	for (t = 1; t < TC_MSG_TYPE_MAX; t++)
		if (strcmp(tc_ipc_type_name(t), name) == 0)
			return t;
	fail_msg("no message type %s", name);
	return 0;
}

static void
send_msg(uint16_t type, const void *payload)
{
	static unsigned char zero[TC_IPC_MAX_PAYLOAD];
	struct ui_event ev = { .type = UI_EV_MSG, .now_ms = m->now_ms, .msg_type = type,
			       .msg = payload ? payload : zero };

	ui_update(m, &ev);
	drain(NULL);
}

static void
tap(const char *name, int arg)
{
	struct ui_button b[UI_MAX_BUTTONS];
	unsigned i, n = ui_buttons(m, b, UI_MAX_BUTTONS);
	struct ui_event ev = { .type = UI_EV_TAP, .now_ms = m->now_ms };

	for (i = 0; i < n; i++)
		if (strcmp(b[i].name, name) == 0 && (arg < 0 || b[i].arg == arg)) {
			ev.x = b[i].r.x + b[i].r.w / 2;
			ev.y = b[i].r.y + b[i].r.h / 2;
			ui_update(m, &ev);
			drain(NULL);
			return;
		}
	fail_msg("screen %s has no button %s %d", ui_screen_name(m->screen), name, arg);
}

static void
key(enum ui_key k)
{
	struct ui_event ev = { .type = UI_EV_KEY, .now_ms = m->now_ms, .key = k };

	ui_update(m, &ev);
	drain(NULL);
}

static void
run_input(char *in)
{
	char *save = NULL, *step, *arg;

	for (step = strtok_r(in, ";", &save); step; step = strtok_r(NULL, ";", &save)) {
		while (*step == ' ')
			step++;
		arg = strchr(step, ' ');
		if (arg)
			*arg++ = '\0';
		if (strcmp(step, "tap") == 0) {
			char *a2 = strchr(arg, ' ');

			if (a2)
				*a2++ = '\0';
			tap(arg, a2 ? (int)strtol(a2, NULL, 10) : -1);
		} else if (strcmp(step, "key") == 0) {
			key(ui_key_named(arg));
		} else if (strcmp(step, "msg") == 0) {
			send_msg(type_named(arg), NULL);
		} else if (strcmp(step, "wait") == 0) {
			struct ui_event ev = { .type = UI_EV_TICK, .now_ms = m->now_ms + strtol(arg, NULL, 10) };

			ui_update(m, &ev);
			drain(NULL);
		} else if (strcmp(step, "disconnect") == 0) {
			struct ui_event ev = { .type = UI_EV_DISCONNECTED, .now_ms = m->now_ms };

			ui_update(m, &ev);
		} else {
			fail_msg("unknown input %s", step);
		}
	}
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Every row of ui/README.md's table holds, and every screen is the source of one. */
static void
test_transition_table(void **state)
{
	bool from_seen[UI_SCR_MAX] = { false };
	char line[512], input[512];
	unsigned rows = 0, s;
	FILE *f = fopen("ui/README.md", "r");
	bool in_table = false;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *from, *in, *to, *save = NULL;

		if (strncmp(line, "| from | input | to |", 21) == 0) {
			in_table = true;
			continue;
		}
		if (!in_table || strncmp(line, "|---", 4) == 0)
			continue;
		if (line[0] != '|')
			break;
		from = trim(strtok_r(line + 1, "|", &save));
		in = trim(strtok_r(NULL, "|", &save));
		to = trim(strtok_r(NULL, "|", &save));
		start_on(from);
		from_seen[m->screen] = true;
		tc_strlcpy(input, in, sizeof(input));
		run_input(input);
		if (strcmp(ui_screen_name(m->screen), to) != 0)
			fail_msg("row \"%s | %s\": expected screen %s, got %s", from, in, to,
				 ui_screen_name(m->screen));
		(void)words();	/* every state draws */
		rows++;
	}
	fclose(f);
	assert_true(rows >= 20);
	for (s = 0; s < UI_SCR_MAX; s++)
		if (!from_seen[s])
			fail_msg("screen %s is the source of no row", ui_screen_name(s));
}

/* The login request carries the staff id and PIN; the model keeps no copy. */
static void
test_pin_leaves_and_is_wiped(void **state)
{
	struct ui_cmd c;
	unsigned i;

	(void)state;
	start_on("staff");
	tap("staff", 1);
	for (i = 0; i < 6; i++)
		tap("digit", (int)(i % 3) + 7);	/* 789789 */
	assert_int_equal(m->pin_len, 6);
	tap("ok", -1);
	memset(&c, 0, sizeof(c));
	assert_true(ui_outbox_take(m, &c) || m->pending == TC_MSG_LOGIN_REQ);
	/* tap() drained it already: look at the model instead. */
	assert_int_equal(m->pin_len, 0);
	for (i = 0; i < sizeof(m->pin); i++)
		assert_int_equal(m->pin[i], 0);
	for (i = 0; i < UI_OUTBOX; i++)
		assert_null(memchr(&m->outbox[i], '7', sizeof(m->outbox[i])));

	/* And directly: the request as the IPC client gets it. */
	start_on("pin");
	m->staff_sel = 1;
	{
		struct ui_event ev = { .type = UI_EV_TAP, .now_ms = m->now_ms };
		struct ui_button b[UI_MAX_BUTTONS];
		unsigned n = ui_buttons(m, b, UI_MAX_BUTTONS), k;

		for (k = 0; k < n; k++)
			if (strcmp(b[k].name, "ok") == 0) {
				ev.x = b[k].r.x + 1;
				ev.y = b[k].r.y + 1;
			}
		ui_update(m, &ev);
	}
	assert_true(ui_outbox_take(m, &c));
	assert_int_equal(c.type, TC_MSG_LOGIN_REQ);
	assert_string_equal(c.u.login.staff, "S043");
	assert_string_equal(c.u.login.pin, "1234");
	assert_null(memmem(m, sizeof(*m), "1234", 4));
}

/* A second request while one is outstanding is refused in words, not queued behind. */
static void
test_busy(void **state)
{
	(void)state;
	start_on("viewfinder");
	key(UI_KEY_SHUTTER);
	assert_int_equal(m->pending, TC_MSG_CAPTURE_REQ);
	key(UI_KEY_SHUTTER);
	assert_int_equal(m->refusal, UI_S_REFUSED_BUSY);
	assert_shows("Still working");
	assert_shows("Working...");
}

/* Rule R5, before the shot: the intersection, live; empty says "internal only". */
static void
test_allowed_platforms(void **state)
{
	struct ui_cmd c;

	(void)state;
	start_on("tags");
	m->pupils[0].tagged = m->pupils[1].tagged = false;	/* the sample tags two */
	ui_tags_changed(m);
	assert_shows("No pupils tagged");
	tap("pupil", 0);	/* website, newsletter, facebook */
	assert_shows("Allowed on: website, newsletter, facebook");
	tap("pupil", 1);	/* website, newsletter */
	assert_shows("Allowed on: website, newsletter");
	tap("pupil", 2);	/* instagram only: nothing in common */
	assert_shows("Internal only");
	tap("pupil", 2);
	tap("pupil", 3);	/* no consent at all */
	assert_shows("Internal only");
	tap("pupil", 3);
	assert_shows("Tagged: 2. Allowed on: website, newsletter");

	/* The capture request carries exactly the tags. */
	start_on("viewfinder");
	m->pupils[1].tagged = false;
	m->pupils[0].tagged = m->pupils[4].tagged = true;
	ui_tags_changed(m);
	{
		struct ui_event ev = { .type = UI_EV_KEY, .now_ms = 0, .key = UI_KEY_SHUTTER };

		ui_update(m, &ev);
	}
	assert_true(ui_outbox_take(m, &c));
	assert_int_equal(c.type, TC_MSG_CAPTURE_REQ);
	assert_int_equal(c.u.capture.count, 1);
	assert_int_equal(c.u.capture.n_pupils, 2);
	assert_string_equal(c.u.capture.pupils[0], "P-0001");
	assert_string_equal(c.u.capture.pupils[1], "P-0005");
}

/* Logout wipes PIN, tags, roster and thumbnail. */
static void
test_logout_forgets(void **state)
{
	static const uint8_t zero[UI_THUMB_W * UI_THUMB_H * 3];

	(void)state;
	start_on("confirm");
	assert_true(m->have_thumb);
	assert_true(m->n_tagged > 0);
	tap("back", -1);
	assert_string_equal(ui_screen_name(m->screen), "viewfinder");
	assert_false(m->have_thumb);
	assert_memory_equal(m->thumb, zero, sizeof(zero));
	start_on("confirm");
	m->screen = UI_SCR_VIEWFINDER;
	tap("logout", -1);
	assert_string_equal(ui_screen_name(m->screen), "locked");
	assert_int_equal(m->n_pupils, 0);
	assert_int_equal(m->n_tagged, 0);
	assert_false(m->have_thumb);
	assert_memory_equal(m->thumb, zero, sizeof(zero));
	assert_null(memmem(m, sizeof(*m), "P-0001", 6));
}

/*
 * Roster labels: the tagging screen shows a pupil's label where the
 * policy has one and its ref where not; photod's labels arrive with the
 * roster (a malformed one is dropped, never shown); the capture request
 * still names refs; logout and the idle lock forget every label.
 */
static void
test_labels(void **state)
{
	struct tc_msg_pupil p;
	struct tc_msg_status st;
	struct ui_cmd c;

	(void)state;
	start_on("tags-labels");
	assert_shows("7B Amelia");
	assert_shows("5C Zo\xc3\xab");
	assert_shows("P-0004");	/* no label: its ref */
	if (strstr(words(), "P-0001"))
		fail_msg("a labelled pupil is shown by its ref:\n%s", words());
	/* The labels shot goes out with refs only. */
	tap("done", -1);
	{
		struct ui_event ev = { .type = UI_EV_KEY, .now_ms = 0, .key = UI_KEY_SHUTTER };

		ui_update(m, &ev);
	}
	assert_true(ui_outbox_take(m, &c));
	assert_int_equal(c.type, TC_MSG_CAPTURE_REQ);
	assert_string_equal(c.u.capture.pupils[0], "P-0001");
	assert_null(memmem(&c, sizeof(c), "Amelia", 6));

	/* From photod: a label arrives with its row; one with a control character is dropped. */
	start_on("tags");
	m->n_pupils = 0;
	memset(&p, 0, sizeof(p));
	tc_strlcpy(p.ref, "P-0009", sizeof(p.ref));
	tc_strlcpy(p.label, "4D Priya", sizeof(p.label));
	send_msg(TC_MSG_PUPIL, &p);
	tc_strlcpy(p.ref, "P-0010", sizeof(p.ref));
	tc_strlcpy(p.label, "4D \033[2JPriya", sizeof(p.label));
	send_msg(TC_MSG_PUPIL, &p);
	assert_int_equal(m->n_pupils, 2);
	assert_shows("4D Priya");
	assert_shows("P-0010");
	if (strstr(words(), "\033"))
		fail_msg("a control character reached the screen");

	/* Idle lock (photod's status says nobody is logged in) forgets them. */
	start_on("tags-labels");
	memset(&st, 0, sizeof(st));
	send_msg(TC_MSG_STATUS, &st);
	assert_string_equal(ui_screen_name(m->screen), "locked");
	assert_null(memmem(m, sizeof(*m), "Amelia", 6));
	/* And so does logout. */
	start_on("tags-labels");
	tap("done", -1);
	tap("logout", -1);
	assert_string_equal(ui_screen_name(m->screen), "locked");
	assert_null(memmem(m, sizeof(*m), "Amelia", 6));
}

/* Each refusal photod can send shows its plain words and photod's rule. */
static void
test_refusal_words(void **state)
{
	static const struct { int code; const char *words; } cases[] = {
		{ TC_E_BAD_PIN, "Wrong staff number or PIN (rule R10)" },
		{ TC_E_LOCKED_OUT, "Login is locked after too many wrong PINs" },
		{ TC_E_MUST_DOCK, "Dock the camera to sync" },
		{ TC_E_QUOTA, "store is full" },
		{ TC_E_NOT_PROVISIONED, "not set up (rule R1). Ask the IT team" },
		{ TC_E_POLICY_EXPIRED, "policy is missing or has expired" },
		{ TC_E_NO_EVENT, "Choose an event first" },
		{ TC_E_NO_CAMERA, "sensor is not working" },
	};
	struct tc_msg_error e;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		start_on("viewfinder");
		memset(&e, 0, sizeof(e));
		e.code = cases[i].code;
		tc_strlcpy(e.rule, "R9", sizeof(e.rule));
		tc_strlcpy(e.text, "photod's own sentence", sizeof(e.text));
		send_msg(TC_MSG_ERROR, &e);
		assert_shows(cases[i].words);
		assert_shows("R9: photod's own sentence");
	}
}

/* The locked screen: what the device is, and what to do when it cannot be used (R1). */
static void
test_locked_words(void **state)
{
	struct ui_button b[UI_MAX_BUTTONS];

	(void)state;
	assert_non_null(ui_gallery_make(0, m, &ui_profiles[0]));
	assert_shows("CAM-3F9A21");
	assert_shows("12 photos waiting to sync");
	assert_shows("Store: 12 of 500 photos");
	assert_shows("Tap here to log in");
	assert_non_null(ui_gallery_make(1, m, &ui_profiles[0]));
	assert_shows("Not set up yet");
	assert_shows("Dock it, and ask IT to approve the id shown at the top");
	assert_int_equal(ui_buttons(m, b, UI_MAX_BUTTONS), 0);
	/* No identity key yet (a bench photod without -k): no id to approve. */
	m->st.device_id[0] = '\0';
	assert_shows("Ask the school's IT team to provision it");
	assert_non_null(ui_gallery_make(2, m, &ui_profiles[0]));
	assert_shows("policy has expired");
	assert_int_equal(ui_buttons(m, b, UI_MAX_BUTTONS), 0);
	assert_non_null(ui_gallery_make(3, m, &ui_profiles[0]));
	assert_shows("revoked");
	key(UI_KEY_SHUTTER);	/* the shutter cannot get past it either */
	assert_string_equal(ui_screen_name(m->screen), "locked");
	assert_int_equal(m->n_out, 0);
	/* photod not running */
	ui_init(m, &ui_profiles[0], 0);
	{
		struct ui_event ev = { .type = UI_EV_DISCONNECTED };

		ui_update(m, &ev);
	}
	assert_shows("camera service is not running");
}

/* The lockout countdown follows the clock, and the pad is off while it runs. */
static void
test_lockout_countdown(void **state)
{
	struct ui_button b[UI_MAX_BUTTONS];
	struct ui_event tick = { .type = UI_EV_TICK };
	unsigned i, n;

	(void)state;
	assert_non_null(ui_gallery_make(6, m, &ui_profiles[0]));
	assert_shows("Try again in 27 s");
	n = ui_buttons(m, b, UI_MAX_BUTTONS);
	for (i = 0; i < n; i++)
		if (strcmp(b[i].name, "back") != 0)
			assert_true(b[i].disabled);
	tick.now_ms = m->now_ms + 10000;
	ui_update(m, &tick);
	assert_shows("Try again in 17 s");
	tick.now_ms = m->now_ms + 17000;
	ui_update(m, &tick);
	assert_int_equal(ui_lockout_left(m), 0);
	n = ui_buttons(m, b, UI_MAX_BUTTONS);
	for (i = 0; i < n; i++)
		if (strcmp(b[i].name, "digit") == 0)
			assert_false(b[i].disabled);
}

/* Every button on every screen of every profile is at least 9 mm each way, and inside the screen. */
static void
test_touch_targets(void **state)
{
	struct ui_button b[UI_MAX_BUTTONS];
	unsigned p, i, k, n;

	(void)state;
	for (p = 0; p < ui_n_profiles; p++) {
		int min = (int)(9.0 * ui_profiles[p].dpi / 25.4 + 0.999);

		assert_true(ui_profiles[p].target >= min);
		for (i = 0; i < ui_gallery_count(); i++) {
			const char *name = ui_gallery_make(i, m, &ui_profiles[p]);

			n = ui_buttons(m, b, UI_MAX_BUTTONS);
			for (k = 0; k < n; k++) {
				if (b[k].r.w < min || b[k].r.h < min)
					fail_msg("%s %s: button %s is %dx%d px, under 9 mm (%d px)",
						 ui_profiles[p].name, name, b[k].name, b[k].r.w, b[k].r.h, min);
				assert_true(b[k].r.x >= 0 && b[k].r.y >= ui_profiles[p].bar_h);
				assert_true(b[k].r.x + b[k].r.w <= ui_profiles[p].w);
				assert_true(b[k].r.y + b[k].r.h <= ui_profiles[p].h - ui_profiles[p].banner_h);
			}
		}
	}
}

/* Every format in the string table takes the arguments its callers pass. */
static void
test_string_formats(void **state)
{
	static const struct { enum ui_str s; const char *conv; } fmts[] = {
		{ UI_S_WAITING_FMT, "llu" }, { UI_S_STORE_FMT, "llu,llu,llu" },
		{ UI_S_LAST_SYNC_FMT, "s" }, { UI_S_PIN_FOR_FMT, "s" }, { UI_S_LOCKED_FMT, "lld" },
		{ UI_S_BURST_ON_FMT, "d" }, { UI_S_TAGGED_FMT, "u" }, { UI_S_ALLOWED_FMT, "s" },
		{ UI_S_SEALED_FMT, "u,u" }, { UI_S_BAR_SYNC_FMT, "llu" }, { UI_S_BAR_STORE_FMT, "llu" },
		{ UI_S_BAR_POLICY_FMT, "s" },
	};
	char got[64];
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		const char *p = ui_str(fmts[i].s);
		size_t n = 0;

		got[0] = '\0';
		while ((p = strchr(p, '%')) != NULL) {
			size_t len;

			p++;
			if (*p == '%') {
				p++;
				continue;
			}
			len = strspn(p, "l") + 1;
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%.*s", n ? "," : "", (int)len, p);
			p += len;
		}
		if (strcmp(got, fmts[i].conv) != 0)
			fail_msg("string %u \"%s\": conversions %s, callers pass %s", fmts[i].s,
				 ui_str(fmts[i].s), got, fmts[i].conv);
	}
	for (i = 0; i < UI_S_MAX; i++)
		assert_non_null(ui_str((enum ui_str)i));
}

static int
setup(void **state)
{
	(void)state;
	m = calloc(1, sizeof(*m));
	return m ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	free(m);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_transition_table),
		cmocka_unit_test(test_pin_leaves_and_is_wiped),
		cmocka_unit_test(test_busy),
		cmocka_unit_test(test_allowed_platforms),
		cmocka_unit_test(test_logout_forgets),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_refusal_words),
		cmocka_unit_test(test_locked_words),
		cmocka_unit_test(test_lockout_countdown),
		cmocka_unit_test(test_touch_targets),
		cmocka_unit_test(test_string_formats),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
