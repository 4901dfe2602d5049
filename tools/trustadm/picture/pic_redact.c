/*
 * pic_redact.c - the publishable copy of a photo: decoded into locked
 * memory, each chosen area pixelated, re-encoded by TurboJPEG.
 *
 * Pixelation, not a Gaussian blur: every block of an area becomes its
 * mean colour, so nothing of the strokes inside a block survives (a
 * light blur can be partly undone; a mean cannot).  The block is a third
 * of the area's shorter side, at least 8 pixels: a line of text padded
 * as pic_ocr.c pads it is two or three blocks high, too coarse for any
 * letter.  The encoder writes only its JFIF header: no EXIF, no comment,
 * nothing of the original's segments, whatever the original carried.
 */
#include <errno.h>
#include <string.h>

#include <turbojpeg.h>

#include "pic.h"
#include "tc_secmem.h"

#define QUALITY 92

int
tc_pic_size(const uint8_t *jpeg, size_t len, unsigned *w, unsigned *h)
{
	tjhandle dec = tjInitDecompress();
	int iw = 0, ih = 0, sub = 0, cs = 0, rc = -EINVAL;

	if (dec && len <= (unsigned long)-1 &&
	    tjDecompressHeader3(dec, jpeg, (unsigned long)len, &iw, &ih, &sub, &cs) == 0 &&
	    iw > 0 && ih > 0 && iw <= TC_PIC_MAX_SIDE && ih <= TC_PIC_MAX_SIDE) {
		*w = (unsigned)iw;
		*h = (unsigned)ih;
		rc = 0;
	}
	if (dec)
		tjDestroy(dec);
	return rc;
}

/* Every block x block square of b in rgb (w wide) becomes its mean colour. */
static void
pixelate(uint8_t *rgb, unsigned w, const struct tc_pic_box *b)
{
	unsigned side = b->w < b->h ? b->w : b->h, block = side / 2 > 12 ? side / 2 : 12;
	unsigned bx, by, x, y, c, x2, y2;
	uint64_t sum[3], cnt;
	uint8_t *px;

	for (by = b->y; by < b->y + b->h; by += block)
		for (bx = b->x; bx < b->x + b->w; bx += block) {
			x2 = bx + block < b->x + b->w ? bx + block : b->x + b->w;
			y2 = by + block < b->y + b->h ? by + block : b->y + b->h;
			memset(sum, 0, sizeof(sum));
			cnt = (uint64_t)(x2 - bx) * (y2 - by);
			for (y = by; y < y2; y++)
				for (x = bx; x < x2; x++)
					for (c = 0, px = rgb + ((size_t)y * w + x) * 3; c < 3; c++)
						sum[c] += px[c];
			for (y = by; y < y2; y++)
				for (x = bx; x < x2; x++)
					for (c = 0, px = rgb + ((size_t)y * w + x) * 3; c < 3; c++)
						px[c] = (uint8_t)(sum[c] / cnt);
		}
}

int
tc_pic_encode(const uint8_t *rgb, unsigned w, unsigned h, int quality, uint8_t **out,
	      size_t *out_len)
{
	tjhandle enc = tjInitCompress();
	unsigned char *jpeg = NULL;
	unsigned long len = 0;
	int rc = -EINVAL;

	*out = NULL;
	if (!enc || tjCompress2(enc, rgb, (int)w, 0, (int)h, TJPF_RGB, &jpeg, &len, TJSAMP_420,
				quality, TJFLAG_ACCURATEDCT) != 0)
		goto out;
	rc = -ENOMEM;
	if (!(*out = tc_secure_alloc(len)))
		goto out;
	memcpy(*out, jpeg, len);
	*out_len = len;
	rc = 0;
out:
	if (jpeg) {
		tc_zeroize(jpeg, len);
		tjFree(jpeg);
	}
	if (enc)
		tjDestroy(enc);
	return rc;
}

int
tc_pic_publishable(const uint8_t *jpeg, size_t len, const struct tc_pic_box *box, unsigned n,
		   uint8_t **out, size_t *out_len)
{
	tjhandle dec = NULL;
	unsigned w, h, i;
	uint8_t *rgb = NULL;
	int rc;

	*out = NULL;
	if ((rc = tc_pic_size(jpeg, len, &w, &h)) != 0)
		return rc;
	for (i = 0; i < n; i++)
		if (box[i].w == 0 || box[i].h == 0 || box[i].x >= w || box[i].y >= h ||
		    box[i].w > w - box[i].x || box[i].h > h - box[i].y)
			return -EINVAL;
	rc = -ENOMEM;
	if (!(dec = tjInitDecompress()) || !(rgb = tc_secure_alloc((size_t)w * h * 3)))
		goto out;
	rc = -EINVAL;
	if (tjDecompress2(dec, jpeg, (unsigned long)len, rgb, (int)w, 0, (int)h, TJPF_RGB,
			  TJFLAG_ACCURATEDCT) != 0)
		goto out;
	for (i = 0; i < n; i++)
		pixelate(rgb, w, &box[i]);
	rc = tc_pic_encode(rgb, w, h, QUALITY, out, out_len);
out:
	tc_secure_free(rgb);
	if (dec)
		tjDestroy(dec);
	return rc;
}
