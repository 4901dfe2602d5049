/*
 * ui_profile.h - layout metrics and colours, one table per display
 * profile (ui_profile.c).  Screens place everything from these numbers,
 * so a new display is a new row, not new code.
 */
#ifndef UI_PROFILE_H
#define UI_PROFILE_H

#include "ui_draw.h"

enum ui_colour {
	UI_C_BG, UI_C_TEXT, UI_C_DIM, UI_C_BAR, UI_C_BAR_TEXT, UI_C_BUTTON, UI_C_BUTTON_TEXT,
	UI_C_PRIMARY, UI_C_PRIMARY_TEXT, UI_C_TOGGLE, UI_C_TOGGLE_TEXT, UI_C_DANGER,
	UI_C_WARN, UI_C_WARN_TEXT, UI_C_OK, UI_C_PREVIEW, UI_C_DISABLED, UI_C_MAX
};

struct ui_profile {
	const char *name;	/* "800x480" */
	int w, h;		/* pixels */
	int dpi;		/* of the display this profile is for */
	int bar_h;		/* status bar */
	int banner_h;		/* refusal banner */
	int margin, gap;
	int target;		/* the smallest touch target: 9 mm at dpi, rounded up */
	int font_px[UI_FONT_MAX];
	uint32_t colour[UI_C_MAX];	/* 0xRRGGBB */
	int pin_cols;		/* PIN pad columns beside the field */
	int list_cols, list_rows;	/* staff, events, pupils per page */
};

/* The profile called name ("800x480", "1920x1080"), or NULL. */
const struct ui_profile *ui_profile_find(const char *name);
/* The profile for a display of w x h: the exact one, else the first. */
const struct ui_profile *ui_profile_for(int w, int h);
extern const struct ui_profile ui_profiles[];
extern const unsigned ui_n_profiles;

#endif /* UI_PROFILE_H */
