/*
 * kiosk.c - the staff interface: main() and the loop.
 *
 * One thread.  Each turn: SDL input (touch, mouse, keyboard), the evdev
 * buttons, photod's replies, the clock, the script (tests, demo), then a
 * redraw if the model changed, then poll(2) on photod's socket and the
 * button device for at most one frame time.  Nothing in the loop waits
 * on photod: requests are queued and their replies arrive as events.
 *
 * The kiosk holds no key and cannot open the store: it never runs as
 * root (with -u it drops to that user first thing; without it, root is
 * refused), and photod's files are private to photod's user.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autoconf.h"
#include "kiosk.h"
#include "tc_daemon.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_notify.h"
#include "tc_secmem.h"
#include "ui_gallery.h"

#include <SDL_image.h>

#define FRAME_MS 16		/* the loop's longest wait: one frame at 60 Hz */
#define REDRAW_MS 250		/* countdowns move even when nothing else does */
#define TICK_MS 100

static void
usage(void)
{
	fprintf(stderr,
		"usage: kiosk [-r RUNDIR] [-p PROFILE] [-u USER] [-e EVDEV] [-s SCRIPT -o SHOTDIR]\n"
		"       kiosk -G DIR [-p PROFILE]     render every screen with sample data\n");
}

int64_t
kiosk_now_ms(void)
{
	return (int64_t)(tc_time_mono_us() / 1000);
}

void
kiosk_feed(struct kiosk *k, const struct ui_event *ev)
{
	enum ui_screen before = k->m->screen;

	ui_update(k->m, ev);
	if (ev->type != UI_EV_TICK || k->m->screen != before)
		k->dirty = true;
}

void
kiosk_draw(struct kiosk *k)
{
	sdl_canvas_begin(&k->canvas);
	ui_draw(k->m, &k->canvas);
	SDL_RenderPresent(k->r);
	if (k->m->frame && k->m->frame_seq != k->shown_seq &&
	    (k->m->screen == UI_SCR_VIEWFINDER)) {
		k->shown_seq = k->m->frame_seq;
		k->frames_shown++;
	}
	k->dirty = false;
	k->drawn_ms = kiosk_now_ms();
}

static enum ui_key
sdl_key(SDL_Keycode sym)
{
	if (sym >= SDLK_0 && sym <= SDLK_9)
		return (enum ui_key)(UI_KEY_DIGIT0 + (sym - SDLK_0));
	if (sym >= SDLK_KP_1 && sym <= SDLK_KP_9)
		return (enum ui_key)(UI_KEY_DIGIT0 + 1 + (sym - SDLK_KP_1));
	switch (sym) {
	case SDLK_KP_0: return UI_KEY_DIGIT0;
	case SDLK_SPACE: return UI_KEY_SHUTTER;
	case SDLK_ESCAPE: case SDLK_AC_BACK: return UI_KEY_BACK;
	case SDLK_BACKSPACE: return UI_KEY_DELETE;
	case SDLK_RETURN: case SDLK_KP_ENTER: return UI_KEY_ENTER;
	default: return UI_KEY_NONE;
	}
}

static void
sdl_input(struct kiosk *k, int64_t now)
{
	const struct ui_profile *p = k->m->prof;
	struct ui_event ev;
	SDL_Event e;

	while (SDL_PollEvent(&e)) {
		memset(&ev, 0, sizeof(ev));
		ev.now_ms = now;
		switch (e.type) {
		case SDL_QUIT:
			k->quit = true;
			continue;
		case SDL_MOUSEBUTTONDOWN:
			if (e.button.button != SDL_BUTTON_LEFT || e.button.which == SDL_TOUCH_MOUSEID)
				continue;
			ev.type = UI_EV_TAP;
			ev.x = e.button.x;
			ev.y = e.button.y;
			break;
		case SDL_FINGERDOWN:
			ev.type = UI_EV_TAP;
			ev.x = (int)(e.tfinger.x * (float)p->w);
			ev.y = (int)(e.tfinger.y * (float)p->h);
			break;
		case SDL_KEYDOWN:
			if (e.key.repeat)
				continue;
			ev.type = UI_EV_KEY;
			ev.key = sdl_key(e.key.keysym.sym);
			if (ev.key == UI_KEY_NONE)
				continue;
			break;
		case SDL_WINDOWEVENT:
			k->dirty = true;
			continue;
		default:
			continue;
		}
		kiosk_feed(k, &ev);
	}
}

static void
button_input(struct kiosk *k, int64_t now)
{
	static const enum ui_key map[] = { [TC_INPUT_SHUTTER] = UI_KEY_SHUTTER,
					   [TC_INPUT_BACK] = UI_KEY_BACK,
					   [TC_INPUT_OK] = UI_KEY_ENTER };
	struct ui_event ev = { .type = UI_EV_KEY, .now_ms = now };
	enum tc_input_key key;
	int rc;

	while (k->input && (rc = tc_input_next(k->input, &key)) != 0) {
		if (rc < 0) {
			tc_warn("button device: %s; buttons off", tc_strerror(rc));
			tc_input_close(k->input);
			k->input = NULL;
			return;
		}
		ev.key = map[key];
		kiosk_feed(k, &ev);
	}
}

static int
run(struct kiosk *k)
{
	struct pollfd pfd[2];
	struct ui_event tick = { .type = UI_EV_TICK };
	enum ui_screen shown = k->m->screen;
	int64_t now, last_tick = 0;
	nfds_t n;
	int rc;

	tc_notify_ready("showing the staff screen");
	while (!k->quit) {
		tc_notify_watchdog();
		now = kiosk_now_ms();
		sdl_input(k, now);
		button_input(k, now);
		if (ui_ipc_pump(&k->io, k->m, now) > 0)
			k->dirty = true;
		if (now - last_tick >= TICK_MS) {
			tick.now_ms = now;
			kiosk_feed(k, &tick);
			last_tick = now;
		}
		if (k->script) {
			rc = kiosk_script_step(k, k->script);
			if (rc < 0)
				return 1;
			if (rc == 1)
				return k->status;
		}
		if (k->m->screen != shown) {
			shown = k->m->screen;
			tc_info("screen %s", ui_screen_name(shown));
		}
		if (k->dirty || now - k->drawn_ms >= REDRAW_MS)
			kiosk_draw(k);
		n = 0;
		if (k->io.fd >= 0)
			pfd[n++] = (struct pollfd){ .fd = k->io.fd, .events = POLLIN };
		if (k->input)
			pfd[n++] = (struct pollfd){ .fd = tc_input_fd(k->input), .events = POLLIN };
		(void)poll(pfd, n, FRAME_MS);
	}
	return k->status;
}

/* -G: every screen of the gallery as DIR/NAME.png, no photod, no window. */
static int
gallery(const struct ui_profile *p, const char *dir)
{
	struct ui_model *m = calloc(1, sizeof(*m));
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, p->w, p->h, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = s ? SDL_CreateSoftwareRenderer(s) : NULL;
	struct ui_canvas c;
	char path[512];
	const char *name;
	unsigned i;
	int rc = 1;

	if (!m || !r) {
		tc_err("gallery: %s", m ? SDL_GetError() : "out of memory");
		goto out;
	}
	if (sdl_canvas_init(&c, r, p, CONFIG_UI_FONT_DIR) != 0)
		goto out;
	for (i = 0; (name = ui_gallery_make(i, m, p)) != NULL; i++) {
		sdl_canvas_begin(&c);
		ui_draw(m, &c);
		snprintf(path, sizeof(path), "%s/%s.png", dir, name);
		if (IMG_SavePNG(s, path) != 0) {
			tc_err("%s: %s", path, SDL_GetError());
			sdl_canvas_free(&c);
			goto out;
		}
		printf("%s\n", path);
	}
	sdl_canvas_free(&c);
	rc = 0;
out:
	if (r)
		SDL_DestroyRenderer(r);
	if (s)
		SDL_FreeSurface(s);
	if (m) {
		ui_forget(m);
		free(m);
	}
	return rc;
}

static int
open_window(struct kiosk *k, const struct ui_profile *p)
{
	const char *drv = SDL_GetCurrentVideoDriver();
	bool offscreen = drv && strcmp(drv, "offscreen") == 0;
	bool kms = drv && strcmp(drv, "KMSDRM") == 0;
	Uint32 flags = kms ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0;

	/*
	 * Offscreen, the window surface is plain memory and the software
	 * renderer draws into it: without this hint SDL backs it with a GL
	 * texture and loads Mesa and LLVM (about 95 MiB) for nothing.
	 */
	if (offscreen)
		SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");

	k->win = SDL_CreateWindow("trustcam", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, p->w,
				  p->h, flags);
	if (!k->win)
		return -ENODEV;
	/* Offscreen has no GPU: the software renderer is what it can read back. */
	k->r = SDL_CreateRenderer(k->win, -1, offscreen ? SDL_RENDERER_SOFTWARE : 0);
	if (!k->r)
		return -ENODEV;
	SDL_RenderSetLogicalSize(k->r, p->w, p->h);
	if (kms)
		SDL_ShowCursor(SDL_DISABLE);
	return 0;
}

int
main(int argc, char **argv)
{
	struct kiosk k;
	const char *run_dir = "/run/trustcam", *profile = CONFIG_UI_PROFILE, *user = NULL;
	const char *evdev = NULL, *script = NULL, *gallery_dir = NULL;
	const struct ui_profile *p;
	int c, rc;

	memset(&k, 0, sizeof(k));
	tc_log_open("kiosk", false, TC_LOG_INFO);
	while ((c = getopt(argc, argv, "r:p:u:e:s:o:G:h")) != -1) {
		switch (c) {
		case 'r': run_dir = optarg; break;
		case 'p': profile = optarg; break;
		case 'u': user = optarg; break;
		case 'e': evdev = optarg; break;
		case 's': script = optarg; break;
		case 'o': k.shots_dir = optarg; break;
		case 'G': gallery_dir = optarg; break;
		default: usage(); return c == 'h' ? 0 : 2;
		}
	}
	if (optind != argc) {
		usage();
		return 2;
	}
	p = ui_profile_find(profile);
	if (!p) {
		fprintf(stderr, "kiosk: unknown profile %s (800x480 or 1920x1080)\n", profile);
		return 2;
	}
#ifndef CONFIG_UI_SCRIPT
	if (script || gallery_dir) {
		fprintf(stderr, "kiosk: built without CONFIG_UI_SCRIPT: no -s or -G\n");
		return 2;
	}
#endif
	/* The button device is opened first: it may need root; nothing else does. */
	if (evdev && (rc = tc_input_open(evdev, &k.input)) != 0) {
		fprintf(stderr, "kiosk: %s: %s\n", evdev, tc_strerror(rc));
		return 1;
	}
	/* -G reads no socket and no device: it only writes PNGs where it is told. */
	if (geteuid() == 0 && !user && !gallery_dir) {
		fprintf(stderr, "kiosk: refusing to run as root: pass -u USER\n");
		return 1;
	}
	if ((rc = tc_daemon_drop_to(user)) != 0) {
		fprintf(stderr, "kiosk: cannot drop to %s: %s\n", user, tc_strerror(rc));
		return 1;
	}
	if (SDL_Init(gallery_dir ? 0 : SDL_INIT_VIDEO) != 0 || TTF_Init() != 0) {
		fprintf(stderr, "kiosk: SDL: %s\n", SDL_GetError());
		return 1;
	}
	if (gallery_dir) {
		rc = gallery(p, gallery_dir);
		goto out;
	}
	rc = 1;
	k.m = calloc(1, sizeof(*k.m));
	if (!k.m || open_window(&k, p) != 0 ||
	    sdl_canvas_init(&k.canvas, k.r, p, CONFIG_UI_FONT_DIR) != 0) {
		fprintf(stderr, "kiosk: display: %s\n", SDL_GetError());
		goto out;
	}
	if (script && kiosk_script_open(script, &k.script) != 0)
		goto out;
	ui_init(k.m, p, kiosk_now_ms());
	ui_ipc_init(&k.io, run_dir);
	tc_info("screen %s (%s, %s)", ui_screen_name(k.m->screen), p->name,
		SDL_GetCurrentVideoDriver());
	rc = run(&k);
out:
	if (k.m) {
		ui_forget(k.m);
		free(k.m);
	}
	kiosk_script_close(k.script);
	ui_ipc_close(&k.io);
	tc_input_close(k.input);
	sdl_canvas_free(&k.canvas);
	if (k.r)
		SDL_DestroyRenderer(k.r);
	if (k.win)
		SDL_DestroyWindow(k.win);
	TTF_Quit();
	SDL_Quit();
	return rc;
}
