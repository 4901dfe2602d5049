/*
 * sdl_canvas.c - see sdl_canvas.h.  Text is rendered with SDL_ttf's
 * wrapped blended renderer (anti-aliased, wraps at the rectangle's
 * width and at '\n') and clipped to its rectangle.
 */
#include <SDL_image.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sdl_canvas.h"
#include "tc_log.h"

static SDL_Color
colour(uint32_t rgb)
{
	return (SDL_Color){ (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255 };
}

int
sdl_canvas_init(struct ui_canvas *c, SDL_Renderer *r, const struct ui_profile *p,
		const char *font_dir)
{
	char path[512];
	int i;

	memset(c, 0, sizeof(*c));
	c->r = r;
	for (i = 0; i < UI_FONT_MAX; i++) {
		snprintf(path, sizeof(path), "%s/%s", font_dir,
			 i >= UI_FONT_BUTTON ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf");
		c->font[i] = TTF_OpenFont(path, p->font_px[i]);
		if (!c->font[i]) {
			tc_err("font %s: %s", path, TTF_GetError());
			sdl_canvas_free(c);
			return -ENOENT;
		}
		TTF_SetFontHinting(c->font[i], TTF_HINTING_LIGHT);
	}
	return 0;
}

void
sdl_canvas_free(struct ui_canvas *c)
{
	int i;

	for (i = 0; i < UI_FONT_MAX; i++)
		if (c->font[i])
			TTF_CloseFont(c->font[i]);
	for (i = 0; i < SDL_CANVAS_CACHE; i++)
		if (c->cache[i].tex)
			SDL_DestroyTexture(c->cache[i].tex);
	if (c->image)
		SDL_DestroyTexture(c->image);
	memset(c, 0, sizeof(*c));
}

void
sdl_canvas_begin(struct ui_canvas *c)
{
	c->words_len = 0;
	c->words[0] = '\0';
}

void
ui_fill(struct ui_canvas *c, struct ui_rect r, uint32_t rgb)
{
	SDL_Rect s = { r.x, r.y, r.w, r.h };

	SDL_SetRenderDrawColor(c->r, (Uint8)(rgb >> 16), (Uint8)(rgb >> 8), (Uint8)rgb, 255);
	SDL_RenderFillRect(c->r, &s);
}

static void
keep_words(struct ui_canvas *c, const char *s)
{
	int n = snprintf(c->words + c->words_len, sizeof(c->words) - c->words_len, "%s\n", s);

	if (n > 0 && (size_t)n < sizeof(c->words) - c->words_len)
		c->words_len += (size_t)n;
}

/*
 * The texture of s in font f, colour rgb, wrapped at width: from the
 * cache, else rendered into the oldest entry.  NULL if SDL fails.
 */
static struct sdl_text_cached *
text_texture(struct ui_canvas *c, const char *s, enum ui_font f, uint32_t rgb, int width,
	     enum ui_align a)
{
	static const int wrap_align[] = { TTF_WRAPPED_ALIGN_LEFT, TTF_WRAPPED_ALIGN_CENTER,
					  TTF_WRAPPED_ALIGN_RIGHT };
	struct sdl_text_cached *e, *old = &c->cache[0];
	SDL_Surface *surf;
	unsigned i;
	bool cacheable = strlen(s) < sizeof(c->cache[0].key);

	c->clock++;
	for (i = 0; cacheable && i < SDL_CANVAS_CACHE; i++) {
		e = &c->cache[i];
		if (e->tex && e->font == (int)f && e->rgb == rgb && e->width == width &&
		    e->align == (int)a && strcmp(e->key, s) == 0) {
			e->used = c->clock;
			return e;
		}
		if (e->used < old->used)
			old = e;
	}
	TTF_SetFontWrappedAlign(c->font[f], wrap_align[a]);
	surf = TTF_RenderUTF8_Blended_Wrapped(c->font[f], s, colour(rgb), (Uint32)width);
	if (!surf)
		return NULL;
	if (old->tex)
		SDL_DestroyTexture(old->tex);
	memset(old, 0, sizeof(*old));
	old->tex = SDL_CreateTextureFromSurface(c->r, surf);
	old->w = surf->w;
	old->h = surf->h;
	SDL_FreeSurface(surf);
	if (!old->tex)
		return NULL;
	/* Too long to key on: drawn once, and its entry is the first to go. */
	if (cacheable)
		memcpy(old->key, s, strlen(s) + 1);
	old->font = (int)f;
	old->rgb = rgb;
	old->width = width;
	old->align = (int)a;
	old->used = cacheable ? c->clock : 0;
	return old;
}

void
ui_text(struct ui_canvas *c, struct ui_rect r, const char *s, enum ui_font f, uint32_t rgb,
	enum ui_align a)
{
	struct sdl_text_cached *t;
	SDL_Rect dst, clip = { r.x, r.y, r.w, r.h };

	if (!s || !s[0] || r.w <= 0 || r.h <= 0)
		return;
	keep_words(c, s);
	t = text_texture(c, s, f, rgb, r.w, a);
	if (!t)
		return;
	dst.w = t->w;
	dst.h = t->h;
	dst.y = r.y + (r.h - t->h) / 2;
	if (dst.y < r.y)
		dst.y = r.y;
	dst.x = a == UI_ALIGN_LEFT ? r.x : a == UI_ALIGN_RIGHT ? r.x + r.w - t->w :
								 r.x + (r.w - t->w) / 2;
	SDL_RenderSetClipRect(c->r, &clip);
	SDL_RenderCopy(c->r, t->tex, NULL, &dst);
	SDL_RenderSetClipRect(c->r, NULL);
}

void
ui_image(struct ui_canvas *c, struct ui_rect r, const uint8_t *rgb, int w, int h)
{
	SDL_Rect dst = { r.x, r.y, r.w, r.h };

	if (!c->image || c->image_w != w || c->image_h != h) {
		if (c->image)
			SDL_DestroyTexture(c->image);
		c->image = SDL_CreateTexture(c->r, SDL_PIXELFORMAT_RGB24, SDL_TEXTUREACCESS_STREAMING,
					     w, h);
		c->image_w = w;
		c->image_h = h;
	}
	if (!c->image)
		return;
	/* Keep the image's aspect inside r, centred. */
	if ((long)r.w * h > (long)r.h * w) {
		dst.w = (int)((long)r.h * w / h);
		dst.x = r.x + (r.w - dst.w) / 2;
	} else {
		dst.h = (int)((long)r.w * h / w);
		dst.y = r.y + (r.h - dst.h) / 2;
	}
	SDL_UpdateTexture(c->image, NULL, rgb, w * 3);
	SDL_RenderCopy(c->r, c->image, NULL, &dst);
}

int
sdl_canvas_png(struct ui_canvas *c, int w, int h, const char *path)
{
	SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	int rc = -EIO;

	if (!s)
		return -ENOMEM;
	if (SDL_RenderReadPixels(c->r, NULL, SDL_PIXELFORMAT_ARGB8888, s->pixels, s->pitch) == 0 &&
	    IMG_SavePNG(s, path) == 0)
		rc = 0;
	else
		tc_err("screenshot %s: %s", path, SDL_GetError());
	SDL_FreeSurface(s);
	return rc;
}
