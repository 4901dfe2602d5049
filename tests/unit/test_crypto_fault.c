/*
 * test_crypto_fault.c - firmware/crypto under allocation failure: fail
 * the Nth allocation during a seal (begin, write, finish) and during an
 * open, for every N until the operation no longer reaches the fault.
 * Each must fail cleanly with -ENOMEM and leave nothing behind (ASan's
 * leak checker runs at exit in check-sanitize).
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

#include "tc_fault.h"
#include "tc_secmem.h"
#include "test_crypto_util.h"

#define JPEG_LEN (3 * TC_SEAL_CHUNK + 777)

/* Seal in three writes, reporting where it failed. */
static int
seal_steps(const struct tc_seal_params *p, const uint8_t *jpeg, struct t_sink *sink)
{
	struct tc_photo_meta m;
	struct tc_seal *s = NULL;
	uint8_t digest[TC_SHA256_LEN];
	uint64_t sl;
	int rc;

	t_meta(&m);
	if ((rc = tc_seal_begin(&s, p, &m, t_sink_fn, sink)) != 0) {
		assert_null(s);
		return rc;
	}
	if ((rc = tc_seal_write(s, jpeg, 100)) != 0 ||
	    (rc = tc_seal_write(s, jpeg + 100, 2 * TC_SEAL_CHUNK)) != 0 ||
	    (rc = tc_seal_write(s, jpeg + 100 + 2 * TC_SEAL_CHUNK,
				JPEG_LEN - 100 - 2 * TC_SEAL_CHUNK)) != 0) {
		tc_seal_abort(s);
		return rc;
	}
	return tc_seal_finish(s, digest, &sl);
}

static void
test_seal_alloc_faults(void **state)
{
	struct tc_seal_params p;
	uint8_t *jpeg = t_jpeg(JPEG_LEN, 1);
	unsigned long n;
	int rc, review, failed = 0;

	(void)state;
	assert_non_null(jpeg);
	for (review = 0; review <= 1; review++) {
		t_params(&p, TC_AEAD_CHACHA20_POLY1305, review);
		for (n = 1;; n++) {
			struct t_sink sink = { 0 };

			tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, false);
			rc = seal_steps(&p, jpeg, &sink);
			if (rc == 0 && tc_fault_count(TC_FAULT_ALLOC) < n) {
				/* Ran to the end without reaching the Nth allocation. */
				tc_fault_disarm_all();
				{
					struct tc_photo_meta m;
					uint8_t *out = NULL;
					size_t ol;

					assert_int_equal(tc_obj_open(sink.p, sink.len,
								     t_k.trust_priv, &m, &out,
								     &ol), 0);
					assert_int_equal(ol, JPEG_LEN);
					assert_memory_equal(out, jpeg, JPEG_LEN);
					tc_secure_free(out);
				}
				t_sink_free(&sink);
				break;
			}
			assert_int_equal(rc, -ENOMEM);
			failed++;
			t_sink_free(&sink);
			assert_true(n < 100);
		}
	}
	tc_fault_disarm_all();
	/* The seal does allocate (state, chunk buffer, frame buffer), so faults were hit. */
	assert_true(failed >= 6);
	free(jpeg);
}

/* Sticky failure: every allocation from the Nth on fails. */
static void
test_seal_alloc_sticky(void **state)
{
	struct tc_seal_params p;
	uint8_t *jpeg = t_jpeg(JPEG_LEN, 2);
	unsigned long n;

	(void)state;
	t_params(&p, TC_AEAD_AES256_GCM, 1);
	for (n = 1; n <= 3; n++) {
		struct t_sink sink = { 0 };

		tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, true);
		assert_int_equal(seal_steps(&p, jpeg, &sink), -ENOMEM);
		tc_fault_disarm_all();
		t_sink_free(&sink);
	}
	free(jpeg);
}

static void
test_open_alloc_faults(void **state)
{
	struct tc_seal_params p;
	struct t_sink sink = { 0 };
	uint8_t *jpeg = t_jpeg(JPEG_LEN, 3);
	unsigned long n;
	int rc;

	(void)state;
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	assert_int_equal(seal_steps(&p, jpeg, &sink), 0);
	for (n = 1;; n++) {
		struct tc_photo_meta m;
		uint8_t *out = NULL;
		size_t ol = 0;

		tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, false);
		rc = tc_obj_open(sink.p, sink.len, t_k.trust_priv, &m, &out, &ol);
		if (rc == 0 && tc_fault_count(TC_FAULT_ALLOC) < n) {
			tc_fault_disarm_all();
			assert_int_equal(ol, JPEG_LEN);
			tc_secure_free(out);
			break;
		}
		tc_fault_disarm_all();
		assert_int_equal(rc, -ENOMEM);
		assert_null(out);
		assert_int_equal(ol, 0);
		assert_true(n < 100);
	}
	assert_true(n > 1);
	t_sink_free(&sink);
	free(jpeg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_alloc_faults),
		cmocka_unit_test(test_seal_alloc_sticky),
		cmocka_unit_test(test_open_alloc_faults),
	};

	return cmocka_run_group_tests_name("crypto_fault", tests, t_keys_setup, NULL);
}
