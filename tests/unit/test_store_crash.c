/*
 * test_store_crash.c - firmware/store: a SIGKILL at every step of the
 * commit and delete protocols (and of the reconcile that repairs them).
 *
 * A forked child runs the operation with tc_fault_crash_at("*", n) for
 * n = 1, 2, ... until it finishes normally.  After each, the parent
 * reopens the store and checks: catalog and files agree, no partial
 * object remains, every committed photo decrypts intact with the Trust's
 * private key, and a deleted photo's object and key-wrap bytes are gone
 * from every file under the store directory.
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
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"

#define PHOTO_LEN (200 * 1024)
#define MAX_KEPT 64

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

struct photo {
	uint8_t id[TC_PHOTO_ID_LEN];
	unsigned seed;
};

static struct sfx fx;
static struct photo kept[MAX_KEPT];
static int nkept;

enum op { OP_CAPTURE, OP_DELETE, OP_DISCARD, OP_OPEN };

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	nkept = 0;
	if (sfx_init(&fx, "crash") != 0 || sfx_open(&fx) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;
}

static void
keep_capture(unsigned seed)
{
	assert_true(nkept < MAX_KEPT);
	expect_rc(sfx_capture(&fx, PHOTO_LEN, seed, kept[nkept].id), 0, "capture");
	kept[nkept++].seed = seed;
}

/*
 * Run op in a child that crashes at the nth crash point.  The parent's
 * store is closed first so the child is the only opener.  1 if the child
 * was killed, 0 if it finished the operation.
 */
static int
run_child(enum op op, unsigned long n, const uint8_t *id, unsigned seed)
{
	uint8_t newid[TC_PHOTO_ID_LEN];
	int status, rc;
	pid_t pid;

	sfx_close(&fx);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (op == OP_OPEN)
			tc_fault_crash_at("*", n);
		if (sfx_open(&fx) != 0)
			_exit(3);
		tc_fault_crash_at("*", n);
		switch (op) {
		case OP_CAPTURE: rc = sfx_capture(&fx, PHOTO_LEN, seed, newid); break;
		case OP_DELETE: rc = tc_store_secure_delete(fx.s, id); break;
		case OP_DISCARD: rc = tc_store_discard(fx.s, id, "staff:S9"); break;
		default: rc = 0; break;
		}
		sfx_close(&fx);
		_exit(rc == 0 ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child for op %d, crash %lu: status %#x", op, n, status);
	return 0;
}

static int
is_kept(const uint8_t id[TC_PHOTO_ID_LEN])
{
	for (int i = 0; i < nkept; i++)
		if (!memcmp(kept[i].id, id, TC_PHOTO_ID_LEN))
			return 1;
	return 0;
}

struct fresh {
	int n;
	uint8_t id[TC_PHOTO_ID_LEN];
};

static int
find_fresh(void *ctx, const struct tc_store_rec *r)
{
	struct fresh *f = ctx;

	if (!is_kept(r->id) && (TC_STORE_BIT(r->state) & TC_STORE_LIVE)) {
		memcpy(f->id, r->id, TC_PHOTO_ID_LEN);
		f->n++;
	}
	return 0;
}

/* Reopen and check everything the crash must not have broken. */
static void
reopen_and_check(void)
{
	char why[256];
	struct tc_store_rec r;

	sfx_close(&fx);
	expect_rc(sfx_open(&fx), 0, "reopen after the crash");
	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("store inconsistent after a crash: %s", why);
	for (int i = 0; i < nkept; i++) {
		expect_rc(tc_store_get(fx.s, kept[i].id, &r), 0, "kept photo row");
		if (TC_STORE_BIT(r.state) & TC_STORE_LIVE)
			expect_rc(sfx_check_photo(&fx, kept[i].id, PHOTO_LEN, kept[i].seed), 0,
				  "committed photo opens intact");
	}
}

/*
 * Delete one photo so that the pool holds a crypto-erased file for the
 * next capture to write over; its wraps must be in no file.
 */
static void
fill_pool(unsigned seed)
{
	uint8_t id[TC_PHOTO_ID_LEN], wraps[1024];
	size_t wlen;

	expect_rc(sfx_capture(&fx, PHOTO_LEN, seed, id), 0, "capture for the pool");
	expect_rc(sfx_read_wraps(&fx, id, wraps, sizeof(wraps), &wlen), 0, "wraps");
	expect_rc(sfx_receipt(&fx, id), 0, "receipt");
	expect_rc(tc_store_secure_delete(fx.s, id), 0, "delete into the pool");
	assert_int_equal(sfx_grep_tree(fx.store_dir, wraps, wlen), 0);
}

static void
commit_loop(bool over_pool)
{
	int crashes = 0, present = 0, absent = 0, done = 0;
	unsigned long n;
	struct fresh f;

	keep_capture(1);
	keep_capture(2);
	for (n = 1; !done && n < 100; n++) {
		unsigned seed = 1000 + (unsigned)n;

		if (over_pool)
			fill_pool(5000 + (unsigned)n);
		done = !run_child(OP_CAPTURE, n, NULL, seed);
		crashes += !done;
		reopen_and_check();
		memset(&f, 0, sizeof(f));
		expect_rc(tc_store_list(fx.s, find_fresh, &f), 0, "list");
		assert_true(f.n <= 1);
		if (f.n == 1) {
			/* Committed (or re-indexed): it must be whole and decrypt. */
			expect_rc(sfx_check_photo(&fx, f.id, PHOTO_LEN, seed), 0, "new photo intact");
			memcpy(kept[nkept].id, f.id, TC_PHOTO_ID_LEN);
			kept[nkept++].seed = seed;
			present++;
		} else {
			absent++;
		}
		if (done)
			assert_int_equal(f.n, 1);
	}
	assert_true(done);
	/* (reused,) synced, renamed, dir_synced, cataloged */
	assert_true(crashes >= (over_pool ? 5 : 4));
	assert_true(present >= 3);	/* from the rename on, the photo survives */
	assert_true(absent >= (over_pool ? 2 : 1));	/* before it, it is wholly gone */
	/* The store still takes photos. */
	keep_capture(5);
	reopen_and_check();
}

static void
test_crash_during_commit(void **state)
{
	(void)state;
	commit_loop(false);
}

/* The capture writes over a pooled file: kill -9 at each point, the taking of the slot included. */
static void
test_crash_during_commit_over_pool(void **state)
{
	(void)state;
	commit_loop(true);
}

static void
crash_delete_loop(enum op op)
{
	enum tc_photo_state want = op == OP_DELETE ? TC_PHOTO_DELETED : TC_PHOTO_DISCARDED;
	uint8_t id[TC_PHOTO_ID_LEN], wraps[1024];
	int crashes = 0, done = 0;
	struct tc_store_rec r;
	char hex[33];
	size_t wlen;
	unsigned long n;

	keep_capture(1);
	keep_capture(2);
	expect_rc(sfx_receipt(&fx, kept[1].id), 0, "receipt kept photo");
	for (n = 1; !done && n < 100; n++) {
		if (!fx.s)
			expect_rc(sfx_open(&fx), 0, "open");
		expect_rc(sfx_capture(&fx, PHOTO_LEN, 2000 + (unsigned)n, id), 0, "capture");
		if (op == OP_DELETE)
			expect_rc(sfx_receipt(&fx, id), 0, "receipt");
		expect_rc(sfx_read_wraps(&fx, id, wraps, sizeof(wraps), &wlen), 0, "wraps");
		assert_true(wlen >= 64);
		assert_int_equal(sfx_grep_tree(fx.store_dir, wraps, wlen), 1);

		done = !run_child(op, n, id, 0);
		crashes += !done;
		reopen_and_check();
		expect_rc(tc_store_get(fx.s, id, &r), 0, "tombstone");
		if (op == OP_DELETE && n == 1 && r.state == TC_PHOTO_RECEIPTED) {
			/* Killed when queued, before the intent: never begun, whole. */
			expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 2000 + (unsigned)n), 0,
				  "a photo killed before its intent is intact");
			expect_rc(tc_store_secure_delete(fx.s, id), 0, "delete it after all");
			expect_rc(tc_store_get(fx.s, id, &r), 0, "tombstone");
		}
		/* Whatever step it died at, the reopen finished the delete. */
		assert_int_equal(r.state, want);
		if (sfx_grep_tree(fx.store_dir, wraps, wlen) != 0)
			fail_msg("key-wrap bytes survive a crash at point %lu", n);
		tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
		/* Audited at least once (a crash after the entry repeats it). */
		assert_true(sfx_audit_count(&fx, op == OP_DELETE ? "store.delete" : "store.discard",
					    hex) >= 1);
		sfx_close(&fx);
	}
	assert_true(done);
	/* (queued,) intent, wraps_written, wraps_erased, punched, unlinked, dir_synced,
	 * audited, cataloged, checkpointed */
	assert_true(crashes >= 8);
	reopen_and_check();
}

static void
test_crash_during_secure_delete(void **state)
{
	(void)state;
	crash_delete_loop(OP_DELETE);
}

static void
test_crash_during_discard(void **state)
{
	(void)state;
	crash_delete_loop(OP_DISCARD);
}

static int
count_tmp(void)
{
	char path[SFX_PATH + 16];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/objects", fx.store_dir);
	assert_non_null(d = opendir(path));
	while ((de = readdir(d)) != NULL)
		n += strncmp(de->d_name, ".tmp-", 5) == 0;
	closedir(d);
	return n;
}

/*
 * A crash while reconcile repairs an earlier crash: leave a deleting
 * intent, a partial temporary and an orphan object, then kill the next
 * open at each of its own steps.
 */
static void
test_crash_during_reconcile(void **state)
{
	uint8_t del[TC_PHOTO_ID_LEN], wraps[1024];
	int crashes = 0, done = 0;
	struct tc_store_rec r;
	unsigned long n;
	size_t wlen;
	int holder;

	(void)state;
	keep_capture(1);
	for (n = 1; !done && n < 100; n++) {
		if (!fx.s)
			expect_rc(sfx_open(&fx), 0, "open");
		expect_rc(sfx_capture(&fx, PHOTO_LEN, 3000 + (unsigned)n, del), 0, "capture");
		expect_rc(sfx_receipt(&fx, del), 0, "receipt");
		expect_rc(sfx_read_wraps(&fx, del, wraps, sizeof(wraps), &wlen), 0, "wraps");
		/*
		 * Crash right after the intent, after the rename (an orphan) and
		 * in the temporary.  The shared lock stands for another running
		 * process, so these children's opens do not repair each other.
		 */
		holder = open(fx.store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(holder >= 0);
		assert_int_equal(flock(holder, LOCK_SH), 0);
		/* (a secure delete's crash point 1 is its queueing, 2 its intent) */
		assert_int_equal(run_child(OP_DELETE, 2, del, 0), 1);
		assert_int_equal(run_child(OP_CAPTURE, 3, NULL, 4000 + (unsigned)n), 1);
		assert_int_equal(run_child(OP_CAPTURE, 1, NULL, 5000 + (unsigned)n), 1);
		close(holder);
		assert_int_equal(count_tmp(), 1);

		done = !run_child(OP_OPEN, n, NULL, 0);
		crashes += !done;
		expect_rc(sfx_open(&fx), 0, "reopen");
		{
			char why[256];

			if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
				fail_msg("inconsistent after a crash in reconcile: %s", why);
		}
		expect_rc(tc_store_get(fx.s, del, &r), 0, "tombstone");
		assert_int_equal(r.state, TC_PHOTO_DELETED);
		assert_int_equal(sfx_grep_tree(fx.store_dir, wraps, wlen), 0);
		expect_rc(sfx_check_photo(&fx, kept[0].id, PHOTO_LEN, kept[0].seed), 0, "kept photo");
		sfx_close(&fx);
	}
	assert_true(done);
	assert_true(crashes >= 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_crash_during_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_commit_over_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_secure_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_discard, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_reconcile, setup, teardown),
	};

	return cmocka_run_group_tests_name("store_crash", tests, NULL, NULL);
}
