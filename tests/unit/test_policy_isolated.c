/*
 * test_policy_isolated.c - tc_policy_verify_isolated (isolate.c), the
 * verify photod runs in a child so decoding's memory stays out of its
 * heap: the same policy as tc_policy_verify (a 10,000-pupil roster
 * included), the same refusals, and an error, never a partial policy,
 * when the child dies before or while sending, or the parent's reads
 * fail.
 */
#include "test_policy_util.h"

#include <errno.h>
#include <stdio.h>

#include "tc_fault.h"

static int
verify(const struct pfx *f, const uint8_t *b, size_t len, const char *dev, uint64_t min,
       struct tc_policy **out)
{
	*out = (struct tc_policy *)(uintptr_t)1;
	return tc_policy_verify_isolated(b, len, f->k.ca.crt_pem, dev, min, f->now, &f->dev, out);
}

static void
test_same_policy(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out;

	assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, 0, &out), 0);
	assert_non_null(out);
	pfx_assert_equal(f->p, out);
	assert_int_equal(out->n_platforms, f->p->n_platforms);
	tc_policy_free(out);
}

static void
test_refusals(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out;
	uint8_t *b = tc_malloc(f->len);

	assert_non_null(b);
	assert_int_equal(verify(f, f->bundle, f->len, "D-0000000000000000", 0, &out),
			 TC_E_POLICY_DEVICE);
	assert_null(out);
	assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, f->p->version, &out),
			 TC_E_POLICY_ROLLBACK);
	assert_null(out);
	memcpy(b, f->bundle, f->len);
	b[f->len / 2] ^= 1;
	assert_int_not_equal(verify(f, b, f->len, f->k.device_id, 0, &out), 0);
	assert_null(out);
	tc_free(b);
}

static void
test_large_roster(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p = pfx_copy(f->p), *out;
	struct tc_policy_consent c;
	uint8_t *b;
	size_t len, i;

	tc_policy_roster_clear(p);
	for (i = 0; i < 10000; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.pupil, sizeof(c.pupil), "P-%06zu", i);
		if (i % 3)
			tc_strlcpy(c.platforms[c.n_platforms++], "website", TC_META_ID_MAX);
		if (i % 5)
			tc_strlcpy(c.platforms[c.n_platforms++], "newsletter", TC_META_ID_MAX);
		assert_int_equal(tc_policy_add_consent(p, &c), 0);
	}
	assert_int_equal(pki_policy_bundle(p, &f->k.signer, &b, &len), 0);
	assert_int_equal(verify(f, b, len, f->k.device_id, 0, &out), 0);
	assert_int_equal(out->n_pupils, 10000);
	pfx_assert_equal(p, out);
	tc_policy_free(out);
	tc_free(b);
	tc_policy_free(p);
}

/* The child killed after its answer's first word, or after all of it; reads failing. */
static void
test_broken_child(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out;

	tc_fault_crash_at("policy.isolate.rc_sent", 1);
	assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, 0, &out), -EPIPE);
	assert_null(out);
	tc_fault_disarm_all();
	/* Everything arrived, but a child that did not exit cleanly vouches for nothing. */
	tc_fault_crash_at("policy.isolate.all_sent", 1);
	assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, 0, &out), -EPIPE);
	assert_null(out);
	tc_fault_disarm_all();
	/* The parent's reads failing at each step: an error, no policy, no leak. */
	for (unsigned long n = 1; n <= 7; n++) {
		tc_fault_arm(TC_FAULT_READ, n, EIO, false);
		assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, 0, &out), -EIO);
		assert_null(out);
		tc_fault_disarm_all();
	}
	/* And after all that, it still works. */
	assert_int_equal(verify(f, f->bundle, f->len, f->k.device_id, 0, &out), 0);
	tc_policy_free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_policy),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_large_roster),
		cmocka_unit_test(test_broken_child),
	};

	return cmocka_run_group_tests_name("policy_isolated", tests, pfx_setup, pfx_teardown);
}
