/*
 * test_policy_rules.c - firmware/policy: the checks after the payload
 * parses: device id, validity period at the caller's time, anti-rollback
 * and the device-class rule (R2), each with its error, in that order,
 * and each with a test that the boundary case is allowed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_policy_util.h"

/* Verify p (signed by the fixture's signer) as device dev with min_version at now. */
static int
check(const struct pfx *f, const struct tc_policy *p, const char *dev, uint64_t min_version,
      int64_t now)
{
	struct tc_policy *out = NULL;
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	assert_int_equal(pki_policy_bundle(p, &f->k.signer, &b, &len), 0);
	rc = tc_policy_verify(b, len, f->k.ca.crt_pem, dev, min_version, now, &out);
	if (rc == 0) {
		assert_non_null(out);
		pfx_assert_equal(out, p);
	} else {
		assert_null(out);
	}
	tc_policy_free(out);
	tc_free(b);
	return rc;
}

static void
test_device(void **state)
{
	struct pfx *f = *state;
	struct pki_pair other;
	char other_id[TC_POLICY_ID_MAX];

	assert_int_equal(pki_make_device(&f->k.ca, NULL, &other, other_id), 0);
	assert_string_not_equal(other_id, f->k.device_id);
	assert_int_equal(check(f, f->p, f->k.device_id, 0, f->now), 0);
	assert_int_equal(check(f, f->p, other_id, 0, f->now), TC_E_POLICY_DEVICE);
	assert_int_equal(check(f, f->p, "", 0, f->now), TC_E_POLICY_DEVICE);
	/* A prefix is not a match. */
	other_id[10] = '\0';
	memcpy(other_id, f->k.device_id, 10);
	assert_int_equal(check(f, f->p, other_id, 0, f->now), TC_E_POLICY_DEVICE);
	assert_int_equal(check(f, f->p, NULL, 0, f->now), 0);
	pki_pair_free(&other);
}

static void
test_validity_period(void **state)
{
	struct pfx *f = *state;
	const struct tc_policy *p = f->p;

	assert_int_equal(check(f, p, f->k.device_id, 0, p->issued), 0);
	assert_int_equal(check(f, p, f->k.device_id, 0, p->expires - 1), 0);
	assert_int_equal(check(f, p, f->k.device_id, 0, p->expires), TC_E_POLICY_EXPIRED);
	assert_int_equal(check(f, p, f->k.device_id, 0, p->expires + 86400),
			 TC_E_POLICY_EXPIRED);
	/* A clock a little behind the Trust's still takes a fresh bundle. */
	assert_int_equal(check(f, p, f->k.device_id, 0, p->issued - 1), 0);
	assert_int_equal(check(f, p, f->k.device_id, 0, p->issued - TC_POLICY_CLOCK_SKEW), 0);
	/* A clock further behind is not "expired": the words say which. */
	assert_int_equal(check(f, p, f->k.device_id, 0, p->issued - TC_POLICY_CLOCK_SKEW - 1),
			 TC_E_POLICY_NOT_YET);
	assert_string_equal(tc_strerror(TC_E_POLICY_NOT_YET),
			    "policy is not yet valid: the device clock is before its issue time "
			    "(set the clock)");
	assert_string_equal(tc_strerror(TC_E_POLICY_EXPIRED), "policy has expired");
}

static void
test_rollback(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p = pfx_copy(f->p);

	p->version = 7;
	assert_int_equal(check(f, p, f->k.device_id, 0, f->now), 0);
	assert_int_equal(check(f, p, f->k.device_id, 6, f->now), 0);
	/* Re-installing the same bundle: the caller passes installed - 1. */
	assert_int_equal(check(f, p, f->k.device_id, 7 - 1, f->now), 0);
	assert_int_equal(check(f, p, f->k.device_id, 7, f->now), TC_E_POLICY_ROLLBACK);
	assert_int_equal(check(f, p, f->k.device_id, 8, f->now), TC_E_POLICY_ROLLBACK);
	assert_int_equal(check(f, p, f->k.device_id, UINT64_MAX, f->now), TC_E_POLICY_ROLLBACK);
	p->version = (uint64_t)INT64_MAX;
	assert_int_equal(check(f, p, f->k.device_id, (uint64_t)INT64_MAX - 1, f->now), 0);
	tc_policy_free(p);
}

static void
test_device_class(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p = pfx_copy(f->p);

	/* R2: an approved device deletes on receipt; no grace period, ever. */
	p->device_class = TC_CLASS_APPROVED;
	p->rules.delete_grace_hours = 0;
	assert_int_equal(check(f, p, f->k.device_id, 0, f->now), 0);
	p->rules.delete_grace_hours = 1;
	assert_int_equal(check(f, p, f->k.device_id, 0, f->now), TC_E_POLICY_CLASS);
	p->rules.delete_grace_hours = UINT32_MAX;
	assert_int_equal(check(f, p, f->k.device_id, 0, f->now), TC_E_POLICY_CLASS);
	/* A Trust-owned device may keep photos for a while after receipt. */
	p->device_class = TC_CLASS_TRUST_OWNED;
	p->rules.delete_grace_hours = 24;
	assert_int_equal(check(f, p, f->k.device_id, 0, f->now), 0);
	tc_policy_free(p);
}

static void
test_order(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p = pfx_copy(f->p);

	/* Everything wrong at once, then fixed one by one in the documented order. */
	p->version = 3;
	p->device_class = TC_CLASS_APPROVED;
	p->rules.delete_grace_hours = 5;
	assert_int_equal(check(f, p, "D-0000000000000000", 3, p->expires), TC_E_POLICY_DEVICE);
	assert_int_equal(check(f, p, f->k.device_id, 3, p->expires), TC_E_POLICY_EXPIRED);
	assert_int_equal(check(f, p, f->k.device_id, 3, f->now), TC_E_POLICY_ROLLBACK);
	assert_int_equal(check(f, p, f->k.device_id, 2, f->now), TC_E_POLICY_CLASS);
	p->rules.delete_grace_hours = 0;
	assert_int_equal(check(f, p, f->k.device_id, 2, f->now), 0);
	tc_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_validity_period),
		cmocka_unit_test(test_rollback),
		cmocka_unit_test(test_device_class),
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests_name("policy_rules", tests, pfx_setup, pfx_teardown);
}
