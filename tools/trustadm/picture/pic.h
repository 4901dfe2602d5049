/*
 * pic.h - names in the picture (issue 18, Appendix A of docs/design.md):
 * find legible words in a photo and make its publishable copy with
 * chosen areas blurred.  Library code with no registry or CLI in it, so
 * trustadm and the test tools share it; README.md says what it owns.
 *
 * Everything works on a JPEG in memory and returns memory: no plaintext
 * reaches the disk, and the words read are never returned, only where
 * they are.
 */
#ifndef TC_PIC_H
#define TC_PIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_io.h"

#define TC_PIC_MAX_BOXES 64u		/* areas a photo (more are merged or refused) */
#define TC_PIC_MAX_SIDE 16384		/* pixels, either side */
/*
 * A word counts as legible when tesseract's confidence in it is at least
 * this (0-100) and it has at least TC_PIC_MIN_ALNUM letters or digits.
 * 60: on the tests' images printed words read 95-97 and what is left of
 * them once pixelated 4-45; README.md says more.
 */
#define TC_PIC_MIN_CONF 60
#define TC_PIC_MIN_ALNUM 2
/* The copy read for text is at most this wide (TurboJPEG's DCT scaling). */
#define TC_PIC_OCR_MAX_W 1600

/* An area in the photo's own pixels. */
struct tc_pic_box {
	unsigned x, y, w, h;
};

struct tc_pic_text {
	unsigned width, height;		/* the photo's size */
	unsigned words;			/* legible words found */
	unsigned n;			/* areas: words merged by line, padded */
	struct tc_pic_box box[TC_PIC_MAX_BOXES];
};

/*
 * Legible words in jpeg: a grey copy at most TC_PIC_OCR_MAX_W wide is
 * decoded into locked memory and read by libtesseract (English).  0,
 * -EINVAL (not a JPEG we can decode), -ENOMEM, or -ENOENT when
 * tesseract or its English data cannot be loaded.  Prints nothing, and
 * keeps tesseract's own messages off stderr.
 */
int tc_pic_find_text(const uint8_t *jpeg, size_t len, struct tc_pic_text *out) TC_MUST_CHECK;

/*
 * The publishable copy of jpeg: decoded, each area pixelated beyond
 * reading, re-encoded by TurboJPEG with no metadata (no EXIF, no
 * comment: only the JFIF header the encoder writes).  *out is
 * tc_secure_alloc'd.  0, -EINVAL (bad JPEG or an area outside it),
 * -ENOMEM.
 */
int tc_pic_publishable(const uint8_t *jpeg, size_t len, const struct tc_pic_box *box,
		       unsigned n, uint8_t **out, size_t *out_len) TC_MUST_CHECK;

/* w x h RGB pixels as a JPEG (4:2:0, quality 1-100) with no metadata, tc_secure_alloc'd. */
int tc_pic_encode(const uint8_t *rgb, unsigned w, unsigned h, int quality, uint8_t **out,
		  size_t *out_len) TC_MUST_CHECK;
/* The size of jpeg from its header; 0 or -EINVAL. */
int tc_pic_size(const uint8_t *jpeg, size_t len, unsigned *w, unsigned *h) TC_MUST_CHECK;

/*
 * Areas as text, "x,y,w,h;x,y,w,h" ("" for none): the registry's and the
 * command line's form.  parse checks each area is non-empty and inside
 * width x height (0: not checked); -EINVAL with why set otherwise.
 * format returns -ENAMETOOLONG when cap is too small.
 */
int tc_pic_boxes_parse(const char *s, unsigned width, unsigned height, struct tc_pic_box *box,
		       unsigned *n, char *why, size_t whycap) TC_MUST_CHECK;
int tc_pic_boxes_format(const struct tc_pic_box *box, unsigned n, char *out, size_t cap)
	TC_MUST_CHECK;

/* How many areas a well-formed "x,y,w,h;..." holds. */
unsigned tc_pic_boxes_count(const char *s);

#endif /* TC_PIC_H */
