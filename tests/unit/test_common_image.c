/*
 * test_common_image.c - firmware/common/tc_image.c: IMAGE_VERSION and
 * BUILD_ID read from an os-release file as mkimage writes it, and what
 * an unfit file yields.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_image.h"

static char path[512];

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int
setup(void **state)
{
	const char *base = getenv("TC_TEST_TMP");
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/os-releaseXXXXXX", base ? base : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

/* Debian's os-release with mkimage's lines appended. */
static void
test_image_fields(void **state)
{
	struct tc_image_release r;

	(void)state;
	write_file("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
		   "VERSION_ID=\"12\"\nID=debian\n"
		   "IMAGE_ID=trustcam-kiosk-x86\nIMAGE_VERSION=v0.9-12-gabcdef0\n"
		   "BUILD_ID=20261206T182500Z-0123456789ab\n");
	assert_int_equal(tc_image_release_read(path, &r), 0);
	assert_string_equal(r.version, "v0.9-12-gabcdef0");
	assert_string_equal(r.build_id, "20261206T182500Z-0123456789ab");
}

/* Quoted values lose their quotes; a PC's os-release has no image fields. */
static void
test_quotes_and_absent(void **state)
{
	struct tc_image_release r;

	(void)state;
	write_file("IMAGE_VERSION=\"1.2\"\nBUILD_ID='b7'\n");
	assert_int_equal(tc_image_release_read(path, &r), 0);
	assert_string_equal(r.version, "1.2");
	assert_string_equal(r.build_id, "b7");
	write_file("ID=debian\nVERSION_ID=\"12\"\n");
	assert_int_equal(tc_image_release_read(path, &r), 0);
	assert_string_equal(r.version, "");
	assert_string_equal(r.build_id, "");
}

/* A value too long, or holding a control byte, is not shown; the other field still is. */
static void
test_unfit_values(void **state)
{
	struct tc_image_release r;
	char text[1024];
	char longv[700];

	(void)state;
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	snprintf(text, sizeof(text), "IMAGE_VERSION=%s\nBUILD_ID=ok\n", longv);
	write_file(text);
	assert_int_equal(tc_image_release_read(path, &r), 0);
	assert_string_equal(r.version, "");
	assert_string_equal(r.build_id, "ok");
	write_file("IMAGE_VERSION=1.0\x1b[2J\nBUILD_ID=\"unterminated\n");
	assert_int_equal(tc_image_release_read(path, &r), 0);
	assert_string_equal(r.version, "");
	assert_string_equal(r.build_id, "");
}

/* No file: an error, and empty fields. */
static void
test_missing_file(void **state)
{
	struct tc_image_release r;

	(void)state;
	unlink(path);
	memset(&r, 'x', sizeof(r));
	assert_int_equal(tc_image_release_read(path, &r), -ENOENT);
	assert_string_equal(r.version, "");
	assert_string_equal(r.build_id, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_image_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quotes_and_absent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unfit_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
