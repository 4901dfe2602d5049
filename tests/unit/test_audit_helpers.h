/*
 * test_audit_helpers.h - small helpers the test_audit_*.c programs share.
 *
 * A header of static functions rather than a support .c file so the
 * audit tests stay inside their own files; include it after cmocka.h.
 */
#ifndef TEST_AUDIT_HELPERS_H
#define TEST_AUDIT_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_audit.h"
#include "tc_io.h"

static const uint8_t test_key[TC_AUDIT_KEY_LEN] = {
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67,
	0x89, 0xab, 0xcd, 0xef, 0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78,
	0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};
static const uint8_t zero_hash[TC_AUDIT_HASH_LEN];

/* Assert a return code, saying what was expected in words on failure. */
#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

static void __attribute__((unused))
path_in(char *out, size_t size, const char *dir, const char *name)
{
	int n = snprintf(out, size, "%s/%s", dir, name);

	assert_true(n > 0 && (size_t)n < size);
}

/* A fresh directory under TC_TEST_TMP; the log goes in <it>/log (created by open). */
static void __attribute__((unused))
fresh_dir(char *base, size_t size, char *logdir, size_t logsize)
{
	const char *t = getenv("TC_TEST_TMP");

	int n = snprintf(base, size, "%s/auditXXXXXX", t ? t : "/tmp");

	assert_true(n > 0 && (size_t)n < size);
	assert_non_null(mkdtemp(base));
	path_in(logdir, logsize, base, "log");
}


/* Whole file into a malloc'd buffer; *len its size.  NULL if missing. */
static __attribute__((unused)) uint8_t *
slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	struct stat st;
	uint8_t *buf;
	size_t got;
	int fd;

	path_in(path, sizeof(path), dir, name);
	if ((fd = open(path, O_RDONLY)) < 0)
		return NULL;
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(tc_read_full(fd, buf, (size_t)st.st_size, &got), 0);
	assert_int_equal(got, (size_t)st.st_size);
	close(fd);
	*len = got;
	return buf;
}

/* Replace a file's contents (keeps mode 0600). */
static void __attribute__((unused))
spit(const char *dir, const char *name, const uint8_t *buf, size_t len)
{
	char path[1024];
	int fd;

	path_in(path, sizeof(path), dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, buf, len), 0);
	close(fd);
}

static void __attribute__((unused))
remove_in(const char *dir, const char *name)
{
	char path[1024];

	path_in(path, sizeof(path), dir, name);
	assert_int_equal(unlink(path), 0);
}

/* Open a log, append n entries with action "test.<i>" (i from first), close. */
static void __attribute__((unused))
append_n(const char *logdir, unsigned first, unsigned n)
{
	struct tc_audit *a = NULL;
	char action[32], detail[64];

	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	for (unsigned i = first; i < first + n; i++) {
		snprintf(action, sizeof(action), "test.%u", i);
		/* Vary the lengths so records are not all the same size. */
		snprintf(detail, sizeof(detail), "detail %.*s", (int)(i % 17), "abcdefghijklmnopq");
		assert_int_equal(tc_audit_append(a, i % 2 ? "photod" : "staff:S123", action,
						 i % 3 ? "00112233445566778899aabbccddeeff" : NULL,
						 -(int)i, detail), 0);
	}
	tc_audit_close(a);
}

/* Byte offsets of the records in a log buffer; returns how many. */
static size_t __attribute__((unused))
record_offsets(const uint8_t *log, size_t len, size_t *offs, size_t max)
{
	size_t off = 0, n = 0;

	while (off + 8 <= len && n < max) {
		offs[n++] = off;
		off += tc_get_be16(log + off + 6);
	}
	assert_int_equal(off, len);
	offs[n] = off;
	return n;
}

/* Every entry of a log directory, via export + the segment iterator. */
static size_t __attribute__((unused))
read_entries(const char *logdir, struct tc_audit_entry *out, size_t max)
{
	struct tc_audit *a = NULL;
	struct tc_audit_iter it;
	uint8_t *seg = NULL;
	size_t len = 0, n = 0;
	int ret = 0;

	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	if (tc_audit_head_seq(a) == 0) {
		tc_audit_close(a);
		return 0;
	}
	assert_int_equal(tc_audit_export(a, 1, TC_AUDIT_SEQ_HEAD, &seg, &len), 0);
	assert_int_equal(tc_audit_segment_begin(&it, seg, len), 0);
	while (n < max && (ret = tc_audit_segment_next(&it, &out[n])) == 1)
		n++;
	assert_true(n == max || ret == 0);
	tc_free(seg);
	tc_audit_close(a);
	return n;
}

#endif /* TEST_AUDIT_HELPERS_H */
