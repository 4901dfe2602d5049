/*
 * test_trustadm_review.c - the rules behind trustadm's review and SAR
 * commands (tools/trustadm/review_rules.c, sar_manifest.c): platform
 * lists, the stricter of sealed and current consent, refusals that name
 * the platform and never a pupil, and the JSON handed to a reviewer or a
 * data subject (manifest files and hashes, review history), and the
 * registry rows of reviews and of names in the picture.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "tc_io.h"
#include "tc_review.h"
#include "tc_trust_registry.h"

static void
set_consent(struct tc_policy_consent *c, const char *pupil, const char *a, const char *b)
{
	memset(c, 0, sizeof(*c));
	tc_strlcpy(c->pupil, pupil, sizeof(c->pupil));
	if (a)
		tc_strlcpy(c->platforms[c->n_platforms++], a, TC_META_ID_MAX);
	if (b)
		tc_strlcpy(c->platforms[c->n_platforms++], b, TC_META_ID_MAX);
}

/* Roster: ALICE website+newsletter, BOB website, CAROL none. */
static struct tc_policy_consent rows[3];
static struct tc_policy roster;

static int
teardown(void **state)
{
	(void)state;
	tc_policy_roster_clear(&roster);
	return 0;
}

static void
photo(struct tc_photo_meta *m, const char *p1, const char *p2, const char *s1, const char *s2)
{
	memset(m, 0, sizeof(*m));
	if (p1)
		tc_strlcpy(m->pupil_refs[m->n_pupils++], p1, TC_META_ID_MAX);
	if (p2)
		tc_strlcpy(m->pupil_refs[m->n_pupils++], p2, TC_META_ID_MAX);
	if (s1)
		tc_strlcpy(m->platforms[m->n_platforms++], s1, TC_META_ID_MAX);
	if (s2)
		tc_strlcpy(m->platforms[m->n_platforms++], s2, TC_META_ID_MAX);
}

static int
setup(void **state)
{
	(void)state;
	set_consent(&rows[0], "P-ALICE", "website", "newsletter");
	set_consent(&rows[1], "P-BOB", "website", NULL);
	set_consent(&rows[2], "P-CAROL", NULL, NULL);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(tc_policy_add_consent(&roster, &rows[i]), 0);
	return 0;
}

static void
test_parse_platforms(void **state)
{
	char out[TC_META_MAX_PLATFORMS][TC_META_ID_MAX], why[TC_REVIEW_WHY_MAX], many[1024];
	unsigned n = 99, i;

	(void)state;
	assert_int_equal(tc_review_parse_platforms("website,newsletter", out, &n, why,
						   sizeof(why)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "website");
	assert_string_equal(out[1], "newsletter");
	assert_int_equal(tc_review_parse_platforms("", out, &n, why, sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_int_equal(tc_review_parse_platforms("website,website", out, &n, why, sizeof(why)),
			 -EINVAL);
	assert_non_null(strstr(why, "twice"));
	assert_int_equal(tc_review_parse_platforms("Web Site", out, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(tc_review_parse_platforms("a,,b", out, &n, why, sizeof(why)), -EINVAL);
	assert_int_equal(tc_review_parse_platforms("a,", out, &n, why, sizeof(why)), -EINVAL);
	many[0] = 0;
	for (i = 0; i <= TC_META_MAX_PLATFORMS; i++) {
		size_t l = strlen(many);

		snprintf(many + l, sizeof(many) - l, "%sp%u", i ? "," : "", i);
	}
	assert_int_equal(tc_review_parse_platforms(many, out, &n, why, sizeof(why)), -EINVAL);
}

static void
test_allowed_is_the_stricter_consent(void **state)
{
	char out[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	struct tc_photo_meta m;
	unsigned n;

	(void)state;
	/* Sealed website+newsletter for ALICE alone: both still allowed. */
	photo(&m, "P-ALICE", NULL, "website", "newsletter");
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 2);
	/* ALICE and BOB: the roster allows only website for both. */
	photo(&m, "P-ALICE", "P-BOB", "website", "newsletter");
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "website");
	/* Sealed website only: newsletter is never added back by the roster. */
	photo(&m, "P-ALICE", NULL, "website", NULL);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 1);
	/* A pupil the roster no longer knows, or one without consent: nothing. */
	photo(&m, "P-ALICE", "P-GONE", "website", NULL);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 0);
	photo(&m, "P-CAROL", NULL, "website", NULL);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 0);
	/* Untagged: nothing. */
	photo(&m, NULL, NULL, "website", NULL);
	tc_review_allowed(&m, &roster, out, &n);
	assert_int_equal(n, 0);
}

static void
test_check_refusals(void **state)
{
	char req[2][TC_META_ID_MAX] = { "website", "newsletter" }, why[TC_REVIEW_WHY_MAX];
	char print[1][TC_META_ID_MAX] = { "print" };
	struct tc_photo_meta m;

	(void)state;
	photo(&m, "P-ALICE", NULL, "website", "newsletter");
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 2, why,
					 sizeof(why)), 0);
	/* Not sealed on the device. */
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])print, 1, why,
					 sizeof(why)), TC_E_REFUSED);
	assert_non_null(strstr(why, "'print'"));
	assert_non_null(strstr(why, "when it was taken"));
	/* Sealed, but BOB's current consent does not include newsletter. */
	photo(&m, "P-ALICE", "P-BOB", "website", "newsletter");
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 2, why,
					 sizeof(why)), TC_E_REFUSED);
	assert_non_null(strstr(why, "'newsletter'"));
	assert_non_null(strstr(why, "current consent roster"));
	assert_null(strstr(why, "P-"));	/* never a pupil ref */
	/* Internal use only is always allowed. */
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 0, why,
					 sizeof(why)), 0);
	/* Untagged: no platform. */
	photo(&m, NULL, NULL, NULL, NULL);
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 1, why,
					 sizeof(why)), TC_E_REFUSED);
	assert_non_null(strstr(why, "needs tagging"));
	assert_int_equal(tc_review_check(&m, &roster, (const char (*)[TC_META_ID_MAX])req, 0, why,
					 sizeof(why)), 0);
}

static void
test_join(void **state)
{
	char names[3][TC_META_ID_MAX] = { "a", "bb", "ccc" }, out[16], tiny[5];

	(void)state;
	assert_int_equal(tc_review_join((const char (*)[TC_META_ID_MAX])names, 3, ';', out,
					sizeof(out)), 0);
	assert_string_equal(out, "a;bb;ccc");
	assert_int_equal(tc_review_join((const char (*)[TC_META_ID_MAX])names, 0, ';', out,
					sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(tc_review_join((const char (*)[TC_META_ID_MAX])names, 3, ';', tiny,
					sizeof(tiny)), -ENAMETOOLONG);
}

static void
fill_photo(struct tc_review_photo *p, const char *id)
{
	memset(p, 0, sizeof(*p));
	tc_strlcpy(p->device, "D-0123456789abcdef", sizeof(p->device));
	tc_strlcpy(p->photo_id, id, sizeof(p->photo_id));
	memset(p->digest, 'a', 64);
	p->size = 1234;
	p->received = 1764097200;	/* 2025-11-25T19:00:00Z */
	p->ledger_seq = 7;
}

static void
test_manifest(void **state)
{
	struct tc_review_photo p1, p2;
	struct tc_photo_meta m;
	struct tc_sar_file files[2] = { { .name = "x.jpg", .size = 3 }, { .name = "x.json", .size = 5 } };
	json_t *man, *back, *ph, *f;
	json_error_t err;
	char *text;

	(void)state;
	memset(files[0].sha256, 0x11, TC_SHA256_LEN);
	memset(files[1].sha256, 0xab, TC_SHA256_LEN);
	fill_photo(&p1, "00112233445566778899aabbccddeeff");
	fill_photo(&p2, "ffeeddccbbaa99887766554433221100");
	photo(&m, "P-ALICE", NULL, "website", NULL);
	m.capture_time_us = 1764097200ull * 1000000;
	man = tc_sar_manifest_new("P-ALICE", 1764097200);
	assert_non_null(man);
	assert_int_equal(tc_sar_manifest_add(man, &p1, &m, "approved", files, 2), 0);
	assert_int_equal(tc_sar_manifest_add(man, &p2, &m, "pending_review", files, 1), 0);
	text = json_dumps(man, JSON_SORT_KEYS);
	assert_non_null(text);
	back = json_loads(text, 0, &err);
	assert_non_null(back);
	assert_string_equal(json_string_value(json_object_get(back, "pupil")), "P-ALICE");
	assert_string_equal(json_string_value(json_object_get(back, "created")),
			    "2025-11-25T19:00:00Z");
	ph = json_object_get(back, "photos");
	assert_int_equal(json_array_size(ph), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 0), "photo_id")),
			    p1.photo_id);
	assert_string_equal(json_string_value(json_object_get(json_array_get(ph, 0), "state")),
			    "approved");
	f = json_object_get(json_array_get(ph, 0), "files");
	assert_int_equal(json_array_size(f), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(f, 1), "sha256")),
			    "abababababababababababababababababababababababababababababababab");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(f, 1), "bytes")), 5);
	assert_int_equal(json_array_size(json_object_get(json_array_get(ph, 1), "files")), 1);
	free(text);
	json_decref(back);
	json_decref(man);
}

static void
test_meta_json(void **state)
{
	struct tc_review_photo p;
	struct tc_photo_meta m;
	json_t *o, *h;

	(void)state;
	fill_photo(&p, "00112233445566778899aabbccddeeff");
	photo(&m, NULL, NULL, NULL, NULL);
	tc_strlcpy(m.staff_id, "S-1", sizeof(m.staff_id));
	h = json_pack("[{s:s}]", "decision", "rejected");
	o = tc_review_meta_json(&p, &m, "rejected", h);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "needs_tagging")));
	assert_string_equal(json_string_value(json_object_get(o, "staff")), "S-1");
	assert_int_equal(json_array_size(json_object_get(o, "pupils")), 0);
	assert_int_equal(json_array_size(json_object_get(o, "review_history")), 1);
	assert_string_equal(json_string_value(json_object_get(o, "received")),
			    "2025-11-25T19:00:00Z");
	json_decref(o);
	o = tc_review_meta_json(&p, &m, "pending_review", NULL);
	assert_null(json_object_get(o, "review_history"));
	json_decref(o);
}

static int
count_row(void *ctx, const struct tc_reg_review *v)
{
	char *seen = ctx;
	size_t n = strlen(seen);

	snprintf(seen + n, 64 - n, "%c", v->approved ? 'A' : 'R');
	return 0;
}

/* Review rows: newest is the state, history is append-only, v1 registries migrate. */
static void
test_registry_reviews(void **state)
{
	const char *tmp = getenv("TC_TEST_TMP");
	const char *id = "00112233445566778899aabbccddeeff";
	char dir[512], path[600], seen[64] = "";
	struct tc_registry *r;
	struct tc_reg_review v;
	sqlite3 *db;

	(void)state;
	assert_non_null(tmp);
	snprintf(dir, sizeof(dir), "%s/reviews.XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tc_registry_open(&r, dir, true), 0);
	assert_int_equal(tc_registry_review_last(r, "D-0123456789abcdef", id, &v), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_review_add(r, "D-0123456789abcdef", id, true, "website"), 0);
	assert_int_equal(tc_registry_review_add(r, "D-0123456789abcdef", id, false, ""), 0);
	assert_int_equal(tc_registry_review_last(r, "D-0123456789abcdef", id, &v), 0);
	assert_false(v.approved);
	assert_true(v.reviewer[0] != 0);
	assert_int_equal(tc_registry_review_foreach(r, "D-0123456789abcdef", id, count_row, seen), 0);
	assert_string_equal(seen, "AR");
	/* Another device's photo with the same id is another photo. */
	assert_int_equal(tc_registry_review_last(r, "D-fedcba9876543210", id, &v), TC_E_NOT_FOUND);
	tc_registry_close(r);
	snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE reviews SET decision = 'approved'", NULL,
					  NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM reviews", NULL, NULL, NULL), SQLITE_OK);
	/* Back to a v1 registry: opening it adds the reviews table, v3's labels,
	 * v4's review_tags and v5's text_checks and redactions again. */
	assert_int_equal(sqlite3_exec(db, "DROP TABLE text_checks; DROP TABLE redactions;"
				      " DROP TABLE review_tags; DROP TRIGGER reviews_no_delete;"
				      " DROP TRIGGER reviews_no_update; DROP TABLE reviews;"
				      " ALTER TABLE consent DROP COLUMN label; PRAGMA user_version = 1;",
				      NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(tc_registry_open(&r, dir, false), 0);
	assert_int_equal(tc_registry_review_last(r, "D-0123456789abcdef", id, &v), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_review_add(r, "D-0123456789abcdef", id, true, ""), 0);
	assert_int_equal(tc_registry_redaction_add(r, "D-0123456789abcdef", id, ""), 0);
	tc_registry_close(r);
}

/* Names in the picture: one text check a photo (replaced), redactions append-only. */
static void
test_registry_picture(void **state)
{
	const char *tmp = getenv("TC_TEST_TMP");
	const char *id = "00112233445566778899aabbccddeeff", *dev = "D-0123456789abcdef";
	struct tc_reg_textcheck t = { .words = 3, .width = 640, .height = 480,
				      .boxes = "10,20,30,40;50,60,70,80" }, got;
	struct tc_reg_redaction red;
	char dir[512], path[600];
	struct tc_registry *r;
	sqlite3 *db;

	(void)state;
	assert_non_null(tmp);
	snprintf(dir, sizeof(dir), "%s/picture.XXXXXX", tmp);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(tc_registry_open(&r, dir, true), 0);
	assert_int_equal(tc_registry_textcheck_get(r, dev, id, &got), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_textcheck_put(r, dev, id, &t), 0);
	t.words = 4;
	assert_int_equal(tc_registry_textcheck_put(r, dev, id, &t), 0);
	assert_int_equal(tc_registry_textcheck_get(r, dev, id, &got), 0);
	assert_int_equal(got.words, 4);
	assert_int_equal(got.width, 640);
	assert_string_equal(got.boxes, "10,20,30,40;50,60,70,80");
	assert_int_equal(tc_registry_redaction_last(r, dev, id, &red), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_redaction_add(r, dev, id, "1,2,3,4"), 0);
	assert_int_equal(tc_registry_redaction_add(r, dev, id, ""), 0);
	assert_int_equal(tc_registry_redaction_last(r, dev, id, &red), 0);
	assert_string_equal(red.boxes, "");
	assert_true(red.seq > 0 && red.reviewer[0] != 0);
	assert_int_equal(tc_registry_redaction_last(r, "D-fedcba9876543210", id, &red),
			 TC_E_NOT_FOUND);
	tc_registry_close(r);
	snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE redactions SET boxes = ''", NULL, NULL,
					  NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM redactions", NULL, NULL, NULL),
			     SQLITE_OK);
	sqlite3_close(db);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_platforms),
		cmocka_unit_test(test_allowed_is_the_stricter_consent),
		cmocka_unit_test(test_check_refusals),
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_manifest),
		cmocka_unit_test(test_meta_json),
		cmocka_unit_test(test_registry_reviews),
		cmocka_unit_test(test_registry_picture),
	};

	return cmocka_run_group_tests_name("trustadm_review", tests, setup, teardown);
}
