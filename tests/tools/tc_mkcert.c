/*
 * tc_mkcert.c - a synthetic photo of a certificate with a pupil's name
 * on it, for the text-detection tests (issue 18): the playing field of
 * tc_mkphoto's scenes with a cream certificate held up in it, its
 * lines rendered with SDL2_ttf in DejaVu (fonts-dejavu-core).
 *
 *   tc_mkcert OUT.jpg [NAME]
 *
 * Prints where the name was drawn, "x,y,w,h" in pixels, so a test can
 * check the areas to blur cover it.
 * The JPEG (640x480, TurboJPEG) carries what a camera's file may: an
 * EXIF APP1 segment and a comment holding the test plaintext marker,
 * so a test can show the publishable copy drops both.  Font directory:
 * $TC_FONT_DIR, else /usr/share/fonts/truetype/dejavu.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <SDL.h>
#include <SDL_ttf.h>
#include <turbojpeg.h>

#include "tc_io.h"

#define W 640
#define H 480

static const char marker[] = "TRUSTCAM-TEST-PLAINTEXT";
/* APP1 "Exif\0\0" + a TIFF header with no entries: enough to be EXIF. */
static const uint8_t exif[] = { 0xFF, 0xE1, 0x00, 0x12, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I',
				0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00 };

/* One centred line of text at y; where it went into *where (may be NULL). */
static int
line(SDL_Surface *dst, const char *dir, const char *font, int size, const char *text, int y,
     SDL_Color col, SDL_Rect *where)
{
	char path[512];
	TTF_Font *f;
	SDL_Surface *s;
	SDL_Rect r;

	snprintf(path, sizeof(path), "%s/%s", dir, font);
	if (!(f = TTF_OpenFont(path, size))) {
		fprintf(stderr, "tc_mkcert: %s: %s\n", path, TTF_GetError());
		return -1;
	}
	s = TTF_RenderUTF8_Blended(f, text, col);
	TTF_CloseFont(f);
	if (!s)
		return -1;
	r.x = (W - s->w) / 2;
	r.y = y;
	r.w = s->w;
	r.h = s->h;
	SDL_BlitSurface(s, NULL, dst, &r);
	SDL_FreeSurface(s);
	if (where)
		*where = r;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *dir = getenv("TC_FONT_DIR"), *name = argc > 2 ? argv[2] : "Amelia Thompson";
	SDL_Color ink = { 40, 30, 20, 255 }, blue = { 30, 50, 120, 255 };
	SDL_Surface *img;
	SDL_Rect r, at;
	unsigned char *jpeg = NULL;
	unsigned long jlen = 0;
	uint8_t com[4 + sizeof(marker)];
	tjhandle tj;
	int x, y, fd, rc = 1;
	uint8_t *px;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: tc_mkcert OUT.jpg [NAME]\n");
		return 2;
	}
	dir = dir ? dir : "/usr/share/fonts/truetype/dejavu";
	if (TTF_Init() != 0 ||
	    !(img = SDL_CreateRGBSurfaceWithFormat(0, W, H, 24, SDL_PIXELFORMAT_RGB24)))
		return 1;
	for (y = 0; y < H; y++)
		for (x = 0; x < W; x++) {
			px = (uint8_t *)img->pixels + y * img->pitch + x * 3;
			px[0] = y < H * 5 / 12 ? (uint8_t)(110 + y / 4) : 60;
			px[1] = y < H * 5 / 12 ? (uint8_t)(160 + y / 6) :
				(uint8_t)(140 + ((x / 40 + y / 40) % 2) * 18);
			px[2] = y < H * 5 / 12 ? 235 : 60;
		}
	r = (SDL_Rect){ 90, 110, 460, 290 };
	SDL_FillRect(img, &r, SDL_MapRGB(img->format, 150, 120, 40));	/* frame */
	r = (SDL_Rect){ 100, 120, 440, 270 };
	SDL_FillRect(img, &r, SDL_MapRGB(img->format, 250, 244, 225));	/* paper */
	if (line(img, dir, "DejaVuSerif-Bold.ttf", 26, "Certificate of Achievement", 140, blue,
		 NULL) ||
	    line(img, dir, "DejaVuSans.ttf", 18, "awarded to", 200, ink, NULL) ||
	    line(img, dir, "DejaVuSerif-Bold.ttf", 34, name, 232, ink, &at) ||
	    line(img, dir, "DejaVuSans.ttf", 18, "for winning the relay race", 300, ink, NULL) ||
	    line(img, dir, "DejaVuSans.ttf", 18, "Sports Day 2026", 335, ink, NULL))
		goto out;
	if (!(tj = tjInitCompress()))
		goto out;
	if (tjCompress2(tj, img->pixels, W, img->pitch, H, TJPF_RGB, &jpeg, &jlen, TJSAMP_420, 90,
			0) != 0) {
		tjDestroy(tj);
		goto out;
	}
	tjDestroy(tj);
	com[0] = 0xFF;
	com[1] = 0xFE;
	com[2] = 0;
	com[3] = (uint8_t)(2 + sizeof(marker) - 1);
	memcpy(com + 4, marker, sizeof(marker) - 1);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	/* SOI, EXIF, comment, then the encoder's segments after its SOI. */
	if (fd < 0 || tc_write_all(fd, jpeg, 2) != 0 || tc_write_all(fd, exif, sizeof(exif)) != 0 ||
	    tc_write_all(fd, com, 4 + sizeof(marker) - 1) != 0 ||
	    tc_write_all(fd, jpeg + 2, jlen - 2) != 0 || close(fd) != 0) {
		fprintf(stderr, "tc_mkcert: %s: cannot write\n", argv[1]);
		goto out;
	}
	printf("%d,%d,%d,%d\n", at.x, at.y, at.w, at.h);
	rc = 0;
out:
	tjFree(jpeg);
	SDL_FreeSurface(img);
	TTF_Quit();
	return rc;
}
