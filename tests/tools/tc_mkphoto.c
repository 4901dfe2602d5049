/*
 * tc_mkphoto.c - one sealed photo with chosen metadata, for trustadm's
 * review and subject access tests: what photod would seal for a photo
 * of these pupils at this event, without a camera.
 *
 *   tc_mkphoto PUBHEX DIR STAFF EVENT PUPILS PLATFORMS [CAPTURE_UNIX_S]
 *
 * PUPILS and PLATFORMS are comma-separated ("" for none): the platforms
 * are taken as the device computed them (the consent intersection).  The
 * payload is a small fake JPEG (SOI + JFIF APP0) carrying the test
 * plaintext marker, so the plaintext scanner finds it anywhere it lands
 * unsealed.  With TC_MKPHOTO_SCENE=N in the environment the payload is a
 * real 640x480 JPEG instead (TurboJPEG): a simple scene, variant N, with
 * the marker in a comment segment, for pages that show the photo.  With
 * TC_MKPHOTO_JPEG=FILE the payload is that file (at most 4 MiB), as
 * tc_mkcert makes one.
 * Writes DIR/<photo id hex>.tco and prints the photo id.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <turbojpeg.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_seal.h"

#define SCENE_W 640
#define SCENE_H 480

static const uint8_t jfif[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00,
				0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00 };
static const char marker[] = "TRUSTCAM-TEST-PLAINTEXT";

static int
to_file(void *ctx, const void *buf, size_t len)
{
	return tc_write_all(*(int *)ctx, buf, len);
}

/* "a,b" into names; at most max of them. */
static int
split(const char *list, char (*out)[TC_META_ID_MAX], unsigned max, unsigned *n)
{
	char buf[2048], *save = NULL, *tok;

	*n = 0;
	if (tc_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (*n >= max || strlen(tok) >= TC_META_ID_MAX)
			return -1;
		tc_strlcpy(out[(*n)++], tok, TC_META_ID_MAX);
	}
	return 0;
}

/* A sky, a playing field and a few figures, varied by v: a real JPEG in *out (tjFree). */
static int
scene(unsigned v, unsigned char **out, unsigned long *len)
{
	static const uint8_t shirt[][3] = { { 200, 60, 50 }, { 40, 90, 190 }, { 240, 190, 40 },
					    { 120, 60, 160 } };
	static unsigned char rgb[SCENE_W * SCENE_H * 3];
	unsigned char *jpeg = NULL, *with;
	unsigned long jlen = 0;
	tjhandle tj = tjInitCompress();
	int x, y, k, cx, cy, dx, dy;
	uint8_t *px;

	if (!tj)
		return -1;
	for (y = 0; y < SCENE_H; y++)
		for (x = 0; x < SCENE_W; x++) {
			px = rgb + ((size_t)y * SCENE_W + (size_t)x) * 3;
			if (y < SCENE_H * 5 / 12) {
				px[0] = (uint8_t)(110 + y / 4);
				px[1] = (uint8_t)(160 + y / 6);
				px[2] = 235;
			} else {
				px[0] = (uint8_t)(50 + (v * 13) % 40);
				px[1] = (uint8_t)(140 + ((x / 40 + y / 40) % 2) * 18);
				px[2] = 60;
			}
			for (k = 0; k < 4; k++) {
				cx = 90 + k * 150 + (int)((v * 37 + (unsigned)k * 23) % 50);
				cy = 300 + (int)((v * 17 + (unsigned)k * 41) % 40);
				dx = x - cx;
				dy = y - cy;
				if (dx * dx + (dy + 70) * (dy + 70) < 22 * 22) {
					px[0] = 236; px[1] = 200; px[2] = 170;	/* head */
				} else if (dx > -30 && dx < 30 && dy > -48 && dy < 60) {
					memcpy(px, shirt[(k + (int)v) % 4], 3);	/* body */
				}
			}
		}
	if (tjCompress2(tj, rgb, SCENE_W, 0, SCENE_H, TJPF_RGB, &jpeg, &jlen, TJSAMP_420, 85, 0) != 0 ||
	    !(with = malloc(jlen + 4 + sizeof(marker)))) {
		tjDestroy(tj);
		tjFree(jpeg);
		return -1;
	}
	/* SOI, then a COM segment holding the marker, then the rest. */
	memcpy(with, jpeg, 2);
	with[2] = 0xFF;
	with[3] = 0xFE;
	with[4] = 0;
	with[5] = (unsigned char)(sizeof(marker) + 1);
	memcpy(with + 6, marker, sizeof(marker) - 1);
	memcpy(with + 5 + sizeof(marker), jpeg + 2, jlen - 2);
	*len = jlen + 3 + sizeof(marker);
	*out = with;
	tjFree(jpeg);
	tjDestroy(tj);
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t pub[TC_P256_PUB_LEN], mac[TC_DEVICE_MAC_KEY_LEN], digest[TC_SHA256_LEN];
	uint8_t id[TC_PHOTO_ID_LEN], payload[4096], *body = payload;
	unsigned char *real = NULL;
	unsigned long body_len = sizeof(payload);
	const char *sc = getenv("TC_MKPHOTO_SCENE");
	char hex[2 * TC_P256_PUB_LEN + 2], idhex[2 * TC_PHOTO_ID_LEN + 1], path[4096];
	struct tc_seal_params sp;
	struct tc_photo_meta meta;
	struct tc_seal *s;
	uint64_t sealed, when = 0;
	size_t got = 0;
	int fd;

	if (argc != 7 && argc != 8) {
		fprintf(stderr, "usage: tc_mkphoto PUBHEX DIR STAFF EVENT PUPILS PLATFORMS "
				"[CAPTURE_UNIX_S]\n");
		return 2;
	}
	memset(&meta, 0, sizeof(meta));
	if (split(argv[5], meta.pupil_refs, TC_META_MAX_PUPILS, &meta.n_pupils) != 0 ||
	    split(argv[6], meta.platforms, TC_META_MAX_PLATFORMS, &meta.n_platforms) != 0 ||
	    (argc == 8 && tc_parse_u64(argv[7], 1, 1ULL << 40, &when) != 0)) {
		fprintf(stderr, "tc_mkphoto: bad pupils, platforms or time\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_CLOEXEC);
	if (fd < 0 || tc_read_full(fd, hex, sizeof(hex) - 1, &got) != 0)
		return 1;
	close(fd);
	while (got > 0 && (hex[got - 1] == '\n' || hex[got - 1] == '\r'))
		got--;
	hex[got] = '\0';
	if (tc_hex_decode(hex, pub, TC_P256_PUB_LEN) != 0 ||
	    tc_random_bytes(mac, sizeof(mac)) != 0 || tc_random_bytes(id, sizeof(id)) != 0 ||
	    tc_random_bytes(payload, sizeof(payload)) != 0)
		return 1;
	memcpy(payload, jfif, sizeof(jfif));
	memcpy(payload + sizeof(jfif), marker, sizeof(marker) - 1);
	if (sc) {
		if (scene((unsigned)strtoul(sc, NULL, 10), &real, &body_len) != 0)
			return 1;
		body = real;
	} else if (getenv("TC_MKPHOTO_JPEG")) {
		fd = open(getenv("TC_MKPHOTO_JPEG"), O_RDONLY | O_CLOEXEC);
		size_t jgot = 0;

		if (fd < 0 || !(real = malloc(4 << 20)) ||
		    tc_read_full(fd, real, 4 << 20, &jgot) != 0 || jgot == 0 || jgot == 4 << 20) {
			fprintf(stderr, "tc_mkphoto: TC_MKPHOTO_JPEG: cannot read it\n");
			return 1;
		}
		close(fd);
		body = real;
		body_len = jgot;
	}
	tc_strlcpy(meta.staff_id, argv[3], sizeof(meta.staff_id));
	tc_strlcpy(meta.event_id, argv[4], sizeof(meta.event_id));
	tc_strlcpy(meta.sensor_mode, "640x480-synthetic", sizeof(meta.sensor_mode));
	meta.width = 640;
	meta.height = 480;
	meta.capture_time_us = (when ? when : (uint64_t)time(NULL)) * 1000000u;
	memset(&sp, 0, sizeof(sp));
	sp.trust_pub = pub;
	sp.device_mac_key = mac;
	sp.photo_id = id;
	tc_hex_encode(id, sizeof(id), idhex);
	snprintf(path, sizeof(path), "%s/%s.tco", argv[2], idhex);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || tc_seal_begin(&s, &sp, &meta, to_file, &fd) != 0 ||
	    tc_seal_write(s, body, body_len) != 0 ||
	    tc_seal_finish(s, digest, &sealed) != 0 || close(fd) != 0) {
		fprintf(stderr, "tc_mkphoto: %s: sealing failed\n", path);
		return 1;
	}
	free(real);
	printf("%s\n", idhex);
	return 0;
}
