/*
 * test_trustadm_csv.c - the consent roster file (tools/trustadm/
 * consent_csv.c): the accepted format round-trips into roster rows, and
 * every kind of bad file is refused whole, with the line it went wrong
 * on and a reason that never quotes a pupil ref.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "tc_consent_csv.h"
#include "tc_io.h"

static int
parse(const char *text, size_t len, struct tc_policy_consent **rows, size_t *n,
      unsigned long *line, char *why)
{
	return tc_consent_parse((const uint8_t *)text, len, rows, n, line, why, 256);
}

static void
test_good_file(void **state)
{
	static const char f[] =
		"pupil,platforms\n"
		"P-7F3A,\"website;newsletter\"\n"
		"P-0001,\n"
		"\n"
		"P-0002,facebook\n"
		"P-0003,\"\"\n"
		"P-0004,x;instagram;linkedin\n";
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256];
	size_t n;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &rows, &n, &line, why), 0);
	assert_int_equal(n, 5);
	assert_string_equal(rows[0].pupil, "P-7F3A");
	assert_int_equal(rows[0].n_platforms, 2);
	assert_string_equal(rows[0].platforms[0], "website");
	assert_string_equal(rows[0].platforms[1], "newsletter");
	assert_string_equal(rows[1].pupil, "P-0001");
	assert_int_equal(rows[1].n_platforms, 0);
	assert_int_equal(rows[2].n_platforms, 1);
	assert_string_equal(rows[2].platforms[0], "facebook");
	assert_int_equal(rows[3].n_platforms, 0);
	assert_int_equal(rows[4].n_platforms, 3);
	assert_string_equal(rows[4].platforms[2], "linkedin");
	tc_consent_free(rows, n);
}

/* What spreadsheets write: a byte order mark, CRLF, no final newline. */
static void
test_bom_crlf_no_final_newline(void **state)
{
	static const char f[] = "\xef\xbb\xbfpupil,platforms\r\nP-1,website\r\nP-2,\"newsletter\"";
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256];
	size_t n;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &rows, &n, &line, why), 0);
	assert_int_equal(n, 2);
	assert_string_equal(rows[1].pupil, "P-2");
	assert_string_equal(rows[1].platforms[0], "newsletter");
	tc_consent_free(rows, n);

	/* A header-only file is an empty roster. */
	assert_int_equal(parse("pupil,platforms\n", 16, &rows, &n, &line, why), 0);
	assert_int_equal(n, 0);
	tc_consent_free(rows, n);
}

/* The optional label column: kept per row, "" for none, UTF-8 allowed. */
static void
test_labels(void **state)
{
	static const char f[] = "pupil,platforms,label\nP-1,website,7B Amelia\nP-2,,\n"
				"P-3,newsletter,\"5C Zo\xc3\xab\"\nP-4,,\n";
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256];
	size_t n;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &rows, &n, &line, why), 0);
	assert_int_equal(n, 4);
	assert_string_equal(rows[0].label, "7B Amelia");
	assert_string_equal(rows[1].label, "");	/* two pupils without: not duplicates */
	assert_string_equal(rows[2].label, "5C Zo\xc3\xab");
	assert_string_equal(rows[2].platforms[0], "newsletter");
	assert_string_equal(rows[3].label, "");
	tc_consent_free(rows, n);
	/* Without the column no row has a label. */
	assert_int_equal(parse("pupil,platforms\nP-1,website\n", 28, &rows, &n, &line, why), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].label, "");
	tc_consent_free(rows, n);
}

struct bad {
	const char *text;
	unsigned long line;
	const char *why;	/* a fragment of the reason */
};

static void
test_bad_files(void **state)
{
	static const struct bad cases[] = {
		{ "", 1, "header" },
		{ "\n\n", 1, "header" },
		{ "pupils,platforms\nP-1,website\n", 1, "header" },
		{ "pupil,platforms,notes\n", 1, "header" },
		{ "pupil,platforms,label,x\n", 1, "header" },
		/* labels: the column's rows have three fields, each label short, plain, unique */
		{ "pupil,platforms,label\nP-1,website\n", 2, "2 fields where 3" },
		{ "pupil,platforms,label\nP-1,website,0123456789012345678901234567890123456789"
		  "01234567\n", 2, "at most 47 bytes" },
		{ "pupil,platforms,label\nP-1,website,7B\tAmelia\n", 2, "control characters" },
		{ "pupil,platforms,label\nP-1,website,7B \x1b[2JAmelia\n", 2, "control characters" },
		{ "pupil,platforms,label\nP-1,website,7B Am\xc3lia\n", 2, "UTF-8" },
		{ "pupil,platforms,label\nP-1,website,7B Amelia\nP-2,,\nP-3,,\n"
		  "P-4,,7B Amelia\n", 5, "label on line 2 appears again" },
		{ "pupil,platforms\nP-1,website\nP-2\n", 3, "1 field" },
		{ "pupil,platforms\nP-1,website,x\n", 2, "3 fields" },
		{ "pupil,platforms\nP 1,website\n", 2, "pupil ref" },
		{ "pupil,platforms\n,website\n", 2, "pupil ref" },
		{ "pupil,platforms\nP-\xc3\xa9,website\n", 2, "pupil ref" },
		{ "pupil,platforms\nP-0123456789012345678901234567890123456789012345678901234567890123,"
		  "website\n", 2, "pupil ref" },
		{ "pupil,platforms\nP-1,Website\n", 2, "platform names" },
		{ "pupil,platforms\nP-1,website; newsletter\n", 2, "platform names" },
		{ "pupil,platforms\nP-1, website\n", 2, "platform names" },
		{ "pupil,platforms\nP-1,abcdefghijklmnopqrstuvwxyz0123456\n", 2, "platform names" },
		{ "pupil,platforms\nP-1,website;\n", 2, "empty platform" },
		{ "pupil,platforms\nP-1,;website\n", 2, "empty platform" },
		{ "pupil,platforms\nP-1,website;;x\n", 2, "empty platform" },
		{ "pupil,platforms\nP-1,website;website\n", 2, "twice" },
		{ "pupil,platforms\nP-1,a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p;q\n", 2, "more than 16" },
		{ "pupil,platforms\nP-1,a;b;c;d;e;f;g;h;i;j;k;l;m;n;o;p\n"
		  "P-2,q;r;s;t;u;v;w;x;y;z;a0;a1;a2;a3;a4;a5\nP-3,a;a6\n", 4,
		  "more than 32 different platforms" },	/* 16 + 16 fit, a 33rd does not */
		{ "pupil,platforms\nP-1,website\n\nP-2,x\nP-1,y\n", 5, "line 2 appears again" },
		{ "pupil,platforms\nP-1,\"website\n", 2, "malformed CSV" },
		{ "pupil,platforms\nP-1,web\"site\n", 2, "malformed CSV" },
		{ "pupil,platforms\nP-1,\"web\nsite\"\nP-2,x\n", 3, "line break inside" },
		{ "pupil,platforms\rP-1,website\r", 1, "carriage return" },
		{ "pupil,platforms\nP-1,website\rP-2,x\n", 2, "carriage return" },
	};
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rows = (void *)1;
		assert_int_equal(parse(cases[i].text, strlen(cases[i].text), &rows, &n, &line, why),
				 TC_E_INVAL_INPUT);
		if (line != cases[i].line || !strstr(why, cases[i].why))
			fail_msg("case %zu: expected line %lu with '%s', got line %lu: %s", i,
				 cases[i].line, cases[i].why, line, why);
		assert_null(rows);
		assert_int_equal(n, 0);
		/* Reasons never quote a pupil ref or a label. */
		assert_null(strstr(why, "P-"));
		assert_null(strstr(why, "Amelia"));
	}
}

/* Embedded NUL bytes cannot be tested with strlen-built cases. */
static void
test_nul_byte(void **state)
{
	static const char f[] = "pupil,platforms\nP-1,web\0site\n";
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256];
	size_t n;

	(void)state;
	assert_int_equal(parse(f, sizeof(f) - 1, &rows, &n, &line, why), TC_E_INVAL_INPUT);
	assert_int_equal(line, 2);
	assert_non_null(strstr(why, "NUL"));
}

static void
test_limits(void **state)
{
	struct tc_policy_consent *rows;
	unsigned long line;
	char why[256], *f;
	size_t n, i, off, cap = 32 + (size_t)(TC_CONSENT_MAX_ROWS + 1) * 24;

	(void)state;
	f = tc_malloc(cap);
	assert_non_null(f);
	off = (size_t)snprintf(f, cap, "pupil,platforms\n");
	for (i = 0; i <= TC_CONSENT_MAX_ROWS; i++)
		off += (size_t)snprintf(f + off, cap - off, "P-%06zu,website\n", i);
	assert_int_equal(parse(f, off, &rows, &n, &line, why), TC_E_INVAL_INPUT);
	assert_int_equal(line, TC_CONSENT_MAX_ROWS + 2);
	assert_non_null(strstr(why, "more than"));
	/* Exactly the maximum is fine. */
	off -= strlen("P-010000,website\n");
	assert_int_equal(parse(f, off, &rows, &n, &line, why), 0);
	assert_int_equal(n, TC_CONSENT_MAX_ROWS);
	tc_consent_free(rows, n);
	tc_free(f);

	assert_int_equal(tc_consent_parse((const uint8_t *)"", TC_CONSENT_FILE_MAX + 1, &rows, &n,
					  &line, why, sizeof(why)), TC_E_INVAL_INPUT);
	assert_int_equal(line, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_bom_crlf_no_final_newline),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests_name("trustadm_csv", tests, NULL, NULL);
}
