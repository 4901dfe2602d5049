/*
 * ui_profile.c - the display profiles.  800x480 is the Raspberry Pi 7"
 * touch display (about 133 dpi: 9 mm = 47 px); 1920x1080 is a 21.5"
 * kiosk monitor (about 102 dpi: 9 mm = 37 px, drawn larger because it is
 * read from further away).  Colours are black on white with one dark
 * blue for actions: every text/background pair has a contrast ratio of
 * at least 7:1 (WCAG AAA).
 */
#include <stddef.h>
#include <string.h>

#include "ui_profile.h"

#define PALETTE                                                                  \
	{                                                                        \
		[UI_C_BG] = 0xffffff, [UI_C_TEXT] = 0x000000,                    \
		[UI_C_DIM] = 0x404040, [UI_C_BAR] = 0x1a1a1a,                    \
		[UI_C_BAR_TEXT] = 0xffffff, [UI_C_BUTTON] = 0xe6e6e6,            \
		[UI_C_BUTTON_TEXT] = 0x000000, [UI_C_PRIMARY] = 0x0b3d91,        \
		[UI_C_PRIMARY_TEXT] = 0xffffff, [UI_C_TOGGLE] = 0x0b6e2f,        \
		[UI_C_TOGGLE_TEXT] = 0xffffff, [UI_C_DANGER] = 0x9b0d0d,         \
		[UI_C_WARN] = 0xffd21f, [UI_C_WARN_TEXT] = 0x000000,             \
		[UI_C_OK] = 0x0b6e2f, [UI_C_PREVIEW] = 0x202020,                 \
		[UI_C_DISABLED] = 0x767676,                                      \
	}

const struct ui_profile ui_profiles[] = {
	{
		.name = "800x480", .w = 800, .h = 480, .dpi = 133,
		.bar_h = 40, .banner_h = 56, .margin = 8, .gap = 8, .target = 48,
		.font_px = { [UI_FONT_SMALL] = 15, [UI_FONT_BODY] = 19, [UI_FONT_BUTTON] = 22,
			     [UI_FONT_TITLE] = 28, [UI_FONT_HUGE] = 40 },
		.colour = PALETTE,
		.pin_cols = 3, .list_cols = 2, .list_rows = 4,
	},
	{
		.name = "1920x1080", .w = 1920, .h = 1080, .dpi = 102,
		.bar_h = 72, .banner_h = 110, .margin = 24, .gap = 20, .target = 96,
		.font_px = { [UI_FONT_SMALL] = 28, [UI_FONT_BODY] = 36, [UI_FONT_BUTTON] = 44,
			     [UI_FONT_TITLE] = 56, [UI_FONT_HUGE] = 80 },
		.colour = PALETTE,
		.pin_cols = 3, .list_cols = 3, .list_rows = 5,
	},
};
const unsigned ui_n_profiles = sizeof(ui_profiles) / sizeof(ui_profiles[0]);

const struct ui_profile *
ui_profile_find(const char *name)
{
	unsigned i;

	for (i = 0; i < ui_n_profiles; i++)
		if (strcmp(ui_profiles[i].name, name) == 0)
			return &ui_profiles[i];
	return NULL;
}

const struct ui_profile *
ui_profile_for(int w, int h)
{
	unsigned i;

	for (i = 0; i < ui_n_profiles; i++)
		if (ui_profiles[i].w == w && ui_profiles[i].h == h)
			return &ui_profiles[i];
	return &ui_profiles[0];
}
