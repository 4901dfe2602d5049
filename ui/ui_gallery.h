/*
 * ui_gallery.h - sample models of every screen (ui_gallery.c).
 */
#ifndef UI_GALLERY_H
#define UI_GALLERY_H

#include <stdio.h>

#include "ui.h"

unsigned ui_gallery_count(void);
/* Fill m with sample i for profile p; returns its name ("locked", "pin-lockout", ...). */
const char *ui_gallery_make(unsigned i, struct ui_model *m, const struct ui_profile *p);

#endif /* UI_GALLERY_H */
