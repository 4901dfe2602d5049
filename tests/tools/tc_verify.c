/*
 * tc_verify.c - the Trust side's check, for tests and the demo: open every
 * sealed object in a directory with the Trust's photo private key, decode
 * the JPEG, and print one line a photo.  With -s SEED, re-create each
 * photo's frame on the synthetic sensor and require the photo to equal,
 * pixel for pixel, TurboJPEG's own encode of that frame.
 *   tc_verify [-m] [-s SEED] [-q QUALITY] PRIV_FILE DIR
 * With -m, each line also lists the sealed pupil refs and platforms
 * ("refs=P-1,P-2 platforms=website,newsletter", "-" for none): the Trust
 * side may read them, the device never logs them.
 * Prints "verified=N failed=M"; exit 0 only if M is 0 and N > 0.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <turbojpeg.h>

#include "autoconf.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_seal.h"
#include "tc_synth.h"

static int
read_file(int dirfd, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t got;
	int fd = tc_openat(dirfd, name, O_RDONLY), rc = -1;

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) == 0 && st.st_size > 0 && (*buf = malloc((size_t)st.st_size)) &&
	    tc_read_full(fd, *buf, (size_t)st.st_size, &got) == 0 && got == (size_t)st.st_size) {
		*len = got;
		rc = 0;
	}
	close(fd);
	return rc;
}

/* Decode both to RGB and compare: photo vs TurboJPEG's encode of the re-created frame. */
static int
matches_frame(tjhandle c, tjhandle d, const uint8_t *jpeg, size_t len, uint64_t seed,
	      uint64_t frame, uint32_t w, uint32_t h, int quality)
{
	size_t ysz = (size_t)w * h, csz = ysz / 4;
	uint8_t *yuv = malloc(ysz + 2 * csz), *a = malloc(ysz * 3), *b = malloc(ysz * 3);
	const size_t strides[3] = { w, w / 2, w / 2 };
	int istrides[3] = { (int)w, (int)w / 2, (int)w / 2 };
	unsigned char *ref = NULL;
	unsigned long ref_len = 0;
	int ok = 0;

	if (!yuv || !a || !b) {
		free(yuv);
		free(a);
		free(b);
		return 0;
	}
	uint8_t *const planes[3] = { yuv, yuv + ysz, yuv + ysz + csz };
	const unsigned char *cplanes[3] = { planes[0], planes[1], planes[2] };

	if (tc_synth_render(seed, frame, w, h, TC_PIXFMT_YUV420, planes, strides) == 0 &&
	    tjCompressFromYUVPlanes(c, cplanes, (int)w, istrides, (int)h, TJSAMP_420, &ref,
				    &ref_len, quality, TJFLAG_ACCURATEDCT) == 0 &&
	    tjDecompress2(d, jpeg, len, a, (int)w, 0, (int)h, TJPF_RGB, TJFLAG_ACCURATEDCT) == 0 &&
	    tjDecompress2(d, ref, ref_len, b, (int)w, 0, (int)h, TJPF_RGB, TJFLAG_ACCURATEDCT) == 0)
		ok = memcmp(a, b, ysz * 3) == 0;
	tjFree(ref);
	free(yuv);
	free(a);
	free(b);
	return ok;
}

/* "a,b,c" or "-" for an empty list. */
static void
join(char (*items)[TC_META_ID_MAX], unsigned n, char *out, size_t len)
{
	size_t off = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < n && off < len; i++) {
		int w = snprintf(out + off, len - off, "%s%s", i ? "," : "", items[i]);

		if (w < 0)
			break;
		off += (size_t)w;
	}
	if (n == 0)
		tc_strlcpy(out, "-", len);
}

int
main(int argc, char **argv)
{
	char refs[TC_META_MAX_PUPILS * TC_META_ID_MAX], plats[TC_META_MAX_PLATFORMS * TC_META_ID_MAX];
	int show_meta = 0;
	uint8_t priv[TC_P256_PRIV_LEN], *obj = NULL, *jpeg = NULL;
	char hex[2 * TC_P256_PRIV_LEN + 2];	/* one byte more than a key: overlong shows */
	struct tc_photo_meta meta;
	tjhandle c = tjInitCompress(), d = tjInitDecompress();
	uint64_t seed = 0;
	int have_seed = 0, quality = CONFIG_CAPTURE_JPEG_QUALITY, opt, dfd, fd, w, h, sub, cs;
	unsigned verified = 0, failed = 0;
	size_t len, jlen, got;
	struct dirent *de;
	DIR *dir;

	while ((opt = getopt(argc, argv, "ms:q:")) != -1) {
		uint64_t v;

		if (opt == 'm') {
			show_meta = 1;
		} else if (opt == 's' && tc_parse_u64(optarg, 0, UINT64_MAX, &v) == 0) {
			seed = v;
			have_seed = 1;
		} else if (opt == 'q' && tc_parse_u64(optarg, 1, 100, &v) == 0) {
			quality = (int)v;
		} else {
			fprintf(stderr, "usage: tc_verify [-m] [-s SEED] [-q QUALITY] PRIV_FILE DIR\n");
			return 2;
		}
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: tc_verify [-m] [-s SEED] [-q QUALITY] PRIV_FILE DIR\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || tc_read_full(fd, hex, sizeof(hex), &got) != 0) {
		fprintf(stderr, "tc_verify: cannot read %s\n", argv[optind]);
		return 1;
	}
	close(fd);
	/* The whole file is the key text (README.md of firmware/crypto, "Key text"). */
	if (tc_p256_key_decode(hex, got, priv, sizeof(priv)) != 0) {
		tc_zeroize(hex, sizeof(hex));
		fprintf(stderr, "tc_verify: %s is not a private key (64 hex digits, "
			"optionally a newline)\n", argv[optind]);
		return 1;
	}
	tc_zeroize(hex, sizeof(hex));
	dir = opendir(argv[optind + 1]);
	if (!dir || !c || !d) {
		fprintf(stderr, "tc_verify: cannot open %s\n", argv[optind + 1]);
		return 1;
	}
	dfd = dirfd(dir);
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		const char *why = NULL;
		int rc;

		if (n < 5 || strcmp(de->d_name + n - 4, ".tco") != 0)
			continue;
		if (read_file(dfd, de->d_name, &obj, &len) != 0)
			why = "unreadable";
		else if ((rc = tc_obj_open(obj, len, priv, &meta, &jpeg, &jlen)) != 0)
			why = tc_strerror(rc);
		else if (tjDecompressHeader3(d, jpeg, jlen, &w, &h, &sub, &cs) != 0)
			why = "JPEG does not decode";
		else if ((uint32_t)w != meta.width || (uint32_t)h != meta.height)
			why = "JPEG size differs from its metadata";
		else if (have_seed && !matches_frame(c, d, jpeg, jlen, seed, meta.frame_seq,
						     (uint32_t)w, (uint32_t)h, quality))
			why = "differs from the synthetic sensor's frame";
		if (why) {
			printf("FAIL %s: %s\n", de->d_name, why);
			failed++;
		} else {
			printf("ok   %s %dx%d jpeg=%zu staff=%s event=%s pupils=%u frame=%llu",
			       de->d_name, w, h, jlen, meta.staff_id[0] ? meta.staff_id : "-",
			       meta.event_id[0] ? meta.event_id : "-", meta.n_pupils,
			       (unsigned long long)meta.frame_seq);
			if (show_meta) {
				join(meta.pupil_refs, meta.n_pupils, refs, sizeof(refs));
				join(meta.platforms, meta.n_platforms, plats, sizeof(plats));
				printf(" refs=%s platforms=%s", refs, plats);
			}
			printf("\n");
			verified++;
		}
		free(obj);
		obj = NULL;
		tc_secure_free(jpeg);
		jpeg = NULL;
	}
	closedir(dir);
	tc_zeroize(priv, sizeof(priv));
	tjDestroy(c);
	tjDestroy(d);
	printf("verified=%u failed=%u\n", verified, failed);
	return failed == 0 && verified > 0 ? 0 : 1;
}
