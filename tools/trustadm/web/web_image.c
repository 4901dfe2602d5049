/*
 * web_image.c - a photo for the page: opened whole from the server's
 * data directory (ledger digest checked) into locked memory and, for
 * the queue, scaled down in memory with TurboJPEG's DCT scaling (decode
 * at 1/2..1/8, re-encode).  Nothing is written anywhere but the response.
 */
#include <errno.h>
#include <string.h>

#include <turbojpeg.h>

#include "pic.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "web.h"

/* jpeg scaled to at most max_w pixels wide, into a tc_secure_alloc buffer. */
static int
thumbnail(const uint8_t *jpeg, size_t len, unsigned max_w, uint8_t **out, size_t *out_len)
{
	tjhandle dec = tjInitDecompress();
	tjscalingfactor *sf;
	uint8_t *rgb = NULL;
	int w = 0, h = 0, sub = 0, cs = 0, n = 0, i, best, fit = -1, least = -1, sw, sh;
	int rc = -EINVAL;

	if (!dec || len > (unsigned long)-1 ||
	    tjDecompressHeader3(dec, jpeg, (unsigned long)len, &w, &h, &sub, &cs) != 0 ||
	    !(sf = tjGetScalingFactors(&n)))
		goto out;
	/* The largest scaling that fits, else the smallest there is. */
	for (i = 0; i < n; i++) {
		if (sf[i].num > sf[i].denom)
			continue;
		sw = TJSCALED(w, sf[i]);
		if (sw <= (int)max_w) {
			if (fit < 0 || sw > TJSCALED(w, sf[fit]))
				fit = i;
		} else if (least < 0 || sw < TJSCALED(w, sf[least])) {
			least = i;
		}
	}
	best = fit >= 0 ? fit : least;
	if (best < 0)
		goto out;
	sw = TJSCALED(w, sf[best]);
	sh = TJSCALED(h, sf[best]);
	rc = -ENOMEM;
	if (!(rgb = tc_secure_alloc((size_t)sw * (size_t)sh * 3)))
		goto out;
	rc = -EINVAL;
	if (tjDecompress2(dec, jpeg, (unsigned long)len, rgb, sw, 0, sh, TJPF_RGB, 0) != 0)
		goto out;
	rc = tc_pic_encode(rgb, (unsigned)sw, (unsigned)sh, 80, out, out_len);
out:
	tc_secure_free(rgb);
	if (dec)
		tjDestroy(dec);
	return rc;
}

int
web_photo_jpeg(struct web *w, const char *id, unsigned max_w, uint8_t **out, size_t *len)
{
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_review_photo p;
	uint8_t *jpeg = NULL;
	size_t jlen = 0;
	int rc;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	if ((rc = tadm_srv_photo(w->a, id, &p)) == 0 &&
	    (rc = tadm_srv_open_photo(w->a, &p, w->priv, m, &jpeg, &jlen)) == 0) {
		if (max_w) {
			rc = thumbnail(jpeg, jlen, max_w, out, len);
			tc_secure_free(jpeg);
		} else {
			*out = jpeg;
			*len = jlen;
		}
	}
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}
