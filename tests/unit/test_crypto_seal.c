/*
 * test_crypto_seal.c - firmware/crypto: seal then open, both ciphers,
 * every size around the chunk boundary up to 5 MB, one write or many odd
 * ones, with and without a review wrap; parameter checks; sink failures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "autoconf.h"
#include "tc_secmem.h"
#include "test_crypto_util.h"

static const enum tc_aead ciphers[] = { TC_AEAD_CHACHA20_POLY1305, TC_AEAD_AES256_GCM };

/* Seal, check digest/length/header, open with each key that should and should not work. */
static void
roundtrip(enum tc_aead aead, int review, size_t len, size_t step)
{
	uint8_t digest[TC_SHA256_LEN], want[TC_SHA256_LEN], id[TC_PHOTO_ID_LEN];
	struct tc_seal_params p;
	struct tc_photo_meta m, got;
	struct tc_obj_info info;
	struct t_sink sink = { 0 };
	uint8_t *jpeg = t_jpeg(len, (uint32_t)len), *out = NULL;
	uint64_t sealed_len = 0;
	size_t out_len = 0;

	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, aead, review);
	assert_int_equal(t_seal(&p, &m, jpeg, len, step, &sink, digest, &sealed_len, id), 0);

	/* The digest is of exactly the bytes the sink received. */
	assert_int_equal(sealed_len, sink.len);
	t_sha256(sink.p, sink.len, want);
	assert_memory_equal(digest, want, sizeof(want));

	assert_int_equal(tc_obj_parse_header(sink.p, sink.len, &info), 0);
	assert_int_equal(info.version, 1);
	assert_int_equal(info.aead, aead);
	assert_int_equal(info.n_wraps, review ? 2 : 1);
	assert_memory_equal(info.photo_id, id, sizeof(id));
	assert_int_equal(info.wraps_off, SEAL_FIXED_LEN);
	assert_int_equal(info.wraps_len, info.n_wraps * SEAL_WRAP_LEN);
	assert_int_equal(info.header_len, SEAL_HEADER_LEN(info.n_wraps));
	/* Payload = be32 + record + JPEG, in 64 KiB chunks of 29 bytes' framing each. */
	assert_true(sink.len > info.header_len + SEAL_FOOTER_LEN + 4 + len);

	t_expect_opens(&sink, t_k.trust_priv, &m, jpeg, len);
	if (review)
		t_expect_opens(&sink, t_k.review_priv, &m, jpeg, len);
	else
		assert_int_equal(tc_obj_open(sink.p, sink.len, t_k.review_priv, &got, &out,
					     &out_len), TC_E_WRONG_KEY);
	assert_int_equal(tc_obj_open(sink.p, sink.len, t_k.other_priv, &got, &out, &out_len),
			 TC_E_WRONG_KEY);
	assert_null(out);
	t_sink_free(&sink);
	free(jpeg);
}

static void
test_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, TC_SEAL_CHUNK - 1, TC_SEAL_CHUNK,
					TC_SEAL_CHUNK + 1, T_5MB };
	size_t c, i;
	int review;

	(void)state;
	for (c = 0; c < 2; c++)
		for (review = 0; review <= 1; review++)
			for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
				roundtrip(ciphers[c], review, sizes[i], 0);
}

/* Many small writes of odd sizes give the same result as one. */
static void
test_odd_writes(void **state)
{
	static const size_t sizes[] = { 5, TC_SEAL_CHUNK + 1, 3 * TC_SEAL_CHUNK, 300001, T_5MB };
	size_t c, i;

	(void)state;
	for (c = 0; c < 2; c++)
		for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			roundtrip(ciphers[c], (int)(i & 1), sizes[i], (size_t)-1);
			roundtrip(ciphers[c], 0, sizes[i], 1000);
		}
	/* Byte by byte across a chunk boundary. */
	roundtrip(TC_AEAD_CHACHA20_POLY1305, 0, TC_SEAL_CHUNK + 300, 1);
}

/* Payloads (be32 + record + JPEG) of exactly k chunks, and one byte either side. */
static void
test_payload_boundaries(void **state)
{
	struct tc_photo_meta m;
	uint8_t rec[SEAL_META_MAX];
	size_t rec_len, k, base;
	int d;

	(void)state;
	t_meta(&m);
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &rec_len), 0);
	for (k = 1; k <= 3; k++) {
		base = k * TC_SEAL_CHUNK - 4 - rec_len;
		for (d = -1; d <= 1; d++) {
			roundtrip(TC_AEAD_CHACHA20_POLY1305, 0, base - 1 + (size_t)(d + 1), 0);
			roundtrip(TC_AEAD_AES256_GCM, 1, base - 1 + (size_t)(d + 1), 7777);
		}
	}
}

static void
test_default_aead_is_kconfig_choice(void **state)
{
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;
	struct t_sink sink = { 0 };
	uint8_t jpeg[100] = { 0 };

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_DEFAULT, 0);
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &sink, NULL, NULL, NULL), 0);
	assert_int_equal(tc_obj_parse_header(sink.p, sink.len, &info), 0);
#ifdef CONFIG_SEAL_AEAD_AES256_GCM
	assert_int_equal(info.aead, TC_AEAD_AES256_GCM);
#else
	assert_int_equal(info.aead, TC_AEAD_CHACHA20_POLY1305);
#endif
	t_expect_opens(&sink, t_k.trust_priv, &m, jpeg, sizeof(jpeg));
	t_sink_free(&sink);
}

static void
test_given_id_and_time(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], got_id[TC_PHOTO_ID_LEN], jpeg[10] = { 1, 2, 3 };
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;
	struct t_sink a = { 0 }, b = { 0 };

	(void)state;
	memset(id, 0xab, sizeof(id));
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.photo_id = id;
	p.created_us = 1234567890123ull;
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &a, NULL, NULL, got_id), 0);
	assert_memory_equal(got_id, id, sizeof(id));
	assert_int_equal(tc_obj_parse_header(a.p, a.len, &info), 0);
	assert_memory_equal(info.photo_id, id, sizeof(id));
	assert_int_equal(info.created_us, 1234567890123ull);
	/* Same inputs, fresh key and nonces: the objects differ. */
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &b, NULL, NULL, NULL), 0);
	assert_int_equal(a.len, b.len);
	assert_memory_not_equal(a.p + SEAL_FIXED_LEN, b.p + SEAL_FIXED_LEN,
				a.len - SEAL_FIXED_LEN);
	/* created_us 0 means now. */
	p.created_us = 0;
	t_sink_free(&b);
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &b, NULL, NULL, NULL), 0);
	assert_int_equal(tc_obj_parse_header(b.p, b.len, &info), 0);
	assert_true(info.created_us > 1600000000000000ull);
	t_sink_free(&a);
	t_sink_free(&b);
}

/* The largest record the limits allow, with JSON-special and non-ASCII text. */
static void
test_meta_limits_roundtrip(void **state)
{
	struct tc_photo_meta m;
	struct tc_seal_params p;
	struct t_sink sink = { 0 };
	uint8_t jpeg[3] = { 9, 8, 7 };
	unsigned i;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(m.event_id, '"', TC_META_ID_MAX - 1);	/* escapes double the JSON */
	memset(m.staff_id, '\\', TC_META_ID_MAX - 1);
	m.n_pupils = TC_META_MAX_PUPILS;
	for (i = 0; i < m.n_pupils; i++) {	/* distinct, all but the last two escaped */
		memset(m.pupil_refs[i], '"', TC_META_ID_MAX - 1);
		m.pupil_refs[i][TC_META_ID_MAX - 3] = (char)('A' + i / 26);
		m.pupil_refs[i][TC_META_ID_MAX - 2] = (char)('a' + i % 26);
	}
	m.n_platforms = TC_META_MAX_PLATFORMS;
	for (i = 0; i < m.n_platforms; i++)
		snprintf(m.platforms[i], TC_META_ID_MAX, "plat\xc3\xa9-%u\\\"", i);
	m.capture_time_us = INT64_MAX;
	m.width = UINT32_MAX;
	m.height = 0;
	snprintf(m.sensor_mode, sizeof(m.sensor_mode), "\xe2\x82\xac");
	t_params(&p, TC_AEAD_AES256_GCM, 0);
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &sink, NULL, NULL, NULL), 0);
	t_expect_opens(&sink, t_k.trust_priv, &m, jpeg, sizeof(jpeg));
	t_sink_free(&sink);
}

static void
test_begin_rejects(void **state)
{
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_seal *s = (struct tc_seal *)&s;
	struct t_sink sink = { 0 };
	uint8_t bad_pub[TC_P256_PUB_LEN];

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.trust_pub = NULL;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), -EINVAL);
	assert_null(s);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.device_mac_key = NULL;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), -EINVAL);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	assert_int_equal(tc_seal_begin(&s, &p, NULL, t_sink_fn, &sink), -EINVAL);
	assert_int_equal(tc_seal_begin(&s, &p, &m, NULL, &sink), -EINVAL);
	p.aead = (enum tc_aead)7;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_ALGORITHM);
	/* A public key that is not a P-256 point. */
	memcpy(bad_pub, t_k.trust_pub, sizeof(bad_pub));
	bad_pub[40] ^= 1;
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	p.trust_pub = bad_pub;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_INVAL_INPUT);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	p.review_pub = bad_pub;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_INVAL_INPUT);
	bad_pub[0] = 0x02;	/* compressed form: refused, one encoding per key */
	memcpy(bad_pub + 1, t_k.trust_pub + 1, TC_P256_PUB_LEN - 1);
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_INVAL_INPUT);
	/* Metadata outside the limits. */
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	m.n_pupils = TC_META_MAX_PUPILS + 1;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	t_meta(&m);
	m.staff_id[0] = '\0';
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	t_meta(&m);
	memset(m.event_id, 'e', sizeof(m.event_id));	/* no NUL */
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	t_meta(&m);
	m.pupil_refs[1][0] = '\0';
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	t_meta(&m);
	m.capture_time_us = (uint64_t)INT64_MAX + 1;
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	t_meta(&m);
	m.sensor_mode[0] = (char)0xff;	/* not UTF-8 */
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), TC_E_BAD_METADATA);
	assert_null(s);
	assert_int_equal(sink.len, 0);	/* nothing reached the sink */
	t_sink_free(&sink);
}

/* A sink error stops the seal at once, sticks, and finish still frees. */
static void
test_sink_failure(void **state)
{
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_seal *s;
	uint8_t digest[TC_SHA256_LEN], *jpeg = t_jpeg(4 * TC_SEAL_CHUNK, 3);
	uint64_t sl;
	unsigned k;
	int rc;

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	/*
	 * Sink calls: 1 header; 2-5 chunks 0-3 (all full, emitted by the write
	 * because more bytes follow); 6 the last chunk (the record's bytes
	 * spill into it) and 7 the footer, both at finish; 8 never happens.
	 */
	for (k = 1; k <= 8; k++) {
		struct t_sink sink = { .fail_at = k, .fail_rc = -ENOSPC };

		rc = tc_seal_begin(&s, &p, &m, t_sink_fn, &sink);
		if (k == 1) {
			assert_int_equal(rc, -ENOSPC);
			assert_null(s);
			t_sink_free(&sink);
			continue;
		}
		assert_int_equal(rc, 0);
		rc = tc_seal_write(s, jpeg, 4 * TC_SEAL_CHUNK);
		if (k <= 5) {
			assert_int_equal(rc, -ENOSPC);
			assert_int_equal(tc_seal_write(s, jpeg, 1), -ENOSPC);
		} else {
			assert_int_equal(rc, 0);
		}
		assert_int_equal(tc_seal_finish(s, digest, &sl), k <= 7 ? -ENOSPC : 0);
		t_sink_free(&sink);
	}
	/* A positive return from a sink is still a failure. */
	{
		struct t_sink sink = { .fail_at = 2, .fail_rc = 1 };

		assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), 0);
		assert_int_equal(tc_seal_write(s, jpeg, 10), 0);
		assert_int_equal(tc_seal_finish(s, digest, &sl), -EIO);
		t_sink_free(&sink);
	}
	/* Abort after a partial write frees everything (ASan checks the leak). */
	{
		struct t_sink sink = { 0 };

		assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &sink), 0);
		assert_int_equal(tc_seal_write(s, jpeg, 2 * TC_SEAL_CHUNK + 5), 0);
		tc_seal_abort(s);
		tc_seal_abort(NULL);
		t_sink_free(&sink);
	}
	assert_int_equal(tc_seal_finish(NULL, digest, &sl), -EINVAL);
	free(jpeg);
}

static void
test_keygen(void **state)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN], pub2[TC_P256_PUB_LEN];
	uint8_t zero[TC_P256_PRIV_LEN] = { 0 };

	(void)state;
	assert_int_equal(tc_p256_keygen(priv, pub), 0);
	assert_int_equal(pub[0], 0x04);
	assert_int_equal(seal_pub_check(pub), 0);
	assert_int_equal(seal_pub_from_priv(priv, pub2), 0);
	assert_memory_equal(pub, pub2, sizeof(pub));
	assert_int_equal(seal_pub_from_priv(zero, pub2), -EINVAL);
	/* An invalid private scalar is refused, not treated as a wrong key. */
	{
		struct tc_seal_params p;
		struct tc_photo_meta m;
		struct t_sink sink = { 0 };
		uint8_t jpeg[4] = { 0 }, *j = NULL;
		size_t jl;

		t_meta(&m);
		t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
		assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &sink, NULL, NULL, NULL),
				 0);
		assert_int_equal(tc_obj_open(sink.p, sink.len, zero, &m, &j, &jl), -EINVAL);
		assert_null(j);
		t_sink_free(&sink);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_odd_writes),
		cmocka_unit_test(test_payload_boundaries),
		cmocka_unit_test(test_default_aead_is_kconfig_choice),
		cmocka_unit_test(test_given_id_and_time),
		cmocka_unit_test(test_meta_limits_roundtrip),
		cmocka_unit_test(test_begin_rejects),
		cmocka_unit_test(test_sink_failure),
		cmocka_unit_test(test_keygen),
	};

	return cmocka_run_group_tests_name("crypto_seal", tests, t_keys_setup, NULL);
}
