/*
 * pic_ocr.c - legible words in a photo, with Debian's libtesseract
 * (English data from tesseract-ocr-eng), through its C API.
 *
 * The photo is decoded once, grey, at the largest TurboJPEG DCT scaling
 * at most TC_PIC_OCR_MAX_W wide, into locked memory; tesseract reads it
 * in sparse-text mode (words anywhere, as on a certificate held up in a
 * photo, not a page).  A word counts when its confidence and its letters
 * pass pic.h's thresholds; its text is looked at for that and wiped at
 * once, never kept or returned.  Words are merged into line areas,
 * padded so the blur covers ascenders and descenders, in the photo's
 * own pixels.  Tuned for a few photos a minute at review, not speed:
 * one tesseract instance per call, about 0.2-1 s a photo.
 */
#include <errno.h>
#include <string.h>

#include <tesseract/capi.h>
#include <turbojpeg.h>

#include "pic.h"
#include "tc_secmem.h"

#define MAX_WORDS 512

struct grey {
	uint8_t *px;			/* tc_secure_alloc */
	int w, h;
};

/* jpeg decoded grey at most TC_PIC_OCR_MAX_W wide; sets *full_w, *full_h. */
static int
decode_grey(const uint8_t *jpeg, size_t len, struct grey *g, unsigned *full_w, unsigned *full_h)
{
	tjhandle dec = tjInitDecompress();
	tjscalingfactor *sf;
	int w = 0, h = 0, sub = 0, cs = 0, n = 0, i, best = -1, sw, rc = -EINVAL;

	g->px = NULL;
	if (!dec || len > (unsigned long)-1 ||
	    tjDecompressHeader3(dec, jpeg, (unsigned long)len, &w, &h, &sub, &cs) != 0 ||
	    w <= 0 || h <= 0 || w > TC_PIC_MAX_SIDE || h > TC_PIC_MAX_SIDE ||
	    !(sf = tjGetScalingFactors(&n)))
		goto out;
	for (i = 0; i < n; i++) {
		sw = TJSCALED(w, sf[i]);
		if (sf[i].num <= sf[i].denom && sw <= TC_PIC_OCR_MAX_W &&
		    (best < 0 || sw > TJSCALED(w, sf[best])))
			best = i;
	}
	if (best < 0)
		goto out;
	g->w = TJSCALED(w, sf[best]);
	g->h = TJSCALED(h, sf[best]);
	rc = -ENOMEM;
	if (!(g->px = tc_secure_alloc((size_t)g->w * (size_t)g->h)))
		goto out;
	rc = -EINVAL;
	if (tjDecompress2(dec, jpeg, (unsigned long)len, g->px, g->w, 0, g->h, TJPF_GRAY, 0) != 0)
		goto out;
	*full_w = (unsigned)w;
	*full_h = (unsigned)h;
	rc = 0;
out:
	if (rc != 0) {
		tc_secure_free(g->px);
		g->px = NULL;
	}
	if (dec)
		tjDestroy(dec);
	return rc;
}

/* Letters and digits in a UTF-8 word (ASCII ones; other scripts count too). */
static unsigned
alnum_count(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    ((unsigned char)*s >= 0xC0))
			n++;
	return n;
}

/* Whether a and b are on one line and close enough to be one area. */
static bool
same_line(const struct tc_pic_box *a, const struct tc_pic_box *b)
{
	unsigned top = a->y > b->y ? a->y : b->y;
	unsigned bot = a->y + a->h < b->y + b->h ? a->y + a->h : b->y + b->h;
	unsigned hmin = a->h < b->h ? a->h : b->h;
	unsigned gap;

	if (bot <= top || (bot - top) * 2 < hmin)
		return false;
	gap = a->x > b->x + b->w ? a->x - (b->x + b->w) : b->x > a->x + a->w ? b->x - (a->x + a->w) : 0;
	/*
	 * Three letter heights: wider than any word space, so a name's words
	 * (and letters tesseract left out of both, between them) become one
	 * area, as a line of a certificate is.
	 */
	return gap <= 3 * hmin;
}

static void
unite(struct tc_pic_box *a, const struct tc_pic_box *b)
{
	unsigned x2 = a->x + a->w > b->x + b->w ? a->x + a->w : b->x + b->w;
	unsigned y2 = a->y + a->h > b->y + b->h ? a->y + a->h : b->y + b->h;

	a->x = a->x < b->x ? a->x : b->x;
	a->y = a->y < b->y ? a->y : b->y;
	a->w = x2 - a->x;
	a->h = y2 - a->y;
}

/* Word boxes into line areas (in place, *n shrinks), then padded and clamped. */
static void
merge_pad(struct tc_pic_box *b, unsigned *n, unsigned w, unsigned h)
{
	unsigned i, j, pad;
	bool again = true;

	while (again) {
		again = false;
		for (i = 0; i < *n; i++)
			for (j = i + 1; j < *n; j++)
				if (same_line(&b[i], &b[j])) {
					unite(&b[i], &b[j]);
					b[j--] = b[--*n];
					again = true;
				}
	}
	for (i = 0; i < *n; i++) {
		pad = b[i].h * 3 / 10 + 2;
		b[i].w += b[i].x < pad ? b[i].x : pad;
		b[i].x = b[i].x < pad ? 0 : b[i].x - pad;
		b[i].h += b[i].y < pad ? b[i].y : pad;
		b[i].y = b[i].y < pad ? 0 : b[i].y - pad;
		b[i].w = b[i].x + b[i].w + pad > w ? w - b[i].x : b[i].w + pad;
		b[i].h = b[i].y + b[i].h + pad > h ? h - b[i].y : b[i].h + pad;
	}
}

/* The legible words tesseract found in g, scaled to the photo's pixels. */
static void
collect(TessResultIterator *it, const struct grey *g, struct tc_pic_text *out,
	struct tc_pic_box *words, unsigned *n)
{
	TessPageIterator *pi = TessResultIteratorGetPageIterator(it);
	int l, t, r, b;
	unsigned letters;
	float conf;
	char *text;

	do {
		if (!(text = TessResultIteratorGetUTF8Text(it, RIL_WORD)))
			continue;
		letters = alnum_count(text);
		tc_zeroize(text, strlen(text));
		TessDeleteText(text);
		conf = TessResultIteratorConfidence(it, RIL_WORD);
		if (conf < TC_PIC_MIN_CONF || letters < TC_PIC_MIN_ALNUM ||
		    !TessPageIteratorBoundingBox(pi, RIL_WORD, &l, &t, &r, &b) || r <= l || b <= t ||
		    l < 0 || t < 0 || r > g->w || b > g->h)
			continue;
		out->words++;
		if (*n >= MAX_WORDS)
			continue;
		words[*n].x = (unsigned)((uint64_t)l * out->width / (unsigned)g->w);
		words[*n].y = (unsigned)((uint64_t)t * out->height / (unsigned)g->h);
		words[*n].w = (unsigned)(((uint64_t)r * out->width + (unsigned)g->w - 1) / (unsigned)g->w) -
			      words[*n].x;
		words[*n].h = (unsigned)(((uint64_t)b * out->height + (unsigned)g->h - 1) / (unsigned)g->h) -
			      words[*n].y;
		(*n)++;
	} while (TessResultIteratorNext(it, RIL_WORD));
}

int
tc_pic_find_text(const uint8_t *jpeg, size_t len, struct tc_pic_text *out)
{
	struct tc_pic_box *words = tc_calloc(MAX_WORDS, sizeof(*words));
	TessBaseAPI *api = NULL;
	TessResultIterator *it = NULL;
	struct grey g = { NULL, 0, 0 };
	unsigned n = 0;
	int rc = -ENOMEM;

	memset(out, 0, sizeof(*out));
	if (!words)
		return -ENOMEM;
	if ((rc = decode_grey(jpeg, len, &g, &out->width, &out->height)) != 0)
		goto out;
	rc = -ENOENT;
	if (!(api = TessBaseAPICreate()))
		goto out;
	/* tesseract's messages (resolution guesses, warnings) go to its debug file. */
	TessBaseAPISetVariable(api, "debug_file", "/dev/null");
	if (TessBaseAPIInit3(api, NULL, "eng") != 0)
		goto out;
	TessBaseAPISetPageSegMode(api, PSM_SPARSE_TEXT);
	TessBaseAPISetImage(api, g.px, g.w, g.h, 1, g.w);
	TessBaseAPISetSourceResolution(api, 150);
	rc = -EINVAL;
	if (TessBaseAPIRecognize(api, NULL) != 0)
		goto out;
	if ((it = TessBaseAPIGetIterator(api)))
		collect(it, &g, out, words, &n);
	merge_pad(words, &n, out->width, out->height);
	/* More lines than areas: the last ones become one area holding them all. */
	out->n = n < TC_PIC_MAX_BOXES ? n : TC_PIC_MAX_BOXES;
	memcpy(out->box, words, out->n * sizeof(*words));
	while (n > TC_PIC_MAX_BOXES)
		unite(&out->box[TC_PIC_MAX_BOXES - 1], &words[--n]);
	rc = 0;
out:
	if (it)
		TessResultIteratorDelete(it);
	if (api) {
		TessBaseAPIEnd(api);
		TessBaseAPIDelete(api);
	}
	tc_secure_free(g.px);
	tc_free(words);
	return rc;
}
