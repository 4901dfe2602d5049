/*
 * erase.c - secure delete: the cryptographic erase, then the blocks
 * released, then unlink; one photo at a time or in batches.
 *
 * Overwriting is not trusted on flash (wear levelling keeps old copies),
 * so the erase that counts is cryptographic (NIST SP 800-88): the
 * object's key-wrap records -- the only device-held copies of its content
 * key, wrapped -- are overwritten with random bytes and fsynced FIRST.
 * After that no key on the device or the Trust's side can open the
 * object.  The rest is not overwritten (that would write every photo to
 * flash twice for nothing): fallocate(PUNCH_HOLE) releases its blocks so
 * the file system can discard them (mount option discard, or fstrim),
 * then the file is unlinked.  CONFIG_STORE_OVERWRITE_ON_DELETE puts back
 * the whole-file zero overwrite for media where it means something.
 *
 * Delete protocol, crash point after each step.  A single delete (and
 * reconcile) runs every step for its one photo; a sync pass's batch
 * (tc_store_delete_add, then tc_store_delete_flush) runs each step for
 * the whole batch before the next, so its syncs are shared:
 *
 *   0. rows -> deleting/discarding (intent), one         -> store.delete.intent
 *      transaction per batch, synced: it also makes
 *      durable the receipts recorded before it (WAL order)
 *   1. wrap records := random (each photo)               -> store.delete.wraps_written
 *      then fsync (each photo, writeback started for
 *      the whole batch first)                            -> store.delete.wraps_erased
 *   2. rename into a free pool slot, for a capture to    -> store.delete.pooled
 *      write over (pool.c), if its wraps were found;
 *      else punch a hole over the file (or, with the
 *      Kconfig option, whole file := zeros, fsync)       -> store.delete.punched
 *                                                           (store.delete.overwritten)
 *   3. unlink (not after 2's rename)                     -> store.delete.unlinked
 *   4. fsync objects/                                    -> store.delete.dir_synced
 *   5. audit entries, one durable write                  -> store.delete.audited
 *   6. rows -> deleted/discarded, one transaction        -> store.delete.cataloged
 *   7. PRAGMA wal_checkpoint(TRUNCATE), result checked   -> store.delete.checkpointed
 *
 * Every step is idempotent, and the intent row makes the next call or the
 * next open run them all again: a crash anywhere finishes as a delete.
 * No wrap is touched before its intent is durable, so a photo whose wraps
 * are gone is never left in a live state, and no block is released
 * before the random wraps are on disk (a hole punched over unsynced
 * wraps would leave the old ones in the freed blocks).
  */
#define _GNU_SOURCE /* fallocate */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "tc_audit.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"

#define HDR_READ_MAX 4096
#define OVERWRITE_BLOCK (64 * 1024)

static const uint8_t zeros[OVERWRITE_BLOCK];

/*
 * Step 1 without its fsync: the wrap records := random, if the header
 * still parses (a resumed erase may have zeroed it).  *found: they were
 * (only then may the file go to the pool: pool.c).
 */
static int
write_wraps(int fd, uint64_t size, bool *found)
{
	uint8_t buf[HDR_READ_MAX];
	struct tc_obj_info info;
	size_t got, off, n;
	int rc;

	*found = false;
	if ((rc = tc_read_full(fd, buf, size < sizeof(buf) ? (size_t)size : sizeof(buf), &got)) != 0)
		return rc;
	if (tc_obj_parse_header(buf, got, &info) != 0 || info.wraps_len == 0 ||
	    info.wraps_off > size || info.wraps_len > size - info.wraps_off)
		return 0;	/* nothing recognisable: step 2 overwrites every byte */
	if (lseek(fd, (off_t)info.wraps_off, SEEK_SET) < 0)
		return -errno;
	for (off = 0; off < info.wraps_len; off += n) {
		n = info.wraps_len - off < sizeof(buf) ? info.wraps_len - off : sizeof(buf);
		if ((rc = tc_random_bytes(buf, n)) != 0 || (rc = tc_write_all(fd, buf, n)) != 0)
			return rc;
	}
	*found = true;
	tc_fault_point("store.delete.wraps_written");
	return 0;
}

/* Step 2: every byte of the file. */
static int
overwrite(int fd, uint64_t size)
{
	uint64_t off;
	size_t n;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return -errno;
	for (off = 0; off < size; off += n) {
		n = size - off < sizeof(zeros) ? (size_t)(size - off) : sizeof(zeros);
		if ((rc = tc_write_all(fd, zeros, n)) != 0)
			return rc;
	}
	return tc_fsync(fd);
}

/* Step 2 without the overwrite: give the blocks back for discard. */
static int
release_blocks(int fd, uint64_t size)
{
	if (size == 0)
		return 0;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, (off_t)size) == 0)
		return 0;
	/* No hole punching here: the unlink frees the blocks all the same. */
	if (errno == EOPNOTSUPP || errno == ENOSYS)
		return 0;
	return -errno;
}

int
store_open_rw(struct tc_store *s, const char *name, int *fd, uint64_t *size)
{
	struct stat st;
	int rc = 0;

	*fd = tc_openat(s->objfd, name, O_RDWR);
	if (*fd < 0) {
		rc = *fd == -ENOENT ? 0 : *fd;
		*fd = -1;
		return rc;
	}
	if (fstat(*fd, &st) != 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = TC_E_UNSAFE_PATH;
	if (rc != 0) {
		close(*fd);
		*fd = -1;
		return rc;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

/*
 * Steps 2-3 once the random wraps are synced; closes fd whatever
 * happens.  pool: the file may go to the pool (a delete's, whose wraps
 * write_wraps found), if a slot is free (pool.c); else, or if the rename
 * fails, its blocks are released.
 */
static int
release_unlink(struct tc_store *s, const char *name, int fd, uint64_t size, bool pool)
{
	int rc;

	if (pool && !s->overwrite && store_pool_put(s, name) == 0) {
		close(fd);
		tc_fault_point("store.delete.pooled");
		return 0;
	}
	if (s->overwrite) {
		if ((rc = overwrite(fd, size)) != 0)
			goto out;
		tc_fault_point("store.delete.overwritten");
	} else {
		if ((rc = release_blocks(fd, size)) != 0)
			goto out;
		tc_fault_point("store.delete.punched");
	}
	close(fd);
	fd = -1;
	if (unlinkat(s->objfd, name, 0) != 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	tc_fault_point("store.delete.unlinked");
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Steps 1-3 for one file; may_pool: a deleted photo's (not an aborted or unknown file's). */
static int
erase_unlink(struct tc_store *s, const char *name, bool may_pool)
{
	uint64_t size = 0;
	bool wiped;
	int fd, rc;

	if ((rc = store_open_rw(s, name, &fd, &size)) != 0 || fd < 0)
		goto out;
	if ((rc = write_wraps(fd, size, &wiped)) != 0 || (rc = tc_fsync(fd)) != 0) {
		close(fd);
		goto out;
	}
	tc_fault_point("store.delete.wraps_erased");
	rc = release_unlink(s, name, fd, size, wiped && may_pool);
out:
	if (rc)
		tc_warn("store: erase of %s failed: %s", name, tc_strerror(rc));
	return rc;
}

/* Steps 1-4 for one file (may_pool: as erase_unlink). */
static int
erase_file(struct tc_store *s, const char *name, bool may_pool)
{
	int rc;

	if ((rc = erase_unlink(s, name, may_pool)) != 0)
		return rc;
	if ((rc = tc_fsync_dir(s->objfd)) != 0) {
		tc_warn("store: erase of %s not durable: %s", name, tc_strerror(rc));
		return rc;
	}
	tc_fault_point("store.delete.dir_synced");
	return 0;
}

int
store_erase_file(struct tc_store *s, const char *name)
{
	return erase_file(s, name, false);
}

static const char *
final_action(enum tc_photo_state intent)
{
	return intent == TC_PHOTO_DELETING ? "store.delete" : "store.discard";
}

int
store_finish_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
		    enum tc_photo_state intent, const char *actor, const char *detail)
{
	enum tc_photo_state final = intent == TC_PHOTO_DELETING ? TC_PHOTO_DELETED :
		TC_PHOTO_DISCARDED;
	const char *action = final_action(intent);
	char name[STORE_NAME_MAX], hex[STORE_HEX_ID];
	int rc;

	store_obj_name(id, name);
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	if ((rc = erase_file(s, name, true)) != 0) {
		/* Audited as a failure; the intent row keeps the job for a retry. */
		if (store_audit(s, actor, action, hex, rc, "erase failed; will retry") != 0)
			tc_warn("store: failed delete of %s not audited", hex);
		return rc;
	}
	/* Audit before the tombstone: a crash in between repeats the entry, never loses it. */
	if ((rc = store_audit(s, actor, action, hex, 0, detail)) != 0)
		return rc;
	tc_fault_point("store.delete.audited");
	rc = tc_catalog_transition(s->cat, id, TC_STORE_BIT(intent), final, tc_time_wall_us(), NULL);
	if (rc != 0)
		return rc;
	tc_fault_point("store.delete.cataloged");
	tc_store_assert_state(s, id);
	/* The old row versions sit in the WAL until it is checkpointed and truncated. */
	if ((rc = tc_store_checkpoint(s)) != 0) {
		tc_warn("store: %s deleted, WAL not yet truncated (%s)", hex, tc_strerror(rc));
		return rc;
	}
	tc_fault_point("store.delete.checkpointed");
	return 0;
}

int
tc_store_delete_add(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	enum tc_photo_state cur;
	size_t i;
	int rc;

	for (i = 0; i < s->batch_n; i++)
		if (memcmp(s->batch[i], id, TC_PHOTO_ID_LEN) == 0)
			return 0;	/* waiting for the batch already */
	/* Callers flush a full batch themselves; this only keeps the array bounded. */
	if (s->batch_n == STORE_BATCH_MAX && (rc = tc_store_delete_flush(s, NULL)) != 0 &&
	    rc != -EBUSY)
		return rc;
	if ((rc = tc_catalog_state(s->cat, id, &cur)) != 0)
		return rc;
	if (cur != TC_PHOTO_RECEIPTED && cur != TC_PHOTO_DELETING)
		return TC_E_STATE;
	if (s->batch_n == 0)
		s->batch_t0_us = tc_time_mono_us();
	memcpy(s->batch[s->batch_n++], id, TC_PHOTO_ID_LEN);
	tc_fault_point("store.delete.queued");
	return 0;
}

bool
tc_store_delete_due(const struct tc_store *s)
{
	return s->batch_n == STORE_BATCH_MAX || (s->batch_n > 0 &&
	       tc_time_mono_us() - s->batch_t0_us >= (uint64_t)CONFIG_STORE_DELETE_BATCH_MS * 1000u);
}

size_t
tc_store_delete_pending(const struct tc_store *s)
{
	return s->batch_n;
}

/*
 * Move every photo of the batch from one of the states in `from` to
 * `to`, in one transaction (one WAL commit and fsync).  A photo finished
 * by another handle meanwhile (not in `from` any more, or gone) is
 * dropped from the batch: nothing is left to do for it.
 */
static int
transition_batch(struct tc_store *s, unsigned from, enum tc_photo_state to)
{
	uint64_t now = tc_time_wall_us();
	size_t i, k = 0;
	int rc;

	if ((rc = tc_catalog_exec(s->cat, "BEGIN IMMEDIATE")) != 0)
		return rc;
	for (i = 0; rc == 0 && i < s->batch_n; i++) {
		rc = tc_catalog_transition(s->cat, s->batch[i], from, to, now, NULL);
		if (rc == 0)
			memmove(s->batch[k++], s->batch[i], TC_PHOTO_ID_LEN);
		else if (rc == TC_E_STATE || rc == TC_E_NOT_FOUND)
			rc = 0;
	}
	if (rc == 0)
		rc = tc_catalog_exec(s->cat, "COMMIT");
	if (rc != 0)
		tc_catalog_rollback(s->cat);
	else
		s->batch_n = k;
	return rc;
}

/* A photo whose erase failed leaves the batch; its row stays deleting for a retry. */
static void
erase_failed(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], int rc, int *first)
{
	char hex[STORE_HEX_ID];

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	tc_warn("store: erase of %s failed: %s", hex, tc_strerror(rc));
	if (store_audit(s, NULL, "store.delete", hex, rc, "erase failed; will retry") != 0)
		tc_warn("store: failed delete of %s not audited", hex);
	if (*first == 0)
		*first = rc;
}

/*
 * Steps 1-3 for the batch, each step for every photo before the next
 * step, so the wrap fsyncs run back to back (the first commits the
 * journal for all, writeback of every wrap already started).  A photo
 * that fails leaves the batch; the first such error is returned after
 * the others are erased.
 */
static int
erase_batch(struct tc_store *s)
{
	int fd[STORE_BATCH_MAX], first = 0, rc;
	uint64_t size[STORE_BATCH_MAX];
	bool wiped[STORE_BATCH_MAX];
	char name[STORE_NAME_MAX];
	size_t i, k = 0;

	for (i = 0; i < s->batch_n; i++) {
		wiped[i] = false;
		store_obj_name(s->batch[i], name);
		if ((rc = store_open_rw(s, name, &fd[i], &size[i])) == 0 && fd[i] >= 0 &&
		    (rc = write_wraps(fd[i], size[i], &wiped[i])) == 0)
			(void)sync_file_range(fd[i], 0, 0, SYNC_FILE_RANGE_WRITE);	/* only a head start */
		if (rc != 0 && fd[i] >= 0) {
			close(fd[i]);
			fd[i] = -1;
		}
		if (rc != 0) {
			erase_failed(s, s->batch[i], rc, &first);
			size[i] = UINT64_MAX;	/* marks it failed */
		}
	}
	for (i = 0; i < s->batch_n; i++) {
		if (fd[i] >= 0 && (rc = tc_fsync(fd[i])) != 0) {
			close(fd[i]);
			fd[i] = -1;
			erase_failed(s, s->batch[i], rc, &first);
			size[i] = UINT64_MAX;
		}
	}
	tc_fault_point("store.delete.wraps_erased");
	for (i = 0; i < s->batch_n; i++) {
		if (size[i] == UINT64_MAX)
			continue;
		store_obj_name(s->batch[i], name);
		if (fd[i] >= 0 && (rc = release_unlink(s, name, fd[i], size[i], wiped[i])) != 0) {
			erase_failed(s, s->batch[i], rc, &first);
			continue;
		}
		memmove(s->batch[k++], s->batch[i], TC_PHOTO_ID_LEN);
	}
	s->batch_n = k;
	return first;
}

int
tc_store_delete_flush(struct tc_store *s, size_t *deleted)
{
	struct tc_audit_item items[STORE_BATCH_MAX];
	char hex[STORE_BATCH_MAX][STORE_HEX_ID];
	size_t i, n;
	int rc, erc;

	if (deleted)
		*deleted = 0;
	if (s->batch_n == 0)
		return 0;
	s->pool_full = false;	/* captures may have taken slots since the last batch */
	/*
	 * Whatever happens now, the batch is done with: each photo's row is
	 * (after step 0) a durable deleting intent that the next pass or open
	 * finishes.  Step 0's commit is synchronous=FULL: it syncs the WAL,
	 * so the receipts recorded before it without a sync of their own
	 * (delete_now) are durable too before any wrap is touched.
	 */
	if ((rc = transition_batch(s, TC_STORE_BIT(TC_PHOTO_RECEIPTED) |
				   TC_STORE_BIT(TC_PHOTO_DELETING), TC_PHOTO_DELETING)) != 0)
		goto out;
	tc_fault_point("store.delete.intent");
	erc = erase_batch(s);
	if ((n = s->batch_n) == 0) {
		rc = erc;
		goto out;
	}
	if ((rc = tc_fsync_dir(s->objfd)) != 0)
		goto out;
	tc_fault_point("store.delete.dir_synced");
	for (i = 0; i < n; i++) {
		tc_hex_encode(s->batch[i], TC_PHOTO_ID_LEN, hex[i]);
		items[i] = (struct tc_audit_item){ s->actor, "store.delete", hex[i], 0, "" };
	}
	/* Audit before the tombstones: a crash in between repeats the entries, never loses them. */
	if ((rc = tc_audit_append_many(s->audit, items, n)) != 0) {
		tc_err("store: audit of %zu deletes failed: %s", n, tc_strerror(rc));
		goto out;
	}
	tc_fault_point("store.delete.audited");
	if ((rc = transition_batch(s, TC_STORE_BIT(TC_PHOTO_DELETING), TC_PHOTO_DELETED)) != 0)
		goto out;
	tc_fault_point("store.delete.cataloged");
	for (i = 0; i < s->batch_n; i++)
		tc_store_assert_state(s, s->batch[i]);
	if (deleted)
		*deleted = s->batch_n;
	s->batch_n = 0;
	/* The old row versions sit in the WAL until it is checkpointed and truncated. */
	if ((rc = tc_store_checkpoint(s)) != 0) {
		tc_warn("store: %zu deleted, WAL not yet truncated (%s)", n, tc_strerror(rc));
		return erc ? erc : rc;
	}
	tc_fault_point("store.delete.checkpointed");
	return erc;
out:
	s->batch_n = 0;
	return rc;
}
