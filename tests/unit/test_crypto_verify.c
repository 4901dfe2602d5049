/*
 * test_crypto_verify.c - firmware/crypto: the device-side check of an
 * object on disk (tc_obj_verify_device): whole objects pass with the
 * digest the sealer reported; partial, padded, tampered objects and other
 * devices' keys fail; read sizes that split frame headers change nothing;
 * read and allocation faults surface cleanly.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_fault.h"
#include "tc_io.h"
#include "test_crypto_util.h"

struct fixture {
	struct t_sink obj;
	uint8_t digest[TC_SHA256_LEN];
	uint8_t id[TC_PHOTO_ID_LEN];
	char path[512];
};

static int
setup_size(void **state, size_t jpeg_len, enum tc_aead aead, int review)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TC_TEST_TMP");
	struct tc_seal_params p;
	struct tc_photo_meta m;
	uint8_t *jpeg = t_jpeg(jpeg_len, 5);
	uint64_t sl;

	if (!f || !jpeg || !tmp)
		return -1;
	t_meta(&m);
	t_params(&p, aead, review);
	if (t_seal(&p, &m, jpeg, jpeg_len, 0, &f->obj, f->digest, &sl, f->id) != 0)
		return -1;
	free(jpeg);
	snprintf(f->path, sizeof(f->path), "%s/obj-%zu", tmp, jpeg_len);
	*state = f;
	return 0;
}

static int
setup_small(void **state)
{
	return setup_size(state, 2 * TC_SEAL_CHUNK + 3000, TC_AEAD_CHACHA20_POLY1305, 0);
}
static int setup_5mb(void **state) { return setup_size(state, T_5MB, TC_AEAD_AES256_GCM, 1); }

/* The 5 MB fixture samples the loops that rewrite the whole file each time. */
static bool
big(const struct fixture *f)
{
	return f->obj.len > (1u << 20);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	t_sink_free(&f->obj);
	free(f);
	return 0;
}

/* Write buf to the fixture's file and verify it with key, reading bufsize at a time. */
static int
verify_bytes(struct fixture *f, const uint8_t *buf, size_t len, const uint8_t *key,
	     size_t bufsize, struct tc_obj_info *info, uint8_t digest[TC_SHA256_LEN])
{
	int fd, rc;

	fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, buf, len), 0);
	/* Left at the end on purpose: verify reads from offset 0 whatever the position. */
	rc = bufsize ? seal_verify_fd(fd, key, info, digest, bufsize)
		     : tc_obj_verify_device(fd, key, info, digest);
	close(fd);
	return rc;
}

static int
verify_mod(struct fixture *f, size_t len, size_t flip_off, uint8_t mask, const uint8_t *key)
{
	uint8_t *c = malloc(len + 1), digest[TC_SHA256_LEN];
	struct tc_obj_info info;
	int rc;

	assert_non_null(c);
	memcpy(c, f->obj.p, len < f->obj.len ? len : f->obj.len);
	if (len > f->obj.len)
		c[f->obj.len] = 0;
	if (flip_off < len)
		c[flip_off] ^= mask;
	rc = verify_bytes(f, c, len, key, 0, &info, digest);
	free(c);
	return rc;
}

static void
test_accepts_whole(void **state)
{
	static const size_t bufsizes[] = { 0, SEAL_HEADER_MAX, SEAL_HEADER_MAX + 7, 4096 + 3,
					   65536 + 13, 1 << 20 };
	struct fixture *f = *state;
	struct tc_obj_info info, hinfo;
	uint8_t digest[TC_SHA256_LEN];
	size_t i;

	assert_int_equal(tc_obj_parse_header(f->obj.p, f->obj.len, &hinfo), 0);
	for (i = 0; i < sizeof(bufsizes) / sizeof(bufsizes[0]); i++) {
		memset(digest, 0, sizeof(digest));
		memset(&info, 0, sizeof(info));
		assert_int_equal(verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key, bufsizes[i],
					      &info, digest), 0);
		assert_memory_equal(digest, f->digest, sizeof(digest));
		assert_memory_equal(info.photo_id, f->id, sizeof(f->id));
		assert_memory_equal(&info, &hinfo, sizeof(info));
	}
	/* Small reads split frame headers across reads: the outcome must not change. */
	for (i = SEAL_HEADER_MAX; i < SEAL_HEADER_MAX + 40; i += big(f) ? 13 : 1)
		assert_int_equal(verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key, i, &info,
					      digest), 0);
	assert_int_equal(seal_verify_fd(0, t_k.mac_key, &info, digest, SEAL_HEADER_MAX - 1),
			 -EINVAL);
}

/* Read sizes chosen so a read ends inside each frame header and inside the footer. */
static void
test_split_reads(void **state)
{
	struct fixture *f = *state;
	size_t frames[128], n, k, d, foot = f->obj.len - SEAL_FOOTER_LEN;
	struct tc_obj_info info;
	uint8_t digest[TC_SHA256_LEN];

	n = t_frames(f->obj.p, f->obj.len, frames, 128);
	assert_true(n >= 3);
	for (k = 1; k < 3; k++)
		for (d = 0; d <= SEAL_FRAME_HDR; d++) {
			assert_int_equal(verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key,
						      frames[k] + d, &info, digest), 0);
			assert_memory_equal(digest, f->digest, sizeof(digest));
		}
	for (d = 0; d <= SEAL_FOOTER_LEN; d += big(f) ? 8 : 1) {
		assert_int_equal(verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key, foot + d,
					      &info, digest), 0);
		assert_memory_equal(digest, f->digest, sizeof(digest));
	}
	/* A split inside the footer still sees it damaged. */
	{
		uint8_t *c = malloc(f->obj.len);

		assert_non_null(c);
		memcpy(c, f->obj.p, f->obj.len);
		c[f->obj.len - 1] ^= 0x01;
		assert_int_equal(verify_bytes(f, c, f->obj.len, t_k.mac_key, foot + 3, &info,
					      digest), TC_E_BAD_FOOTER);
		free(c);
	}
}

static void
test_rejects_truncated(void **state)
{
	struct fixture *f = *state;
	size_t frames[128], n, i, cut;

	n = t_frames(f->obj.p, f->obj.len, frames, 128);
	assert_true(n >= 1);
	for (i = 0; i < n; i += big(f) ? 9 : 1) {
		assert_int_equal(verify_mod(f, frames[i], SIZE_MAX, 0, t_k.mac_key),
				 TC_E_TRUNCATED);
		assert_int_equal(verify_mod(f, frames[i] + 20, SIZE_MAX, 0, t_k.mac_key),
				 TC_E_TRUNCATED);
	}
	for (cut = 1; cut <= SEAL_FOOTER_LEN; cut += big(f) ? 7 : 1)
		assert_int_equal(verify_mod(f, f->obj.len - cut, SIZE_MAX, 0, t_k.mac_key),
				 TC_E_TRUNCATED);
	for (cut = 0; cut < 300; cut += 37)
		assert_int_equal(verify_mod(f, cut, SIZE_MAX, 0, t_k.mac_key), TC_E_TRUNCATED);
}

static void
test_rejects_tampered(void **state)
{
	struct fixture *f = *state;
	uint8_t other[TC_DEVICE_MAC_KEY_LEN];
	size_t i;

	/* Every footer byte. */
	for (i = f->obj.len - SEAL_FOOTER_LEN; i < f->obj.len; i += big(f) ? 5 : 1)
		assert_int_equal(verify_mod(f, f->obj.len, i, 0x01, t_k.mac_key),
				 TC_E_BAD_FOOTER);
	/* Another device's key. */
	memcpy(other, t_k.mac_key, sizeof(other));
	other[0] ^= 1;
	assert_int_equal(verify_mod(f, f->obj.len, SIZE_MAX, 0, other), TC_E_BAD_FOOTER);
	/* Ciphertext the device cannot read is still covered by its MAC. */
	assert_int_equal(verify_mod(f, f->obj.len, f->obj.len / 2, 0x20, t_k.mac_key),
			 TC_E_BAD_FOOTER);
	assert_int_equal(verify_mod(f, f->obj.len, SEAL_OFF_CREATED, 0x20, t_k.mac_key),
			 TC_E_BAD_FOOTER);
	/* Header fields the device can parse. */
	assert_int_equal(verify_mod(f, f->obj.len, 0, 0x01, t_k.mac_key), TC_E_BAD_MAGIC);
	assert_int_equal(verify_mod(f, f->obj.len, SEAL_OFF_VERSION + 1, 0x01, t_k.mac_key),
			 TC_E_BAD_VERSION);
	assert_int_equal(verify_mod(f, f->obj.len, SEAL_OFF_NWRAPS, 0x04, t_k.mac_key),
			 TC_E_BAD_HEADER);
	/* Framing. */
	{
		size_t frames[128];

		assert_true(t_frames(f->obj.p, f->obj.len, frames, 128) >= 1);
		assert_int_equal(verify_mod(f, f->obj.len, frames[0] + 4, 0x40, t_k.mac_key),
				 TC_E_BAD_CHUNK);
	}
	/* Trailing bytes. */
	assert_int_equal(verify_mod(f, f->obj.len + 1, SIZE_MAX, 0, t_k.mac_key), TC_E_TRAILING);
}

static void
test_faults(void **state)
{
	struct fixture *f = *state;
	struct tc_obj_info info;
	uint8_t digest[TC_SHA256_LEN];
	unsigned long n;
	int rc;

	for (n = 1;; n += big(f) ? 11 : 1) {
		tc_fault_arm(TC_FAULT_READ, n, EIO, false);
		rc = verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key, 0, &info, digest);
		if (rc == 0 && tc_fault_count(TC_FAULT_READ) < n)
			break;
		assert_int_equal(rc, -EIO);
		assert_true(n < 1000);
	}
	tc_fault_arm(TC_FAULT_ALLOC, 1, ENOMEM, false);
	rc = verify_bytes(f, f->obj.p, f->obj.len, t_k.mac_key, 0, &info, digest);
	tc_fault_disarm_all();
	assert_int_equal(rc, -ENOMEM);
	assert_int_equal(tc_obj_verify_device(-1, t_k.mac_key, &info, digest), -EINVAL);
}

static void
test_not_an_object(void **state)
{
	struct fixture *f = *state;
	uint8_t junk[4096], digest[TC_SHA256_LEN];
	struct tc_obj_info info;

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(verify_bytes(f, junk, sizeof(junk), t_k.mac_key, 0, &info, digest),
			 TC_E_BAD_MAGIC);
	assert_int_equal(verify_bytes(f, junk, 0, t_k.mac_key, 0, &info, digest),
			 TC_E_TRUNCATED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define BOTH(t) { #t "/small", t, setup_small, teardown, NULL }, \
		{ #t "/5mb", t, setup_5mb, teardown, NULL }
		BOTH(test_accepts_whole),
		BOTH(test_split_reads),
		BOTH(test_rejects_truncated),
		BOTH(test_rejects_tampered),
		BOTH(test_faults),
		BOTH(test_not_an_object),
#undef BOTH
	};

	return cmocka_run_group_tests_name("crypto_verify", tests, t_keys_setup, NULL);
}
