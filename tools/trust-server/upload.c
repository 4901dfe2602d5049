/*
 * upload.c - the partial file of one photo upload, from the first byte to
 * its publication in objects/.
 *
 * partial/<device>/<id>.part holds exactly the bytes received so far, in
 * order; its length is the Upload-Offset the server reports.  It is
 * flock'ed by the request writing to it, so two connections of a device
 * never interleave bytes; a request that finds it locked is told so.
 * Writes go straight to the file (no photo is ever held whole in memory)
 * while SHA-256 runs over them; writeback is started every few MiB so the
 * fsync at the end has little left to do.  A resumed upload re-hashes
 * what the file already holds.  Bytes are fsynced at the end of every
 * request, complete or not: partial data is durable as written, but only
 * a whole object whose digest and header check out is ever published.
 */
#define _GNU_SOURCE /* sync_file_range */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_trust_valid.h"

#define REHASH_BUF (256 * 1024)
#define WRITEBACK_EVERY (1u << 20)
#define HEADER_PEEK 1024	/* more than the largest object header (548 bytes) */

/*
 * Open and lock the partial file, making sure the lock is on the file
 * that still has the name (a publish or discard may have moved it away
 * between our open and our lock).
 */
static int
open_locked(struct upload *u)
{
	struct stat a, b;
	int tries;

	for (tries = 0; tries < 3; tries++) {
		u->fd = tc_openat(u->dir_fd, u->name, O_RDWR | O_CREAT);
		if (u->fd < 0)
			return u->fd == -ELOOP ? TC_E_UNSAFE_PATH : u->fd;
		if (flock(u->fd, LOCK_EX | LOCK_NB) != 0) {
			close(u->fd);
			u->fd = -1;
			return errno == EWOULDBLOCK ? -EBUSY : -errno;
		}
		if (fstat(u->fd, &a) != 0)
			return -errno;
		if (!S_ISREG(a.st_mode) || a.st_uid != geteuid())
			return TC_E_UNSAFE_PATH;
		/* Group-readable (review, trust-server(8) FILES); it becomes the object. */
		if ((a.st_mode & 0777) != 0640 && fchmod(u->fd, 0640) != 0)
			return -errno;
		if (fstatat(u->dir_fd, u->name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			u->held = (uint64_t)a.st_size;
			return 0;
		}
		close(u->fd);
		u->fd = -1;
	}
	return -EBUSY;
}

int
upload_open(struct srv *s, const char *dev, const char *hex, struct upload *u)
{
	u->fd = -1;
	u->held = u->wb_started = u->dropped = 0;
	memset(&u->md, 0, sizeof(u->md));
	u->md_ready = false;
	snprintf(u->name, sizeof(u->name), "%s.part", hex);
	u->dir_fd = storage_subdir(s->partial_fd, dev, true);
	if (u->dir_fd < 0)
		return u->dir_fd;
	return open_locked(u);
}

int
upload_start(struct upload *u, bool restart, uint64_t offset)
{
	uint8_t *buf = NULL;
	uint64_t at = 0;
	size_t got;
	int rc;

	if (restart && u->held > 0) {
		if (ftruncate(u->fd, 0) != 0)
			return -errno;
		u->held = 0;
	}
	if (offset != u->held)
		return -ESPIPE;
	if ((rc = tc_sha256_init(&u->md)) != 0)
		return rc;
	u->md_ready = true;
	if (u->held > 0) {
		buf = tc_malloc(REHASH_BUF);
		if (!buf)
			return -ENOMEM;
		u->wb_started = u->dropped = u->held;
		if (lseek(u->fd, 0, SEEK_SET) != 0) {
			rc = -errno;
			goto out;
		}
		while (at < u->held) {
			size_t want = u->held - at < REHASH_BUF ? (size_t)(u->held - at) : REHASH_BUF;

			if ((rc = tc_read_full(u->fd, buf, want, &got)) != 0)
				goto out;
			if (got != want) {
				rc = -EIO;	/* shrank under us */
				goto out;
			}
			tc_sha256_update(&u->md, buf, got);
			at += got;
		}
	}
	rc = lseek(u->fd, (off_t)u->held, SEEK_SET) == (off_t)u->held ? 0 : -errno;
out:
	tc_free(buf);
	return rc;
}

/*
 * Stream the file to disk behind the writes (after the kernel's own advice
 * for streaming writers): start writeback of the newest MiB, wait for the
 * one before and drop it from the page cache.  The server never reads an
 * object back, fsync at the end has little left to do, and the pages are
 * recycled instead of the page cache growing with every upload.
 */
static void
writeback(struct upload *u)
{
	(void)sync_file_range(u->fd, (off_t)u->wb_started, (off_t)(u->held - u->wb_started),
			      SYNC_FILE_RANGE_WRITE);
	if (u->wb_started > u->dropped &&
	    sync_file_range(u->fd, (off_t)u->dropped, (off_t)(u->wb_started - u->dropped),
			    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
				    SYNC_FILE_RANGE_WAIT_AFTER) == 0) {
		(void)posix_fadvise(u->fd, (off_t)u->dropped, (off_t)(u->wb_started - u->dropped),
				    POSIX_FADV_DONTNEED);
		u->dropped = u->wb_started;
	}
	u->wb_started = u->held;
}

int
upload_write(struct upload *u, const uint8_t *buf, size_t len)
{
	int rc;

	if (len == 0)
		return 0;
	if (u->held + len > u->length)
		return -EFBIG;
	if ((rc = tc_write_all(u->fd, buf, len)) != 0)
		return rc;
	tc_fault_point("server.upload.chunk");
	tc_sha256_update(&u->md, buf, len);
	u->held += len;
	if (u->held - u->wb_started >= WRITEBACK_EVERY)
		writeback(u);
	return 0;
}

int
upload_sync(struct upload *u)
{
	int rc = tc_fsync(u->fd);

	if (rc == 0)
		(void)posix_fadvise(u->fd, 0, 0, POSIX_FADV_DONTNEED);
	return rc;
}

int
upload_check(struct upload *u, const uint8_t photo_id[TC_PHOTO_ID_LEN])
{
	uint8_t got[TC_SHA256_LEN], head[HEADER_PEEK];
	struct tc_obj_info info;
	ssize_t n;
	int rc;

	if (u->held != u->length || !u->md_ready)
		return -EINVAL;
	if (tc_sha256_finish(&u->md, got) != 0)
		return TC_E_CRYPTO;
	u->md_ready = false;
	if (memcmp(got, u->want, sizeof(got)) != 0)
		return TC_E_DIGEST_MISMATCH;
	n = pread(u->fd, head, u->held < sizeof(head) ? (size_t)u->held : sizeof(head), 0);
	if (n < 0)
		return -errno;
	if ((rc = tc_obj_parse_header(head, (size_t)n, &info)) != 0)
		return rc;
	if (memcmp(info.photo_id, photo_id, TC_PHOTO_ID_LEN) != 0)
		return TC_E_BAD_HEADER;
	return 0;
}

int
upload_publish(struct srv *s, const char *dev, const char *hex, struct upload *u)
{
	char obj[48];
	int ofd, rc;

	snprintf(obj, sizeof(obj), "%s.tco", hex);
	ofd = storage_subdir(s->objects_fd, dev, true);
	if (ofd < 0)
		return ofd;
	if ((rc = tc_fault_hit(TC_FAULT_RENAME)) == 0 &&
	    renameat(u->dir_fd, u->name, ofd, obj) != 0)
		rc = -errno;
	if (rc != 0)
		goto out;
	tc_fault_point("server.upload.renamed");
	if ((rc = tc_fsync_dir(ofd)) != 0 || (rc = tc_fsync_dir(s->objects_fd)) != 0 ||
	    (rc = tc_fsync_dir(u->dir_fd)) != 0)
		goto out;
	tc_fault_point("server.upload.published");
out:
	close(ofd);
	return rc;
}

void
upload_unpublish(struct srv *s, const char *dev, const char *hex, struct upload *u)
{
	char obj[48];
	int ofd = storage_subdir(s->objects_fd, dev, false);

	snprintf(obj, sizeof(obj), "%s.tco", hex);
	/* Failing here leaves an object without a row: reconcile fixes it at start. */
	if (ofd < 0 || renameat(ofd, obj, u->dir_fd, u->name) != 0 ||
	    tc_fsync_dir(ofd) != 0 || tc_fsync_dir(u->dir_fd) != 0)
		tc_err("%s photo %s: could not return the object to partial/", dev, hex);
	if (ofd >= 0)
		close(ofd);
}

void
upload_discard(struct upload *u)
{
	if (u->dir_fd >= 0 && unlinkat(u->dir_fd, u->name, 0) == 0 && tc_fsync_dir(u->dir_fd) != 0)
		tc_warn("partial %s: directory fsync failed", u->name);
}

void
upload_close(struct upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	if (u->dir_fd >= 0)
		close(u->dir_fd);
	u->fd = u->dir_fd = -1;
	tc_sha256_free(&u->md);
	u->md_ready = false;
}

/*
 * A partial upload untouched for partial-ttl seconds: its device has
 * moved on (wiped, lost or retired; a device that still holds the photo
 * simply uploads it again from 0, since it deletes nothing without a
 * receipt).  Removed under the partial's own lock, like a discard, so an
 * upload resuming it at this moment either wins the lock (and the file
 * is kept) or finds the name gone and starts over.  1 if it was removed.
 */
static int
expire_partial(struct srv *s, const char *dev, const char *name)
{
	struct upload u;
	struct stat st;
	char hex[48];
	size_t n = strlen(name);
	int gone = 0;

	if (n != 2 * TC_PHOTO_ID_LEN + 5 || strcmp(name + n - 5, ".part") != 0)
		return 0;	/* not a name this server makes: leave it alone */
	memcpy(hex, name, n - 5);
	hex[n - 5] = '\0';
	if (upload_open(s, dev, hex, &u) != 0) {
		upload_close(&u);
		return 0;	/* in use (locked) or unreadable: it stays and counts */
	}
	if (fstat(u.fd, &st) == 0 && (uint64_t)st.st_mtime + s->set.partial_ttl_s <
	    (uint64_t)time(NULL)) {
		upload_discard(&u);
		tc_info("%s: partial upload %s expired: untouched for over %llu s (%llu bytes freed)",
			dev, hex, (unsigned long long)s->set.partial_ttl_s,
			(unsigned long long)st.st_size);
		gone = 1;
	} else if (u.held == 0) {
		upload_discard(&u);	/* it went between readdir and open, and open made it again */
		gone = 1;
	}
	upload_close(&u);
	return gone;
}

int
upload_partial_bytes(struct srv *s, const char *dev, const char *hex, uint64_t *bytes)
{
	uint64_t now = (uint64_t)time(NULL);
	char mine[48];
	struct dirent *e;
	struct stat st;
	DIR *d;
	int fd = storage_subdir(s->partial_fd, dev, false);

	*bytes = 0;
	if (fd == -ENOENT)
		return 0;
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return fd < 0 ? fd : -errno;
	}
	snprintf(mine, sizeof(mine), "%s.part", hex ? hex : "");	/* ".part" matches no partial */
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strcmp(e->d_name, mine) == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (s->set.partial_ttl_s && (uint64_t)st.st_mtime + s->set.partial_ttl_s < now &&
		    expire_partial(s, dev, e->d_name))
			continue;
		*bytes += (uint64_t)st.st_size;
	}
	closedir(d);
	return 0;
}

/*
 * At start-up: expire every device's abandoned partials now, so a device
 * that never comes back (wiped, lost, retired) does not keep its partials
 * until a quota check of its own that never happens.
 */
int
upload_expire_all(struct srv *s)
{
	struct dirent *e;
	uint64_t bytes, total = 0;
	unsigned devices = 0;
	DIR *d;
	int fd, rc = 0;

	if (s->set.partial_ttl_s == 0)
		return 0;
	fd = openat(s->partial_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !tc_trust_valid_device_id(e->d_name))
			continue;
		if ((rc = upload_partial_bytes(s, e->d_name, NULL, &bytes)) == 0 && bytes) {
			total += bytes;
			devices++;
		}
	}
	closedir(d);
	if (rc == 0)
		tc_info("partials: %llu bytes held for %u device(s), none older than %llu s",
			(unsigned long long)total, devices, (unsigned long long)s->set.partial_ttl_s);
	return rc;
}

int
upload_peek(struct srv *s, const char *dev, const char *hex, uint64_t *held)
{
	char name[48];
	struct stat st;
	int fd = storage_subdir(s->partial_fd, dev, false), rc = 0;

	if (fd < 0)
		return fd;
	snprintf(name, sizeof(name), "%s.part", hex);
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode))
		rc = TC_E_UNSAFE_PATH;
	else
		*held = (uint64_t)st.st_size;
	close(fd);
	return rc;
}
