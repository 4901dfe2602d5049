/*
 * test_crypto_meta.c - firmware/crypto: the metadata record.  The strict
 * decoder directly (malformed JSON, wrong types, overlong strings, counts
 * over the limits, unknown or duplicate keys, and every way a record can
 * differ from the canonical bytes the device writes), and end to end:
 * objects sealed with a hand-made record open to TC_E_BAD_METADATA.
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

#include "tc_secmem.h"
#include "test_crypto_util.h"

#define GOOD_TAIL "\"capture_time_us\":5,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}"
#define GOOD "{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL

static int
decode(const char *json)
{
	struct tc_photo_meta m;

	return seal_meta_decode((const uint8_t *)json, strlen(json), &m);
}

/* 63 and 64 characters: the first fits a field, the second does not. */
#define S63 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-"
#define S64 S63 "x"

static void
test_decode_good(void **state)
{
	struct tc_photo_meta m;

	(void)state;
	assert_int_equal(seal_meta_decode((const uint8_t *)GOOD, strlen(GOOD), &m), 0);
	assert_string_equal(m.event_id, "e");
	assert_string_equal(m.staff_id, "s");
	assert_int_equal(m.n_pupils, 1);
	assert_string_equal(m.pupil_refs[0], "p1");
	assert_int_equal(m.n_platforms, 0);
	assert_int_equal(m.capture_time_us, 5);
	assert_int_equal(m.frame_seq, 3);
	assert_int_equal(m.width, 1);
	assert_int_equal(m.height, 2);
	assert_string_equal(m.sensor_mode, "m");
	/* The extremes, canonical: longest strings, largest numbers, raw UTF-8, escapes. */
	assert_int_equal(decode("{\"v\":1,\"event\":\"\",\"staff\":\"\xc3\xa9\\\"\\\\\","
				"\"pupils\":[],\"platforms\":[\"" S63 "\"],"
				"\"capture_time_us\":9223372036854775807,\"frame\":0,"
				"\"width\":0,\"height\":4294967295,\"sensor_mode\":\"" S63 "\"}"), 0);
}

/*
 * Well-formed JSON with the right values, but not the bytes the device
 * writes (README.md, "Metadata record"): each would decode to a valid
 * struct, and the old decoder took every one.
 */
static const char *const non_canonical[] = {
	/* whitespace: leading, trailing, around separators, a final newline */
	" " GOOD,
	GOOD " ",
	GOOD "\n",
	"{ \"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\": 1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1 ,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[ \"p1\" ],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[ ]," GOOD_TAIL,
	/* key order: two keys swapped */
	"{\"event\":\"e\",\"v\":1,\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[],"
	"\"frame\":3,\"capture_time_us\":5,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
	/* number forms: -0, a leading +, exponent of an integer */
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[],"
	"\"capture_time_us\":-0,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[],"
	"\"capture_time_us\":5,\"frame\":-0,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
	/* string escapes the device never writes */
	"{\"v\":1,\"event\":\"\\u0065\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"\\u00e9\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"a\\/b\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	/* a UTF-8 byte order mark */
	"\xef\xbb\xbf" GOOD,
	/* duplicate pupil refs or platforms */
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\",\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[\"w\",\"x\",\"w\"]," GOOD_TAIL,
	/* control characters, escaped as JSON allows */
	"{\"v\":1,\"event\":\"a\\tb\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\\n\",\"pupils\":[\"p1\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p\\u0001\"],\"platforms\":[]," GOOD_TAIL,
	"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"p1\"],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"\x7f\"}",
};

static void
test_decode_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"{",
		"not json",
		"[]",
		"null",
		"{}",
		GOOD "x",
		GOOD GOOD,
		/* version */
		"{\"v\":2,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":\"1\",\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1.0,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		/* missing, extra and duplicate keys */
		"{\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"x\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"evnt\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		/* types */
		"{\"v\":1,\"event\":5,\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":null,\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":[\"s\"],\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":\"p\",\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[1],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":{}," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":\"5\",\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":-1,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":-3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":1e30,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":99999999999999999999,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":4294967296,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":1.5,\"height\":2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":1,\"height\":-2,\"sensor_mode\":\"m\"}",
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":true}",
		/* lengths */
		"{\"v\":1,\"event\":\"" S64 "\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"" S64 "\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"" S64 "\"],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[\"" S64 "\"]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," "\"capture_time_us\":5,\"frame\":3,\"width\":1,\"height\":2,\"sensor_mode\":\"" S64 "\"}",
		/* multi-byte characters count in bytes: 32 x 2-byte e-acute = 64 bytes */
		"{\"v\":1,\"event\":\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		/* empty staff, empty pupil ref or platform */
		"{\"v\":1,\"event\":\"e\",\"staff\":\"\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[\"\"],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"e\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[\"\"]," GOOD_TAIL,
		/* an embedded NUL, escaped or raw */
		"{\"v\":1,\"event\":\"a\\u0000b\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		/* invalid UTF-8 */
		"{\"v\":1,\"event\":\"\xff\xfe\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		"{\"v\":1,\"event\":\"\\ud800\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (decode(bad[i]) != TC_E_BAD_METADATA)
			fail_msg("record %zu accepted or wrong error: %s", i, bad[i]);
	for (i = 0; i < sizeof(non_canonical) / sizeof(non_canonical[0]); i++)
		if (decode(non_canonical[i]) != TC_E_BAD_METADATA)
			fail_msg("non-canonical record %zu accepted: %s", i, non_canonical[i]);
	/* A raw NUL inside the bytes (JSON strings cannot hold one unescaped). */
	{
		static const char raw[] = "{\"v\":1,\"event\":\"a\0b\",\"staff\":\"s\",\"pupils\":[],"
					  "\"platforms\":[]," GOOD_TAIL;
		struct tc_photo_meta m;

		assert_int_equal(seal_meta_decode((const uint8_t *)raw, sizeof(raw) - 1, &m),
				 TC_E_BAD_METADATA);
	}
}

/* Counts: exactly the limit passes, one over fails. */
static void
test_decode_counts(void **state)
{
	char *buf = malloc(16384);
	size_t off;
	unsigned i, lim;
	int over, which;

	(void)state;
	assert_non_null(buf);
	for (which = 0; which < 2; which++)
		for (over = 0; over <= 1; over++) {
			lim = (which ? TC_META_MAX_PLATFORMS : TC_META_MAX_PUPILS) + (unsigned)over;
			/* The counted list (pupils, then platforms) in its canonical place. */
			off = (size_t)snprintf(buf, 16384, "{\"v\":1,\"event\":\"e\",\"staff\":\"s\","
					       "\"pupils\":[%s", which ? "]," : "");
			if (which)
				off += (size_t)snprintf(buf + off, 16384 - off, "\"platforms\":[");
			for (i = 0; i < lim; i++)
				off += (size_t)snprintf(buf + off, 16384 - off, "%s\"r%u\"",
							i ? "," : "", i);
			snprintf(buf + off, 16384 - off, "%s," GOOD_TAIL,
				 which ? "]" : "],\"platforms\":[]");
			assert_int_equal(decode(buf), over ? TC_E_BAD_METADATA : 0);
		}
	free(buf);
}

#define CANON_EMPTY "{\"v\":1,\"event\":\"\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," \
	"\"capture_time_us\":0,\"frame\":0,\"width\":0,\"height\":0,\"sensor_mode\":\"\"}"

static void
test_encode_decode(void **state)
{
	struct tc_photo_meta m, back;
	uint8_t rec[SEAL_META_MAX];
	size_t len;

	(void)state;
	t_meta(&m);
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), 0);
	assert_int_equal(seal_meta_decode(rec, len, &back), 0);
	assert_memory_equal(&m, &back, sizeof(m));
	/* Too small a buffer is an error, not a cut record. */
	assert_int_equal(seal_meta_encode(&m, rec, 20, &len), TC_E_BAD_METADATA);
	assert_int_equal(len, 0);
	/* Over the record limit. */
	assert_int_equal(seal_meta_decode(rec, SEAL_META_MAX + 1, &back), TC_E_BAD_METADATA);
	/* The sealer refuses what the decoder would refuse: a repeated ref or platform... */
	snprintf(m.pupil_refs[1], sizeof(m.pupil_refs[1]), "%s", m.pupil_refs[0]);
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), TC_E_BAD_METADATA);
	t_meta(&m);
	m.n_platforms = 2;
	snprintf(m.platforms[1], sizeof(m.platforms[1]), "%s", m.platforms[0]);
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), TC_E_BAD_METADATA);
	/* ...or a control character. */
	t_meta(&m);
	m.event_id[3] = '\t';
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), TC_E_BAD_METADATA);
	t_meta(&m);
	m.sensor_mode[0] = 0x7f;
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), TC_E_BAD_METADATA);
	/* What it writes is the canonical form: compact, keys in the README's order. */
	memset(&m, 0, sizeof(m));
	snprintf(m.staff_id, sizeof(m.staff_id), "s");
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &len), 0);
	assert_int_equal(len, strlen(CANON_EMPTY));
	assert_memory_equal(rec, CANON_EMPTY, len);
}

/* Seal a hand-made record; open must say the record is bad, and nothing else. */
static int
seal_raw_open(const uint8_t *rec, size_t rec_len, size_t jpeg_len)
{
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_seal *s;
	struct t_sink sink = { 0 };
	uint8_t digest[TC_SHA256_LEN], *jpeg = t_jpeg(jpeg_len, 9), *out = NULL;
	uint64_t sl;
	size_t ol = 0;
	int rc;

	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	assert_int_equal(seal_begin_raw(&s, &p, rec, rec_len, t_sink_fn, &sink), 0);
	assert_int_equal(tc_seal_write(s, jpeg, jpeg_len), 0);
	assert_int_equal(tc_seal_finish(s, digest, &sl), 0);
	rc = tc_obj_open(sink.p, sink.len, t_k.trust_priv, &m, &out, &ol);
	if (rc == 0)
		tc_secure_free(out);
	else
		assert_null(out);
	t_sink_free(&sink);
	free(jpeg);
	return rc;
}

static void
test_sealed_bad_records(void **state)
{
	static const char *const bad[] = {
		"not json",
		"{\"v\":1}",
		"{\"v\":1,\"event\":\"" S64 "\",\"staff\":\"s\",\"pupils\":[],\"platforms\":[]," GOOD_TAIL,
		GOOD " ",	/* fine for JSON, not the device's form */
	};
	uint8_t *big = malloc(SEAL_META_MAX);
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++)
		assert_int_equal(seal_raw_open((const uint8_t *)bad[i], strlen(bad[i]), 1000),
				 TC_E_BAD_METADATA);
	assert_int_equal(seal_raw_open((const uint8_t *)GOOD, strlen(GOOD), 0), 0);
	/* An empty record. */
	assert_int_equal(seal_raw_open(NULL, 0, 1000), TC_E_BAD_METADATA);
	/* The largest record: chunk 0 holds nothing but it; still malformed. */
	assert_non_null(big);
	memset(big, ' ', SEAL_META_MAX);
	assert_int_equal(seal_raw_open(big, SEAL_META_MAX, 5), TC_E_BAD_METADATA);
	/* ...and well-formed but padded to the limit with whitespace: not canonical. */
	memcpy(big, GOOD, strlen(GOOD));
	assert_int_equal(seal_raw_open(big, SEAL_META_MAX, TC_SEAL_CHUNK), TC_E_BAD_METADATA);
	/* One byte more cannot be sealed. */
	{
		struct tc_seal_params p;
		struct tc_seal *s = NULL;
		struct t_sink sink = { 0 };
		uint8_t *bigger = calloc(1, SEAL_META_MAX + 1);

		t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
		assert_int_equal(seal_begin_raw(&s, &p, bigger, SEAL_META_MAX + 1, t_sink_fn,
						&sink), TC_E_BAD_METADATA);
		assert_null(s);
		free(bigger);
	}
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_good),
		cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_decode_counts),
		cmocka_unit_test(test_encode_decode),
		cmocka_unit_test(test_sealed_bad_records),
	};

	return cmocka_run_group_tests_name("crypto_meta", tests, t_keys_setup, NULL);
}
