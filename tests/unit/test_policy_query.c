/*
 * test_policy_query.c - firmware/policy: what photod asks a verified
 * policy.  Consent intersection (R5) for two pupils, disjoint consents,
 * an unknown pupil, no pupils, a pupil with an empty list, in the first
 * pupil's order; events by id; staff PINs right, wrong, unknown and
 * malformed, an unknown id costing about as much as a known one;
 * PIN hashing's input rules and parameters; tc_device_id known answers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <argon2.h>

#include "test_policy_util.h"

/* The platforms for a list of pupils, as a comma-joined string. */
static const char *
platforms(const struct tc_policy *p, const char *const *pupils, unsigned n)
{
	static char joined[TC_META_MAX_PLATFORMS * TC_META_ID_MAX];
	char in[TC_META_MAX_PUPILS][TC_META_ID_MAX];
	char out[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	unsigned i, n_out = 99;
	size_t at = 0;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (i = 0; i < n; i++)
		tc_strlcpy(in[i], pupils[i], TC_META_ID_MAX);
	tc_policy_platforms(p, (const char (*)[TC_META_ID_MAX])in, n, out, &n_out);
	assert_true(n_out <= TC_META_MAX_PLATFORMS);
	joined[0] = '\0';
	for (i = 0; i < n_out; i++)
		at += (size_t)snprintf(joined + at, sizeof(joined) - at, "%s%s", i ? "," : "",
				       out[i]);
	return joined;
}

static void
test_consent_intersection(void **state)
{
	struct pfx *f = *state;
	const struct tc_policy *p = f->p;

	{ const char *v[] = { PKI_PUPIL_1 };
	  assert_string_equal(platforms(p, v, 1), "website,newsletter,facebook"); }
	/* Two pupils: what both allow, in the order the roster first names them. */
	{ const char *v[] = { PKI_PUPIL_1, PKI_PUPIL_2 };
	  assert_string_equal(platforms(p, v, 2), "website,newsletter"); }
	{ const char *v[] = { PKI_PUPIL_2, PKI_PUPIL_1 };
	  assert_string_equal(platforms(p, v, 2), "website,newsletter"); }
	/* Disjoint consents: nowhere. */
	{ const char *v[] = { PKI_PUPIL_1, PKI_PUPIL_3 };
	  assert_string_equal(platforms(p, v, 2), ""); }
	/* An unknown pupil empties the set, wherever it appears. */
	{ const char *v[] = { PKI_PUPIL_1, "P-UNKNOWN" };
	  assert_string_equal(platforms(p, v, 2), ""); }
	{ const char *v[] = { "P-UNKNOWN", PKI_PUPIL_1 };
	  assert_string_equal(platforms(p, v, 2), ""); }
	{ const char *v[] = { PKI_PUPIL_1, PKI_PUPIL_2, "P-UNKNOWN" };
	  assert_string_equal(platforms(p, v, 3), ""); }
	/* A pupil whose parent consented to nothing. */
	{ const char *v[] = { PKI_PUPIL_NONE };
	  assert_string_equal(platforms(p, v, 1), ""); }
	{ const char *v[] = { PKI_PUPIL_1, PKI_PUPIL_NONE };
	  assert_string_equal(platforms(p, v, 2), ""); }
	/* Ids match exactly: no prefixes, no case folding. */
	{ const char *v[] = { "P-000" };
	  assert_string_equal(platforms(p, v, 1), ""); }
	{ const char *v[] = { "p-0001" };
	  assert_string_equal(platforms(p, v, 1), ""); }
	/* The same pupil twice is that pupil. */
	{ const char *v[] = { PKI_PUPIL_2, PKI_PUPIL_2 };
	  assert_string_equal(platforms(p, v, 2), "website,newsletter"); }
	/* No pupils: empty (the photo needs tagging at review). */
	assert_string_equal(platforms(p, NULL, 0), "");
}

static void
test_consent_limits(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *p = pfx_copy(f->p);
	const char *many[TC_META_MAX_PUPILS];
	struct tc_policy_consent c;
	char name[TC_META_ID_MAX];
	unsigned i, n_out = 99;

	/* A pupil with every platform slot used, photographed with 63 copies of itself. */
	memset(&c, 0, sizeof(c));
	tc_strlcpy(c.pupil, PKI_PUPIL_1, sizeof(c.pupil));
	c.n_platforms = TC_META_MAX_PLATFORMS;
	for (i = 0; i < TC_META_MAX_PLATFORMS; i++) {
		snprintf(name, sizeof(name), "p%u", i);
		tc_strlcpy(c.platforms[i], name, TC_META_ID_MAX);
	}
	tc_policy_roster_clear(p);
	assert_int_equal(tc_policy_add_consent(p, &c), 0);
	for (i = 0; i < TC_META_MAX_PUPILS; i++)
		many[i] = PKI_PUPIL_1;
	assert_string_equal(platforms(p, many, TC_META_MAX_PUPILS),
			    "p0,p1,p2,p3,p4,p5,p6,p7,p8,p9,p10,p11,p12,p13,p14,p15");
	{
		char in[1][TC_META_ID_MAX] = { PKI_PUPIL_1 };
		char out[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];

		tc_policy_platforms(p, (const char (*)[TC_META_ID_MAX])in, 1, out, &n_out);
		assert_int_equal(n_out, TC_META_MAX_PLATFORMS);
		assert_string_equal(out[TC_META_MAX_PLATFORMS - 1], "p15");
		/* NULL policy or output: nothing, and no crash. */
		n_out = 99;
		tc_policy_platforms(NULL, (const char (*)[TC_META_ID_MAX])in, 1, out, &n_out);
		assert_int_equal(n_out, 0);
		tc_policy_platforms(p, (const char (*)[TC_META_ID_MAX])in, 1, out, NULL);
	}
	tc_policy_free(p);
}

/*
 * The compact roster: rows read back by name; a policy's 32 distinct
 * platform names are all usable, the 33rd is refused with its row (and
 * the table is left as it was); a row with 17 names or an unterminated
 * ref is refused; a name repeated within a row counts once.
 */
static void
test_roster_table(void **state)
{
	struct tc_policy *p = tc_calloc(1, sizeof(*p));
	struct tc_policy_consent c, back;
	unsigned i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < TC_POLICY_MAX_PLATFORMS; i++) {
		memset(&c, 0, sizeof(c));
		snprintf(c.pupil, sizeof(c.pupil), "P-%u", i);
		snprintf(c.platforms[c.n_platforms++], TC_META_ID_MAX, "site-%u", i);
		tc_strlcpy(c.platforms[c.n_platforms++], "site-0", TC_META_ID_MAX);
		assert_int_equal(tc_policy_add_consent(p, &c), 0);
	}
	assert_int_equal(p->n_platforms, TC_POLICY_MAX_PLATFORMS);
	tc_policy_consent_get(p, 5, &back);
	assert_string_equal(back.pupil, "P-5");
	assert_int_equal(back.n_platforms, 2);
	assert_string_equal(back.platforms[0], "site-0");	/* table order */
	assert_string_equal(back.platforms[1], "site-5");
	tc_policy_consent_get(p, 0, &back);
	assert_int_equal(back.n_platforms, 1);			/* "site-0" twice: once */
	/* A 33rd name: refused, row and table unchanged. */
	memset(&c, 0, sizeof(c));
	tc_strlcpy(c.pupil, "P-new", sizeof(c.pupil));
	tc_strlcpy(c.platforms[c.n_platforms++], "site-1", TC_META_ID_MAX);
	tc_strlcpy(c.platforms[c.n_platforms++], "one-too-many", TC_META_ID_MAX);
	assert_int_equal(tc_policy_add_consent(p, &c), -E2BIG);
	assert_int_equal(p->n_pupils, TC_POLICY_MAX_PLATFORMS);
	assert_int_equal(p->n_platforms, TC_POLICY_MAX_PLATFORMS);
	c.n_platforms = TC_META_MAX_PLATFORMS + 1;
	assert_int_equal(tc_policy_add_consent(p, &c), -EINVAL);
	memset(c.pupil, 'a', sizeof(c.pupil));
	c.n_platforms = 0;
	assert_int_equal(tc_policy_add_consent(p, &c), -EINVAL);
	/* Out of range reads give an empty row. */
	tc_policy_consent_get(p, p->n_pupils, &back);
	assert_int_equal(back.n_platforms, 0);
	assert_string_equal(back.pupil, "");
	tc_policy_free(p);
}

static void
test_find_event(void **state)
{
	struct pfx *f = *state;
	const struct tc_policy_event *e;

	e = tc_policy_find_event(f->p, PKI_EVENT_B);
	assert_non_null(e);
	assert_string_equal(e->id, PKI_EVENT_B);
	assert_string_equal(e->date, "2026-12-10");
	assert_ptr_equal(tc_policy_find_event(f->p, PKI_EVENT_A), &f->p->events[0]);
	assert_null(tc_policy_find_event(f->p, "EV-NONE"));
	assert_null(tc_policy_find_event(f->p, "EV-SPORT"));
	assert_null(tc_policy_find_event(f->p, ""));
	assert_null(tc_policy_find_event(f->p, NULL));
	assert_null(tc_policy_find_event(NULL, PKI_EVENT_A));
}

/* The fixture's bundle as its device has it: verified and opened (free it). */
static struct tc_policy *
opened(const struct pfx *f)
{
	struct tc_policy *o = NULL;

	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now, &o), 0);
	assert_int_equal(tc_policy_open(o, &f->dev), 0);
	return o;
}

static void
test_check_pin(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *o = opened(f);
	const struct tc_policy_device *d = &f->dev;

	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, PKI_PIN_A), 0);
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_B, PKI_PIN_B), 0);
	/* Another staff member's PIN, a near miss, an unknown id. */
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, PKI_PIN_B), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, "271829"), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, d, "S-NOBODY", PKI_PIN_A), TC_E_BAD_PIN);
	/* Malformed PINs never reach the real hash. */
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, PKI_PIN_A "\n"), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, ""), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, d, PKI_STAFF_A, NULL), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, d, NULL, PKI_PIN_A), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(NULL, d, PKI_STAFF_A, PKI_PIN_A), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, NULL, PKI_STAFF_A, PKI_PIN_A), TC_E_BAD_PIN);
	/* A policy still sealed (the Trust's view) knows no PIN at all. */
	assert_int_equal(tc_policy_check_pin(f->p, d, PKI_STAFF_A, PKI_PIN_A), TC_E_BAD_PIN);
	tc_policy_free(o);
}

/* Counts the device MAC calls of one PIN check, then hands them on. */
struct mac_spy {
	struct tc_policy_device dev;	/* the fixture's device, pin_mac replaced */
	const struct tc_policy_device *real;
	unsigned calls;
	size_t len;
};

static int
spy_pin_mac(void *ctx, const uint8_t *in, size_t len, uint8_t out[TC_POLICY_PIN_MAC_LEN])
{
	struct mac_spy *s = ctx;

	s->calls++;
	s->len = len;
	return s->real->pin_mac(s->real->ctx, in, len, out);
}

/*
 * One refused PIN check of staff: the CPU seconds this thread spent on it
 * (its work, which other load on the machine does not change as it
 * changes the wall time), and the device MAC calls it made.
 */
static double
cpu_seconds_for(const struct pfx *f, const struct tc_policy *p, const char *staff,
		struct mac_spy *spy)
{
	struct timespec a, b;

	memset(spy, 0, sizeof(*spy));
	spy->dev = f->dev;
	spy->dev.pin_mac = spy_pin_mac;
	spy->dev.ctx = spy;
	spy->real = &f->dev;
	assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a), 0);
	assert_int_equal(tc_policy_check_pin(p, &spy->dev, staff, "0000"), TC_E_BAD_PIN);
	assert_int_equal(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b), 0);
	return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/*
 * An unknown staff id is refused after the same work as a wrong PIN of a
 * known one: the Argon2 hash (against a dummy of the same costs) and the
 * device's MAC of a tag of the same length.  The MAC calls show the path;
 * the CPU time, best of three, shows the hash was not skipped or cheaper
 * (without the dummy an unknown id costs microseconds, not tens of ms).
 */
static void
test_unknown_staff_costs_the_same(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *o = opened(f);
	struct mac_spy ks, us;
	double known = 1e9, unknown = 1e9;

	for (int i = 0; i < 3; i++) {
		double k = cpu_seconds_for(f, o, PKI_STAFF_A, &ks);
		double u = cpu_seconds_for(f, o, "S-NOBODY", &us);

		known = k < known ? k : known;
		unknown = u < unknown ? u : unknown;
	}
	tc_policy_free(o);
	assert_int_equal(ks.calls, 1);
	assert_int_equal(us.calls, 1);
	assert_int_equal(us.len, ks.len);
	if (unknown < known / 2 || unknown > known * 2)
		fail_msg("unknown staff took %.1f ms of CPU, a known one %.1f ms: expected comparable",
			 unknown * 1e3, known * 1e3);
}

static void
test_hash_pin(void **state)
{
	static const char *const bad[] = {
		"", "123", "1234", "12345", "1234567890123", "12a4", "12 34", " 1234", "1234\n",
		"-1234",
		"\xd9\xa1\xd9\xa2\xd9\xa3\xd9\xa4",	/* Arabic-Indic digits */
	};
	char h[TC_POLICY_PIN_HASH_MAX], h2[TC_POLICY_PIN_HASH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (tc_policy_hash_pin(bad[i], h) != -EINVAL)
			fail_msg("PIN \"%s\": expected -EINVAL", bad[i]);
	assert_int_equal(tc_policy_hash_pin(NULL, h), -EINVAL);

	/* 12 digits is the longest; the parameters are the README's. */
	assert_int_equal(tc_policy_hash_pin("123456789012", h), 0);
	assert_int_equal(strncmp(h, "$argon2id$v=19$m=19456,t=2,p=1$", 31), 0);
	/* 16-byte salt and 32-byte hash: 22 and 43 unpadded base64 characters. */
	assert_int_equal(strlen(h), 31 + 22 + 1 + 43);
	assert_int_equal(argon2id_verify(h, "123456789012", 12), ARGON2_OK);
	assert_int_not_equal(argon2id_verify(h, "123456789013", 12), ARGON2_OK);
	/* A fresh salt each time. */
	assert_int_equal(tc_policy_hash_pin("123456789012", h2), 0);
	assert_string_not_equal(h, h2);
}

static void
test_device_id(void **state)
{
	/* An ECDSA P-256 SubjectPublicKeyInfo made by openssl, and its id computed apart. */
	static const uint8_t spki[] = {
		0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
		0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x03,
		0x42, 0x00, 0x04, 0x68, 0x30, 0xdb, 0x9f, 0xc2, 0x0a, 0x70, 0xac, 0x9a,
		0xc2, 0x09, 0x13, 0x36, 0x7f, 0x9c, 0x81, 0xc4, 0xbe, 0x09, 0x1e, 0xd0,
		0xbf, 0xc5, 0x7d, 0xa7, 0xbd, 0x9d, 0x53, 0x52, 0x0f, 0x32, 0x4e, 0x72,
		0x90, 0x94, 0xdc, 0xc7, 0x39, 0x5f, 0x7c, 0xe6, 0xe6, 0xad, 0xd9, 0xf7,
		0x7a, 0xe2, 0x08, 0xc1, 0xbb, 0x9a, 0x55, 0xa5, 0xd3, 0xb5, 0x9b, 0x68,
		0x30, 0x3e, 0xd2, 0xd9, 0x77, 0x63, 0xca,
	};
	struct pfx *f = *state;
	char id[TC_POLICY_ID_MAX];
	char *cn;

	memset(id, 'z', sizeof(id));
	assert_int_equal(tc_device_id(spki, sizeof(spki), id), 0);
	assert_string_equal(id, "D-51b77de23f5a8851");
	/* SHA-256("abc") = ba7816bf 8f01cfea ... (FIPS 180-2). */
	assert_int_equal(tc_device_id((const uint8_t *)"abc", 3, id), 0);
	assert_string_equal(id, "D-ba7816bf8f01cfea");
	assert_int_equal(tc_device_id(NULL, 3, id), -EINVAL);
	assert_int_equal(tc_device_id(spki, 0, id), -EINVAL);
	/* The fixture's device certificate carries its key's id as CN. */
	cn = strstr(f->k.device.subject, f->k.device_id);
	assert_non_null(cn);
	assert_int_equal(pki_key_device_id(f->k.device.key_pem, id), 0);
	assert_string_equal(id, f->k.device_id);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_consent_intersection),
		cmocka_unit_test(test_consent_limits),
		cmocka_unit_test(test_roster_table),
		cmocka_unit_test(test_find_event),
		cmocka_unit_test(test_check_pin),
		cmocka_unit_test(test_unknown_staff_costs_the_same),
		cmocka_unit_test(test_hash_pin),
		cmocka_unit_test(test_device_id),
	};

	return cmocka_run_group_tests_name("policy_query", tests, pfx_setup, pfx_teardown);
}
