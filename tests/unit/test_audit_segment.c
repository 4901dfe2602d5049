/*
 * test_audit_segment.c - firmware/audit: export, the Trust-side segment
 * verifier and iterator.  Round trip, continuity between uploads (wrong
 * prev, gaps), head MAC with and without the key, ranges, and malformed
 * input: every truncation and many random byte changes must return an
 * error and never read outside the buffer (run under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <mbedtls/md.h>

#include "tc_fault.h"
#include "test_audit_helpers.h"

#define NENT 12

static char base[512], logdir[600];

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	fresh_dir(base, sizeof(base), logdir, sizeof(logdir));
	append_n(logdir, 1, NENT);
	return 0;
}

/* Export from..to of the log in dir through a fresh handle. */
static uint8_t *
export_dir(const char *dir, uint64_t from, uint64_t to, size_t *len)
{
	struct tc_audit *a = NULL;
	uint8_t *seg = NULL;

	assert_int_equal(tc_audit_open(&a, dir, test_key), 0);
	expect_rc(tc_audit_export(a, from, to, &seg, len), 0, "export");
	tc_audit_close(a);
	assert_non_null(seg);
	return seg;
}

static uint8_t *
export(uint64_t from, uint64_t to, size_t *len)
{
	return export_dir(logdir, from, to, len);
}

/* A copy in a buffer of exactly len bytes, so ASan sees any overread. */
static uint8_t *
exact_copy(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	assert_non_null(q);
	memcpy(q, p, len);
	return q;
}

static void
test_roundtrip(void **state)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry all[NENT + 1], e;
	struct tc_audit_iter it;
	uint8_t *seg;
	size_t len, n = 0;
	int ret;

	(void)state;
	assert_int_equal(read_entries(logdir, all, NENT + 1), NENT);
	seg = export(1, TC_AUDIT_SEQ_HEAD, &len);
	expect_rc(tc_audit_verify_segment(seg, len, zero_hash, 1, test_key, &res), 0,
		  "whole-log segment with the key");
	assert_int_equal(res.first_seq, 1);
	assert_int_equal(res.last_seq, NENT);
	assert_int_equal(res.count, NENT);
	assert_true(res.head_present && res.head_mac_ok);
	assert_int_equal(res.head_seq, NENT);
	assert_memory_equal(res.head_hash, res.last_hash, TC_AUDIT_HASH_LEN);
	assert_memory_equal(res.last_hash, all[NENT - 1].hash, TC_AUDIT_HASH_LEN);

	/* Without the key: chain checked, MAC not. */
	expect_rc(tc_audit_verify_segment(seg, len, NULL, 0, NULL, &res), 0, "segment, no key");
	assert_true(res.head_present);
	assert_false(res.head_mac_ok);

	/* The iterator gives back exactly what was appended. */
	assert_int_equal(tc_audit_segment_begin(&it, seg, len), 0);
	while ((ret = tc_audit_segment_next(&it, &e)) == 1) {
		assert_true(n < NENT);
		assert_int_equal(e.seq, all[n].seq);
		assert_string_equal(e.actor, all[n].actor);
		assert_string_equal(e.action, all[n].action);
		assert_string_equal(e.object, all[n].object);
		assert_string_equal(e.detail, all[n].detail);
		assert_int_equal(e.result, -(int)(n + 1));
		assert_int_equal(e.wall_us, all[n].wall_us);
		assert_memory_equal(e.hash, all[n].hash, TC_AUDIT_HASH_LEN);
		n++;
	}
	assert_int_equal(ret, 0);
	assert_int_equal(n, NENT);
	/* End is sticky and repeatable; misuse is refused. */
	assert_int_equal(tc_audit_segment_next(&it, &e), 0);
	assert_int_equal(tc_audit_segment_next(NULL, &e), -EINVAL);
	assert_int_equal(tc_audit_segment_next(&it, NULL), -EINVAL);
	assert_int_equal(tc_audit_segment_begin(NULL, seg, len), -EINVAL);
	assert_int_equal(tc_audit_segment_begin(&it, NULL, len), -EINVAL);
	assert_int_equal(tc_audit_segment_next(&it, &e), -EINVAL);
	expect_rc(tc_audit_verify_segment(NULL, 0, NULL, 0, NULL, NULL), -EINVAL, "NULL segment");
	tc_free(seg);
}

/* Uploads at successive docks chain onto each other. */
static void
test_continuity(void **state)
{
	struct tc_audit_verify_result r1, r2, r3;
	uint8_t *s1, *s2, *s3, wrong[TC_AUDIT_HASH_LEN];
	size_t l1, l2, l3;

	(void)state;
	s1 = export(1, 4, &l1);
	s2 = export(5, 9, &l2);
	s3 = export(10, TC_AUDIT_SEQ_HEAD, &l3);
	expect_rc(tc_audit_verify_segment(s1, l1, zero_hash, 1, test_key, &r1), 0, "segment 1-4");
	assert_int_equal(r1.last_seq, 4);
	assert_int_equal(r1.head_seq, NENT);	/* the head is newer than the segment */
	expect_rc(tc_audit_verify_segment(s2, l2, r1.last_hash, r1.last_seq + 1, test_key, &r2),
		  0, "segment 5-9 after 1-4");
	assert_int_equal(r2.first_seq, 5);
	assert_memory_equal(r2.prev, r1.last_hash, TC_AUDIT_HASH_LEN);
	expect_rc(tc_audit_verify_segment(s3, l3, r2.last_hash, r2.last_seq + 1, test_key, &r3),
		  0, "segment 10-head after 5-9");
	assert_int_equal(r3.last_seq, NENT);

	/* A gap: the receiver holds 1-4 and is sent 10-12. */
	expect_rc(tc_audit_verify_segment(s3, l3, r1.last_hash, r1.last_seq + 1, test_key, NULL),
		  TC_E_AUDIT_SEQUENCE, "segment 10-12 after 1-4");
	/* Right seq, wrong previous hash (a different history). */
	memcpy(wrong, r1.last_hash, sizeof(wrong));
	wrong[0] ^= 1;
	expect_rc(tc_audit_verify_segment(s2, l2, wrong, 5, test_key, NULL), TC_E_AUDIT_CHAIN,
		  "segment 5-9 after a different 1-4");
	/* A replay of what the receiver already holds. */
	expect_rc(tc_audit_verify_segment(s1, l1, r2.last_hash, 10, test_key, NULL),
		  TC_E_AUDIT_SEQUENCE, "segment 1-4 replayed after 9");
	/* The wrong device key. */
	wrong[0] = test_key[0] ^ 1;
	memcpy(wrong + 1, test_key + 1, sizeof(wrong) - 1);
	expect_rc(tc_audit_verify_segment(s2, l2, r1.last_hash, 5, wrong, NULL), TC_E_AUDIT_MAC,
		  "segment under another key");
	tc_free(s1);
	tc_free(s2);
	tc_free(s3);
}

static void
test_ranges(void **state)
{
	struct tc_audit *a = NULL;
	uint8_t *seg = (uint8_t *)1;
	size_t len = 1;

	(void)state;
	assert_int_equal(tc_audit_open(&a, logdir, test_key), 0);
	expect_rc(tc_audit_export(a, 0, 3, &seg, &len), -ERANGE, "from 0");
	assert_null(seg);
	assert_int_equal(len, 0);
	expect_rc(tc_audit_export(a, 4, 3, &seg, &len), -ERANGE, "from after to");
	expect_rc(tc_audit_export(a, 1, NENT + 1, &seg, &len), -ERANGE, "past the head");
	expect_rc(tc_audit_export(a, NENT + 1, TC_AUDIT_SEQ_HEAD, &seg, &len), -ERANGE,
		  "nothing new since the head");
	expect_rc(tc_audit_export(NULL, 1, 2, &seg, &len), -EINVAL, "NULL handle");
	expect_rc(tc_audit_export(a, 1, 2, NULL, &len), -EINVAL, "NULL buf");
	/* A one-entry segment. */
	expect_rc(tc_audit_export(a, NENT, NENT, &seg, &len), 0, "last entry alone");
	tc_audit_close(a);
	expect_rc(tc_audit_verify_segment(seg, len, NULL, NENT, test_key, NULL), 0, "one entry");
	tc_free(seg);
}

/* The read-only export from a directory: same bytes, no repair, no lock. */
static void
test_export_dir(void **state)
{
	uint8_t *seg, *seg2 = NULL, key2[TC_AUDIT_KEY_LEN], *log = NULL;
	size_t len, len2 = 0, loglen = 0, loglen2 = 0;
	char path[1024];
	int fd;

	(void)state;
	seg = export(3, 7, &len);
	expect_rc(tc_audit_export_dir(logdir, test_key, 3, 7, &seg2, &len2), 0, "export_dir");
	assert_int_equal(len2, len);
	assert_memory_equal(seg2, seg, len);
	tc_free(seg2);

	/* A torn tail is ignored and left alone (only an open repairs). */
	path_in(path, sizeof(path), logdir, "audit.log");
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, "TCAE\1\0", 6), 0);
	close(fd);
	log = slurp(logdir, "audit.log", &loglen);
	expect_rc(tc_audit_export_dir(logdir, test_key, 1, TC_AUDIT_SEQ_HEAD, &seg2, &len2), 0,
		  "export_dir past a torn tail");
	expect_rc(tc_audit_verify_segment(seg2, len2, zero_hash, 1, test_key, NULL), 0,
		  "segment from export_dir");
	tc_free(seg2);
	free(log);
	log = slurp(logdir, "audit.log", &loglen2);
	assert_int_equal(loglen2, loglen);
	free(log);

	memcpy(key2, test_key, sizeof(key2));
	key2[0] ^= 1;
	expect_rc(tc_audit_export_dir(logdir, key2, 1, 2, &seg2, &len2), TC_E_AUDIT_MAC,
		  "export_dir with the wrong key");
	assert_null(seg2);
	remove_in(logdir, "audit.head");
	expect_rc(tc_audit_export_dir(logdir, test_key, 1, 2, &seg2, &len2), TC_E_AUDIT_MAC,
		  "export_dir with the head removed");
	path_in(path, sizeof(path), base, "nothing");
	expect_rc(tc_audit_export_dir(path, test_key, 1, 2, &seg2, &len2), -ENOENT,
		  "export_dir of a missing dir");
	assert_int_equal(mkdir(path, 0700), 0);
	expect_rc(tc_audit_export_dir(path, test_key, 1, 2, &seg2, &len2), -ENOENT,
		  "export_dir of a dir with no log");
	{
		struct tc_audit *a = NULL;

		assert_int_equal(tc_audit_open(&a, path, test_key), 0);
		tc_audit_close(a);
	}
	expect_rc(tc_audit_export_dir(path, test_key, 1, TC_AUDIT_SEQ_HEAD, &seg2, &len2), -ERANGE,
		  "export_dir of an empty log");
	expect_rc(tc_audit_export_dir(NULL, test_key, 1, 2, &seg2, &len2), -EINVAL, "NULL dir");
	tc_free(seg);
}

/* Segments a device could send that are well-formed bytes but inconsistent. */
static void
test_inconsistent_segments(void **state)
{
	uint8_t *seg, *bad;
	size_t len, hdr = 52, head_off;

	(void)state;
	seg = export(1, NENT, &len);
	head_off = len - TC_AUDIT_HEAD_LEN;

	/* Count says one more entry than there is. */
	bad = exact_copy(seg, len);
	tc_put_be32(bad + 16, NENT + 1);
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_FORMAT,
		  "count too high");
	/* Count one lower: the last record is left over as trailing bytes. */
	tc_put_be32(bad + 16, NENT - 1);
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_FORMAT,
		  "count too low");
	tc_put_be32(bad + 16, 0);
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_FORMAT,
		  "count 0");
	free(bad);

	/* Entry 1 must follow the genesis value. */
	bad = exact_copy(seg, len);
	bad[hdr - 1] ^= 1;
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_CHAIN,
		  "entry 1 after a non-genesis prev");
	free(bad);

	/* first_seq near UINT64_MAX must not wrap. */
	bad = exact_copy(seg, len);
	tc_put_be64(bad + 8, UINT64_MAX);
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_FORMAT,
		  "first_seq overflow");
	free(bad);

	/* No head flag: the head bytes are trailing garbage. */
	bad = exact_copy(seg, len);
	bad[5] = 0;
	expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL), TC_E_AUDIT_FORMAT,
		  "head present but not flagged");
	/* ...and without them it is a valid head-less segment. */
	expect_rc(tc_audit_verify_segment(bad, head_off, zero_hash, 1, NULL, NULL), 0,
		  "head-less segment");
	free(bad);

	/* Entry 3 edited and re-hashed: entry 4's prev gives it away, key or not. */
	{
		struct tc_audit_verify_result res;
		size_t off = hdr, l;

		bad = exact_copy(seg, len);
		off += tc_get_be16(bad + off + 6);		/* skip entry 1 */
		off += tc_get_be16(bad + off + 6);		/* skip entry 2 */
		l = tc_get_be16(bad + off + 6);
		bad[off + 35] ^= 1;				/* entry 3's result */
		assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
					    bad + off, l - 32, bad + off + l - 32), 0);
		expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, NULL, &res), TC_E_AUDIT_CHAIN,
			  "re-hashed entry 3 inside a segment");
		assert_int_equal(res.bad_offset, off + l);
		free(bad);
	}
	/* A head (same key, validly MAC'd) older than the entries it comes with. */
	{
		char base2[512], dir2[600];
		uint8_t *other;
		size_t olen;

		fresh_dir(base2, sizeof(base2), dir2, sizeof(dir2));
		append_n(dir2, 1, 3);
		other = export_dir(dir2, 1, 3, &olen);
		bad = exact_copy(seg, len);
		memcpy(bad + head_off, other + olen - TC_AUDIT_HEAD_LEN, TC_AUDIT_HEAD_LEN);
		expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, test_key, NULL),
			  TC_E_AUDIT_FORMAT, "entries past the MAC'd head");
		free(bad);
		tc_free(other);
	}
	/* A head at the last seq that names another entry (a twin log, same key). */
	{
		char base3[512], dir3[600];
		uint8_t *twin;
		size_t tlen;

		fresh_dir(base3, sizeof(base3), dir3, sizeof(dir3));
		append_n(dir3, 1, NENT);
		twin = export_dir(dir3, 1, NENT, &tlen);
		bad = exact_copy(seg, len);
		memcpy(bad + head_off, twin + tlen - TC_AUDIT_HEAD_LEN, TC_AUDIT_HEAD_LEN);
		expect_rc(tc_audit_verify_segment(bad, len, NULL, 0, test_key, NULL),
			  TC_E_AUDIT_CHAIN, "head naming another last entry");
		free(bad);
		tc_free(twin);
	}
	tc_free(seg);
}

static void
iterate_all(const uint8_t *p, size_t len)
{
	struct tc_audit_entry e;
	struct tc_audit_iter it;
	int n = 0, ret;

	if (tc_audit_segment_begin(&it, p, len) != 0)
		return;
	while ((ret = tc_audit_segment_next(&it, &e)) == 1)
		assert_true(++n <= NENT);
	assert_true(ret <= 0);
}

static void
test_truncate_at_every_offset(void **state)
{
	uint8_t *seg, *cut;
	size_t len;

	(void)state;
	seg = export(1, TC_AUDIT_SEQ_HEAD, &len);
	for (size_t k = 0; k < len; k++) {
		int ret;

		cut = exact_copy(seg, k);
		ret = tc_audit_verify_segment(cut, k, NULL, 0, NULL, NULL);
		if (ret >= 0)
			fail_msg("segment cut to %zu of %zu bytes verified", k, len);
		ret = tc_audit_verify_segment(cut, k, zero_hash, 1, test_key, NULL);
		if (ret >= 0)
			fail_msg("segment cut to %zu of %zu bytes verified with the key", k, len);
		iterate_all(cut, k);
		free(cut);
	}
	tc_free(seg);
}

/* xorshift64*: deterministic, so a failure reproduces. */
static uint64_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

static void
test_random_byte_changes(void **state)
{
	uint64_t seed = 0x7472757374636d31ull;
	uint8_t *seg, *bad;
	size_t len;

	(void)state;
	seg = export(1, TC_AUDIT_SEQ_HEAD, &len);
	for (int iter = 0; iter < 4000; iter++) {
		int changes = 1 + (int)(rnd(&seed) % 4), ret;

		bad = exact_copy(seg, len);
		for (int c = 0; c < changes; c++) {
			size_t at = (size_t)(rnd(&seed) % len);

			bad[at] ^= (uint8_t)(1 + rnd(&seed) % 255);
		}
		/* With the key and the expectations, every change is caught. */
		ret = tc_audit_verify_segment(bad, len, zero_hash, 1, test_key, NULL);
		if (ret >= 0)
			fail_msg("iteration %d: changed segment verified", iter);
		/* Without them it must still never misbehave. */
		(void)!tc_audit_verify_segment(bad, len, NULL, 0, NULL, NULL);
		iterate_all(bad, len);
		free(bad);
	}
	/* Random lengths of random bytes. */
	for (int iter = 0; iter < 2000; iter++) {
		size_t n = (size_t)(rnd(&seed) % 700);

		bad = malloc(n ? n : 1);
		assert_non_null(bad);
		for (size_t i = 0; i < n; i++)
			bad[i] = (uint8_t)rnd(&seed);
		/* Sometimes a plausible header, so the record parser gets exercised. */
		if (n >= 52 && iter % 2) {
			memcpy(bad, seg, 52);
			if (n >= 60 && iter % 4 == 1)
				memcpy(bad + 52, seg + 52, 8);
		}
		assert_true(tc_audit_verify_segment(bad, n, NULL, 0, NULL, NULL) < 0);
		iterate_all(bad, n);
		free(bad);
	}
	tc_free(seg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_roundtrip, setup),
		cmocka_unit_test_setup(test_continuity, setup),
		cmocka_unit_test_setup(test_ranges, setup),
		cmocka_unit_test_setup(test_export_dir, setup),
		cmocka_unit_test_setup(test_inconsistent_segments, setup),
		cmocka_unit_test_setup(test_truncate_at_every_offset, setup),
		cmocka_unit_test_setup(test_random_byte_changes, setup),
	};

	return cmocka_run_group_tests_name("audit_segment", tests, NULL, NULL);
}
