/*
 * test_capture_pipeline.c - firmware/capture: the synthetic sensor through
 * the whole pipeline.  Each sealed object, opened with the Trust's key,
 * holds a JPEG that decodes to the right size, equals (pixel for pixel)
 * an independent TurboJPEG encode of the re-created frame, and carries no
 * metadata but the Exif orientation, whether its seal key was prepared
 * ahead or made at the shutter.  Faults mid-capture leave nothing.
 */
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <turbojpeg.h>

#include "jpeg_enc.h"
#include "tc_audit.h"
#include "tc_camera.h"
#include "tc_capture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "tc_seal.h"
#include "tc_store.h"
#include "store_fixture.h"
#include "tc_synth.h"

#define SEED 7

struct fixture {
	struct sfx x;			/* store, audit log, Trust and device keys */
	struct tc_capture_settings cs;
	struct tc_camera *cam;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(sfx_init(&f->x, "cap"), 0);
	assert_int_equal(sfx_open(&f->x), 0);
	f->cs.trust_pub = f->x.trust_pub;
	f->cs.device_mac_key = f->x.mac_key;
	assert_int_equal(tc_camera_open(&f->cam, "synthetic:7"), 0);
	tc_fault_disarm_all();
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	tc_camera_close(f->cam);
	sfx_close(&f->x);
	tc_zeroize(&f->x, sizeof(f->x));
	free(f);
	return 0;
}

static void
meta_for(struct tc_photo_meta *m, uint32_t w, uint32_t h)
{
	memset(m, 0, sizeof(*m));
	tc_strlcpy(m->event_id, "EV-SPORTS-DAY", sizeof(m->event_id));
	tc_strlcpy(m->staff_id, "S042", sizeof(m->staff_id));
	m->n_pupils = 1;
	tc_strlcpy(m->pupil_refs[0], "P-7F3A", sizeof(m->pupil_refs[0]));
	m->n_platforms = 1;
	tc_strlcpy(m->platforms[0], "website", sizeof(m->platforms[0]));
	m->capture_time_us = tc_time_wall_us();
	m->width = w;
	m->height = h;
	snprintf(m->sensor_mode, sizeof(m->sensor_mode), "%ux%u-NV12", w, h);
}

/* Read a committed object and open it with the Trust key. */
static void
open_photo(struct fixture *f, const uint8_t id[TC_PHOTO_ID_LEN], struct tc_photo_meta *meta,
	   uint8_t **jpeg, size_t *jpeg_len)
{
	uint64_t size;
	uint8_t *obj;
	size_t got;
	int fd;

	assert_int_equal(tc_store_open_object(f->x.s, id, &fd, &size), 0);
	obj = malloc(size);
	assert_non_null(obj);
	assert_int_equal(tc_read_full(fd, obj, size, &got), 0);
	assert_int_equal(got, size);
	close(fd);
	assert_int_equal(tc_obj_open(obj, size, f->x.trust_priv, meta, jpeg, jpeg_len), 0);
	free(obj);
}

/* Only APP1 = our Exif orientation record may sit between SOI and the frame header. */
static void
assert_only_orientation(const uint8_t *j, size_t len)
{
	uint8_t want[TC_EXIF_ORIENT_LEN];
	size_t off = 2, seglen;
	int app1 = 0;

	tc_exif_orientation(1, want);
	assert_true(len > 4 && j[0] == 0xFF && j[1] == 0xD8);
	while (off + 4 <= len && j[off] == 0xFF && j[off + 1] != 0xDA) {
		uint8_t m = j[off + 1];

		seglen = (size_t)j[off + 2] << 8 | j[off + 3];
		assert_true(off + 2 + seglen <= len);
		assert_false(m == 0xFE);			/* no COM */
		if (m >= 0xE0 && m <= 0xEF) {
			assert_int_equal(m, 0xE1);		/* no JFIF, no APPn but Exif */
			assert_int_equal(seglen - 2, sizeof(want));
			assert_memory_equal(j + off + 4, want, sizeof(want));
			app1++;
		}
		off += 2 + seglen;
	}
	assert_int_equal(app1, 1);
}

/* Pixel-for-pixel against TurboJPEG's own encode of the re-created frame. */
static void
assert_matches_reference(const uint8_t *jpeg, size_t len, uint64_t frame_no, uint32_t w,
			 uint32_t h, int quality)
{
	tjhandle c = tjInitCompress(), d = tjInitDecompress();
	size_t ysz = (size_t)w * h, csz = ysz / 4;
	uint8_t *y = malloc(ysz), *u = malloc(csz), *v = malloc(csz);
	uint8_t *nv = malloc(ysz + 2 * csz), *ref = NULL;
	uint8_t *pix_a = malloc(ysz * 3), *pix_b = malloc(ysz * 3);
	uint8_t *const nvplanes[3] = { nv, nv + ysz, NULL };
	const size_t nvstride[3] = { w, w, 0 };
	const unsigned char *planes[3] = { y, u, v };
	int strides[3] = { (int)w, (int)w / 2, (int)w / 2 };
	unsigned long ref_len = 0;
	int jw, jh, sub, cs;

	assert_non_null(c);
	assert_non_null(d);
	assert_non_null(pix_b);
	assert_int_equal(tc_synth_render(SEED, frame_no, w, h, TC_PIXFMT_NV12, nvplanes, nvstride), 0);
	memcpy(y, nv, ysz);
	for (size_t i = 0; i < csz; i++) {
		u[i] = nv[ysz + 2 * i];
		v[i] = nv[ysz + 2 * i + 1];
	}
	assert_int_equal(tjCompressFromYUVPlanes(c, planes, (int)w, strides, (int)h, TJSAMP_420,
						 &ref, &ref_len, quality, TJFLAG_ACCURATEDCT), 0);
	assert_int_equal(tjDecompressHeader3(d, jpeg, len, &jw, &jh, &sub, &cs), 0);
	assert_int_equal(jw, (int)w);
	assert_int_equal(jh, (int)h);
	assert_int_equal(sub, TJSAMP_420);
	assert_int_equal(tjDecompress2(d, jpeg, len, pix_a, (int)w, 0, (int)h, TJPF_RGB, TJFLAG_ACCURATEDCT), 0);
	assert_int_equal(tjDecompress2(d, ref, ref_len, pix_b, (int)w, 0, (int)h, TJPF_RGB, TJFLAG_ACCURATEDCT), 0);
	assert_memory_equal(pix_a, pix_b, ysz * 3);
	tjFree(ref);
	tjDestroy(c);
	tjDestroy(d);
	free(y); free(u); free(v); free(nv); free(pix_a); free(pix_b);
}

static void
capture_and_check(struct fixture *f, uint32_t w, uint32_t h, enum tc_pixfmt fmt)
{
	struct tc_frame fr;
	struct tc_photo_meta meta, back;
	struct tc_capture_result res;
	struct tc_store_rec rec;
	uint8_t *jpeg;
	size_t jpeg_len;

	assert_int_equal(tc_camera_configure(f->cam, w, h, fmt), 0);
	assert_int_equal(tc_camera_start(f->cam), 0);
	assert_int_equal(tc_camera_take(f->cam, &fr, 10000), 0);
	meta_for(&meta, w, h);
	meta.frame_seq = fr.seq;
	assert_int_equal(tc_capture_photo(&f->cs, &fr, &meta, f->x.s, &res), 0);
	assert_true(res.latency_us > 0);
	assert_int_equal(tc_store_get(f->x.s, res.id, &rec), 0);
	assert_int_equal(rec.state, TC_PHOTO_CAPTURED);
	assert_int_equal(rec.size, res.sealed_size);
	assert_memory_equal(rec.digest, res.digest, TC_SHA256_LEN);

	open_photo(f, res.id, &back, &jpeg, &jpeg_len);
	assert_int_equal(jpeg_len, res.jpeg_size);
	assert_string_equal(back.staff_id, "S042");
	assert_string_equal(back.pupil_refs[0], "P-7F3A");
	assert_int_equal(back.width, w);
	assert_int_equal(back.frame_seq, fr.seq);
	assert_only_orientation(jpeg, jpeg_len);
	assert_matches_reference(jpeg, jpeg_len, fr.seq, w, h, CONFIG_CAPTURE_JPEG_QUALITY);
	if (w == 4056)	/* a realistic size at 12 MP, quality 90 */
		assert_true(jpeg_len >= 4000000 && jpeg_len <= 6500000);
	tc_secure_free(jpeg);
	assert_int_equal(tc_camera_release(f->cam, &fr), 0);
	assert_int_equal(tc_camera_stop(f->cam), 0);
}

static void
test_1080p_nv12(void **state)
{
	capture_and_check(*state, 1920, 1080, TC_PIXFMT_NV12);
}

static void
test_1080p_yuv420(void **state)
{
	capture_and_check(*state, 1920, 1080, TC_PIXFMT_YUV420);
}

static void
test_12mp_nv12(void **state)
{
	capture_and_check(*state, 4056, 3040, TC_PIXFMT_NV12);
}

/* With a key set prepared ahead, the photo takes it (single use) and still opens. */
static void
test_prepared_key(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(tc_capture_keys_new(&f->cs.keys), 0);
	assert_int_equal(tc_capture_keys_refill(f->cs.keys, &f->cs), 0);
	capture_and_check(f, 1920, 1080, TC_PIXFMT_NV12);
	assert_null(tc_capture_keys_take(f->cs.keys, &f->cs));	/* the photo used it */
	capture_and_check(f, 1920, 1080, TC_PIXFMT_NV12);	/* none ready: made at the shutter */
	tc_capture_keys_free(f->cs.keys);
	f->cs.keys = NULL;
}

static int
count_objects(const char *store_dir)
{
	char p[700];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/objects", store_dir);
	d = opendir(p);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' || strncmp(de->d_name, ".tmp", 4) == 0)
			n++;
	closedir(d);
	return n;
}

/* ENOSPC or EIO at any write of the object, or ENOMEM anywhere: no photo, nothing left. */
static void
test_faults_leave_nothing(void **state)
{
	struct fixture *f = *state;
	struct tc_frame fr;
	struct tc_photo_meta meta;
	struct tc_capture_result res;
	struct tc_store_stats st;
	static const struct { enum tc_fault_site site; int err; } faults[] = {
		{ TC_FAULT_WRITE, ENOSPC }, { TC_FAULT_WRITE, EIO },
		{ TC_FAULT_FSYNC, EIO }, { TC_FAULT_ALLOC, ENOMEM },
	};
	unsigned long n;
	uint64_t before;
	int rc = -1;

	assert_int_equal(tc_camera_configure(f->cam, 1920, 1080, TC_PIXFMT_NV12), 0);
	assert_int_equal(tc_camera_start(f->cam), 0);
	assert_int_equal(tc_camera_take(f->cam, &fr, 10000), 0);
	meta_for(&meta, 1920, 1080);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		assert_int_equal(tc_store_stats(f->x.s, &st), 0);
		before = st.count[TC_PHOTO_CAPTURED];
		for (n = 1; n < 400; n += (n < 8 ? 1 : 7)) {
			tc_fault_arm(faults[i].site, n, faults[i].err, false);
			rc = tc_capture_photo(&f->cs, &fr, &meta, f->x.s, &res);
			tc_fault_disarm_all();
			if (rc == 0)
				break;	/* past the last such call: the photo went in */
			/* A failed capture catalogues nothing and leaves no file. */
			assert_int_equal(tc_store_stats(f->x.s, &st), 0);
			assert_int_equal(st.count[TC_PHOTO_CAPTURED], before);
			assert_int_equal(count_objects(f->x.store_dir), (int)before);
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(tc_store_stats(f->x.s, &st), 0);
	assert_int_equal(st.count[TC_PHOTO_CAPTURED], sizeof(faults) / sizeof(faults[0]));
	assert_int_equal(count_objects(f->x.store_dir), (int)st.count[TC_PHOTO_CAPTURED]);
	assert_int_equal(tc_camera_release(f->cam, &fr), 0);
}

static void
test_bad_args(void **state)
{
	struct fixture *f = *state;
	struct tc_capture_settings cs = f->cs;
	struct tc_frame fr;
	struct tc_photo_meta meta;
	struct tc_capture_result res;

	memset(&fr, 0, sizeof(fr));
	meta_for(&meta, 1920, 1080);
	assert_int_equal(tc_capture_photo(&f->cs, &fr, &meta, f->x.s, &res), -EINVAL);
	cs.trust_pub = NULL;
	assert_int_equal(tc_capture_photo(&cs, &fr, &meta, f->x.s, &res), -EINVAL);
	cs = f->cs;
	cs.quality = 101;
	assert_int_equal(tc_capture_photo(&cs, &fr, &meta, f->x.s, &res), -EINVAL);
	assert_int_equal(count_objects(f->x.store_dir), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_1080p_nv12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_1080p_yuv420, setup, teardown),
		cmocka_unit_test_setup_teardown(test_12mp_nv12, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepared_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_faults_leave_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_args, setup, teardown),
	};

	return cmocka_run_group_tests_name("capture_pipeline", tests, NULL, NULL);
}
