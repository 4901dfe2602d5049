/*
 * test_policy_payload.c - firmware/policy: the JSON payload's structure.
 *
 * Each malformed payload is signed correctly (tc_policy_sign over a
 * hand-edited copy of a valid payload), so only the payload rules can
 * refuse it, and must, with TC_E_POLICY_FORMAT: duplicate, missing and
 * extra keys, wrong JSON types and out-of-range numbers, text that is
 * not one JSON object.  The encoder refuses a struct the device would
 * refuse (-EINVAL).  Field contents and counts: test_policy_fields.c.
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

static void
test_control(void **state)
{
	struct pfx *f = *state;
	json_t *root = base_tree(f);

	/* The unedited tree, re-dumped, passes: the edits below are what fail. */
	assert_int_equal(verify_tree(f, root), 0);
	json_decref(root);
}

static void
test_missing_keys(void **state)
{
	static const char *const paths[] = {
		"format", "version", "issued", "expires", "device", "device/id",
		"device/class", "server", "server/url", "server/name", "trust_ca",
		"photo_pub", "receipt_pub", "staff", "staff/0/id", "staff/0/pin", "events",
		"events/0/id", "events/0/name", "events/0/date", "consent",
		"consent/0/pupil", "consent/0/platforms", "rules", "rules/max_unsynced",
		"rules/max_hours_since_sync", "rules/delete_grace_hours",
		"rules/require_event",
	};
	struct pfx *f = *state;
	size_t i;

	for (i = 0; i < N(paths); i++)
		if (verify_edit(f, paths[i], NULL) != TC_E_POLICY_FORMAT)
			fail_msg("%s deleted: expected TC_E_POLICY_FORMAT", paths[i]);
}

static void
test_extra_keys(void **state)
{
	static const struct edit_case c[] = {
		{ "comment", "\"hello\"" }, { "device/owner", "\"x\"" }, { "server/port", "8443" },
		{ "staff/0/name", "\"Alice\"" }, { "events/0/place", "\"field\"" },
		{ "consent/0/note", "null" }, { "rules/max_photos", "1" },
	};

	expect_format(*state, c, N(c));
}

static void
test_duplicate_keys(void **state)
{
	struct pfx *f = *state;
	char *text = NULL;
	json_t *root = base_tree(f);
	char *dup, *at;
	size_t n;

	text = json_dumps(root, JSON_COMPACT);
	assert_non_null(text);
	n = strlen(text) + 64;
	dup = malloc(n);
	assert_non_null(dup);
	/* Top level: "format" twice, same value. */
	snprintf(dup, n, "{\"format\":1,%s", text + 1);
	assert_int_equal(verify_text(f, dup), TC_E_POLICY_FORMAT);
	/* Nested: a second "class" that would otherwise be read last. */
	at = strstr(text, "\"class\":");
	assert_non_null(at);
	snprintf(dup, n, "%.*s\"class\":\"approved\",%s", (int)(at - text), text, at);
	assert_int_equal(verify_text(f, dup), TC_E_POLICY_FORMAT);
	/* Inside an array element. */
	at = strstr(text, "{\"id\":\"" PKI_STAFF_A "\"");
	assert_non_null(at);
	snprintf(dup, n, "%.*s{\"id\":\"X\",%s", (int)(at - text), text, at + 1);
	assert_int_equal(verify_text(f, dup), TC_E_POLICY_FORMAT);
	free(dup);
	free(text);
	json_decref(root);
}

static void
test_wrong_types(void **state)
{
	static const struct edit_case c[] = {
		{ "format", "\"2\"" }, { "format", "2.0" }, { "format", "1" }, { "format", "3" },
		{ "format", "0" },
		{ "version", "\"7\"" }, { "version", "0" }, { "version", "-1" }, { "version", "1.5" },
		{ "version", "true" }, { "issued", "\"now\"" }, { "issued", "-1" },
		{ "expires", "null" }, { "device", "\"D-0123456789abcdef\"" }, { "device", "[]" },
		{ "device/class", "\"owned\"" }, { "device/class", "1" },
		{ "device/class", "\"Trust-Owned\"" }, { "device/id", "5" },
		{ "server", "\"https://x\"" }, { "server/url", "7" },
		{ "server/url", "\"http://127.0.0.1:8443\"" }, { "server/url", "\"https://\"" },
		{ "server/url", "\"https://a b\"" }, { "server/name", "\"trust server\"" },
		{ "server/name", "\"\"" }, { "server/name", "[\"x\"]" },
		{ "trust_ca", "5" }, { "trust_ca", "\"not a certificate\"" },
		{ "trust_ca", "\"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n\"" },
		{ "photo_pub", "5" }, { "staff", "{}" }, { "staff", "null" }, { "staff/0", "\"S1\"" },
		{ "staff/0/id", "5" }, { "staff/0/pin", "5" }, { "events", "\"EV\"" },
		{ "events/0/name", "5" }, { "events/0/date", "20260625" },
		{ "consent", "{}" }, { "consent/0/pupil", "7" },
		{ "consent/0/platforms", "\"website\"" }, { "consent/0/platforms", "null" },
		{ "consent/0/platforms/0", "5" }, { "rules", "[]" },
		{ "rules/max_unsynced", "\"500\"" }, { "rules/max_unsynced", "-1" },
		{ "rules/max_unsynced", "4294967296" }, { "rules/max_unsynced", "true" },
		{ "rules/max_hours_since_sync", "72.0" }, { "rules/delete_grace_hours", "null" },
		{ "rules/review_on_device", "0" }, { "rules/review_on_device", "null" },
		{ "rules/require_event", "\"true\"" },
		{ "rules/on_revoked", "\"maybe\"" }, { "rules/on_revoked", "\"Block\"" },
		{ "rules/on_revoked", "true" }, { "rules/on_revoked", "null" },
	};
	static const struct edit_case ok[] = {
		{ "rules/max_unsynced", "0" }, { "rules/max_unsynced", "4294967295" },
		/* Bundles from before the review key was removed say false: still fine. */
		{ "rules/review_on_device", "false" }, { "rules/require_event", "false" },
		{ "rules/on_revoked", "\"block\"" }, { "rules/on_revoked", "\"warn\"" },
		{ "staff", "[]" }, { "events", "[]" }, { "consent", "[]" },
		{ "server/name", "\"::1\"" }, { "server/url", "\"https://[::1]:8443/sync\"" },
	};
	struct pfx *f = *state;
	json_t *root = base_tree(f);

	expect_format(f, c, N(c));
	expect_ok(f, ok, N(ok));
	/* Asking for the removed on-device review key (R3) is refused, and says so. */
	assert_int_equal(verify_edit(f, "rules/review_on_device", "true"), TC_E_POLICY_REVIEW_KEY);
	/* The root must be an object; expiry must follow issue. */
	assert_int_equal(verify_text(f, "[1,2]"), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_text(f, "\"policy\""), TC_E_POLICY_FORMAT);
	json_object_set_new(root, "expires", json_integer(f->p->issued));
	assert_int_equal(verify_tree(f, root), TC_E_POLICY_FORMAT);
	json_object_set_new(root, "expires", json_integer(f->p->issued - 1));
	assert_int_equal(verify_tree(f, root), TC_E_POLICY_FORMAT);
	/* A PEM that parses but is no CA: the signer's own certificate. */
	json_object_set_new(root, "expires", json_integer(f->p->expires));
	json_object_set_new(root, "trust_ca", json_string(f->k.signer.crt_pem));
	assert_int_equal(verify_tree(f, root), TC_E_POLICY_FORMAT);
	json_decref(root);
}

static void
test_json_text(void **state)
{
	struct pfx *f = *state;
	json_t *root = base_tree(f);
	char *text = json_dumps(root, JSON_COMPACT), *t;
	size_t n;

	assert_non_null(text);
	n = strlen(text) + 16;
	t = malloc(n);
	assert_non_null(t);
	snprintf(t, n, "%s x", text);			/* bytes after the value */
	assert_int_equal(verify_text(f, t), TC_E_POLICY_FORMAT);
	snprintf(t, n, "%s{}", text);			/* a second value */
	assert_int_equal(verify_text(f, t), TC_E_POLICY_FORMAT);
	memcpy(t, text, strlen(text) + 1);
	t[strlen(text) - 1] = '\0';			/* unterminated object */
	assert_int_equal(verify_text(f, t), TC_E_POLICY_FORMAT);
	free(t);
	/* Invalid UTF-8 in an event name. */
	t = strstr(text, "Sports day");
	assert_non_null(t);
	t[0] = (char)0xff;
	assert_int_equal(verify_text(f, text), TC_E_POLICY_FORMAT);
	free(text);
	json_decref(root);
}

static void
test_encode_refuses(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p;
	uint8_t *j = (uint8_t *)"x";
	size_t n = 1;

	assert_int_equal(tc_policy_encode(NULL, &j, &n), -EINVAL);
	assert_null(j);
	assert_int_equal(n, 0);

#define REFUSED(stmt)                                                        \
	do {                                                                 \
		p = pfx_copy(f->p);                                          \
		stmt;                                                        \
		assert_int_equal(tc_policy_encode(p, &j, &n), -EINVAL);      \
		assert_null(j);                                              \
		tc_policy_free(p);                                           \
	} while (0)

	REFUSED(p->version = 0);
	REFUSED(p->expires = p->issued);
	REFUSED(p->device_class = 0);
	REFUSED(tc_strlcpy(p->device_id, "nope", sizeof(p->device_id)));
	REFUSED(memset(p->device_id, 'a', sizeof(p->device_id)));
	REFUSED(memset(p->staff[1].id, 'a', sizeof(p->staff[1].id)));
	REFUSED(tc_strlcpy(p->events[0].date, "2026-02-30", sizeof(p->events[0].date)));
	REFUSED(tc_strlcpy(p->events[0].name, "bad \xff utf-8", sizeof(p->events[0].name)));
	REFUSED(p->pupils[0].platforms |= UINT32_C(1) << p->n_platforms);	/* past the table */
	REFUSED(p->pupils[0].platforms = UINT32_MAX; p->n_platforms = 32);	/* 32 > 16 per photo */
	REFUSED(memset(p->pupils[1].pupil, 'a', sizeof(p->pupils[1].pupil)));
	REFUSED(tc_strlcpy(p->platform[0], "Web", TC_META_ID_MAX));
	REFUSED(p->n_platforms = TC_POLICY_MAX_PLATFORMS + 1);
	REFUSED(tc_strlcpy(p->staff[0].pin_hash, "plain", sizeof(p->staff[0].pin_hash)));
	REFUSED(p->photo_pub[0] = 0x02);
	REFUSED(tc_free(p->trust_ca_pem); p->trust_ca_pem = NULL);
#undef REFUSED
	/* Counts beyond the limits (restored before freeing: the arrays are short). */
	p = pfx_copy(f->p);
	p->n_staff = 1001;
	assert_int_equal(tc_policy_encode(p, &j, &n), -EINVAL);
	p->n_staff = f->p->n_staff;
	p->n_pupils = 20001;
	assert_int_equal(tc_policy_encode(p, &j, &n), -EINVAL);
	p->n_pupils = f->p->n_pupils;
	tc_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_extra_keys),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_json_text),
		cmocka_unit_test(test_encode_refuses),
	};

	return cmocka_run_group_tests_name("policy_payload", tests, pfx_setup, pfx_teardown);
}
