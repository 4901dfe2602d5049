/*
 * test_trustadm_review_tags.c - tagging at review (issue 18, item 4):
 * pupil lists parse strictly; tags set at review replace the sealed ones
 * and the permitted platforms become the intersection of the new
 * pupils' consents (as at capture), so the approval rules follow them;
 * the registry's review_tags table keeps every change (newest wins) and
 * refuses edits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "tc_io.h"
#include "tc_review.h"
#include "tc_trust_registry.h"

static struct tc_policy roster;

static void
consent(const char *pupil, const char *a, const char *b)
{
	struct tc_policy_consent c;

	memset(&c, 0, sizeof(c));
	tc_strlcpy(c.pupil, pupil, sizeof(c.pupil));
	if (a)
		tc_strlcpy(c.platforms[c.n_platforms++], a, TC_META_ID_MAX);
	if (b)
		tc_strlcpy(c.platforms[c.n_platforms++], b, TC_META_ID_MAX);
	assert_int_equal(tc_policy_add_consent(&roster, &c), 0);
}

/* ALICE website+newsletter, BOB website+yearbook, CAROL none. */
static int
setup(void **state)
{
	(void)state;
	consent("P-ALICE", "website", "newsletter");
	consent("P-BOB", "website", "yearbook");
	consent("P-CAROL", NULL, NULL);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tc_policy_roster_clear(&roster);
	return 0;
}

static void
test_parse_pupils(void **state)
{
	char out[TC_META_MAX_PUPILS][TC_META_ID_MAX], why[TC_REVIEW_WHY_MAX];
	unsigned n = 9;

	(void)state;
	assert_int_equal(tc_review_parse_pupils("", ',', out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tc_review_parse_pupils("P-A,P-B", ',', out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[1], "P-B");
	assert_int_equal(tc_review_parse_pupils("P-A;P-B", ';', out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_int_not_equal(tc_review_parse_pupils("P-A,P-A", ',', out, &n, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "twice"));
	assert_int_not_equal(tc_review_parse_pupils("P-A,,P-B", ',', out, &n, why, sizeof(why)), 0);
	assert_int_not_equal(tc_review_parse_pupils("P A", ',', out, &n, why, sizeof(why)), 0);
}

static void
test_retag_follows_consent(void **state)
{
	char req[1][TC_META_ID_MAX] = { "website" }, why[TC_REVIEW_WHY_MAX];
	char two[2][TC_META_ID_MAX] = { "P-ALICE", "P-BOB" }, one[1][TC_META_ID_MAX] = { "P-ALICE" };
	char out[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	struct tc_photo_meta m;
	unsigned n;

	(void)state;
	memset(&m, 0, sizeof(m));	/* untagged, as sealed: no platform */
	assert_int_not_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 1,
					     why, sizeof(why)), 0);
	tc_review_retag(&m, (const char (*)[TC_META_ID_MAX])two, 2, &roster);
	assert_int_equal(m.n_pupils, 2);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 1);	/* the one platform both consented to */
	assert_string_equal(out[0], "website");
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 1, why,
					 sizeof(why)), 0);
	tc_strlcpy(req[0], "yearbook", TC_META_ID_MAX);
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 1, why,
					 sizeof(why)), TC_E_REFUSED);
	/* A correction replaces the pupils and the platforms. */
	tc_review_retag(&m, (const char (*)[TC_META_ID_MAX])one, 1, &roster);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 2);
	assert_int_equal(m.n_pupils, 1);
	/* Untagging leaves the photo for internal use only. */
	tc_review_retag(&m, (const char (*)[TC_META_ID_MAX])one, 0, &roster);
	assert_int_equal(m.n_pupils, 0);
	assert_int_equal(m.n_platforms, 0);
}

static void
test_registry_tags(void **state)
{
	const char *tmp = getenv("TC_TEST_TMP"), *id = "00112233445566778899aabbccddeeff";
	char dir[512], path[600];
	struct tc_registry *r;
	struct tc_reg_tags t;
	sqlite3 *db;

	(void)state;
	assert_non_null(tmp);
	snprintf(dir, sizeof(dir), "%s/tags.XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tc_registry_open(&r, dir, true), 0);
	assert_int_equal(tc_registry_tags_last(r, "D-0123456789abcdef", id, &t), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_tags_add(r, "D-0123456789abcdef", id, "P-ALICE;P-BOB"), 0);
	assert_int_equal(tc_registry_tags_add(r, "D-0123456789abcdef", id, "P-CAROL"), 0);
	assert_int_equal(tc_registry_tags_last(r, "D-0123456789abcdef", id, &t), 0);
	assert_string_equal(t.pupils, "P-CAROL");
	assert_true(t.reviewer[0] != 0);
	assert_int_equal(tc_registry_tags_last(r, "D-fedcba9876543210", id, &t), TC_E_NOT_FOUND);
	tc_registry_close(r);
	snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE review_tags SET pupils = ''", NULL, NULL,
					  NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM review_tags", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_pupils),
		cmocka_unit_test(test_retag_follows_consent),
		cmocka_unit_test(test_registry_tags),
	};

	return cmocka_run_group_tests_name("trustadm_review_tags", tests, setup, teardown);
}
