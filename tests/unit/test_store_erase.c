/*
 * test_store_erase.c - firmware/store: the secure delete as a
 * cryptographic erase, with and without the whole-file overwrite
 * (CONFIG_STORE_OVERWRITE_ON_DELETE, switched per handle with the
 * fault-build hook), and the batched delete protocol under kill -9 at
 * every step and under injected I/O errors.
 *
 * What must hold: a deleted photo's key-wrap bytes are in no file under
 * the store; without the overwrite its blocks are released (no data
 * written over it), with it every byte was zeroed before the unlink; after
 * a crash at any step of a batch, the next open leaves each photo either
 * deleted (wraps gone, audited) or intact and listed -- never lost,
 * never receipted with its wraps erased.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"

#define PHOTO_LEN (256 * 1024)
#define NBATCH 3

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

struct photo {
	uint8_t id[TC_PHOTO_ID_LEN];
	unsigned seed;
	uint8_t wraps[1024];
	size_t wlen;
};

static struct sfx fx;

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	if (sfx_init(&fx, "erase") != 0 || sfx_open(&fx) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	sfx_close(&fx);
	return 0;
}

/* Capture and receipt one photo; remember its wraps. */
static void
make_photo(struct photo *p, unsigned seed, bool delete_now)
{
	p->seed = seed;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, seed, p->id), 0, "capture");
	expect_rc(sfx_read_wraps(&fx, p->id, p->wraps, sizeof(p->wraps), &p->wlen), 0, "wraps");
	assert_true(p->wlen >= 64);
	expect_rc(sfx_receipt_delete_now(&fx, p->id, delete_now), 0, "receipt");
}

/* A descriptor of the object that outlives its unlink, to look at what the erase left. */
static int
hold_object(const uint8_t id[TC_PHOTO_ID_LEN])
{
	char path[SFX_PATH + 64], hex[33];
	int fd;

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", fx.store_dir, hex);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static bool
all_zero(int fd, off_t size)
{
	static uint8_t buf[PHOTO_LEN + 4096];
	ssize_t n = pread(fd, buf, (size_t)size, 0);

	if (n != size)
		return false;
	for (off_t i = 0; i < size; i++)
		if (buf[i] != 0)
			return false;
	return true;
}

/* Default build setting off: wraps erased, blocks released, nothing overwritten. */
static void
test_delete_punches_without_overwrite(void **state)
{
	struct photo p;
	struct stat st;
	int fd;

	(void)state;
	tc_store_test_overwrite(fx.s, false);
	tc_store_test_pool(fx.s, 0);
	make_photo(&p, 1, false);
	fd = hold_object(p.id);
	assert_int_equal(fstat(fd, &st), 0);
	assert_true(st.st_blocks * 512 >= PHOTO_LEN);
	expect_rc(tc_store_secure_delete(fx.s, p.id), 0, "delete");
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_true(st.st_size >= PHOTO_LEN);	/* FALLOC_FL_KEEP_SIZE */
	/* Released, not rewritten: at most the wrap records' block stays allocated. */
	if (st.st_blocks * 512 > 8192)
		fail_msg("%lld bytes still allocated after the hole punch",
			 (long long)st.st_blocks * 512);
	assert_true(all_zero(fd, st.st_size));
	close(fd);
	assert_int_equal(sfx_grep_tree(fx.store_dir, p.wraps, p.wlen), 0);
	assert_true(sfx_audit_count(&fx, "store.delete", NULL) == 1);
}

/*
 * With the pool (the default): the erased file is renamed into a slot,
 * blocks kept, no live wrap in any file; the next capture writes over it
 * (same inode), is cut to its own size and reads back whole.  A full
 * pool releases as before.
 */
static void
test_delete_pools_erased_file(void **state)
{
	struct photo p, q;
	struct stat st, st2;
	char path[SFX_PATH + 64], hex[33];
	uint8_t id[TC_PHOTO_ID_LEN];
	int fd, fd2;

	(void)state;
	tc_store_test_pool(fx.s, 1);
	make_photo(&p, 3, false);
	make_photo(&q, 4, false);
	fd = hold_object(p.id);
	fd2 = hold_object(q.id);
	expect_rc(tc_store_delete_add(fx.s, p.id), 0, "add");
	expect_rc(tc_store_delete_add(fx.s, q.id), 0, "add");
	expect_rc(tc_store_delete_flush(fx.s, NULL), 0, "flush");
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 1);		/* renamed, not unlinked */
	assert_true(st.st_blocks * 512 >= PHOTO_LEN);	/* nothing released */
	snprintf(path, sizeof(path), "%s/objects/.free-000", fx.store_dir);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st2.st_ino == st.st_ino);
	/* The pool's one slot was taken: the second photo went the old way. */
	assert_int_equal(fstat(fd2, &st2), 0);
	assert_int_equal(st2.st_nlink, 0);
	close(fd2);
	assert_int_equal(sfx_grep_tree(fx.store_dir, p.wraps, p.wlen), 0);
	assert_int_equal(sfx_grep_tree(fx.store_dir, q.wraps, q.wlen), 0);
	tc_hex_encode(p.id, TC_PHOTO_ID_LEN, hex);
	assert_int_equal(sfx_audit_count(&fx, "store.delete", hex), 1);
	/* The next capture, smaller, writes over the pooled file. */
	expect_rc(sfx_capture(&fx, PHOTO_LEN / 2, 5, id), 0, "capture over a pooled file");
	assert_int_not_equal(stat(path, &st2), 0);
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", fx.store_dir, hex);
	assert_int_equal(stat(path, &st2), 0);
	assert_true(st2.st_ino == st.st_ino);
	assert_true(st2.st_size < PHOTO_LEN);		/* cut to its own size */
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN / 2, 5), 0, "the new photo reads back");
	close(fd);
}

/* How many pool files objects/ holds. */
static int
pool_files(void)
{
	char path[SFX_PATH + 64];
	int k, n = 0;

	for (k = 0; k < 1000; k++) {
		snprintf(path, sizeof(path), "%s/objects/.free-%03d", fx.store_dir, k);
		n += access(path, F_OK) == 0;
	}
	return n;
}

/*
 * A full file system: a capture that fails with ENOSPC releases the whole
 * pool (the audit log and the catalog need the space more), and its own
 * aborted temporary is released, never pooled.
 */
static void
test_full_disk_drains_pool(void **state)
{
	struct photo p[2];
	uint8_t id[TC_PHOTO_ID_LEN];
	char why[256];

	(void)state;
	make_photo(&p[0], 6, false);
	make_photo(&p[1], 7, false);
	expect_rc(tc_store_delete_add(fx.s, p[0].id), 0, "add");
	expect_rc(tc_store_delete_add(fx.s, p[1].id), 0, "add");
	expect_rc(tc_store_delete_flush(fx.s, NULL), 0, "flush");
	assert_int_equal(pool_files(), 2);
	/* The capture takes one pool file and runs out of space writing it. */
	tc_fault_arm(TC_FAULT_WRITE, 3, ENOSPC, true);
	assert_int_not_equal(sfx_capture(&fx, PHOTO_LEN, 8, id), 0);
	tc_fault_disarm_all();
	assert_int_equal(pool_files(), 0);
	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("after the full disk: %s", why);
	/* An aborted capture without a full disk is released too, not pooled. */
	tc_fault_arm(TC_FAULT_WRITE, 3, EIO, false);
	assert_int_not_equal(sfx_capture(&fx, PHOTO_LEN, 9, id), 0);
	tc_fault_disarm_all();
	assert_int_equal(pool_files(), 0);
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 10, id), 0, "the store still takes photos");
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 10), 0, "and it reads back");
}

/* The Kconfig option on: the old behaviour, every byte zeroed in place before the unlink. */
static void
test_delete_overwrites_with_option(void **state)
{
	struct photo p;
	struct stat st;
	int fd;

	(void)state;
	tc_store_test_overwrite(fx.s, true);
	make_photo(&p, 2, false);
	fd = hold_object(p.id);
	expect_rc(tc_store_secure_delete(fx.s, p.id), 0, "delete");
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	/* Written over in place: the blocks are still there, and all zero. */
	assert_true(st.st_blocks * 512 >= PHOTO_LEN);
	assert_true(all_zero(fd, st.st_size));
	close(fd);
	assert_int_equal(sfx_grep_tree(fx.store_dir, p.wraps, p.wlen), 0);
}

/*
 * A batch: nothing is written as photos are added (a receipt with
 * delete_now already recorded the intent); the flush records the other
 * intents, erases every photo and makes them final (tombstones, audit).
 */
static void
test_batch_is_final_at_flush(void **state)
{
	struct photo p[NBATCH];
	struct tc_store_rec r;
	size_t done = 99;
	char hex[33];
	int i;

	(void)state;
	for (i = 0; i < NBATCH; i++) {
		make_photo(&p[i], 10 + (unsigned)i, i == 0);
		expect_rc(tc_store_delete_add(fx.s, p[i].id), 0, "add");
		/* Not erased yet: the batch's syncs are shared at the flush. */
		if (sfx_grep_tree(fx.store_dir, p[i].wraps, p[i].wlen) != 1)
			fail_msg("photo %d: its wraps changed before the flush", i);
		expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "row");
		assert_int_equal(r.state, i == 0 ? TC_PHOTO_DELETING : TC_PHOTO_RECEIPTED);
	}
	assert_int_equal(tc_store_delete_pending(fx.s), NBATCH);
	assert_int_equal(sfx_audit_count(&fx, "store.delete", NULL), 0);
	/* Adding one again is a no-op, not a second erase. */
	expect_rc(tc_store_delete_add(fx.s, p[1].id), 0, "add again");
	assert_int_equal(tc_store_delete_pending(fx.s), NBATCH);
	expect_rc(tc_store_delete_flush(fx.s, &done), 0, "flush");
	assert_int_equal(done, NBATCH);
	assert_int_equal(tc_store_delete_pending(fx.s), 0);
	for (i = 0; i < NBATCH; i++) {
		expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "tombstone");
		assert_int_equal(r.state, TC_PHOTO_DELETED);
		tc_hex_encode(p[i].id, TC_PHOTO_ID_LEN, hex);
		assert_int_equal(sfx_audit_count(&fx, "store.delete", hex), 1);
	}
	/* Only receipted (or deleting) photos: a captured one is refused, untouched. */
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 20, p[0].id), 0, "capture");
	expect_rc(tc_store_delete_add(fx.s, p[0].id), TC_E_STATE, "add captured");
	expect_rc(sfx_check_photo(&fx, p[0].id, PHOTO_LEN, 20), 0, "captured photo intact");
}

/*
 * kill -9 at the nth crash point of: add NBATCH photos, flush.  Half the
 * photos come with the intent recorded by the receipt (delete_now), half
 * get it from add.  A shared open lock stands for photod, so the child
 * (syncd) does not reconcile at its open.  Returns 1 if it was killed.
 */
static int
run_batch_child(struct photo *p, unsigned long n, bool overwrite, unsigned pool)
{
	int status, rc = 0, i, holder;
	pid_t pid;

	sfx_close(&fx);
	holder = open(fx.store_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(holder >= 0);
	assert_int_equal(flock(holder, LOCK_SH), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sfx_open(&fx) != 0)
			_exit(3);
		tc_store_test_overwrite(fx.s, overwrite);
		tc_store_test_pool(fx.s, pool);
		tc_fault_crash_at("*", n);
		for (i = 0; rc == 0 && i < NBATCH; i++)
			rc = tc_store_delete_add(fx.s, p[i].id);
		if (rc == 0)
			rc = tc_store_delete_flush(fx.s, NULL);
		sfx_close(&fx);
		_exit(rc == 0 ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(holder);
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
		return 1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child, crash %lu: status %#x", n, status);
	return 0;
}

static void
crash_batch_loop(bool overwrite, unsigned pool)
{
	struct photo p[NBATCH], keep;
	int crashes = 0, done = 0, deleted_seen = 0, intact_seen = 0, i;
	struct tc_store_rec r;
	unsigned long n;
	char why[256], hex[33];

	make_photo(&keep, 1, false);	/* receipted, never queued: must stay */
	for (n = 1; !done && n < 200; n++) {
		if (!fx.s)
			expect_rc(sfx_open(&fx), 0, "open");
		for (i = 0; i < NBATCH; i++)
			make_photo(&p[i], 100 * (unsigned)n + (unsigned)i, i % 2 == 0);
		done = !run_batch_child(p, n, overwrite, pool);
		crashes += !done;
		/* The next start: reconcile, then check each photo's fate. */
		expect_rc(sfx_open(&fx), 0, "reopen after the crash");
		if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
			fail_msg("crash point %lu: store inconsistent: %s", n, why);
		for (i = 0; i < NBATCH; i++) {
			expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "row");
			tc_hex_encode(p[i].id, TC_PHOTO_ID_LEN, hex);
			if (r.state == TC_PHOTO_DELETED) {
				deleted_seen++;
				if (sfx_grep_tree(fx.store_dir, p[i].wraps, p[i].wlen) != 0)
					fail_msg("crash point %lu: deleted photo's wraps survive", n);
				assert_true(sfx_audit_count(&fx, "store.delete", hex) >= 1);
			} else if (r.state == TC_PHOTO_RECEIPTED) {
				/* Never begun: it must be whole and still open. */
				intact_seen++;
				expect_rc(sfx_check_photo(&fx, p[i].id, PHOTO_LEN, p[i].seed), 0,
					  "an undeleted photo is intact");
			} else {
				fail_msg("crash point %lu: photo %d left %s", n, i,
					 tc_store_state_name(r.state));
			}
		}
		expect_rc(tc_store_get(fx.s, keep.id, &r), 0, "kept row");
		assert_int_equal(r.state, TC_PHOTO_RECEIPTED);
		expect_rc(sfx_check_photo(&fx, keep.id, PHOTO_LEN, keep.seed), 0, "kept photo");
		assert_int_equal(sfx_audit_count(&fx, "store.alarm.data_loss", NULL), 0);
		/* Finish whatever is left, as syncd's next pass would. */
		for (i = 0; i < NBATCH; i++) {
			expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "row");
			if (r.state == TC_PHOTO_RECEIPTED)
				expect_rc(tc_store_delete_add(fx.s, p[i].id), 0, "re-queue");
		}
		expect_rc(tc_store_delete_flush(fx.s, NULL), 0, "flush after restart");
		sfx_close(&fx);
	}
	assert_true(done);
	/* intent; per photo wraps_written; wraps_erased; per photo pooled, or punched|overwritten
	 * and unlinked; then dir_synced, the audit write's own points, cataloged, checkpointed */
	assert_true(crashes >= 3 * NBATCH + 6);
	assert_true(deleted_seen > 0 && intact_seen > 0);
}

static void
test_crash_during_batch(void **state)
{
	(void)state;
	/* Two pool slots for three photos: each batch pools some and releases the rest. */
	crash_batch_loop(false, 2);
}

static void
test_crash_during_batch_no_pool(void **state)
{
	(void)state;
	crash_batch_loop(false, 0);
}

static void
test_crash_during_batch_overwrite(void **state)
{
	(void)state;
	crash_batch_loop(true, 2);	/* the option never pools */
}

/*
 * An I/O error at each write or fsync of the flush (directory fsync,
 * audit, catalog, checkpoint): the photos are erased, the error comes
 * back, and they end deleted -- by the next flush or the next open --
 * never lost and never live again.
 */
static void
test_flush_io_errors(void **state)
{
	static const enum tc_fault_site sites[] = { TC_FAULT_FSYNC, TC_FAULT_WRITE };
	struct photo p[NBATCH];
	struct tc_store_rec r;
	int failed = 0, i, rc;
	unsigned long nth;
	size_t s;

	(void)state;
	for (s = 0; s < sizeof(sites) / sizeof(sites[0]); s++) {
		for (nth = 1; nth < 12; nth++) {
			for (i = 0; i < NBATCH; i++) {
				make_photo(&p[i], 500 + 50 * (unsigned)nth + (unsigned)i, false);
				expect_rc(tc_store_delete_add(fx.s, p[i].id), 0, "add");
			}
			tc_fault_arm(sites[s], nth, s == 0 ? EIO : ENOSPC, false);
			if (tc_store_delete_flush(fx.s, NULL) != 0)
				failed++;
			tc_fault_disarm_all();
			/* Half the time the next open finishes it, half the next flush. */
			if (nth % 2) {
				sfx_close(&fx);
				expect_rc(sfx_open(&fx), 0, "reopen");
			} else {
				for (i = 0; i < NBATCH; i++) {
					rc = tc_store_delete_add(fx.s, p[i].id);
					assert_true(rc == 0 || rc == TC_E_STATE);
				}
				rc = tc_store_delete_flush(fx.s, NULL);
				assert_true(rc == 0 || rc == -EBUSY);
			}
			/* A failed intent commit leaves them receipted: whole, for the next pass. */
			for (i = 0; i < NBATCH; i++) {
				expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "row");
				if (r.state != TC_PHOTO_RECEIPTED)
					continue;
				expect_rc(sfx_check_photo(&fx, p[i].id, PHOTO_LEN,
							  500 + 50 * (unsigned)nth + (unsigned)i), 0,
					  "a photo whose intent failed is intact");
				expect_rc(tc_store_delete_add(fx.s, p[i].id), 0, "re-add");
			}
			rc = tc_store_delete_flush(fx.s, NULL);
			assert_true(rc == 0 || rc == -EBUSY);
			for (i = 0; i < NBATCH; i++) {
				expect_rc(tc_store_get(fx.s, p[i].id, &r), 0, "row");
				assert_int_equal(r.state, TC_PHOTO_DELETED);
				assert_int_equal(sfx_grep_tree(fx.store_dir, p[i].wraps, p[i].wlen), 0);
			}
		}
	}
	assert_true(failed >= 4);
	assert_int_equal(sfx_audit_count(&fx, "store.alarm.data_loss", NULL), 0);
}

/*
 * Durability order of a batch: a receipt whose delete is due now is not
 * synced by itself (one WAL fsync a batch, not a photo); the flush's
 * intent commit is, and nothing is erased if that sync fails.  After a
 * delete_now receipt -- even one that failed on an allocation -- the
 * connection syncs its commits again.
 */
static void
test_receipt_synced_by_the_batch(void **state)
{
	struct photo p;
	struct tc_store_rec r;
	uint8_t other[TC_PHOTO_ID_LEN];
	unsigned long nth;
	int rc;

	(void)state;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 30, p.id), 0, "capture");
	expect_rc(sfx_read_wraps(&fx, p.id, p.wraps, sizeof(p.wraps), &p.wlen), 0, "wraps");
	expect_rc(tc_store_mark_uploading(fx.s, p.id), 0, "uploading");
	/* Every fsync fails: the receipt with delete_now must not need one. */
	tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, true);
	rc = sfx_record_receipt(&fx, p.id, true);
	tc_fault_disarm_all();
	expect_rc(rc, 0, "a delete_now receipt commits without an fsync");
	/* The next commit on the connection syncs again. */
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 31, other), 0, "capture");
	tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, true);
	rc = tc_store_mark_uploading(fx.s, other);
	tc_fault_disarm_all();
	if (rc == 0)
		fail_msg("a commit after a delete_now receipt did not sync (synchronous left NORMAL)");
	/* The intent commit's sync fails: nothing is erased, the photo stays whole. */
	expect_rc(tc_store_delete_add(fx.s, p.id), 0, "add");
	tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, false);
	rc = tc_store_delete_flush(fx.s, NULL);
	tc_fault_disarm_all();
	if (rc == 0)
		fail_msg("a flush whose intent commit could not sync succeeded");
	if (sfx_grep_tree(fx.store_dir, p.wraps, p.wlen) != 1)
		fail_msg("wraps erased before the intent was synced");
	expect_rc(tc_store_secure_delete(fx.s, p.id), 0, "delete");
	assert_int_equal(sfx_grep_tree(fx.store_dir, p.wraps, p.wlen), 0);
	/* An allocation failure anywhere in a delete_now receipt never leaves it unsynced. */
	for (nth = 1; nth < 400; nth++) {
		uint8_t id[TC_PHOTO_ID_LEN], id2[TC_PHOTO_ID_LEN];

		expect_rc(sfx_capture(&fx, PHOTO_LEN, 1000 + (unsigned)nth, id), 0, "capture");
		expect_rc(sfx_capture(&fx, PHOTO_LEN, 5000 + (unsigned)nth, id2), 0, "capture");
		expect_rc(tc_store_mark_uploading(fx.s, id), 0, "uploading");
		tc_fault_arm(TC_FAULT_ALLOC, nth, ENOMEM, false);
		rc = sfx_record_receipt(&fx, id, true);
		tc_fault_disarm_all();
		tc_fault_arm(TC_FAULT_FSYNC, 1, EIO, true);
		if (tc_store_mark_uploading(fx.s, id2) == 0)
			fail_msg("alloc fault %lu: the connection stopped syncing its commits", nth);
		tc_fault_disarm_all();
		expect_rc(tc_store_get(fx.s, id2, &r), 0, "row");
		assert_int_equal(r.state, TC_PHOTO_CAPTURED);
		if (rc == 0)
			break;	/* past every allocation of the receipt */
	}
	assert_true(nth > 1 && nth < 400);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_delete_punches_without_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_pools_erased_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_disk_drains_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_overwrites_with_option, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_is_final_at_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_batch_no_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_during_batch_overwrite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_io_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_receipt_synced_by_the_batch, setup, teardown),
	};

	if (sfx_sqlite_fault_malloc() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
