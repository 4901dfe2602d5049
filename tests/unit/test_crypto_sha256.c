/*
 * test_crypto_sha256.c - firmware/crypto's streaming SHA-256 (Nettle): the
 * FIPS 180-4 and NIST example vectors, and mbedtls's independent
 * SHA-256 against the streaming wrapper for every length up to a few
 * blocks, for random splits of long messages, for the one-shot call, and
 * for a peek part-way that must neither change the running hash nor
 * differ from the prefix's own digest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/md.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_sha256.h"

static void
ours(const uint8_t *p, size_t len, const size_t *splits, size_t nsplit, uint8_t out[32])
{
	struct tc_sha256 s;
	size_t i, off = 0;

	assert_int_equal(tc_sha256_init(&s), 0);
	for (i = 0; i < nsplit && off < len; i++) {
		size_t k = splits[i] < len - off ? splits[i] : len - off;

		tc_sha256_update(&s, p + off, k);
		off += k;
	}
	tc_sha256_update(&s, p + off, len - off);
	assert_int_equal(tc_sha256_finish(&s, out), 0);
	tc_sha256_free(&s);
}

static void
reference(const uint8_t *p, size_t len, uint8_t out[32])
{
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), p, len, out), 0);
}

static void
check_vector(const char *msg, size_t repeat, const char *hex)
{
	uint8_t want[32], got[32], *buf;
	size_t len = strlen(msg) * repeat, i, split = 7;

	buf = malloc(len ? len : 1);
	assert_non_null(buf);
	for (i = 0; i < repeat; i++)
		memcpy(buf + i * strlen(msg), msg, strlen(msg));
	assert_int_equal(tc_hex_decode(hex, want, sizeof(want)), 0);
	ours(buf, len, NULL, 0, got);
	assert_memory_equal(got, want, 32);
	ours(buf, len, &split, 1, got);
	assert_memory_equal(got, want, 32);
	free(buf);
}

static void
vectors(void)
{
	check_vector("", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	check_vector("abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	check_vector("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
		     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	check_vector("a", 1000000,
		     "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void
differential(void)
{
	enum { LONG = 300000 };
	uint8_t *buf = malloc(LONG), a[32], b[32];
	size_t len, splits[8];
	int round, i;

	assert_non_null(buf);
	assert_int_equal(tc_random_bytes(buf, LONG), 0);
	for (len = 0; len <= 300; len++) {
		reference(buf, len, a);
		ours(buf, len, NULL, 0, b);
		assert_memory_equal(a, b, 32);
	}
	for (round = 0; round < 200; round++) {
		uint32_t r;

		assert_int_equal(tc_random_bytes(&r, sizeof(r)), 0);
		len = r % LONG;
		for (i = 0; i < 8; i++) {
			assert_int_equal(tc_random_bytes(&r, sizeof(r)), 0);
			splits[i] = r % (i & 1 ? 130 : 70000);
		}
		reference(buf, len, a);
		ours(buf, len, splits, 8, b);
		assert_memory_equal(a, b, 32);
	}
	free(buf);
}

static void
test_peek_and_oneshot(void **state)
{
	enum { LONG = 200000 };
	uint8_t *buf = malloc(LONG), a[32], b[32];
	struct tc_sha256 s;
	size_t len, cut;
	int round;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(tc_random_bytes(buf, LONG), 0);
	for (round = 0; round < 100; round++) {
		uint32_t r[2];

		assert_int_equal(tc_random_bytes(r, sizeof(r)), 0);
		len = r[0] % LONG;
		cut = len ? r[1] % (len + 1) : 0;
		assert_int_equal(tc_sha256_init(&s), 0);
		tc_sha256_update(&s, buf, cut);
		tc_sha256_peek(&s, b);
		reference(buf, cut, a);
		assert_memory_equal(a, b, 32);
		tc_sha256_update(&s, buf + cut, len - cut);
		assert_int_equal(tc_sha256_finish(&s, b), 0);
		reference(buf, len, a);
		assert_memory_equal(a, b, 32);
		tc_sha256(buf, len, b);
		assert_memory_equal(a, b, 32);
		/* A finished context refuses to finish again. */
		assert_int_equal(tc_sha256_finish(&s, b), TC_E_CRYPTO);
		tc_sha256_free(&s);
	}
	free(buf);
}

static void
test_vectors(void **state)
{
	(void)state;
	vectors();
}

static void
test_streaming_splits(void **state)
{
	(void)state;
	differential();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_streaming_splits),
		cmocka_unit_test(test_peek_and_oneshot),
	};
	return cmocka_run_group_tests_name("crypto_sha256", tests, NULL, NULL);
}
