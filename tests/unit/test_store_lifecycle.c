/*
 * test_store_lifecycle.c - firmware/store: every legal transition, every
 * illegal one refused with TC_E_STATE, listing and stats, and a catalog
 * that never holds pupil refs, names or events.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define PHOTO_LEN (150 * 1024)

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

static struct sfx fx;

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	if (sfx_init(&fx, "life") != 0 || sfx_open(&fx) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;	/* the directory stays for the plaintext scanner */
}

static enum tc_photo_state
state_of(const uint8_t id[TC_PHOTO_ID_LEN])
{
	struct tc_store_rec r;

	expect_rc(tc_store_get(fx.s, id, &r), 0, "get");
	return r.state;
}

static int
object_exists(const uint8_t id[TC_PHOTO_ID_LEN])
{
	char path[SFX_PATH + 64], hex[33];
	struct stat st;

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", fx.store_dir, hex);
	return lstat(path, &st) == 0;
}

static struct tc_store_receipt
receipt_for(const uint8_t id[TC_PHOTO_ID_LEN])
{
	static const uint8_t blob[] = "signed-receipt";
	struct tc_store_receipt r = { 0 };
	struct tc_store_rec rec;

	expect_rc(tc_store_get(fx.s, id, &rec), 0, "get");
	r.ledger_seq = 42;
	r.server_time_us = 1700000000000000ull;
	memcpy(r.digest, rec.digest, sizeof(r.digest));
	r.size = rec.size;
	r.blob = blob;
	r.blob_len = sizeof(blob);
	return r;
}

static void
test_full_lifecycle(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], buf[64];
	struct tc_store_receipt rc_;
	struct tc_store_rec r, after;
	char hex[33], why[256];
	size_t len;
	int fd;
	uint64_t size;

	(void)state;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 1, id), 0, "capture");
	expect_rc(tc_store_get(fx.s, id, &r), 0, "get");
	assert_int_equal(r.state, TC_PHOTO_CAPTURED);
	assert_true(r.size > PHOTO_LEN);
	assert_true(r.created_us > 0 && r.stored_us >= r.created_us);
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 1), 0, "photo opens with the Trust key");

	/* syncd's descriptor is read-only. */
	expect_rc(tc_store_open_object(fx.s, id, &fd, &size), 0, "open_object");
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	assert_int_equal(size, r.size);
	close(fd);

	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "captured -> uploading");
	assert_int_equal(state_of(id), TC_PHOTO_UPLOADING);
	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "uploading -> uploading (retry)");
	expect_rc(tc_store_upload_failed(fx.s, id), 0, "uploading -> captured");
	assert_int_equal(state_of(id), TC_PHOTO_CAPTURED);
	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "captured -> uploading again");
	rc_ = receipt_for(id);
	expect_rc(tc_store_mark_receipted(fx.s, id, &rc_), 0, "uploading -> receipted");
	expect_rc(tc_store_get(fx.s, id, &r), 0, "get");
	assert_int_equal(r.state, TC_PHOTO_RECEIPTED);
	assert_int_equal(r.receipt_seq, 42);
	assert_int_equal(r.receipt_time_us, 1700000000000000ull);
	expect_rc(tc_store_get_receipt(fx.s, id, buf, sizeof(buf), &len), 0, "receipt blob");
	assert_int_equal(len, sizeof("signed-receipt"));
	assert_memory_equal(buf, "signed-receipt", len);
	expect_rc(tc_store_get_receipt(fx.s, id, buf, 3, &len), -ENOBUFS, "short buffer");

	expect_rc(tc_store_secure_delete(fx.s, id), 0, "receipted -> deleted");
	expect_rc(tc_store_get(fx.s, id, &after), 0, "tombstone");
	assert_int_equal(after.state, TC_PHOTO_DELETED);
	/* The tombstone keeps id, digest, size, times and the receipt. */
	assert_memory_equal(after.digest, r.digest, TC_SHA256_LEN);
	assert_int_equal(after.size, r.size);
	assert_int_equal(after.created_us, r.created_us);
	assert_int_equal(after.receipt_seq, 42);
	assert_false(object_exists(id));
	expect_rc(tc_store_open_object(fx.s, id, &fd, &size), TC_E_STATE, "no reading a tombstone");
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	assert_int_equal(sfx_audit_count(&fx, "store.delete", hex), 1);
	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("inconsistent: %s", why);
}

static void
test_discard(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN];
	struct tc_store_stats st;
	struct tc_audit_entry e;
	struct tc_audit_iter it;
	char hex[33];
	uint8_t *seg;
	size_t len;
	int found = 0;

	(void)state;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 2, id), 0, "capture");
	expect_rc(tc_store_discard(fx.s, id, "staff:S123"), 0, "captured -> discarded");
	assert_int_equal(state_of(id), TC_PHOTO_DISCARDED);
	assert_false(object_exists(id));
	/* The discard is attributed to the staff member who asked for it. */
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	expect_rc(tc_audit_export(fx.audit, 1, TC_AUDIT_SEQ_HEAD, &seg, &len), 0, "export");
	expect_rc(tc_audit_segment_begin(&it, seg, len), 0, "segment");
	while (tc_audit_segment_next(&it, &e) == 1)
		if (!strcmp(e.action, "store.discard") && !strcmp(e.object, hex)) {
			assert_string_equal(e.actor, "staff:S123");
			assert_int_equal(e.result, 0);
			found++;
		}
	tc_free(seg);
	assert_int_equal(found, 1);
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.count[TC_PHOTO_DISCARDED], 1);
	assert_int_equal(st.used_photos, 0);
}

/* Drive a fresh photo to state want. */
static void
make_in_state(enum tc_photo_state want, uint8_t id[TC_PHOTO_ID_LEN], unsigned seed)
{
	struct tc_store_receipt r;

	expect_rc(sfx_capture(&fx, 20000, seed, id), 0, "capture");
	if (want == TC_PHOTO_CAPTURED)
		return;
	if (want == TC_PHOTO_DISCARDED) {
		expect_rc(tc_store_discard(fx.s, id, "staff:S1"), 0, "discard");
		return;
	}
	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "uploading");
	if (want == TC_PHOTO_UPLOADING)
		return;
	r = receipt_for(id);
	expect_rc(tc_store_mark_receipted(fx.s, id, &r), 0, "receipted");
	if (want == TC_PHOTO_RECEIPTED)
		return;
	expect_rc(tc_store_secure_delete(fx.s, id), 0, "deleted");
}

enum op { OP_UPLOADING, OP_FAILED, OP_RECEIPTED, OP_DELETE, OP_DISCARD, OP_N };

static int
apply(enum op op, const uint8_t id[TC_PHOTO_ID_LEN])
{
	struct tc_store_receipt r = receipt_for(id);

	switch (op) {
	case OP_UPLOADING: return tc_store_mark_uploading(fx.s, id);
	case OP_FAILED: return tc_store_upload_failed(fx.s, id);
	case OP_RECEIPTED: return tc_store_mark_receipted(fx.s, id, &r);
	case OP_DELETE: return tc_store_secure_delete(fx.s, id);
	case OP_DISCARD: return tc_store_discard(fx.s, id, "staff:S1");
	default: return -EINVAL;
	}
}

static void
test_illegal_transitions(void **state)
{
	static const enum tc_photo_state states[] = {
		TC_PHOTO_CAPTURED, TC_PHOTO_UPLOADING, TC_PHOTO_RECEIPTED,
		TC_PHOTO_DELETED, TC_PHOTO_DISCARDED,
	};
	/* legal[state][op]: the lifecycle table in lifecycle.c */
	static const int legal[TC_PHOTO_NSTATES][OP_N] = {
		[TC_PHOTO_CAPTURED] = { [OP_UPLOADING] = 1, [OP_DISCARD] = 1 },
		[TC_PHOTO_UPLOADING] = { [OP_UPLOADING] = 1, [OP_FAILED] = 1, [OP_RECEIPTED] = 1 },
		[TC_PHOTO_RECEIPTED] = { [OP_DELETE] = 1 },
	};
	uint8_t id[TC_PHOTO_ID_LEN], unknown[TC_PHOTO_ID_LEN] = { 0xee };
	unsigned seed = 100;
	size_t i;
	int op, checked = 0;

	(void)state;
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		for (op = 0; op < OP_N; op++) {
			if (legal[states[i]][op])
				continue;
			make_in_state(states[i], id, seed++);
			if (apply((enum op)op, id) != TC_E_STATE)
				fail_msg("op %d from %s: expected TC_E_STATE", op,
					 tc_store_state_name(states[i]));
			assert_int_equal(state_of(id), states[i]);
			checked++;
		}
	}
	assert_int_equal(checked, 5 * OP_N - 6);
	expect_rc(tc_store_mark_uploading(fx.s, unknown), TC_E_NOT_FOUND, "unknown id");
	expect_rc(tc_store_secure_delete(fx.s, unknown), TC_E_NOT_FOUND, "unknown id");
}

static void
test_receipt_must_cover_object(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN];
	struct tc_store_receipt r;

	(void)state;
	make_in_state(TC_PHOTO_UPLOADING, id, 7);
	r = receipt_for(id);
	r.digest[0] ^= 1;
	expect_rc(tc_store_mark_receipted(fx.s, id, &r), TC_E_STORE_MISMATCH, "wrong digest");
	r = receipt_for(id);
	r.size++;
	expect_rc(tc_store_mark_receipted(fx.s, id, &r), TC_E_STORE_MISMATCH, "wrong size");
	r = receipt_for(id);
	r.blob_len = 0;
	expect_rc(tc_store_mark_receipted(fx.s, id, &r), TC_E_INVAL_INPUT, "empty receipt");
	assert_int_equal(state_of(id), TC_PHOTO_UPLOADING);
}

struct seen {
	int n;
	unsigned states;
	uint64_t last_created;
	int ordered;
};

static int
on_row(void *ctx, const struct tc_store_rec *r)
{
	struct seen *s = ctx;

	s->n++;
	s->states |= TC_STORE_BIT(r->state);
	if (r->created_us < s->last_created)
		s->ordered = 0;
	s->last_created = r->created_us;
	return 0;
}

static int
stop_at_two(void *ctx, const struct tc_store_rec *r)
{
	(void)r;
	return ++*(int *)ctx == 2 ? 99 : 0;
}

static void
test_list_and_stats(void **state)
{
	uint8_t a[TC_PHOTO_ID_LEN], b[TC_PHOTO_ID_LEN], c[TC_PHOTO_ID_LEN], d[TC_PHOTO_ID_LEN];
	struct tc_store_rec ra, rb;
	struct tc_store_stats st;
	struct seen s = { 0, 0, 0, 1 };
	int n = 0;

	(void)state;
	make_in_state(TC_PHOTO_CAPTURED, a, 11);
	make_in_state(TC_PHOTO_UPLOADING, b, 12);
	make_in_state(TC_PHOTO_RECEIPTED, c, 13);
	make_in_state(TC_PHOTO_DELETED, d, 14);
	expect_rc(tc_store_list(fx.s, on_row, &s), 0, "list");
	assert_int_equal(s.n, 4);
	assert_true(s.ordered);
	assert_int_equal(s.states, TC_STORE_BIT(TC_PHOTO_CAPTURED) | TC_STORE_BIT(TC_PHOTO_UPLOADING) |
			 TC_STORE_BIT(TC_PHOTO_RECEIPTED) | TC_STORE_BIT(TC_PHOTO_DELETED));
	memset(&s, 0, sizeof(s));
	expect_rc(tc_store_list_states(fx.s, TC_STORE_BIT(TC_PHOTO_CAPTURED) |
				       TC_STORE_BIT(TC_PHOTO_UPLOADING), on_row, &s), 0, "unsynced");
	assert_int_equal(s.n, 2);
	expect_rc(tc_store_list(fx.s, stop_at_two, &n), 99, "callback stops the listing");
	assert_int_equal(n, 2);

	expect_rc(tc_store_get(fx.s, a, &ra), 0, "get a");
	expect_rc(tc_store_get(fx.s, b, &rb), 0, "get b");
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.count[TC_PHOTO_CAPTURED], 1);
	assert_int_equal(st.count[TC_PHOTO_UPLOADING], 1);
	assert_int_equal(st.count[TC_PHOTO_RECEIPTED], 1);
	assert_int_equal(st.count[TC_PHOTO_DELETED], 1);
	assert_int_equal(st.bytes[TC_PHOTO_CAPTURED], ra.size);
	assert_int_equal(st.unsynced, 2);
	assert_int_equal(st.oldest_unsynced_us, ra.created_us);
	assert_int_equal(st.used_photos, 3);
	assert_int_equal(st.quota_photos, CONFIG_STORE_QUOTA_PHOTOS);
	assert_int_equal(st.quota_bytes, (uint64_t)CONFIG_STORE_QUOTA_MB << 20);
}

static void
test_catalog_holds_no_metadata(void **state)
{
	static const char pupil[] = "PUPIL-REF-ZX81-QUOKKA";
	static const char event[] = "EVENT-SPORTSDAY-MARMOT";
	static const char staff[] = "STAFF-WOMBAT-4471";
	struct tc_photo_meta m;
	uint8_t id[TC_PHOTO_ID_LEN], *jpeg;

	(void)state;
	sfx_meta(&m, pupil, event, staff);
	assert_non_null(jpeg = tc_secure_alloc(PHOTO_LEN));
	sfx_make_jpeg(jpeg, PHOTO_LEN, 77);
	expect_rc(sfx_capture_meta(&fx, jpeg, PHOTO_LEN, &m, id), 0, "capture");
	tc_secure_free(jpeg);
	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "uploading");
	sfx_close(&fx);
	/* Every file of the store: catalog, WAL/SHM if any, objects. */
	assert_int_equal(sfx_grep_tree(fx.store_dir, pupil, strlen(pupil)), 0);
	assert_int_equal(sfx_grep_tree(fx.store_dir, event, strlen(event)), 0);
	assert_int_equal(sfx_grep_tree(fx.store_dir, staff, strlen(staff)), 0);
	assert_int_equal(sfx_grep_tree(fx.store_dir, SFX_MARKER, strlen(SFX_MARKER)), 0);
	assert_int_equal(sfx_grep_tree(fx.audit_dir, pupil, strlen(pupil)), 0);
	expect_rc(sfx_open(&fx), 0, "reopen");
}

#ifdef CONFIG_DEBUG
static void
test_assert_state_aborts_on_violation(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN];
	char path[SFX_PATH + 64], hex[33];
	int status;
	pid_t pid;

	(void)state;
	expect_rc(sfx_capture(&fx, 20000, 5, id), 0, "capture");
	tc_store_assert_state(fx.s, id);	/* holds: must return */
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", fx.store_dir, hex);
	sfx_close(&fx);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* Behind the store's back: a captured photo without its object. */
		if (sfx_open(&fx) != 0 || truncate(path, 10) != 0)
			_exit(3);
		tc_store_assert_state(fx.s, id);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT)
		fail_msg("expected the debug check to abort, status %#x", status);
	expect_rc(sfx_open(&fx), 0, "reopen");
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_illegal_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_must_cover_object, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog_holds_no_metadata, setup, teardown),
#ifdef CONFIG_DEBUG
		cmocka_unit_test_setup_teardown(test_assert_state_aborts_on_violation, setup, teardown),
#endif
	};

	return cmocka_run_group_tests_name("store_lifecycle", tests, NULL, NULL);
}
