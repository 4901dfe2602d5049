/*
 * tc_pngdiff.c - compare two PNG images the way the kiosk's reference
 * tests need: same size, and at most MAX_PERMILLE per mille of the pixels
 * differ by more than THRESHOLD levels in any channel.
 *   tc_pngdiff [-t THRESHOLD] [-p MAX_PERMILLE] [-m X,Y,W,H,DX,DY] REFERENCE ACTUAL
 * -m moves the rectangle X,Y,W,H of ACTUAL by DX,DY first (the background
 * it leaves is the pixel at its top-left corner): how the test shows that
 * a button moved by a few pixels fails.
 * Prints the count and the box around the differing pixels; exit 0 when
 * within tolerance, 1 when not, 2 on a usage or read error.  The
 * default tolerance (32 levels, 1 per mille) absorbs anti-aliasing
 * differences between FreeType versions; a button moved by a few pixels
 * changes several per mille and fails.  PNG decoding is SDL2_image's.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static SDL_Surface *
load(const char *path)
{
	SDL_Surface *s = IMG_Load(path), *c;

	if (!s) {
		fprintf(stderr, "tc_pngdiff: %s: %s\n", path, IMG_GetError());
		return NULL;
	}
	c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_FreeSurface(s);
	return c;
}

static long
number(const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	return *end || v < 0 ? -1 : v;
}

/* Move a rectangle of s, as a layout change would move a button. */
static int
move_rect(SDL_Surface *s, const char *spec)
{
	SDL_Rect from, to;
	SDL_Surface *part;
	Uint32 bg;
	int dx, dy;

	if (sscanf(spec, "%d,%d,%d,%d,%d,%d", &from.x, &from.y, &from.w, &from.h, &dx, &dy) != 6)
		return -1;
	part = SDL_CreateRGBSurfaceWithFormat(0, from.w, from.h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!part)
		return -1;
	SDL_BlitSurface(s, &from, part, NULL);
	bg = ((const Uint32 *)s->pixels)[0];
	SDL_FillRect(s, &from, bg);
	to = (SDL_Rect){ from.x + dx, from.y + dy, from.w, from.h };
	SDL_BlitSurface(part, NULL, s, &to);
	SDL_FreeSurface(part);
	return 0;
}

int
main(int argc, char **argv)
{
	long threshold = 32, permille = 1, n = 0, total;
	int x0 = -1, y0 = -1, x1 = -1, y1 = -1, x, y, c, rc = 2;
	SDL_Surface *a = NULL, *b = NULL;
	const char *move = NULL;

	while ((c = getopt(argc, argv, "t:p:m:")) != -1) {
		if (c == 't')
			threshold = number(optarg);
		else if (c == 'p')
			permille = number(optarg);
		else if (c == 'm')
			move = optarg;
		else
			return 2;
	}
	if (argc - optind != 2 || threshold < 0 || permille < 0) {
		fprintf(stderr, "usage: tc_pngdiff [-t THRESHOLD] [-p MAX_PERMILLE] "
			"[-m X,Y,W,H,DX,DY] REFERENCE ACTUAL\n");
		return 2;
	}
	a = load(argv[optind]);
	b = load(argv[optind + 1]);
	if (!a || !b)
		goto out;
	if (move && move_rect(b, move) != 0) {
		fprintf(stderr, "tc_pngdiff: -m wants X,Y,W,H,DX,DY\n");
		goto out;
	}
	if (a->w != b->w || a->h != b->h) {
		printf("size differs: %dx%d, reference %dx%d\n", b->w, b->h, a->w, a->h);
		rc = 1;
		goto out;
	}
	for (y = 0; y < a->h; y++) {
		const Uint8 *pa = (const Uint8 *)a->pixels + (size_t)y * (size_t)a->pitch;
		const Uint8 *pb = (const Uint8 *)b->pixels + (size_t)y * (size_t)b->pitch;

		for (x = 0; x < a->w; x++) {
			for (c = 0; c < 3; c++)
				if (abs(pa[4 * x + c] - pb[4 * x + c]) > threshold)
					break;
			if (c == 3)
				continue;
			n++;
			x0 = x0 < 0 || x < x0 ? x : x0;
			y0 = y0 < 0 ? y : y0;
			x1 = x > x1 ? x : x1;
			y1 = y;
		}
	}
	total = (long)a->w * a->h;
	printf("%ld of %ld pixels differ by more than %ld", n, total, threshold);
	if (n)
		printf(", in the box %d,%d - %d,%d", x0, y0, x1, y1);
	printf(" (tolerance %ld per mille)\n", permille);
	rc = n * 1000 > permille * total ? 1 : 0;
out:
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
	return rc;
}
