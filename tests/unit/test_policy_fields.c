/*
 * test_policy_fields.c - firmware/policy: the payload's field contents.
 *
 * Signed correctly, refused as TC_E_POLICY_FORMAT: overlong, empty or
 * non-ASCII ids, bad device ids, hex points that are malformed or off
 * the curve, impossible dates, bad platform names, PIN hashes outside
 * the accepted Argon2id form and costs, repeated ids, too many staff,
 * events, pupils or platforms.  Every limit is also tested at its
 * boundary, where it must pass.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "test_policy_util.h"

/* A JSON string of n copies of c. */
static char *
run_of(char c, size_t n)
{
	char *s = malloc(n + 3);

	assert_non_null(s);
	s[0] = '"';
	memset(s + 1, c, n);
	s[n + 1] = '"';
	s[n + 2] = '\0';
	return s;
}

static void
test_lengths(void **state)
{
	static const char *const id_paths[] = { "staff/0/id", "events/0/id", "consent/0/pupil" };
	struct pfx *f = *state;
	char *s;
	size_t i;

	for (i = 0; i < N(id_paths); i++) {
		s = run_of('x', 63);
		assert_int_equal(verify_edit(f, id_paths[i], s), 0);
		free(s);
		s = run_of('x', 64);
		assert_int_equal(verify_edit(f, id_paths[i], s), TC_E_POLICY_FORMAT);
		free(s);
		assert_int_equal(verify_edit(f, id_paths[i], "\"\""), TC_E_POLICY_FORMAT);
		assert_int_equal(verify_edit(f, id_paths[i], "\"S 1\""), TC_E_POLICY_FORMAT);
		assert_int_equal(verify_edit(f, id_paths[i], "\"S\\u00e9\""), TC_E_POLICY_FORMAT);
		assert_int_equal(verify_edit(f, id_paths[i], "\"S\\u0000\""), TC_E_POLICY_FORMAT);
	}
	s = run_of('n', 127);
	assert_int_equal(verify_edit(f, "events/0/name", s), 0);
	free(s);
	s = run_of('n', 128);
	assert_int_equal(verify_edit(f, "events/0/name", s), TC_E_POLICY_FORMAT);
	free(s);
	assert_int_equal(verify_edit(f, "events/0/name", "\"tab\\there\""), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_edit(f, "events/0/name", "\"\""), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_edit(f, "events/0/name", "\"Caf\\u00e9 \\u266b\""), 0);
	s = run_of('u', 255);
	memcpy(s + 1, "https://", 8);
	assert_int_equal(verify_edit(f, "server/url", s), 0);
	free(s);
	s = run_of('u', 256);
	memcpy(s + 1, "https://", 8);
	assert_int_equal(verify_edit(f, "server/url", s), TC_E_POLICY_FORMAT);
	free(s);
}

static void
test_device_ids(void **state)
{
	static const struct edit_case c[] = {
		{ "device/id", "\"D-0123\"" }, { "device/id", "\"D-0123456789ABCDEF\"" },
		{ "device/id", "\"X-0123456789abcdef\"" }, { "device/id", "\"D-0123456789abcdef0\"" },
		{ "device/id", "\"D-0123456789abcdeg\"" }, { "device/id", "\"\"" },
	};

	expect_format(*state, c, N(c));
}

static void
test_public_keys(void **state)
{
	struct pfx *f = *state;
	char good[2 * TC_P256_PUB_LEN + 1], bad[2 * TC_P256_PUB_LEN + 8];
	const char *paths[] = { "photo_pub", "receipt_pub" };
	size_t i;

	tc_hex_encode(f->p->photo_pub, TC_P256_PUB_LEN, good);
	for (i = 0; i < N(paths); i++) {
		snprintf(bad, sizeof(bad), "\"%.129s\"", good);		/* 129 digits */
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
		snprintf(bad, sizeof(bad), "\"%s0\"", good);		/* 131 digits */
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
		snprintf(bad, sizeof(bad), "\"%s\"", good);
		bad[20] = 'g';						/* not hex */
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
		snprintf(bad, sizeof(bad), "\"%s\"", good);
		bad[2] = '5';						/* 0x05: no such form */
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
		snprintf(bad, sizeof(bad), "\"%s\"", good);
		bad[130] ^= 0x01;					/* off the curve */
		if (bad[130] < '0' || (bad[130] > '9' && bad[130] < 'a') || bad[130] > 'f')
			bad[130] = bad[130] == '0' ? '1' : '0';
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
		snprintf(bad, sizeof(bad), "\"04%0128d\"", 0);		/* all-zero point */
		assert_int_equal(verify_edit(f, paths[i], bad), TC_E_POLICY_FORMAT);
	}
	/* Upper-case hex is not the canonical form. */
	for (i = 0; good[i]; i++)
		if (good[i] >= 'a' && good[i] <= 'f')
			good[i] = (char)(good[i] - 'a' + 'A');
	snprintf(bad, sizeof(bad), "\"%s\"", good);
	assert_int_equal(verify_edit(f, "photo_pub", bad), TC_E_POLICY_FORMAT);
}

static void
test_dates(void **state)
{
	static const struct edit_case c[] = {
		{ "events/0/date", "\"2026-13-01\"" }, { "events/0/date", "\"2026-00-10\"" },
		{ "events/0/date", "\"2026-02-30\"" }, { "events/0/date", "\"2025-02-29\"" },
		{ "events/0/date", "\"2100-02-29\"" }, { "events/0/date", "\"2026-04-31\"" },
		{ "events/0/date", "\"2026-01-00\"" }, { "events/0/date", "\"26-01-01\"" },
		{ "events/0/date", "\"2026/01/01\"" }, { "events/0/date", "\"2026-1-01\"" },
		{ "events/0/date", "\"1969-12-31\"" }, { "events/0/date", "\"2026-01-01T00\"" },
		{ "events/0/date", "\"2026-01-0a\"" }, { "events/0/date", "\"\"" },
	};
	static const struct edit_case ok[] = {
		{ "events/0/date", "\"2024-02-29\"" }, { "events/0/date", "\"2000-02-29\"" },
		{ "events/0/date", "\"2026-12-31\"" }, { "events/0/date", "\"1970-01-01\"" },
	};

	expect_format(*state, c, N(c));
	expect_ok(*state, ok, N(ok));
}

static void
test_platform_names(void **state)
{
	static const struct edit_case c[] = {
		{ "consent/0/platforms/0", "\"Website\"" }, { "consent/0/platforms/0", "\"web site\"" },
		{ "consent/0/platforms/0", "\"\"" }, { "consent/0/platforms/0", "\"web_site\"" },
		{ "consent/0/platforms/0", "\"x.com\"" },
		{ "consent/0/platforms/0", "\"abcdefghijklmnopqrstuvwxyz0123456\"" },	/* 33 */
		{ "consent/0/platforms", "[\"website\",\"website\"]" },
	};
	static const struct edit_case ok[] = {
		{ "consent/0/platforms/0", "\"abcdefghijklmnopqrstuvwxyz012345\"" },	/* 32 */
		{ "consent/0/platforms/0", "\"x\"" }, { "consent/0/platforms/0", "\"bbc-news-2\"" },
	};

	expect_format(*state, c, N(c));
	expect_ok(*state, ok, N(ok));
}

static void
test_pin_hashes(void **state)
{
	static const struct edit_case c[] = {
		{ "staff/0/pin", "\"1234\"" },
		{ "staff/0/pin", "\"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=16$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=1048576,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=100,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=2,p=8$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=2,p=1$$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=019456,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo$\"" },
		{ "staff/0/pin", "\"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$"
				 "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNo==\"" },
	};

	expect_format(*state, c, N(c));
}

static void
test_repeated_ids(void **state)
{
	struct pfx *f = *state;
	char v[80];

	snprintf(v, sizeof(v), "\"%s\"", f->p->staff[0].id);
	assert_int_equal(verify_edit(f, "staff/1/id", v), TC_E_POLICY_FORMAT);
	snprintf(v, sizeof(v), "\"%s\"", f->p->events[0].id);
	assert_int_equal(verify_edit(f, "events/1/id", v), TC_E_POLICY_FORMAT);
	snprintf(v, sizeof(v), "\"%s\"", f->p->pupils[0].pupil);
	assert_int_equal(verify_edit(f, "consent/3/pupil", v), TC_E_POLICY_FORMAT);
}

/* One generated entry number i of the array named what. */
static json_t *
entry(const struct pfx *f, const char *what, size_t i)
{
	char id[32];

	snprintf(id, sizeof(id), "x%zu", i);
	if (strcmp(what, "staff") == 0)
		return json_pack("{s:s, s:s}", "id", id, "pin", f->p->staff[0].pin_hash);
	if (strcmp(what, "events") == 0)
		return json_pack("{s:s, s:s, s:s}", "id", id, "name", "E", "date", "2026-01-01");
	if (strcmp(what, "consent") == 0)
		return json_pack("{s:s, s:[]}", "pupil", id, "platforms");
	return json_string(id);		/* a platform name */
}

/* The base tree with array what (or pupil 0's platforms) of n entries; rc of verify. */
static int
verify_many(const struct pfx *f, const char *what, size_t n)
{
	json_t *root = base_tree(f), *a = json_array();
	json_t *parent = strcmp(what, "platforms") == 0 ? node(root, "consent/0", 9) : root;
	size_t i;
	int rc;

	assert_non_null(a);
	for (i = 0; i < n; i++)
		assert_int_equal(json_array_append_new(a, entry(f, what, i)), 0);
	assert_int_equal(json_object_set_new(parent, what, a), 0);
	rc = verify_tree(f, root);
	json_decref(root);
	return rc;
}

static void
test_too_many(void **state)
{
	struct pfx *f = *state;

	assert_int_equal(verify_many(f, "staff", 1000), 0);
	assert_int_equal(verify_many(f, "staff", 1001), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_many(f, "events", 1000), 0);
	assert_int_equal(verify_many(f, "events", 1001), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_many(f, "consent", 20000), 0);
	assert_int_equal(verify_many(f, "consent", 20001), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_many(f, "platforms", TC_META_MAX_PLATFORMS), 0);
	assert_int_equal(verify_many(f, "platforms", TC_META_MAX_PLATFORMS + 1),
			 TC_E_POLICY_FORMAT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_device_ids),
		cmocka_unit_test(test_public_keys),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_platform_names),
		cmocka_unit_test(test_pin_hashes),
		cmocka_unit_test(test_repeated_ids),
		cmocka_unit_test(test_too_many),
	};

	return cmocka_run_group_tests_name("policy_fields", tests, pfx_setup, pfx_teardown);
}
