/*
 * sdl_canvas.h - ui_draw.h on SDL2 and SDL2_ttf: the only file that
 * draws pixels.  It also keeps the words of the last frame, so scripted
 * tests can check what a screen says (kiosk -s, "expect").
 */
#ifndef SDL_CANVAS_H
#define SDL_CANVAS_H

#include <SDL.h>
#include <SDL_ttf.h>
#include <stdbool.h>

#include "ui_draw.h"
#include "ui_profile.h"

#define SDL_CANVAS_WORDS 8192
#define SDL_CANVAS_CACHE 96	/* rendered strings kept as textures */

struct sdl_text_cached {
	char key[160];		/* the string ("" = empty entry) */
	int font, align, width;
	uint32_t rgb;
	SDL_Texture *tex;
	int w, h;
	uint64_t used;		/* when last drawn: the oldest is replaced */
};

struct ui_canvas {
	SDL_Renderer *r;
	TTF_Font *font[UI_FONT_MAX];
	SDL_Texture *image;		/* reused while the image size stays */
	int image_w, image_h;
	struct sdl_text_cached cache[SDL_CANVAS_CACHE];	/* a frame redraws the same words */
	uint64_t clock;
	char words[SDL_CANVAS_WORDS];	/* every string of the last frame, one a line */
	size_t words_len;
};

/* Open the fonts for profile p from dir (DejaVu Sans).  0 or -ENOENT. */
int sdl_canvas_init(struct ui_canvas *c, SDL_Renderer *r, const struct ui_profile *p,
		    const char *font_dir);
void sdl_canvas_free(struct ui_canvas *c);
/* A new frame: forget the last frame's words. */
void sdl_canvas_begin(struct ui_canvas *c);
/* Save what the renderer shows as PNG.  0 or -EIO. */
int sdl_canvas_png(struct ui_canvas *c, int w, int h, const char *path);

#endif /* SDL_CANVAS_H */
