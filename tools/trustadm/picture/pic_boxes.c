/*
 * pic_boxes.c - areas as text, "x,y,w,h;x,y,w,h": how the registry
 * stores them and how a reviewer types them (trustadm review redact
 * --areas, the page's redaction field).  Strict: decimal numbers only,
 * no spaces, every area non-empty and inside the photo.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pic.h"

/* A decimal number at *s (at most 5 digits, TC_PIC_MAX_SIDE fits), then one of ends. */
static bool
number(const char **s, const char *ends, unsigned *v)
{
	unsigned digits = 0;

	*v = 0;
	while (**s >= '0' && **s <= '9' && digits < 6) {
		*v = *v * 10 + (unsigned)(**s - '0');
		(*s)++;
		digits++;
	}
	return digits > 0 && digits < 6 && strchr(ends, **s) != NULL;
}

int
tc_pic_boxes_parse(const char *s, unsigned width, unsigned height, struct tc_pic_box *box,
		   unsigned *n, char *why, size_t whycap)
{
	struct tc_pic_box b;

	*n = 0;
	while (*s) {
		if (*n >= TC_PIC_MAX_BOXES) {
			snprintf(why, whycap, "at most %u areas", TC_PIC_MAX_BOXES);
			return -EINVAL;
		}
		if (!number(&s, ",", &b.x) || !(s++, number(&s, ",", &b.y)) ||
		    !(s++, number(&s, ",", &b.w)) || !(s++, number(&s, ";", &b.h)) ||
		    b.w == 0 || b.h == 0) {
			snprintf(why, whycap, "area %u is not X,Y,W,H (whole pixels, W and H above "
				 "0, areas separated by ';')", *n + 1);
			return -EINVAL;
		}
		if (width && (b.x >= width || b.y >= height || b.w > width - b.x ||
			      b.h > height - b.y)) {
			snprintf(why, whycap, "area %u (%u,%u,%u,%u) is not inside the photo "
				 "(%ux%u)", *n + 1, b.x, b.y, b.w, b.h, width, height);
			return -EINVAL;
		}
		box[(*n)++] = b;
		if (*s == ';' && !*++s) {
			snprintf(why, whycap, "a ';' with no area after it");
			return -EINVAL;
		}
	}
	return 0;
}

int
tc_pic_boxes_format(const struct tc_pic_box *box, unsigned n, char *out, size_t cap)
{
	size_t used = 0;
	unsigned i;
	int k;

	if (cap == 0)
		return -ENAMETOOLONG;
	out[0] = 0;
	for (i = 0; i < n; i++) {
		k = snprintf(out + used, cap - used, "%s%u,%u,%u,%u", i ? ";" : "", box[i].x,
			     box[i].y, box[i].w, box[i].h);
		if (k < 0 || (size_t)k >= cap - used) {
			out[0] = 0;
			return -ENAMETOOLONG;
		}
		used += (size_t)k;
	}
	return 0;
}

unsigned
tc_pic_boxes_count(const char *s)
{
	unsigned n = s[0] ? 1 : 0;

	for (; *s; s++)
		n += *s == ';';
	return n;
}
