/*
 * ui.h - the kiosk's model, events and update function (Elm style).
 *
 * One struct ui_model holds everything the screens show.  Input (taps,
 * keys, the evdev shutter), photod's replies and the clock arrive as
 * struct ui_event; ui_update() is the only function that changes the
 * model and moves the state machine (ui/README.md has its table).  It
 * never does I/O: requests for photod go into the model's outbox, which
 * the main loop hands to the IPC client (ui_ipc.c).  Each screen is one
 * file with enter/event/draw and a layout function that both draw and
 * hit-testing use, so a button is where it is drawn.
 *
 * Nothing here includes SDL: the screens draw through ui_draw.h, which
 * the kiosk implements with SDL and the unit tests with a recorder.
 */
#ifndef UI_H
#define UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_ipc.h"
#include "ui_profile.h"
#include "ui_strings.h"

enum ui_screen {
	UI_SCR_LOCKED,		/* device state; tap to log in */
	UI_SCR_STAFF,		/* who are you? */
	UI_SCR_PIN,		/* PIN pad, lockout countdown */
	UI_SCR_EVENTS,		/* event picker */
	UI_SCR_VIEWFINDER,	/* preview, shutter, burst, tags, allowed platforms */
	UI_SCR_TAGS,		/* pick pupils from the roster */
	UI_SCR_CONFIRM,		/* after a shot: thumbnail in RAM, "sealed" */
	UI_SCR_MAX
};

enum ui_key {
	UI_KEY_NONE,
	UI_KEY_SHUTTER,		/* the physical shutter, or space/return on a keyboard */
	UI_KEY_BACK,		/* escape, or a board's back button */
	UI_KEY_DIGIT0,		/* ..UI_KEY_DIGIT0 + 9 */
	UI_KEY_DIGIT9 = UI_KEY_DIGIT0 + 9,
	UI_KEY_DELETE,
	UI_KEY_ENTER,
};

enum ui_ev_type {
	UI_EV_TICK,		/* the clock moved (now_ms) */
	UI_EV_TAP,		/* x, y in the profile's pixels */
	UI_EV_KEY,		/* key */
	UI_EV_MSG,		/* a message from photod: msg_type, msg */
	UI_EV_DISCONNECTED,	/* photod went away (or never answered) */
	UI_EV_FRAME,		/* a preview frame is on screen: frame_seq */
};

struct ui_event {
	enum ui_ev_type type;
	int64_t now_ms;		/* monotonic, every event */
	int x, y;
	enum ui_key key;
	uint16_t msg_type;
	const void *msg;	/* exactly tc_ipc_payload_len(msg_type) bytes */
	uint64_t frame_seq;
	const uint8_t *frame;	/* RGB24, frame_w x frame_h, valid until the next frame */
	int frame_w, frame_h;
};

/* Buttons: what layout functions return, draw paints and taps hit. */
enum ui_btn_kind { UI_BTN_PRIMARY, UI_BTN_NORMAL, UI_BTN_TOGGLE_ON, UI_BTN_DANGER, UI_BTN_KEY };

struct ui_button {
	const char *name;	/* stable name for scripts: "ok", "digit", "event", "pupil" */
	int arg;		/* digit, list row, ... */
	struct ui_rect r;
	enum ui_btn_kind kind;
	const char *label;	/* points into the model or the string table */
	bool disabled;
};

#define UI_MAX_BUTTONS 40

/* A request for photod, queued by update and sent by the main loop. */
struct ui_cmd {
	uint16_t type;		/* a TC_MSG_*_REQ */
	union {
		struct tc_msg_login_req login;
		struct tc_msg_event_req event;
		struct tc_msg_capture_req capture;
		struct tc_msg_roster_req roster;
	} u;
};

#define UI_OUTBOX 4
#define UI_MAX_STAFF 64
#define UI_MAX_EVENTS 64
#define UI_MAX_PUPILS 512
#define UI_MAX_PLATFORM_NAMES 32
#define UI_THUMB_W 160
#define UI_THUMB_H 120
#define UI_BURST 5			/* photos in a burst */
#define UI_STATUS_PERIOD_MS 1000	/* status poll while idle */
#define UI_CONFIRM_MS 3000		/* the thumbnail is gone after this */

struct ui_pupil {
	char ref[TC_IPC_NAME_MAX];
	char label[TC_IPC_LABEL_MAX];	/* "" = none: the tagging screen shows ref */
	uint32_t platforms;	/* bit i: the model's platform[i] */
	bool tagged;
};

struct ui_event_item {
	char id[TC_IPC_NAME_MAX];
	char name[128];
	char date[16];
	char label[TC_IPC_NAME_MAX + 160];	/* "name\ndate", made once on arrival */
};

struct ui_model {
	enum ui_screen screen;
	const struct ui_profile *prof;
	int64_t now_ms;

	/* photod */
	bool connected;
	bool busy;			/* a request is outstanding: buttons wait */
	struct tc_msg_status st;
	bool have_status;
	int64_t status_at_ms;		/* when st arrived (ages count from it) */
	int64_t next_status_ms;
	struct ui_cmd outbox[UI_OUTBOX];
	unsigned n_out;
	uint16_t pending;		/* the request whose reply is awaited, 0 if none */

	/* the refusal shown on the current screen, in plain words */
	enum ui_str refusal;		/* UI_S_NONE when there is none */
	char refusal_detail[TC_IPC_TEXT_MAX + 16];	/* photod's sentence, with its rule */

	/* staff picker and PIN pad */
	char staff[UI_MAX_STAFF][TC_IPC_NAME_MAX];
	unsigned n_staff, staff_page;
	int staff_sel;			/* -1: none */
	char pin[TC_IPC_PIN_MAX];	/* wiped when sent, on back and on lock */
	unsigned pin_len;

	/* events */
	struct ui_event_item events[UI_MAX_EVENTS];
	unsigned n_events, events_page;
	bool events_loaded;

	/* roster and tags (cleared at logout) */
	struct ui_pupil pupils[UI_MAX_PUPILS];
	unsigned n_pupils, pupils_page;
	bool roster_loaded;
	char platform[UI_MAX_PLATFORM_NAMES][TC_IPC_NAME_MAX];
	unsigned n_platforms;
	unsigned n_tagged;
	char allowed[256];		/* the live intersection, "website, newsletter" */
	bool internal_only;

	/* viewfinder */
	bool burst;			/* shutter takes UI_BURST photos */
	uint64_t frame_seq;		/* the preview frame on screen now (0: no preview) */
	const uint8_t *frame;		/* its RGB24 pixels (the main loop's), or NULL */
	int frame_w, frame_h;
	uint64_t shutter_frame;		/* the frame on screen at the last press */
	bool previewing;		/* photod streams to us (from PREVIEW_RING to logout) */

	/* after a shot: RAM only, wiped on timeout, next shot and logout */
	unsigned shot_count, shot_sealed;
	int64_t confirm_until_ms;
	bool have_thumb;
	uint8_t thumb[UI_THUMB_W * UI_THUMB_H * 3];	/* RGB24 */
};

/* Start in the locked screen for profile p. */
void ui_init(struct ui_model *m, const struct ui_profile *p, int64_t now_ms);
/* The one function that changes the model. */
void ui_update(struct ui_model *m, const struct ui_event *ev);
/* Take the oldest queued request (false when there is none). */
bool ui_outbox_take(struct ui_model *m, struct ui_cmd *out);
/* Wipe the PIN, tags, roster and thumbnail: logout, lock, exit. */
void ui_forget(struct ui_model *m);
/* The buttons of the current screen, in draw order (layout and hit-testing). */
unsigned ui_buttons(const struct ui_model *m, struct ui_button *b, unsigned max);
const char *ui_screen_name(enum ui_screen s);
/* "shutter", "back", "enter", "delete", "0".."9" -> the key, else UI_KEY_NONE (scripts, tests). */
enum ui_key ui_key_named(const char *s);
/* Paint the whole screen: body, status bar, refusal banner. */
void ui_draw(const struct ui_model *m, struct ui_canvas *c);

/* Screens (screen_*.c): one file each. */
struct ui_screen_ops {
	const char *name;
	void (*enter)(struct ui_model *m);
	void (*event)(struct ui_model *m, const struct ui_button *hit, const struct ui_event *ev);
	unsigned (*layout)(const struct ui_model *m, struct ui_button *b, unsigned max);
	void (*draw)(const struct ui_model *m, struct ui_canvas *c);
};
extern const struct ui_screen_ops ui_screen_locked, ui_screen_staff, ui_screen_pin,
	ui_screen_events, ui_screen_viewfinder, ui_screen_tags, ui_screen_confirm;

/* ui_update.c: what screens call. */
void ui_goto(struct ui_model *m, enum ui_screen s);
/* Queue a request; false (and a "busy" refusal) when one is already waiting. */
bool ui_request(struct ui_model *m, const struct ui_cmd *c);
void ui_refuse(struct ui_model *m, enum ui_str why, const char *detail);
/* Recompute allowed platforms from the tags (rule R5, shown before the shot). */
void ui_tags_changed(struct ui_model *m);
/* Seconds of login lockout left now (0: open). */
int64_t ui_lockout_left(const struct ui_model *m);
/* Whether capture would be refused now, and why (from photod's status). */
enum ui_str ui_blocked(const struct ui_model *m);

/* screen_viewfinder.c: the shutter, from any screen where it makes sense. */
void ui_shoot(struct ui_model *m);
/* The tags and allowed-platforms line, under the preview and on the tags screen. */
void ui_draw_allowed(const struct ui_model *m, struct ui_canvas *c, struct ui_rect r);
/* screen_events.c: log out now (photod is told; the model forgets; the screen locks). */
void ui_logout(struct ui_model *m);
/* A title line at the top of the body; returns the body below it. */
struct ui_rect ui_title(const struct ui_model *m, struct ui_canvas *c, const char *text);
struct ui_rect ui_below_title(const struct ui_model *m);

/* ui_common.c: drawing shared by screens. */
void ui_draw_status_bar(const struct ui_model *m, struct ui_canvas *c);
void ui_draw_buttons(const struct ui_model *m, struct ui_canvas *c, const struct ui_button *b,
		     unsigned n);
void ui_draw_refusal(const struct ui_model *m, struct ui_canvas *c);
/* The screen below the status bar, less the refusal banner. */
struct ui_rect ui_body(const struct ui_model *m);
/*
 * A paged list of buttons (staff, events, pupils): a grid of cols x rows
 * in r whose last row holds `last` (Back, Log out, Done) on the left and
 * "More" on the right when there is more than one page.  item() fills in
 * the label and kind of list row i.
 */
struct ui_list {
	struct ui_rect r;
	unsigned cols, rows;
	unsigned page, n;
	const char *item_name;
	void (*item)(const struct ui_model *m, unsigned i, struct ui_button *b);
	struct ui_button last;
	struct ui_button second;	/* beside last, if its name is set */
};
unsigned ui_list_layout(const struct ui_model *m, const struct ui_list *l, struct ui_button *b,
			unsigned max);
unsigned ui_list_per_page(const struct ui_list *l);
/* The page after l's (back to the first after the last). */
unsigned ui_list_next_page(const struct ui_list *l);
/* Lay out n equal buttons in a grid of cols inside r. */
void ui_grid(struct ui_rect r, unsigned cols, unsigned rows, unsigned i, int gap,
	     struct ui_rect *out);

#endif /* UI_H */
