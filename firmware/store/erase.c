/*
 * erase.c - secure delete: cryptographic erase, overwrite, unlink.
 *
 * Overwriting is not trusted on flash (wear levelling keeps old copies),
 * so the erase that counts is cryptographic (NIST SP 800-88): the
 * object's key-wrap records -- the only device-held copies of its content
 * key, wrapped -- are overwritten with random bytes and fsynced FIRST.
 * After that no key on the device or the Trust's side can open the
 * object.  Only then is the whole file overwritten, fsynced, unlinked and
 * the directory fsynced.  Delete protocol, crash point after each step:
 *
 *   0. row -> deleting/discarding (intent, lifecycle.c) -> store.delete.intent
 *   1. wrap records := random, fsync                    -> store.delete.wraps_erased
 *   2. whole file := zeros, fsync                       -> store.delete.overwritten
 *   3. unlink                                           -> store.delete.unlinked
 *   4. fsync objects/                                   -> store.delete.dir_synced
 *   5. audit entry                                      -> store.delete.audited
 *   6. row -> deleted/discarded (tombstone)             -> store.delete.cataloged
 *   7. PRAGMA wal_checkpoint(TRUNCATE), result checked  -> store.delete.checkpointed
 *
 * Every step is idempotent, and the intent row makes the next call or the
 * next open run them all again: a crash anywhere finishes as a delete.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"

#define HDR_READ_MAX 4096
#define OVERWRITE_BLOCK (64 * 1024)

static const uint8_t zeros[OVERWRITE_BLOCK];

/* Step 1: the wrap records, if the header still parses (a resumed erase may have zeroed it). */
static int
erase_wraps(int fd, uint64_t size)
{
	uint8_t buf[HDR_READ_MAX];
	struct tc_obj_info info;
	size_t got, off, n;
	int rc;

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
	return tc_fsync(fd);
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

int
store_erase_file(struct tc_store *s, const char *name)
{
	struct stat st;
	int fd, rc = 0;

	fd = tc_openat(s->objfd, name, O_RDWR);
	if (fd == -ENOENT)
		goto dir;	/* a crash came after the unlink: make that durable */
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = TC_E_UNSAFE_PATH;
		goto out;
	}
	if ((rc = erase_wraps(fd, (uint64_t)st.st_size)) != 0)
		goto out;
	tc_fault_point("store.delete.wraps_erased");
	if ((rc = overwrite(fd, (uint64_t)st.st_size)) != 0)
		goto out;
	tc_fault_point("store.delete.overwritten");
	close(fd);
	fd = -1;
	if (unlinkat(s->objfd, name, 0) != 0 && errno != ENOENT) {
		rc = -errno;
		goto out;
	}
	tc_fault_point("store.delete.unlinked");
dir:
	if ((rc = tc_fsync_dir(s->objfd)) != 0)
		goto out;
	tc_fault_point("store.delete.dir_synced");
out:
	if (fd >= 0)
		close(fd);
	if (rc)
		tc_warn("store: erase of %s failed: %s", name, tc_strerror(rc));
	return rc;
}

int
store_finish_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
		    enum tc_photo_state intent, const char *actor, const char *detail)
{
	enum tc_photo_state final = intent == TC_PHOTO_DELETING ? TC_PHOTO_DELETED :
		TC_PHOTO_DISCARDED;
	const char *action = intent == TC_PHOTO_DELETING ? "store.delete" : "store.discard";
	char name[STORE_NAME_MAX], hex[STORE_HEX_ID];
	int rc;

	store_obj_name(id, name);
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	if ((rc = store_erase_file(s, name)) != 0) {
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
