/*
 * commit.c - the capture write path: temporary file, sink, commit, abort.
 *
 * The sealer streams ciphertext into objects/.tmp-<random> through
 * tc_store_sink(); the store never holds a whole object in memory.  The
 * temporary is a crypto-erased file from the pool when there is one
 * (pool.c; renamed to .tmp-<random>, crash point store.commit.reused),
 * written over from offset 0 and truncated to the object's size before
 * step 1, else a new file.
 * Commit protocol (crash point after each step, "store.commit.<step>"):
 *
 *   1. fsync the temporary file                      -> store.commit.synced
 *   2. rename .tmp-<r> to <photo id>.tco             -> store.commit.renamed
 *   3. fsync objects/                                -> store.commit.dir_synced
 *   4. INSERT the row (state captured), one txn      -> store.commit.cataloged
 *
 * A crash before 2 leaves a temporary file: the next open erases it.  A
 * crash after 2 and before 4 leaves a complete object without a row: the
 * next open authenticates it (device MAC footer) and re-indexes it.  So
 * a photo is either wholly in the store or wholly absent.
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

/* Bytes read to parse an object header (two key-wrap records need far fewer). */
#define HDR_READ_MAX 4096

int
tc_store_begin(struct tc_store *s, struct tc_store_writer **out)
{
	uint8_t rnd[TC_PHOTO_ID_LEN];
	struct tc_store_writer *w;
	uint64_t photos, bytes;
	int rc;

	*out = NULL;
	if ((rc = tc_catalog_usage(s->cat, &photos, &bytes)) != 0)
		return rc;
	if (photos >= s->quota_photos || bytes >= s->quota_bytes) {
		tc_warn("store: quota reached (%llu photos, %llu bytes)",
			(unsigned long long)photos, (unsigned long long)bytes);
		return TC_E_QUOTA;
	}
	if ((w = tc_calloc(1, sizeof(*w))) == NULL)
		return -ENOMEM;
	w->fd = -1;
	w->limit = s->quota_bytes - bytes;
	if ((rc = tc_random_bytes(rnd, sizeof(rnd))) != 0)
		goto fail;
	memcpy(w->tmp, STORE_TMP_PREFIX, sizeof(STORE_TMP_PREFIX) - 1);
	tc_hex_encode(rnd, sizeof(rnd), w->tmp + sizeof(STORE_TMP_PREFIX) - 1);
	rc = store_pool_take(s, w->tmp, &w->fd);
	if (rc == 0) {
		w->reused = true;
		*out = w;
		return 0;
	}
	if (rc != -ENOENT) {
		/* The slot may be our temporary now: erase it (or the next open will). */
		tc_warn("store: pool file not reused (%s)", tc_strerror(rc));
		if (store_erase_file(s, w->tmp) != 0)
			goto fail;
		rc = 0;
	}
	if ((w->fd = tc_openat(s->objfd, w->tmp, O_RDWR | O_CREAT | O_EXCL)) < 0) {
		rc = w->fd;
		goto fail;
	}
	*out = w;
	return 0;
fail:
	tc_free(w);
	return rc;
}

int
tc_store_sink(void *ctx, const void *buf, size_t len)
{
	struct tc_store_writer *w = ctx;
	int rc;

	if (w->err)
		return w->err;
	if (len > w->limit - w->written) {
		w->err = TC_E_QUOTA;
		return w->err;
	}
	if ((rc = tc_write_all(w->fd, buf, len)) != 0) {
		w->err = rc;
		return rc;
	}
	w->written += len;
	return 0;
}

static void
writer_free(struct tc_store_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	tc_free(w);
}

void
tc_store_abort(struct tc_store *s, struct tc_store_writer *w)
{
	int rc;

	if (!w)
		return;
	if (w->fd >= 0) {
		close(w->fd);
		w->fd = -1;
	}
	/* The file system is full: the pool's files give their space back first. */
	if (w->err == -ENOSPC)
		store_pool_drain(s);
	/* The temporary holds key-wrap records too: erase it like any object. */
	if ((rc = store_erase_file(s, w->tmp)) != 0) {
		tc_warn("store: could not erase %s (%s); unlinking", w->tmp, tc_strerror(rc));
		if (unlinkat(s->objfd, w->tmp, 0) != 0 && errno != ENOENT)
			tc_err("store: %s left behind for the next open", w->tmp);
	}
	writer_free(w);
}

/* The sealed header must name the photo the caller commits. */
static int
check_header(int fd, uint64_t size, const uint8_t id[TC_PHOTO_ID_LEN])
{
	uint8_t buf[HDR_READ_MAX];
	struct tc_obj_info info;
	size_t want = size < sizeof(buf) ? (size_t)size : sizeof(buf), got;
	int rc;

	if (lseek(fd, 0, SEEK_SET) != 0)
		return -errno;
	if ((rc = tc_read_full(fd, buf, want, &got)) != 0)
		return rc;
	if ((rc = tc_obj_parse_header(buf, got, &info)) != 0)
		return rc;
	if (memcmp(info.photo_id, id, TC_PHOTO_ID_LEN) != 0)
		return TC_E_INVAL_INPUT;
	return 0;
}

int
tc_store_commit(struct tc_store *s, struct tc_store_writer *w, const uint8_t id[TC_PHOTO_ID_LEN],
		const uint8_t digest[TC_SHA256_LEN], uint64_t size, uint64_t created_us)
{
	char name[STORE_NAME_MAX], hex[STORE_HEX_ID];
	struct tc_store_rec r;
	uint64_t photos, bytes;
	struct stat st;
	int rc;

	if ((rc = w->err) != 0)
		goto abort;
	if (size != w->written || size == 0) {
		rc = TC_E_INVAL_INPUT;
		goto abort;
	}
	if ((rc = check_header(w->fd, size, id)) != 0) {
		tc_err("store: commit: object header does not match (%s)", tc_strerror(rc));
		goto abort;
	}
	/* Only photod commits, but the quota is the whole store's: check it again. */
	if ((rc = tc_catalog_usage(s->cat, &photos, &bytes)) != 0)
		goto abort;
	if (photos >= s->quota_photos || bytes > s->quota_bytes || size > s->quota_bytes - bytes) {
		rc = TC_E_QUOTA;
		goto abort;
	}
	store_obj_name(id, name);
	rc = tc_catalog_get(s->cat, id, &r);
	if (rc != TC_E_NOT_FOUND) {
		rc = rc ? rc : TC_E_EXISTS;
		goto abort;
	}
	/* rename() would replace an existing object silently. */
	if (fstatat(s->objfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
		rc = TC_E_EXISTS;
		goto abort;
	}
	/* A pool file may have been longer: its tail is crypto-erased ciphertext, cut here. */
	if (w->reused && ftruncate(w->fd, (off_t)size) != 0) {
		rc = -errno;
		goto abort;
	}
	if ((rc = tc_fsync(w->fd)) != 0)
		goto abort;
	tc_fault_point("store.commit.synced");
	if ((rc = tc_renameat(s->objfd, w->tmp, name)) != 0)
		goto abort;
	tc_fault_point("store.commit.renamed");
	if ((rc = tc_fsync_dir(s->objfd)) != 0)
		goto undo;
	tc_fault_point("store.commit.dir_synced");
	memset(&r, 0, sizeof(r));
	memcpy(r.id, id, TC_PHOTO_ID_LEN);
	r.state = TC_PHOTO_CAPTURED;
	r.size = size;
	memcpy(r.digest, digest, TC_SHA256_LEN);
	r.created_us = created_us;
	r.stored_us = tc_time_wall_us();
	if ((rc = tc_catalog_insert(s->cat, &r)) != 0)
		goto undo;
	tc_fault_point("store.commit.cataloged");
	writer_free(w);
	tc_store_assert_state(s, id);
	return 0;

undo:
	/* The caller is told the capture failed, so the object must go too. */
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	tc_err("store: commit of %s failed after rename: %s", hex, tc_strerror(rc));
	close(w->fd);
	w->fd = -1;
	if (store_erase_file(s, name) != 0)
		tc_err("store: %s left for the next open to re-index", name);
	writer_free(w);
	return rc;
abort:
	if (w->err == 0)
		w->err = rc;	/* tc_store_abort's cue (ENOSPC) */
	tc_store_abort(s, w);
	return rc;
}
