/*
 * ui_draw.h - what screens draw with.  Three primitives over an opaque
 * canvas: the kiosk implements them with SDL (sdl_canvas.c), the unit
 * tests with a recorder that keeps the words drawn.  A draw function
 * calls only these: no I/O, no IPC, no allocation.
 */
#ifndef UI_DRAW_H
#define UI_DRAW_H

#include <stdint.h>

struct ui_rect {
	int x, y, w, h;
};

enum ui_font { UI_FONT_SMALL, UI_FONT_BODY, UI_FONT_BUTTON, UI_FONT_TITLE, UI_FONT_HUGE, UI_FONT_MAX };
enum ui_align { UI_ALIGN_LEFT, UI_ALIGN_CENTRE, UI_ALIGN_RIGHT };

struct ui_canvas;

void ui_fill(struct ui_canvas *c, struct ui_rect r, uint32_t rgb);
/* Text inside r, vertically centred; '\n' starts a new line; clipped to r. */
void ui_text(struct ui_canvas *c, struct ui_rect r, const char *s, enum ui_font f, uint32_t rgb,
	     enum ui_align a);
/* An RGB24 image (w*h*3 bytes) scaled into r. */
void ui_image(struct ui_canvas *c, struct ui_rect r, const uint8_t *rgb, int w, int h);

static inline int
ui_hit(struct ui_rect r, int x, int y)
{
	return x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h;
}

#endif /* UI_DRAW_H */
