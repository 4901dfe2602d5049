/*
 * tc_imgcheck.c - what the text-detection and redaction tests ask of a
 * JPEG (issue 18), with the same library code trustadm uses:
 *
 *   tc_imgcheck text IMG.jpg            legible words: "words N areas M
 *                                       x,y,w,h;..."
 *   tc_imgcheck segments IMG.jpg        its segments before the scan:
 *                                       "APP0 APP1 COM DQT ..." one line
 *   tc_imgcheck diff A.jpg B.jpg AREAS  mean absolute difference per
 *                                       channel inside AREAS and outside
 *                                       them: "inside X.X outside Y.Y"
 *
 *   tc_imgcheck covers AREAS BOX        exit 0 when every pixel of the
 *                                       area BOX lies in one of AREAS
 *
 * AREAS is "x,y,w,h;..." as trustadm stores it.  Exit 0, or 1 with a
 * message when an image cannot be read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <turbojpeg.h>

#include "pic.h"

static uint8_t *
load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    !(buf = malloc((size_t)n)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "tc_imgcheck: %s: cannot read\n", path);
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	*len = buf ? (size_t)n : 0;
	return buf;
}

/* Each marker up to SOS, by name. */
static int
segments(const uint8_t *j, size_t len)
{
	size_t i = 2;
	unsigned m;

	if (len < 4 || j[0] != 0xFF || j[1] != 0xD8)
		return 1;
	while (i + 4 <= len && j[i] == 0xFF) {
		m = j[i + 1];
		if (m >= 0xE0 && m <= 0xEF)
			printf("APP%u ", m - 0xE0);
		else if (m == 0xFE)
			printf("COM ");
		else if (m == 0xDA) {
			printf("SOS\n");
			return 0;
		} else
			printf("%02X ", m);
		i += 2 + ((size_t)j[i + 2] << 8 | j[i + 3]);
	}
	printf("?\n");
	return 1;
}

static uint8_t *
rgb_of(const uint8_t *j, size_t len, int *w, int *h)
{
	tjhandle d = tjInitDecompress();
	int sub, cs;
	uint8_t *px = NULL;

	if (d && tjDecompressHeader3(d, j, (unsigned long)len, w, h, &sub, &cs) == 0 &&
	    (px = malloc((size_t)*w * (size_t)*h * 3)) &&
	    tjDecompress2(d, j, (unsigned long)len, px, *w, 0, *h, TJPF_RGB, 0) != 0) {
		free(px);
		px = NULL;
	}
	if (d)
		tjDestroy(d);
	return px;
}

static int
diff(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen, const char *areas)
{
	struct tc_pic_box box[TC_PIC_MAX_BOXES];
	int aw, ah, bw, bh, x, y, c;
	unsigned n, k;
	double sum[2] = { 0, 0 }, cnt[2] = { 0, 0 };
	char why[160];
	uint8_t *pa = rgb_of(a, alen, &aw, &ah), *pb = rgb_of(b, blen, &bw, &bh);
	int in, rc = 1;

	if (!pa || !pb || aw != bw || ah != bh ||
	    tc_pic_boxes_parse(areas, (unsigned)aw, (unsigned)ah, box, &n, why, sizeof(why)) != 0) {
		fprintf(stderr, "tc_imgcheck: the images or the areas cannot be compared\n");
		goto out;
	}
	for (y = 0; y < ah; y++)
		for (x = 0; x < aw; x++) {
			for (in = 0, k = 0; k < n && !in; k++)
				in = (unsigned)x >= box[k].x && (unsigned)x < box[k].x + box[k].w &&
				     (unsigned)y >= box[k].y && (unsigned)y < box[k].y + box[k].h;
			for (c = 0; c < 3; c++) {
				size_t i = ((size_t)y * (size_t)aw + (size_t)x) * 3 + (size_t)c;
				sum[in] += abs((int)pa[i] - (int)pb[i]);
				cnt[in] += 1;
			}
		}
	printf("inside %.1f outside %.1f\n", cnt[1] ? sum[1] / cnt[1] : 0.0,
	       cnt[0] ? sum[0] / cnt[0] : 0.0);
	rc = 0;
out:
	free(pa);
	free(pb);
	return rc;
}

static int
covers(const char *areas, const char *box)
{
	struct tc_pic_box a[TC_PIC_MAX_BOXES], b[1];
	unsigned n, nb, x, y, k;
	char why[160];
	bool in;

	if (tc_pic_boxes_parse(areas, 0, 0, a, &n, why, sizeof(why)) != 0 ||
	    tc_pic_boxes_parse(box, 0, 0, b, &nb, why, sizeof(why)) != 0 || nb != 1)
		return 2;
	for (y = b[0].y; y < b[0].y + b[0].h; y++)
		for (x = b[0].x; x < b[0].x + b[0].w; x++) {
			for (in = false, k = 0; k < n && !in; k++)
				in = x >= a[k].x && x < a[k].x + a[k].w && y >= a[k].y &&
				     y < a[k].y + a[k].h;
			if (!in) {
				printf("pixel %u,%u is not covered\n", x, y);
				return 1;
			}
		}
	return 0;
}

int
main(int argc, char **argv)
{
	struct tc_pic_text t;
	uint8_t *a = NULL, *b = NULL;
	size_t alen, blen;
	int rc = 1;

	if (argc == 4 && strcmp(argv[1], "covers") == 0)
		return covers(argv[2], argv[3]);
	if (argc < 3 || !(a = load(argv[2], &alen)))
		goto usage;
	if (strcmp(argv[1], "text") == 0 && argc == 3) {
		char boxes[2048];

		if (tc_pic_find_text(a, alen, &t) == 0 &&
		    tc_pic_boxes_format(t.box, t.n, boxes, sizeof(boxes)) == 0) {
			printf("words %u areas %u %s\n", t.words, t.n, boxes);
			rc = 0;
		}
	} else if (strcmp(argv[1], "segments") == 0 && argc == 3) {
		rc = segments(a, alen);
	} else if (strcmp(argv[1], "diff") == 0 && argc == 5 && (b = load(argv[3], &blen))) {
		rc = diff(a, alen, b, blen, argv[4]);
	} else {
		goto usage;
	}
	free(a);
	free(b);
	return rc;
usage:
	free(a);
	fprintf(stderr, "usage: tc_imgcheck text IMG | segments IMG | diff A B AREAS | "
			"covers AREAS BOX\n");
	return 2;
}
