/*
 * test_audit_tamper.c - firmware/audit: every way of changing the files
 * is detected with its own error: an edited byte in each field of an
 * entry, a re-hashed forgery, a deleted or reordered entry, a cut tail, a
 * damaged, missing or rolled-back head, the wrong key; and a log that
 * failed verification takes no more entries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/md.h>

#include "tc_fault.h"
#include "test_audit_helpers.h"

#define NENT 5
#define AUDIT_TEST_REC_MAX 549	/* the largest record (README) */

static char base[512], logdir[600];
static uint8_t *orig_log, *orig_head;
static size_t orig_log_len, orig_head_len;
static size_t offs[NENT + 1];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
	append_n(logdir, 1, NENT);
	orig_log = slurp(logdir, "audit.log", &orig_log_len);
	orig_head = slurp(logdir, "audit.head", &orig_head_len);
	assert_non_null(orig_log);
	assert_non_null(orig_head);
	assert_int_equal(record_offsets(orig_log, orig_log_len, offs, NENT), NENT);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(orig_log);
	free(orig_head);
	orig_log = orig_head = NULL;
	return 0;
}

static void
restore(void)
{
	spit(logdir, "audit.log", orig_log, orig_log_len);
	spit(logdir, "audit.head", orig_head, orig_head_len);
}

/* Both the opener and the read-only verifier must report want. */
static void
expect_log_error(int want, const char *what)
{
	struct tc_audit_verify_result res;
	struct tc_audit *a = NULL;

	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), want, what);
	expect_rc(tc_audit_open(&a, logdir, test_key), want, what);
	assert_null(a);
}

static void
write_log(const uint8_t *buf, size_t len)
{
	spit(logdir, "audit.log", buf, len);
}

/* What one changed byte at offset i of a record must give. */
enum region { R_STRUCT, R_VALUE, R_TEXT };

static enum region
region_of(const uint8_t *rec, size_t i, size_t rec_len)
{
	size_t off = 36, n;

	if (i < 8)
		return R_STRUCT;	/* magic, version, reserved, rec_len */
	if (i < 36)
		return R_VALUE;		/* seq, wall, mono, result */
	for (int f = 0; f < 4; f++) {
		size_t lb = f == 3 ? 2 : 1;

		n = lb == 1 ? rec[off] : tc_get_be16(rec + off);
		if (i < off + lb)
			return R_STRUCT;	/* a text length */
		if (i < off + lb + n)
			return R_TEXT;
		off += lb + n;
	}
	assert_true(i < rec_len);
	return R_VALUE;			/* prev, hash */
}

static void
test_edit_every_byte_of_an_entry(void **state)
{
	const size_t r = 2;	/* entry 3 */
	size_t start = offs[r], len = offs[r + 1] - offs[r];
	uint8_t *buf = malloc(orig_log_len);
	int counts[3] = { 0, 0, 0 };
	char what[96];

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < len; i++) {
		enum region reg = region_of(orig_log + start, i, len);
		uint8_t *p = buf + start + i;

		memcpy(buf, orig_log, orig_log_len);
		counts[reg]++;
		switch (reg) {
		case R_STRUCT:
			*p ^= 0x01;
			write_log(buf, orig_log_len);
			snprintf(what, sizeof(what), "entry 3 structure byte %zu", i);
			expect_log_error(TC_E_AUDIT_FORMAT, what);
			break;
		case R_VALUE:
			*p ^= 0x80;
			write_log(buf, orig_log_len);
			snprintf(what, sizeof(what), "entry 3 value/hash byte %zu", i);
			expect_log_error(TC_E_AUDIT_CHAIN, what);
			break;
		case R_TEXT:
			/* Another printable byte: only the hash can tell. */
			*p = *p == 'a' ? 'b' : 'a';
			write_log(buf, orig_log_len);
			snprintf(what, sizeof(what), "entry 3 text byte %zu", i);
			expect_log_error(TC_E_AUDIT_CHAIN, what);
			/* A control byte is malformed before it is forged. */
			*p = '\n';
			write_log(buf, orig_log_len);
			expect_log_error(TC_E_AUDIT_FORMAT, what);
			break;
		}
	}
	/* Every region was exercised. */
	assert_true(counts[R_STRUCT] >= 12 && counts[R_VALUE] >= 92 && counts[R_TEXT] >= 10);
	free(buf);
	restore();
	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), 0, "restored log");
}

static void
sha256(const uint8_t *in, size_t len, uint8_t *out)
{
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), in, len, out), 0);
}

/* An attacker without the key can still recompute SHA-256: not enough. */
static void
test_rehashed_forgery(void **state)
{
	uint8_t *buf = malloc(orig_log_len), prev[32];
	size_t start, len;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, orig_log, orig_log_len);
	/* Change entry 3's result and fix up its own hash. */
	start = offs[2];
	len = offs[3] - start;
	buf[start + 35] ^= 0x01;
	sha256(buf + start, len - 32, buf + start + len - 32);
	write_log(buf, orig_log_len);
	expect_log_error(TC_E_AUDIT_CHAIN, "entry 3 re-hashed, entry 4's prev stale");

	/* Re-chain every later entry too: the MAC'd head still names the old hash. */
	for (size_t r = 2; r < NENT; r++) {
		start = offs[r];
		len = offs[r + 1] - start;
		if (r > 2)
			memcpy(buf + start + len - 64, prev, 32);
		sha256(buf + start, len - 32, buf + start + len - 32);
		memcpy(prev, buf + start + len - 32, 32);
	}
	write_log(buf, orig_log_len);
	expect_log_error(TC_E_AUDIT_CHAIN, "whole chain re-hashed after entry 3");
	free(buf);
}

static void
test_delete_middle_entry(void **state)
{
	uint8_t *buf = malloc(orig_log_len);
	size_t n;

	(void)state;
	assert_non_null(buf);
	/* Drop entry 3. */
	memcpy(buf, orig_log, offs[2]);
	n = offs[2];
	memcpy(buf + n, orig_log + offs[3], orig_log_len - offs[3]);
	n += orig_log_len - offs[3];
	write_log(buf, n);
	expect_log_error(TC_E_AUDIT_SEQUENCE, "entry 3 deleted");
	/* Drop entry 1. */
	write_log(orig_log + offs[1], orig_log_len - offs[1]);
	expect_log_error(TC_E_AUDIT_SEQUENCE, "entry 1 deleted");
	free(buf);
}

static void
test_reorder_entries(void **state)
{
	uint8_t *buf = malloc(2 * orig_log_len);	/* room for a longer duplicate */
	size_t n = 0, l2 = offs[2] - offs[1], l3 = offs[3] - offs[2];

	(void)state;
	assert_non_null(buf);
	/* 1, 3, 2, 4, 5 */
	memcpy(buf, orig_log, offs[1]);
	n = offs[1];
	memcpy(buf + n, orig_log + offs[2], l3);
	n += l3;
	memcpy(buf + n, orig_log + offs[1], l2);
	n += l2;
	memcpy(buf + n, orig_log + offs[3], orig_log_len - offs[3]);
	n += orig_log_len - offs[3];
	assert_int_equal(n, orig_log_len);
	write_log(buf, n);
	expect_log_error(TC_E_AUDIT_SEQUENCE, "entries 2 and 3 swapped");
	/* 1, 2, 2, 4, 5 (a duplicate in place of 3, same length or not) */
	memcpy(buf, orig_log, offs[2]);
	memcpy(buf + offs[2], orig_log + offs[1], l2);
	memcpy(buf + offs[2] + l2, orig_log + offs[3], orig_log_len - offs[3]);
	write_log(buf, offs[2] + l2 + orig_log_len - offs[3]);
	expect_log_error(TC_E_AUDIT_SEQUENCE, "entry 2 duplicated over entry 3");
	free(buf);
}

static void
test_truncate_tail(void **state)
{
	(void)state;
	write_log(orig_log, offs[NENT - 1]);
	expect_log_error(TC_E_AUDIT_TRUNCATED, "last entry removed");
	write_log(orig_log, offs[NENT - 2]);
	expect_log_error(TC_E_AUDIT_TRUNCATED, "last two entries removed");
	write_log(orig_log, orig_log_len - 1);
	expect_log_error(TC_E_AUDIT_TRUNCATED, "last byte removed");
	write_log(orig_log, offs[1] + 3);
	expect_log_error(TC_E_AUDIT_TRUNCATED, "cut inside entry 2's prefix");
	write_log(orig_log, 0);
	expect_log_error(TC_E_AUDIT_TRUNCATED, "log emptied");
	remove_in(logdir, "audit.log");
	expect_log_error(TC_E_AUDIT_TRUNCATED, "log deleted");
}

static void
test_head_tamper(void **state)
{
	uint8_t head[TC_AUDIT_HEAD_LEN + 1];

	(void)state;
	assert_int_equal(orig_head_len, TC_AUDIT_HEAD_LEN);
	spit(logdir, "audit.head", orig_head, TC_AUDIT_HEAD_LEN - 1);
	expect_log_error(TC_E_AUDIT_FORMAT, "head one byte short");
	spit(logdir, "audit.head", orig_head, 0);
	expect_log_error(TC_E_AUDIT_FORMAT, "head emptied");
	memcpy(head, orig_head, TC_AUDIT_HEAD_LEN);
	head[TC_AUDIT_HEAD_LEN] = 0;
	spit(logdir, "audit.head", head, TC_AUDIT_HEAD_LEN + 1);
	expect_log_error(TC_E_AUDIT_FORMAT, "head one byte long");
	head[0] ^= 0x20;
	spit(logdir, "audit.head", head, TC_AUDIT_HEAD_LEN);
	expect_log_error(TC_E_AUDIT_FORMAT, "head magic");
	/* Every byte the MAC covers, and the MAC itself. */
	for (size_t i = 8; i < TC_AUDIT_HEAD_LEN; i++) {
		char what[48];

		memcpy(head, orig_head, TC_AUDIT_HEAD_LEN);
		head[i] ^= 0x04;
		spit(logdir, "audit.head", head, TC_AUDIT_HEAD_LEN);
		snprintf(what, sizeof(what), "head byte %zu", i);
		expect_log_error(TC_E_AUDIT_MAC, what);
	}
	remove_in(logdir, "audit.head");
	expect_log_error(TC_E_AUDIT_MAC, "head deleted, entries remain");
	restore();
	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), 0, "restored log");
}

static void
test_wrong_key(void **state)
{
	uint8_t key2[TC_AUDIT_KEY_LEN];
	struct tc_audit *a = NULL;

	(void)state;
	memcpy(key2, test_key, sizeof(key2));
	key2[31] ^= 1;
	expect_rc(tc_audit_verify_dir(logdir, key2, NULL), TC_E_AUDIT_MAC, "verify, wrong key");
	expect_rc(tc_audit_open(&a, logdir, key2), TC_E_AUDIT_MAC, "open, wrong key");
	assert_null(a);
}

/* Tampering while the log is open: the next append notices and refuses for good. */
static void
test_refuse_after_failed_verification(void **state)
{
	struct tc_audit *a = NULL;
	uint8_t head[TC_AUDIT_HEAD_LEN], *seg = NULL;
	size_t seglen;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	memcpy(head, orig_head, sizeof(head));
	head[60] ^= 1;
	spit(logdir, "audit.head", head, sizeof(head));
	expect_rc(tc_audit_append(a, "photod", "capture", NULL, 0, NULL), TC_E_AUDIT_MAC,
		  "append after the head MAC was damaged");
	restore();
	expect_rc(tc_audit_append(a, "photod", "capture", NULL, 0, NULL), TC_E_AUDIT_MAC,
		  "append stays refused after the head is put back");
	expect_rc(tc_audit_export(a, 1, TC_AUDIT_SEQ_HEAD, &seg, &seglen), TC_E_AUDIT_MAC,
		  "export refused too");
	assert_null(seg);
	assert_int_equal(tc_audit_head_seq(a), NENT);
	tc_audit_close(a);

	/* An edit found by export also stops appends. */
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	{
		uint8_t *buf = malloc(orig_log_len);

		assert_non_null(buf);
		memcpy(buf, orig_log, orig_log_len);
		buf[offs[1] + 40] = buf[offs[1] + 40] == 'a' ? 'b' : 'a';
		write_log(buf, orig_log_len);
		free(buf);
	}
	expect_rc(tc_audit_export(a, 1, TC_AUDIT_SEQ_HEAD, &seg, &seglen), TC_E_AUDIT_CHAIN,
		  "export of an edited log");
	expect_rc(tc_audit_append(a, "photod", "capture", NULL, 0, NULL), TC_E_AUDIT_CHAIN,
		  "append after export found an edit");
	tc_audit_close(a);
	restore();
	expect_rc(tc_audit_verify_dir(logdir, test_key, NULL), 0, "restored log");
}

/*
 * Rolling audit.head back to an older copy: a running handle calls it
 * truncation; a fresh open can only see entries past the head, which it
 * cuts as unacknowledged - and says so in an audit.recover entry.
 */
static void
test_head_rollback(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry e[NENT + 2];
	struct tc_audit *a = NULL;
	uint8_t *old_head;
	size_t old_len;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	old_head = slurp(logdir, "audit.head", &old_len);
	assert_int_equal(tc_audit_append(a, "photod", "capture", NULL, 0, NULL), 0);
	spit(logdir, "audit.head", old_head, old_len);
	expect_rc(tc_audit_append(a, "photod", "capture", NULL, 0, NULL), TC_E_AUDIT_TRUNCATED,
		  "append after the head was rolled back");
	tc_audit_close(a);

	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "rolled-back head verifies");
	assert_int_equal(res.head_seq, NENT);
	assert_true(res.tail_bytes > 0);
	assert_int_equal(read_entries(logdir, e, NENT + 2), NENT + 1);
	assert_string_equal(e[NENT].action, "audit.recover");
	assert_string_equal(e[NENT].actor, "audit");
	assert_non_null(strstr(e[NENT].detail, "after seq 5"));
	free(old_head);
}

/* Bytes after the head (a torn write, or entries forged without the key) are cut. */
static void
test_torn_and_forged_tail(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry e[NENT + 2];
	uint8_t *log6, *head5, *buf;
	size_t len6, head5_len, rec6;

	(void)state;
	head5 = slurp(logdir, "audit.head", &head5_len);
	append_n(logdir, 6, 1);
	log6 = slurp(logdir, "audit.log", &len6);
	rec6 = len6 - orig_log_len;
	buf = malloc(len6);
	assert_non_null(buf);
	/* Every prefix of entry 6, up to the whole record, past the old head. */
	for (size_t k = 1; k <= rec6; k++) {
		memcpy(buf, log6, orig_log_len + k);
		write_log(buf, orig_log_len + k);
		spit(logdir, "audit.head", head5, head5_len);
		expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "torn tail, read-only");
		assert_int_equal(res.tail_bytes, k);
		assert_int_equal(res.count, NENT);
		assert_int_equal(read_entries(logdir, e, NENT + 2), NENT + 1);
		assert_string_equal(e[NENT - 1].action, "test.5");
		assert_string_equal(e[NENT].action, "audit.recover");
		expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "after recovery");
		assert_int_equal(res.tail_bytes, 0);
	}
	/* A tail longer than any record: cut to the byte, not just overwritten. */
	free(buf);
	buf = malloc(orig_log_len + 3000);
	assert_non_null(buf);
	memcpy(buf, orig_log, orig_log_len);
	memset(buf + orig_log_len, 'Y', 3000);
	write_log(buf, orig_log_len + 3000);
	spit(logdir, "audit.head", head5, head5_len);
	assert_int_equal(read_entries(logdir, e, NENT + 2), NENT + 1);
	expect_rc(tc_audit_verify_dir(logdir, test_key, &res), 0, "after cutting a long tail");
	assert_int_equal(res.tail_bytes, 0);
	{
		size_t now_len;
		uint8_t *now = slurp(logdir, "audit.log", &now_len);

		assert_true(now_len < orig_log_len + AUDIT_TEST_REC_MAX);
		free(now);
	}
	/* Garbage that is not even a record. */
	memcpy(buf, orig_log, orig_log_len);
	memset(buf + orig_log_len, 'Z', 40);
	write_log(buf, orig_log_len + 40);
	spit(logdir, "audit.head", head5, head5_len);
	assert_int_equal(read_entries(logdir, e, NENT + 2), NENT + 1);
	assert_non_null(strstr(e[NENT].detail, "cut 40 unacknowledged bytes"));
	free(buf);
	free(log6);
	free(head5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_edit_every_byte_of_an_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rehashed_forgery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_middle_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reorder_entries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_tamper, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refuse_after_failed_verification, setup, teardown),
		cmocka_unit_test_setup_teardown(test_head_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_and_forged_tail, setup, teardown),
	};

	return cmocka_run_group_tests_name("audit_tamper", tests, NULL, NULL);
}
