/*
 * test_trustadm_registry.c - the Trust registry (tools/trustlib/
 * registry*.c) and input validation (valid.c): a registry is created
 * once and refused when it is not one or is newer; devices enrol once
 * and revoke once; policy versions only ever go up by one; staff ids are
 * never reused; the roster is replaced whole or not at all; the audit
 * table is append-only; and the validators accept exactly the
 * documented forms.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "tc_io.h"
#include "tc_trust_registry.h"
#include "tc_trust_valid.h"

static char dir[512];

static int
setup(void **state)
{
	const char *base = getenv("TC_TEST_TMP");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/regXXXXXX", base ? base : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static struct tc_registry *
fresh(void)
{
	struct tc_registry *r;

	assert_int_equal(tc_registry_open(&r, dir, true), 0);
	return r;
}

/* Run sql on the registry file behind the library's back. */
static int
raw_exec(const char *sql)
{
	char path[600];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void
test_open_rules(void **state)
{
	struct tc_registry *r;
	char v[64], path[600];
	int fd;

	(void)state;
	assert_int_equal(tc_registry_open(&r, dir, false), -ENOENT);
	r = fresh();
	assert_int_equal(tc_registry_meta_get(r, "schema_version", v, sizeof(v)), 0);
	assert_string_equal(v, "5");	/* TC_REGISTRY_SCHEMA */
	assert_int_equal(tc_registry_meta_get(r, "nothing", v, sizeof(v)), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_meta_set(r, "server_name", "a"), 0);
	assert_int_equal(tc_registry_meta_set(r, "server_name", "b"), 0);
	assert_int_equal(tc_registry_meta_get(r, "server_name", v, sizeof(v)), 0);
	assert_string_equal(v, "b");
	tc_registry_close(r);
	/* Created once only. */
	assert_int_equal(tc_registry_open(&r, dir, true), TC_E_EXISTS);
	assert_int_equal(tc_registry_open(&r, dir, false), 0);
	tc_registry_close(r);
	/* Newer than this build. */
	assert_int_equal(raw_exec("PRAGMA user_version = 99"), SQLITE_OK);
	assert_int_equal(tc_registry_open(&r, dir, false), TC_E_SCHEMA);
	/* An empty file is no registry, and is not turned into one. */
	snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE);
	assert_int_equal(unlink(path), 0);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(tc_registry_open(&r, dir, false), TC_E_CATALOG);
}

static void
device(struct tc_reg_device *d, const char *id, enum tc_device_class c)
{
	memset(d, 0, sizeof(*d));
	tc_strlcpy(d->id, id, sizeof(d->id));
	tc_strlcpy(d->label, "Hall kiosk", sizeof(d->label));
	tc_strlcpy(d->serial, "01ab", sizeof(d->serial));
	d->device_class = c;
	d->enrolled = 1764000000;
}

static int
count_device(void *ctx, const struct tc_reg_device *d)
{
	(void)d;
	(*(int *)ctx)++;
	return 0;
}

static void
test_devices_and_versions(void **state)
{
	struct tc_registry *r = fresh();
	struct tc_reg_device d, got;
	char *pem;
	int n = 0;

	(void)state;
	device(&d, "D-0123456789abcdef", TC_CLASS_APPROVED);
	assert_int_equal(tc_registry_device_add(r, &d, "PEM"), 0);
	assert_int_equal(tc_registry_device_add(r, &d, "PEM"), TC_E_EXISTS);
	assert_int_equal(tc_registry_device_get(r, d.id, &got), 0);
	assert_string_equal(got.label, "Hall kiosk");
	assert_int_equal(got.device_class, TC_CLASS_APPROVED);
	assert_false(got.revoked);
	assert_int_equal(got.policy_version, 0);
	assert_int_equal(tc_registry_device_cert(r, d.id, &pem), 0);
	assert_string_equal(pem, "PEM");
	tc_free(pem);
	assert_int_equal(tc_registry_device_get(r, "D-ffffffffffffffff", &got), TC_E_NOT_FOUND);

	/* Versions go up by exactly one, never repeat. */
	assert_int_equal(tc_registry_policy_record(r, d.id, 2, 1, 2, "aa"), TC_E_STATE);
	assert_int_equal(tc_registry_policy_record(r, d.id, 1, 1, 2, "aa"), 0);
	assert_int_equal(tc_registry_policy_record(r, d.id, 1, 1, 2, "aa"), TC_E_STATE);
	assert_int_equal(tc_registry_policy_record(r, d.id, 2, 3, 4, "bb"), 0);
	assert_int_equal(tc_registry_device_get(r, d.id, &got), 0);
	assert_int_equal(got.policy_version, 2);
	assert_int_equal(got.policy_expires, 4);
	assert_int_equal(tc_registry_policy_record(r, "D-ffffffffffffffff", 1, 1, 2, "aa"),
			 TC_E_STATE);

	/* Revoked once; still enrolled (so the id cannot come back). */
	assert_int_equal(tc_registry_device_revoke(r, d.id, 1764000100), 0);
	assert_int_equal(tc_registry_device_revoke(r, d.id, 1764000200), TC_E_STATE);
	assert_int_equal(tc_registry_device_revoke(r, "D-ffffffffffffffff", 1), TC_E_NOT_FOUND);
	assert_int_equal(tc_registry_device_get(r, d.id, &got), 0);
	assert_true(got.revoked);
	assert_int_equal(got.revoked_at, 1764000100);
	assert_int_equal(tc_registry_device_add(r, &d, "PEM"), TC_E_EXISTS);
	device(&d, "D-1111111111111111", TC_CLASS_TRUST_OWNED);
	assert_int_equal(tc_registry_device_add(r, &d, "PEM"), 0);
	assert_int_equal(tc_registry_device_foreach(r, count_device, &n), 0);
	assert_int_equal(n, 2);
	tc_registry_close(r);
}

struct staff_seen {
	int n, hashes;
};

static int
see_staff(void *ctx, const struct tc_reg_staff *s)
{
	struct staff_seen *seen = ctx;

	seen->n++;
	if (s->pin_hash[0])
		seen->hashes++;
	return 0;
}

static void
test_staff_and_events(void **state)
{
	struct tc_registry *r = fresh();
	struct staff_seen seen = { 0, 0 };
	struct tc_policy_event e = { "EV-1", "Sports day", "2026-11-25" };
	struct tc_reg_staff s;

	(void)state;
	assert_int_equal(tc_registry_staff_add(r, "S1", "Jane", "$argon2id$x"), 0);
	assert_int_equal(tc_registry_staff_add(r, "S2", "Bob", "$argon2id$y"), 0);
	assert_int_equal(tc_registry_staff_add(r, "S1", "Other", "$argon2id$z"), TC_E_EXISTS);
	assert_int_equal(tc_registry_staff_remove(r, "S1", 5), 0);
	assert_int_equal(tc_registry_staff_remove(r, "S1", 6), TC_E_STATE);
	assert_int_equal(tc_registry_staff_remove(r, "S9", 6), TC_E_NOT_FOUND);
	/* A removed id is still taken. */
	assert_int_equal(tc_registry_staff_add(r, "S1", "Jane", "$argon2id$x"), TC_E_EXISTS);
	assert_int_equal(tc_registry_staff_get(r, "S1", &s), 0);
	assert_false(s.active);
	assert_int_equal(s.removed, 5);
	assert_string_equal(s.pin_hash, "");
	assert_int_equal(tc_registry_staff_foreach(r, true, true, see_staff, &seen), 0);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.hashes, 1);
	seen.n = seen.hashes = 0;
	assert_int_equal(tc_registry_staff_foreach(r, false, false, see_staff, &seen), 0);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.hashes, 0);

	assert_int_equal(tc_registry_event_add(r, &e), 0);
	assert_int_equal(tc_registry_event_add(r, &e), TC_E_EXISTS);
	tc_registry_close(r);
}

static int
collect(void *ctx, const struct tc_policy_consent *c)
{
	char *out = ctx;
	size_t n = strlen(out);
	unsigned i;

	snprintf(out + n, 256 - n, "%s:", c->pupil);
	for (i = 0; i < c->n_platforms; i++) {
		n = strlen(out);
		snprintf(out + n, 256 - n, "%s%s", i ? "," : "", c->platforms[i]);
	}
	n = strlen(out);
	snprintf(out + n, 256 - n, "%s%s|", c->label[0] ? "=" : "", c->label);
	return 0;
}

static void
test_consent_replace(void **state)
{
	struct tc_registry *r = fresh();
	struct tc_policy_consent rows[2];
	char seen[256] = "";
	size_t old;

	(void)state;
	memset(rows, 0, sizeof(rows));
	tc_strlcpy(rows[0].pupil, "P-2", sizeof(rows[0].pupil));
	rows[0].n_platforms = 2;
	tc_strlcpy(rows[0].platforms[0], "website", TC_META_ID_MAX);
	tc_strlcpy(rows[0].platforms[1], "newsletter", TC_META_ID_MAX);
	tc_strlcpy(rows[1].pupil, "P-1", sizeof(rows[1].pupil));
	assert_int_equal(tc_registry_consent_replace(r, rows, 2, &old), 0);
	assert_int_equal(old, 0);
	assert_int_equal(tc_registry_consent_foreach(r, collect, seen), 0);
	assert_string_equal(seen, "P-1:|P-2:website,newsletter|");
	/* A label is kept with its row and read back with it. */
	tc_strlcpy(rows[0].label, "7B Amelia", sizeof(rows[0].label));
	assert_int_equal(tc_registry_consent_replace(r, rows, 2, &old), 0);
	seen[0] = 0;
	assert_int_equal(tc_registry_consent_foreach(r, collect, seen), 0);
	assert_string_equal(seen, "P-1:|P-2:website,newsletter=7B Amelia|");
	memset(rows[0].label, 0, sizeof(rows[0].label));
	assert_int_equal(tc_registry_consent_replace(r, rows, 2, &old), 0);

	/* A replace that fails inside a transaction leaves the old roster. */
	assert_int_equal(tc_registry_begin(r), 0);
	assert_int_equal(tc_registry_consent_replace(r, rows, 1, &old), 0);
	assert_int_equal(old, 2);
	tc_registry_rollback(r);
	seen[0] = 0;
	assert_int_equal(tc_registry_consent_foreach(r, collect, seen), 0);
	assert_string_equal(seen, "P-1:|P-2:website,newsletter|");
	/* Duplicates in the input fail as a whole. */
	tc_strlcpy(rows[1].pupil, "P-2", sizeof(rows[1].pupil));
	assert_int_equal(tc_registry_begin(r), 0);
	assert_int_equal(tc_registry_consent_replace(r, rows, 2, &old), TC_E_EXISTS);
	tc_registry_rollback(r);
	seen[0] = 0;
	assert_int_equal(tc_registry_consent_foreach(r, collect, seen), 0);
	assert_string_equal(seen, "P-1:|P-2:website,newsletter|");
	tc_registry_close(r);
	/* A v2 registry (no label column, no review_tags, text_checks or
	 * redactions) gains them when opened, its roster intact. */
	assert_int_equal(raw_exec("DROP TABLE text_checks; DROP TABLE redactions; "
				  "DROP TABLE review_tags; ALTER TABLE consent DROP COLUMN label; "
				  "UPDATE meta SET value = '2' WHERE key = 'schema_version'; "
				  "PRAGMA user_version = 2"), 0);
	assert_int_equal(tc_registry_open(&r, dir, false), 0);
	seen[0] = 0;
	assert_int_equal(tc_registry_consent_foreach(r, collect, seen), 0);
	assert_string_equal(seen, "P-1:|P-2:website,newsletter|");
	assert_int_equal(tc_registry_meta_get(r, "schema_version", seen, sizeof(seen)), 0);
	assert_string_equal(seen, "5");
	tc_registry_close(r);
}

static int
count_audit(void *ctx, const struct tc_reg_audit *a)
{
	(*(int *)ctx)++;
	assert_true(a->os_user[0] != 0);
	assert_true(a->time > 0);
	return 0;
}

static void
test_audit_append_only(void **state)
{
	struct tc_registry *r = fresh();
	int n = 0;

	(void)state;
	assert_int_equal(tc_registry_audit(r, "enrol", "D-0123456789abcdef", "class approved"), 0);
	assert_int_equal(tc_registry_audit(r, "revoke", "D-0123456789abcdef", NULL), 0);
	assert_int_equal(tc_registry_audit(r, "staff.add", "S1", ""), 0);
	assert_int_equal(tc_registry_audit_foreach(r, 0, count_audit, &n), 0);
	assert_int_equal(n, 3);
	n = 0;
	assert_int_equal(tc_registry_audit_foreach(r, 2, count_audit, &n), 0);
	assert_int_equal(n, 2);
	tc_registry_close(r);
	assert_int_not_equal(raw_exec("UPDATE audit SET action = 'nothing'"), SQLITE_OK);
	assert_int_not_equal(raw_exec("DELETE FROM audit"), SQLITE_OK);
	assert_int_equal(tc_registry_open(&r, dir, false), 0);
	n = 0;
	assert_int_equal(tc_registry_audit_foreach(r, 0, count_audit, &n), 0);
	assert_int_equal(n, 3);
	tc_registry_close(r);
}

static void
test_validators(void **state)
{
	char long_id[70], long_name[140];

	(void)state;
	memset(long_id, 'a', sizeof(long_id));
	long_id[63] = 0;
	assert_true(tc_trust_valid_id(long_id));
	long_id[63] = 'a';
	long_id[64] = 0;
	assert_false(tc_trust_valid_id(long_id));
	assert_true(tc_trust_valid_id("S042"));
	assert_true(tc_trust_valid_id("P-7F3A"));
	assert_false(tc_trust_valid_id(""));
	assert_false(tc_trust_valid_id("S 042"));
	assert_false(tc_trust_valid_id("S\t042"));
	assert_false(tc_trust_valid_id("S\xc3\xa9"));

	memset(long_name, 'n', sizeof(long_name));
	long_name[127] = 0;
	assert_true(tc_trust_valid_name(long_name));
	long_name[127] = 'n';
	long_name[128] = 0;
	assert_false(tc_trust_valid_name(long_name));
	assert_true(tc_trust_valid_name("Sports day"));
	assert_true(tc_trust_valid_name("Chlo\xc3\xab O'Brien \xe2\x80\x94 Year 6"));
	assert_false(tc_trust_valid_name(""));
	assert_false(tc_trust_valid_name("bell\a"));
	assert_false(tc_trust_valid_name("esc\x1b[2J"));
	assert_false(tc_trust_valid_name("del\x7f"));
	assert_false(tc_trust_valid_name("c1\xc2\x9b"));	/* C1 CSI */
	assert_false(tc_trust_valid_name("bad\xc3"));		/* truncated */
	assert_false(tc_trust_valid_name("over\xc0\xaf"));	/* overlong */
	assert_false(tc_trust_valid_name("sur\xed\xa0\x80"));	/* surrogate */

	assert_true(tc_trust_valid_date("2026-11-25"));
	assert_true(tc_trust_valid_date("2028-02-29"));
	assert_true(tc_trust_valid_date("2000-02-29"));
	assert_false(tc_trust_valid_date("2100-02-29"));
	assert_false(tc_trust_valid_date("2026-02-29"));
	assert_false(tc_trust_valid_date("2026-04-31"));
	assert_false(tc_trust_valid_date("2026-13-01"));
	assert_false(tc_trust_valid_date("2026-00-10"));
	assert_false(tc_trust_valid_date("2026-1-10"));
	assert_false(tc_trust_valid_date("26-11-25"));
	assert_false(tc_trust_valid_date("2026/11/25"));
	assert_false(tc_trust_valid_date("2026-11-25 "));
	assert_false(tc_trust_valid_date("1999-12-31"));

	assert_true(tc_trust_valid_platform("website"));
	assert_true(tc_trust_valid_platform("x"));
	assert_true(tc_trust_valid_platform("school-app-2"));
	assert_true(tc_trust_valid_platform("abcdefghijklmnopqrstuvwxyz012345"));
	assert_false(tc_trust_valid_platform("abcdefghijklmnopqrstuvwxyz0123456"));
	assert_false(tc_trust_valid_platform("Facebook"));
	assert_false(tc_trust_valid_platform("face book"));
	assert_false(tc_trust_valid_platform(""));

	assert_true(tc_trust_valid_device_id("D-0123456789abcdef"));
	assert_false(tc_trust_valid_device_id("D-0123456789ABCDEF"));
	assert_false(tc_trust_valid_device_id("D-0123456789abcde"));
	assert_false(tc_trust_valid_device_id("X-0123456789abcdef"));

	assert_true(tc_trust_valid_hostname("trust-server.local"));
	assert_true(tc_trust_valid_hostname("localhost"));
	assert_false(tc_trust_valid_hostname("-bad.local"));
	assert_false(tc_trust_valid_hostname("bad-.local"));
	assert_false(tc_trust_valid_hostname("a..b"));
	assert_false(tc_trust_valid_hostname("under_score.local"));
	assert_false(tc_trust_valid_hostname("trailing."));

	assert_true(tc_trust_valid_url("https://127.0.0.1:8443"));
	assert_false(tc_trust_valid_url("http://127.0.0.1:8443"));
	assert_false(tc_trust_valid_url("https://"));
	assert_false(tc_trust_valid_url("https://a b"));
}

/* The PIN policy of staff add / staff pin: each refusal names its reason. */
static void
test_pin_policy(void **state)
{
	static const struct {
		const char *pin, *why;	/* why: a word of the reason, NULL: accepted */
	} c[] = {
		{ "246810", NULL }, { "482916", NULL }, { "975318", NULL }, { "583947061", NULL },
		{ "271828182845", NULL },
		{ "12345", "6 to 12" }, { "1234567890123", "6 to 12" }, { "12a456", "6 to 12" },
		{ "", "6 to 12" }, { " 24681", "6 to 12" },
		{ "111111", "repeated" }, { "000000000", "repeated" },
		{ "123456", "run" }, { "654321", "run" }, { "3456789", "run" },
		{ "311299", "date" }, { "010170", "date" }, { "290288", "date" },
		{ "841987", "year" }, { "520261", "year" }, { "19990101", "year" },
		{ "77201583", "year" },
	};
	const char *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		r = tc_trust_pin_weak(c[i].pin);
		if (c[i].why == NULL && r != NULL)
			fail_msg("PIN %s: expected accepted, got \"%s\"", c[i].pin, r);
		if (c[i].why != NULL && (r == NULL || strstr(r, c[i].why) == NULL))
			fail_msg("PIN %s: expected a refusal naming \"%s\", got %s", c[i].pin,
				 c[i].why, r ? r : "accepted");
		/* No reason ever quotes the PIN. */
		if (r != NULL && c[i].pin[0] && strstr(r, c[i].pin) != NULL)
			fail_msg("the reason for %s quotes it", c[i].pin);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pin_policy),
		cmocka_unit_test_setup(test_open_rules, setup),
		cmocka_unit_test_setup(test_devices_and_versions, setup),
		cmocka_unit_test_setup(test_staff_and_events, setup),
		cmocka_unit_test_setup(test_consent_replace, setup),
		cmocka_unit_test_setup(test_audit_append_only, setup),
		cmocka_unit_test(test_validators),
	};

	return cmocka_run_group_tests_name("trustadm_registry", tests, NULL, NULL);
}
