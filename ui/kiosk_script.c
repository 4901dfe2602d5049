/*
 * kiosk_script.c - scripted input: what the tests and the demo drive the
 * kiosk with.  One command a line, run in order; each waits until the
 * kiosk is idle (no request to photod outstanding) and, if it cannot run
 * yet (the button is not on screen, the words are not shown), tries
 * again every turn of the loop until WAIT_MS have passed, then fails
 * saying what it waited for.  That bound is a safety net, not a timing:
 * every command finishes as soon as the screen is there.
 *
 *   tap NAME [ARG]     tap the button with that script name (and arg)
 *   press LABEL        tap the button showing LABEL
 *   key KEY            shutter | back | enter | delete | 0..9
 *   digits DIGITS      one key press per digit
 *   evdev FILE         replay recorded struct input_event through drivers/input
 *   wait SCREEN        until that screen shows
 *   expect TEXT        until the screen shows TEXT (a substring of any line)
 *   reject TEXT        the screen does not show TEXT now
 *   shot NAME          save the screen as SHOTDIR/NAME.png
 *   frames N           until N new preview frames have been drawn
 *   stats              print the preview's counts and the shutter's frame
 *   quit               exit 0
 *   # ...              a comment
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kiosk.h"
#include "tc_io.h"
#include "tc_log.h"

#define WAIT_MS 20000
#define MAX_LINES 256
#define LINE_MAX_LEN 256

struct kiosk_script {
	char line[MAX_LINES][LINE_MAX_LEN];
	unsigned n, at;
	int64_t since_ms;	/* when the current line started waiting */
};

int
kiosk_script_open(const char *path, struct kiosk_script **out)
{
	struct kiosk_script *s;
	char buf[LINE_MAX_LEN];
	FILE *f;
	size_t len;
	int rc = 0;

	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		fprintf(stderr, "kiosk: %s: %s\n", path, strerror(errno));
		return rc;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(buf, sizeof(buf), f)) {
		len = strcspn(buf, "\r\n");
		buf[len] = '\0';
		if (len == 0 || buf[0] == '#')
			continue;
		if (s->n == MAX_LINES) {
			fprintf(stderr, "kiosk: %s: more than %d commands\n", path, MAX_LINES);
			rc = -E2BIG;
			break;
		}
		tc_strlcpy(s->line[s->n++], buf, LINE_MAX_LEN);
	}
	fclose(f);
	if (rc != 0) {
		free(s);
		return rc;
	}
	*out = s;
	return 0;
}

void
kiosk_script_close(struct kiosk_script *s)
{
	free(s);
}

static bool
idle(const struct ui_model *m)
{
	return m->pending == 0 && m->n_out == 0;
}

static bool
tap_button(struct kiosk *k, const char *name, const char *label, int arg)
{
	struct ui_button b[UI_MAX_BUTTONS];
	struct ui_event ev = { .type = UI_EV_TAP, .now_ms = kiosk_now_ms() };
	unsigned i, n = ui_buttons(k->m, b, UI_MAX_BUTTONS);

	for (i = 0; i < n; i++) {
		if (b[i].disabled)
			continue;
		if (name && (strcmp(b[i].name, name) != 0 || (arg >= 0 && b[i].arg != arg)))
			continue;
		if (label && strcmp(b[i].label, label) != 0)
			continue;
		ev.x = b[i].r.x + b[i].r.w / 2;
		ev.y = b[i].r.y + b[i].r.h / 2;
		kiosk_feed(k, &ev);
		return true;
	}
	return false;
}

static void
press(struct kiosk *k, enum ui_key key)
{
	struct ui_event ev = { .type = UI_EV_KEY, .now_ms = kiosk_now_ms(), .key = key };

	kiosk_feed(k, &ev);
}

/* Replay a file of struct input_event through the same mapping a device uses. */
static int
replay_evdev(struct kiosk *k, const char *path)
{
	static const enum ui_key map[] = { [TC_INPUT_SHUTTER] = UI_KEY_SHUTTER,
					   [TC_INPUT_BACK] = UI_KEY_BACK,
					   [TC_INPUT_OK] = UI_KEY_ENTER };
	struct input_event ev;
	enum tc_input_key key;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, &ev, sizeof(ev))) == (ssize_t)sizeof(ev)) {
		key = tc_input_map(&ev);
		if (key != TC_INPUT_NONE)
			press(k, map[key]);
	}
	if (n != 0)
		rc = n < 0 ? -errno : -EINVAL;	/* a torn record */
	close(fd);
	return rc;
}

static bool
shows(struct kiosk *k, const char *text)
{
	kiosk_draw(k);
	return strstr(k->canvas.words, text) != NULL;
}

/* The kiosk's peak resident set (VmHWM), for the ui-rss benchmark; -1 if unreadable. */
static long
peak_rss_kib(void)
{
	char line[128];
	long kib = -1;
	FILE *f = fopen("/proc/self/status", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* "frames": the count of frames shown when the command started waiting. */
static uint64_t s_frames_base = UINT64_MAX;

/* 1: done, 0: not yet, <0: failed. */
static int
run_line(struct kiosk *k, const char *line)
{
	char cmd[16] = "", rest[LINE_MAX_LEN] = "", path[512];
	const char *sp = strchr(line, ' ');
	int arg = -1;
	unsigned i;

	tc_strlcpy(cmd, line, sp && (size_t)(sp - line) < sizeof(cmd) ? (size_t)(sp - line) + 1 :
								      sizeof(cmd));
	if (sp)
		tc_strlcpy(rest, sp + 1, sizeof(rest));
	if (strcmp(cmd, "tap") == 0) {
		char *a = strchr(rest, ' ');

		if (a) {
			char *end;
			long v;

			*a = '\0';
			v = strtol(a + 1, &end, 10);
			if (*end || v < 0 || v > 100000)
				return -EINVAL;
			arg = (int)v;
		}
		return tap_button(k, rest, NULL, arg) ? 1 : 0;
	}
	if (strcmp(cmd, "press") == 0)
		return tap_button(k, NULL, rest, -1) ? 1 : 0;
	if (strcmp(cmd, "key") == 0) {
		if (ui_key_named(rest) == UI_KEY_NONE)
			return -EINVAL;
		press(k, ui_key_named(rest));
		return 1;
	}
	if (strcmp(cmd, "digits") == 0) {
		for (i = 0; rest[i]; i++) {
			char d[2] = { rest[i], '\0' };

			if (ui_key_named(d) == UI_KEY_NONE || rest[i] < '0' || rest[i] > '9')
				return -EINVAL;
			press(k, ui_key_named(d));
		}
		return 1;
	}
	if (strcmp(cmd, "evdev") == 0)
		return replay_evdev(k, rest) == 0 ? 1 : -EIO;
	if (strcmp(cmd, "wait") == 0)
		return strcmp(ui_screen_name(k->m->screen), rest) == 0 ? 1 : 0;
	if (strcmp(cmd, "expect") == 0)
		return shows(k, rest) ? 1 : 0;
	if (strcmp(cmd, "reject") == 0)
		return shows(k, rest) ? -EEXIST : 1;
	if (strcmp(cmd, "shot") == 0) {
		if (!k->shots_dir)
			return -EINVAL;
		kiosk_draw(k);
		snprintf(path, sizeof(path), "%s/%s.png", k->shots_dir, rest);
		return sdl_canvas_png(&k->canvas, k->m->prof->w, k->m->prof->h, path) == 0 ? 1 : -EIO;
	}
	if (strcmp(cmd, "frames") == 0) {
		char *end;
		long want = strtol(rest, &end, 10);

		if (*end || want <= 0)
			return -EINVAL;
		if (s_frames_base == UINT64_MAX)
			s_frames_base = k->frames_shown;
		if (k->frames_shown - s_frames_base < (uint64_t)want)
			return 0;
		s_frames_base = UINT64_MAX;
		return 1;
	}
	if (strcmp(cmd, "stats") == 0) {
		printf("kiosk: stats ms=%lld frames_notified=%llu frames_torn=%llu frames_shown=%llu "
		       "first_seq=%llu last_seq=%llu shutter_frame=%llu rss_kib=%ld\n",
		       (long long)kiosk_now_ms(), (unsigned long long)k->io.frames_in,
		       (unsigned long long)k->io.frames_torn, (unsigned long long)k->frames_shown,
		       (unsigned long long)k->io.first_seq, (unsigned long long)k->io.last_seq,
		       (unsigned long long)k->m->shutter_frame, peak_rss_kib());
		fflush(stdout);
		return 1;
	}
	if (strcmp(cmd, "quit") == 0) {
		k->quit = true;
		return 1;
	}
	return -EINVAL;
}

int
kiosk_script_step(struct kiosk *k, struct kiosk_script *s)
{
	int64_t now = kiosk_now_ms();
	int rc;

	while (s->at < s->n) {
		if (s->since_ms == 0)
			s->since_ms = now;
		rc = idle(k->m) ? run_line(k, s->line[s->at]) : 0;
		if (rc < 0) {
			fprintf(stderr, "kiosk: script line \"%s\": %s\n", s->line[s->at],
				rc == -EEXIST ? "the screen shows it" : tc_strerror(rc));
			fprintf(stderr, "kiosk: screen %s shows:\n%s", ui_screen_name(k->m->screen),
				k->canvas.words);
			return rc;
		}
		if (rc == 0) {
			if (now - s->since_ms > WAIT_MS) {
				kiosk_draw(k);
				fprintf(stderr, "kiosk: script line \"%s\": not possible on screen %s "
					"after %d s; it shows:\n%s", s->line[s->at],
					ui_screen_name(k->m->screen), WAIT_MS / 1000, k->canvas.words);
				return -ETIMEDOUT;
			}
			return 0;
		}
		printf("kiosk: ok %s\n", s->line[s->at]);
		fflush(stdout);
		s->at++;
		s->since_ms = 0;
		if (k->quit)
			return 1;
		return 0;	/* one command a turn: the model answers in between */
	}
	return 1;
}
