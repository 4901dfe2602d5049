/*
 * test_sync_enrol.c - firmware/sync's enrolment proof message
 * (tc_enrol.h): the exact bytes hashed (context, NUL, device id) against
 * a digest computed outside trustcam, one id's message is not another's,
 * and an over-long id is cut, never read past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "tc_enrol.h"
#include "tc_io.h"

static void
expect_hash(const char *id, const char *hex)
{
	uint8_t got[32], want[32];

	assert_int_equal(tc_hex_decode(hex, want, sizeof(want)), 0);
	tc_enrol_proof_hash(id, got);
	assert_memory_equal(got, want, sizeof(want));
}

static void
test_known_vector(void **state)
{
	(void)state;
	/* python3: hashlib.sha256(b"trustcam enrol answer v1\x00D-0123456789abcdef") */
	expect_hash("D-0123456789abcdef",
		    "abf163cf40fef476dd4e9bf96484164faab1dfd8176781cb1f836032936a5f19");
}

static void
test_ids_differ(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	tc_enrol_proof_hash("D-0123456789abcdef", a);
	tc_enrol_proof_hash("D-0123456789abcdee", b);
	assert_memory_not_equal(a, b, sizeof(a));
}

static void
test_long_id_cut(void **state)
{
	char id[200];

	(void)state;
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	/* python3: hashlib.sha256(b"trustcam enrol answer v1\x00" + b"x" * 64) */
	expect_hash(id, "68ce1de8dbf67a7efbfc551342d217d9b6f6e3e1029f19d2c3d9fe85355fbc48");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vector),
		cmocka_unit_test(test_ids_differ),
		cmocka_unit_test(test_long_id_cut),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
