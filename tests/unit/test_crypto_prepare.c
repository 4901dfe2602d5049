/*
 * test_crypto_prepare.c - firmware/crypto: prepared key sets
 * (tc_seal_prepare / tc_seal_begin_prepared) and the seal's hasher thread.
 * A prepared object is the same version-1 object as an unprepared one
 * (same layout, opens with tc_obj_open, passes the device check); its
 * digest is the SHA-256 of exactly what the sink got however the writes
 * are split, with the hasher thread running or, when thread creation
 * fails, without it; sink failures stick and finish/abort clean up (ASan
 * checks the leaks in check-sanitize); a prep is single use and wiped.
 */
#include <errno.h>
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
#include "tc_secmem.h"
#include "test_crypto_util.h"

#define CREATED 1760000000999999ull

static const enum tc_aead ciphers[] = { TC_AEAD_CHACHA20_POLY1305, TC_AEAD_AES256_GCM };

/*
 * Seal jpeg from a fresh prep in writes of step bytes (0: one write;
 * (size_t)-1: t_seal's cycle of odd sizes).  *threaded: whether the
 * hasher thread ran.  Returns the first error.
 */
static int
seal_prepared(const struct tc_seal_params *p, const struct tc_photo_meta *m,
	      const uint8_t *jpeg, size_t len, size_t step, struct t_sink *sink,
	      uint8_t digest[TC_SHA256_LEN], uint64_t *sealed_len, int *threaded)
{
	struct tc_seal_prep *k = NULL;
	struct tc_seal *s = NULL;
	int rc;

	if ((rc = tc_seal_prepare(&k, p)) != 0)
		return rc;
	if ((rc = tc_seal_begin_prepared(&s, k, m, CREATED, t_sink_fn, sink)) != 0)
		return rc;
	if ((rc = t_write_steps(s, jpeg, len, step, threaded)) != 0)
		return rc;
	return tc_seal_finish(s, digest, sealed_len);
}

/* Write obj to a file and run the device-side check on it. */
static void
expect_verifies(const struct t_sink *obj, const uint8_t digest[TC_SHA256_LEN])
{
	const char *tmp = getenv("TC_TEST_TMP");
	uint8_t got[TC_SHA256_LEN];
	struct tc_obj_info info;
	char path[512];
	int fd;

	assert_non_null(tmp);
	snprintf(path, sizeof(path), "%s/prepared-obj", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, obj->p, obj->len), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(tc_obj_verify_device(fd, t_k.mac_key, &info, got), 0);
	assert_memory_equal(got, digest, TC_SHA256_LEN);
	close(fd);
	unlink(path);
}

/*
 * A prepared object against an unprepared one of the same photo: same
 * length, header fields and frame layout; it opens, verifies on the
 * device, and its digest is that of the sink's bytes.
 */
static void
same_format(enum tc_aead aead, int review, size_t len, size_t step)
{
	uint8_t digest[TC_SHA256_LEN], want[TC_SHA256_LEN], *jpeg = t_jpeg(len, (uint32_t)len);
	uint8_t rec[SEAL_META_MAX];
	size_t fa[128], fb[128], na, nb, i, rec_len;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info ia, ib;
	struct t_sink a = { 0 }, b = { 0 };
	uint64_t sealed_len = 0;
	int threaded = -1;

	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, aead, review);
	assert_int_equal(seal_prepared(&p, &m, jpeg, len, step, &a, digest, &sealed_len,
				       &threaded), 0);
	/* A thread only once a full chunk goes out before the last one. */
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &rec_len), 0);
	assert_int_equal(threaded, 4 + rec_len + len > TC_SEAL_CHUNK);
	assert_int_equal(sealed_len, a.len);
	t_sha256(a.p, a.len, want);
	assert_memory_equal(digest, want, sizeof(want));

	p.created_us = CREATED;
	assert_int_equal(t_seal(&p, &m, jpeg, len, 0, &b, NULL, NULL, NULL), 0);
	assert_int_equal(a.len, b.len);
	assert_int_equal(tc_obj_parse_header(a.p, a.len, &ia), 0);
	assert_int_equal(tc_obj_parse_header(b.p, b.len, &ib), 0);
	assert_int_equal(ia.version, ib.version);
	assert_int_equal(ia.aead, ib.aead);
	assert_int_equal(ia.n_wraps, review ? 2 : 1);
	assert_int_equal(ia.n_wraps, ib.n_wraps);
	assert_int_equal(ia.header_len, ib.header_len);
	assert_int_equal(ia.wraps_off, ib.wraps_off);
	assert_int_equal(ia.wraps_len, ib.wraps_len);
	assert_int_equal(ia.created_us, CREATED);
	assert_int_equal(ib.created_us, CREATED);
	assert_memory_equal(a.p, b.p, SEAL_OFF_PHOTO_ID);	/* magic .. chunk size */
	na = t_frames(a.p, a.len, fa, 128);
	nb = t_frames(b.p, b.len, fb, 128);
	assert_true(na > 0);
	assert_int_equal(na, nb);
	for (i = 0; i < na; i++) {
		assert_int_equal(fa[i], fb[i]);
		assert_memory_equal(a.p + fa[i], b.p + fb[i], 5);	/* length, flags */
		assert_memory_equal(a.p + fa[i] + 5, ia.photo_id, SEAL_IDTAG_LEN);
	}

	t_expect_opens(&a, t_k.trust_priv, &m, jpeg, len);
	if (review)
		t_expect_opens(&a, t_k.review_priv, &m, jpeg, len);
	expect_verifies(&a, digest);
	t_sink_free(&a);
	t_sink_free(&b);
	free(jpeg);
}

static void
test_prepared_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, TC_SEAL_CHUNK - 1, TC_SEAL_CHUNK,
					TC_SEAL_CHUNK + 1, T_5MB };
	size_t c, i;

	(void)state;
	for (c = 0; c < 2; c++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
			same_format(ciphers[c], (int)((c + i) & 1), sizes[i], 0);
}

/* The digest with the hasher thread running, however the writes are split. */
static void
test_threaded_splits(void **state)
{
	static const size_t steps[] = { 0, (size_t)-1, 4093, TC_SEAL_CHUNK, TC_SEAL_CHUNK + 1,
					 4 * TC_SEAL_CHUNK - 1, 1u << 20 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		same_format(ciphers[i & 1], 0, T_5MB - 12345, steps[i]);
	/* Frame batches end on every residue: 1..9 full chunks. */
	for (i = 1; i <= 9; i++)
		same_format(TC_AEAD_CHACHA20_POLY1305, 0, i * TC_SEAL_CHUNK + 100, 3000);
}

static int
no_thread(pthread_t *t, const pthread_attr_t *a, void *(*fn)(void *), void *arg)
{
	(void)t;
	(void)a;
	(void)fn;
	(void)arg;
	return EAGAIN;
}

/* pthread_create failing is no error: the hash runs inline, same object. */
static void
test_no_thread_fallback(void **state)
{
	uint8_t digest[TC_SHA256_LEN], want[TC_SHA256_LEN], *jpeg = t_jpeg(T_5MB, 9);
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct t_sink sink = { 0 };
	uint64_t sl;
	int threaded = -1;

	(void)state;
	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, TC_AEAD_AES256_GCM, 1);
	seal_hasher_thread_create = no_thread;
	assert_int_equal(seal_prepared(&p, &m, jpeg, T_5MB, 100003, &sink, digest, &sl,
				       &threaded), 0);
	seal_hasher_thread_create = pthread_create;
	assert_int_equal(threaded, 0);
	t_sha256(sink.p, sink.len, want);
	assert_memory_equal(digest, want, sizeof(want));
	t_expect_opens(&sink, t_k.review_priv, &m, jpeg, T_5MB);
	expect_verifies(&sink, digest);
	t_sink_free(&sink);
	free(jpeg);
}

/*
 * 5 MB in one write: sink call 1 is the header, 2-81 the 80 full chunks
 * (during the write, the thread running from call 2), 82 the last chunk
 * and 83 the footer (at finish).  A failure at any of them sticks, and
 * finish or abort joins the thread and frees everything.
 */
static void
test_sink_failure_threaded(void **state)
{
	static const unsigned at[] = { 2, 3, 5, 6, 9, 41, 80, 81, 82, 83, 84 };
	uint8_t digest[TC_SHA256_LEN], *jpeg = t_jpeg(T_5MB, 4);
	struct tc_seal_params p;
	struct tc_photo_meta m;
	size_t i;

	(void)state;
	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	for (i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		struct t_sink sink = { .fail_at = at[i], .fail_rc = -ENOSPC };
		struct tc_seal_prep *k;
		struct tc_seal *s;
		uint64_t sl;
		int rc;

		assert_int_equal(tc_seal_prepare(&k, &p), 0);
		assert_int_equal(tc_seal_begin_prepared(&s, k, &m, 0, t_sink_fn, &sink), 0);
		rc = tc_seal_write(s, jpeg, T_5MB);
		assert_true(seal_threaded(s));
		if (at[i] <= 81) {
			assert_int_equal(rc, -ENOSPC);
			assert_int_equal(sink.calls, at[i]);	/* stopped at once */
			assert_int_equal(tc_seal_write(s, jpeg, 10), -ENOSPC);
			if (i & 1) {
				tc_seal_abort(s);
				t_sink_free(&sink);
				continue;
			}
		} else {
			assert_int_equal(rc, 0);
		}
		assert_int_equal(tc_seal_finish(s, digest, &sl), at[i] <= 83 ? -ENOSPC : 0);
		t_sink_free(&sink);
	}
	free(jpeg);
}

/* A review key in the prep: two wraps, either key opens, no other does. */
static void
test_prep_review(void **state)
{
	uint8_t digest[TC_SHA256_LEN], *jpeg = t_jpeg(3 * TC_SEAL_CHUNK, 6), *out = NULL;
	struct tc_seal_params p;
	struct tc_photo_meta m, got;
	struct tc_obj_info info;
	struct t_sink sink = { 0 };
	size_t ol = 0;
	uint64_t sl;
	int threaded;

	(void)state;
	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	assert_int_equal(seal_prepared(&p, &m, jpeg, 3 * TC_SEAL_CHUNK, 0, &sink, digest, &sl,
				       &threaded), 0);
	assert_int_equal(tc_obj_parse_header(sink.p, sink.len, &info), 0);
	assert_int_equal(info.n_wraps, 2);
	t_expect_opens(&sink, t_k.trust_priv, &m, jpeg, 3 * TC_SEAL_CHUNK);
	t_expect_opens(&sink, t_k.review_priv, &m, jpeg, 3 * TC_SEAL_CHUNK);
	assert_int_equal(tc_obj_open(sink.p, sink.len, t_k.other_priv, &got, &out, &ol),
			 TC_E_WRONG_KEY);
	assert_null(out);
	t_sink_free(&sink);
	free(jpeg);
}

/* Two preps: nothing shared, and two objects with distinct ids and keys. */
static void
test_two_preps_distinct(void **state)
{
	struct tc_seal_prep *k1, *k2;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_seal *s1, *s2;
	struct tc_obj_info i1, i2;
	struct t_sink a = { 0 }, b = { 0 };
	uint8_t d1[TC_SHA256_LEN], d2[TC_SHA256_LEN], jpeg[500] = { 1 };
	uint64_t sl;

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_AES256_GCM, 1);
	assert_int_equal(tc_seal_prepare(&k1, &p), 0);
	assert_int_equal(tc_seal_prepare(&k2, &p), 0);
	assert_true(tc_secure_locked(k1));
	assert_memory_not_equal(k1->photo_id, k2->photo_id, TC_PHOTO_ID_LEN);
	assert_memory_not_equal(k1->cek, k2->cek, SEAL_KEY_LEN);
	assert_memory_not_equal(k1->nonce_prefix, k2->nonce_prefix, SEAL_NONCE_PREFIX_LEN);
	assert_memory_not_equal(k1->wraps[0].eph, k2->wraps[0].eph, TC_P256_PUB_LEN);
	assert_memory_not_equal(k1->wraps[0].eph, k1->wraps[1].eph, TC_P256_PUB_LEN);
	assert_memory_not_equal(k1->wraps[0].wkey, k2->wraps[0].wkey, SEAL_KEY_LEN);
	assert_memory_equal(k1->wraps[0].keyid, k2->wraps[0].keyid, SEAL_KEYID_LEN);

	assert_int_equal(tc_seal_begin_prepared(&s1, k1, &m, CREATED, t_sink_fn, &a), 0);
	assert_int_equal(tc_seal_begin_prepared(&s2, k2, &m, CREATED, t_sink_fn, &b), 0);
	assert_int_equal(tc_seal_write(s1, jpeg, sizeof(jpeg)), 0);
	assert_int_equal(tc_seal_write(s2, jpeg, sizeof(jpeg)), 0);
	assert_int_equal(tc_seal_finish(s1, d1, &sl), 0);
	assert_int_equal(tc_seal_finish(s2, d2, &sl), 0);
	assert_int_equal(tc_obj_parse_header(a.p, a.len, &i1), 0);
	assert_int_equal(tc_obj_parse_header(b.p, b.len, &i2), 0);
	assert_memory_not_equal(i1.photo_id, i2.photo_id, TC_PHOTO_ID_LEN);
	assert_memory_not_equal(a.p + SEAL_OFF_NONCE, b.p + SEAL_OFF_NONCE,
				SEAL_NONCE_PREFIX_LEN);
	assert_memory_not_equal(a.p + i1.wraps_off, b.p + i2.wraps_off, i1.wraps_len);
	assert_memory_not_equal(d1, d2, sizeof(d1));
	t_expect_opens(&a, t_k.trust_priv, &m, jpeg, sizeof(jpeg));
	t_expect_opens(&b, t_k.review_priv, &m, jpeg, sizeof(jpeg));
	t_sink_free(&a);
	t_sink_free(&b);
}

/* The creation time is the begin's (0: the clock then), never the prepare's. */
static void
test_created_at_begin(void **state)
{
	struct tc_seal_prep *k;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;
	struct tc_seal *s;
	struct t_sink sink = { 0 };
	uint8_t d[TC_SHA256_LEN];
	uint64_t t0, sl;

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.created_us = 42;	/* ignored by prepare */
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	t0 = tc_time_wall_us();
	assert_int_equal(tc_seal_begin_prepared(&s, k, &m, 0, t_sink_fn, &sink), 0);
	assert_int_equal(tc_seal_finish(s, d, &sl), 0);
	assert_int_equal(tc_obj_parse_header(sink.p, sink.len, &info), 0);
	assert_true(info.created_us >= t0);
	assert_true(info.created_us <= tc_time_wall_us());
	t_sink_free(&sink);
}

/* Refusals; begin_prepared consumes the prep on every path (ASan: no leak). */
static void
test_prepare_rejects(void **state)
{
	struct tc_seal_prep *k = (struct tc_seal_prep *)&k;
	struct tc_seal *s = (struct tc_seal *)&s;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct t_sink sink = { .fail_at = 1, .fail_rc = -EIO };
	uint8_t bad_pub[TC_P256_PUB_LEN];

	(void)state;
	t_meta(&m);
	assert_int_equal(tc_seal_prepare(NULL, NULL), -EINVAL);
	assert_int_equal(tc_seal_prepare(&k, NULL), -EINVAL);
	assert_null(k);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.trust_pub = NULL;
	assert_int_equal(tc_seal_prepare(&k, &p), -EINVAL);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.device_mac_key = NULL;
	assert_int_equal(tc_seal_prepare(&k, &p), -EINVAL);
	t_params(&p, (enum tc_aead)9, 0);
	assert_int_equal(tc_seal_prepare(&k, &p), TC_E_BAD_ALGORITHM);
	memcpy(bad_pub, t_k.review_pub, sizeof(bad_pub));
	bad_pub[64] ^= 1;
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	p.review_pub = bad_pub;
	assert_int_equal(tc_seal_prepare(&k, &p), TC_E_INVAL_INPUT);
	assert_null(k);

	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	tc_seal_prep_free(k);	/* unused */
	tc_seal_prep_free(NULL);
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	assert_int_equal(tc_seal_begin_prepared(&s, k, NULL, 0, t_sink_fn, &sink), -EINVAL);
	assert_null(s);
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	assert_int_equal(tc_seal_begin_prepared(&s, k, &m, 0, NULL, &sink), -EINVAL);
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	m.staff_id[0] = '\0';
	assert_int_equal(tc_seal_begin_prepared(&s, k, &m, 0, t_sink_fn, &sink),
			 TC_E_BAD_METADATA);
	assert_int_equal(sink.calls, 0);
	t_meta(&m);
	assert_int_equal(tc_seal_prepare(&k, &p), 0);
	assert_int_equal(tc_seal_begin_prepared(&s, k, &m, 0, t_sink_fn, &sink), -EIO);
	assert_null(s);
	assert_int_equal(tc_seal_begin_prepared(&s, NULL, &m, 0, t_sink_fn, &sink), -EINVAL);
	t_sink_free(&sink);
}

/* Allocation failure anywhere in prepare, begin_prepared, write, finish: -ENOMEM, no leak. */
static void
test_prepared_alloc_faults(void **state)
{
	uint8_t digest[TC_SHA256_LEN], *jpeg = t_jpeg(6 * TC_SEAL_CHUNK, 8);
	struct tc_seal_params p;
	struct tc_photo_meta m;
	unsigned long n;
	uint64_t sl;
	int rc, threaded;

	(void)state;
	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	for (n = 1;; n++) {
		struct t_sink sink = { 0 };

		tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, false);
		rc = seal_prepared(&p, &m, jpeg, 6 * TC_SEAL_CHUNK, 100000, &sink, digest, &sl,
				   &threaded);
		if (rc == 0 && tc_fault_count(TC_FAULT_ALLOC) < n) {
			tc_fault_disarm_all();
			t_expect_opens(&sink, t_k.trust_priv, &m, jpeg, 6 * TC_SEAL_CHUNK);
			t_sink_free(&sink);
			break;
		}
		tc_fault_disarm_all();
		assert_int_equal(rc, -ENOMEM);
		t_sink_free(&sink);
		assert_true(n < 100);
	}
	/* prep, state, chunk, batch, second batch at the thread's start, at least. */
	assert_true(n > 5);
	free(jpeg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prepared_sizes),
		cmocka_unit_test(test_threaded_splits),
		cmocka_unit_test(test_no_thread_fallback),
		cmocka_unit_test(test_sink_failure_threaded),
		cmocka_unit_test(test_prep_review),
		cmocka_unit_test(test_two_preps_distinct),
		cmocka_unit_test(test_created_at_begin),
		cmocka_unit_test(test_prepare_rejects),
		cmocka_unit_test(test_prepared_alloc_faults),
	};

	return cmocka_run_group_tests_name("crypto_prepare", tests, t_keys_setup, NULL);
}
