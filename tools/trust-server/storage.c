/*
 * storage.c - trust-server's data directory and its reconciliation at
 * start.  Layout (every directory 0750, every file 0640, all owned by the
 * server's user, readable by its group, which the Trust's administrators
 * join to review: trust-server(8), DEPLOYMENT; opened O_NOFOLLOW):
 *
 *   DATA_DIR/ledger.db (+ -wal, -shm)    the ledger (ledger.c)
 *   DATA_DIR/objects/<device>/<id>.tco   objects with a ledger row
 *   DATA_DIR/partial/<device>/<id>.part  uploads in progress
 *   DATA_DIR/audit/<device>/<seq>.seg    audit segments, by first sequence
 *
 * The commit order (upload.c, api_photos.c) is: partial file fsynced,
 * renamed into objects/, both directories fsynced, then the ledger row
 * committed, then the receipt sent.  So after any crash an object may
 * lack its row but a row never lacks a durable object (unless the disk
 * lost it).  Reconcile puts an object without a row back in partial/, at
 * full length: the device's next HEAD sees every byte held, its PATCH
 * completes the upload and it gets its receipt then.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_trust_valid.h"

int
storage_subdir(int parent_fd, const char *name, bool create)
{
	struct stat st;
	int fd;

	if (create && mkdirat(parent_fd, name, 0750) != 0 && errno != EEXIST)
		return -errno;
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? TC_E_UNSAFE_PATH : -errno;
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 027) != 0) {
		struct passwd *pw = getpwuid(st.st_uid);
		char owner[64];

		snprintf(owner, sizeof(owner), "%s", pw ? pw->pw_name : "?");
		pw = getpwuid(geteuid());
		tc_err("%s is %04o owned by %s, must be 0750 or 0700 owned by %s", name,
		       (unsigned)(st.st_mode & 07777), owner, pw ? pw->pw_name : "this user");
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	return fd;
}

int
storage_open(struct srv *s)
{
	int rc;

	s->data_fd = storage_subdir(AT_FDCWD, s->set.data_dir, true);
	if (s->data_fd < 0) {
		tc_err("data directory %s: %s", s->set.data_dir, tc_strerror(s->data_fd));
		return s->data_fd;
	}
	if ((s->objects_fd = storage_subdir(s->data_fd, "objects", true)) < 0)
		return s->objects_fd;
	if ((s->partial_fd = storage_subdir(s->data_fd, "partial", true)) < 0)
		return s->partial_fd;
	if ((s->audit_fd = storage_subdir(s->data_fd, "audit", true)) < 0)
		return s->audit_fd;
	if ((rc = tc_fsync_dir(s->data_fd)) != 0)
		return rc;
	rc = ledger_open(&s->ledger, s->data_fd, s->set.data_dir);
	if (rc != 0)
		tc_err("ledger %s/ledger.db: %s", s->set.data_dir, tc_strerror(rc));
	return rc;
}

void
storage_close(struct srv *s)
{
	int *fds[] = { &s->objects_fd, &s->partial_fd, &s->audit_fd, &s->data_fd };
	size_t i;

	ledger_close(s->ledger);
	s->ledger = NULL;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

struct recon {
	struct srv *s;
	unsigned long rows, missing, orphans;
};

/* A ledger row: its object must be there, at its size. */
static int
check_row(void *ctx, const char *dev, const char *hex, uint64_t size)
{
	struct recon *r = ctx;
	char name[64];
	struct stat st;
	int dfd;

	r->rows++;
	snprintf(name, sizeof(name), "%s.tco", hex);
	dfd = tc_trust_valid_device_id(dev) ? storage_subdir(r->s->objects_fd, dev, false) : -1;
	if (dfd < 0 || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
	    (uint64_t)st.st_size != size) {
		r->missing++;
		tc_err("LEDGER MISMATCH: %s photo %s has a ledger row but its object is %s", dev,
		       hex, dfd < 0 || errno == ENOENT ? "missing" : "damaged");
	}
	if (dfd >= 0)
		close(dfd);
	return 0;
}

static bool
object_name(const char *n, char hex[2 * TC_PHOTO_ID_LEN + 1])
{
	size_t len = strlen(n);

	if (len != 2 * TC_PHOTO_ID_LEN + 4 || strcmp(n + 2 * TC_PHOTO_ID_LEN, ".tco") != 0 ||
	    strspn(n, "0123456789abcdef") != 2 * TC_PHOTO_ID_LEN)
		return false;
	memcpy(hex, n, 2 * TC_PHOTO_ID_LEN);
	hex[2 * TC_PHOTO_ID_LEN] = '\0';
	return true;
}

/* objects/<dev>: every object without a row goes back to partial/<dev>. */
static int
sweep_device(struct recon *r, const char *dev)
{
	char hex[2 * TC_PHOTO_ID_LEN + 1], part[64];
	struct dirent *e;
	DIR *d = NULL;
	int ofd, pfd = -1, rc = 0, has;

	ofd = storage_subdir(r->s->objects_fd, dev, false);
	if (ofd < 0)
		return ofd;
	d = fdopendir(ofd);
	if (!d) {
		close(ofd);
		return -errno;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !object_name(e->d_name, hex))
			continue;
		has = ledger_has(r->s->ledger, dev, hex);
		if (has != 0) {
			if (has < 0)
				rc = has;
			continue;
		}
		if (pfd < 0 && (pfd = storage_subdir(r->s->partial_fd, dev, true)) < 0) {
			rc = pfd;
			break;
		}
		snprintf(part, sizeof(part), "%s.part", hex);
		if (renameat(dirfd(d), e->d_name, pfd, part) != 0) {
			rc = -errno;
			break;
		}
		r->orphans++;
		tc_warn("%s photo %s: object without a ledger row (crash before commit): kept as"
			" a complete partial upload; the device's next upload gets its receipt",
			dev, hex);
	}
	if (rc == 0 && r->orphans && pfd >= 0 &&
	    ((rc = tc_fsync_dir(pfd)) != 0 || (rc = tc_fsync_dir(dirfd(d))) != 0))
		tc_err("reconcile: fsync: %s", tc_strerror(rc));
	if (pfd >= 0)
		close(pfd);
	closedir(d);
	return rc;
}

int
storage_reconcile(struct srv *s)
{
	struct recon r = { s, 0, 0, 0 };
	struct dirent *e;
	DIR *d;
	int fd, rc;

	if ((rc = ledger_foreach(s->ledger, check_row, &r)) != 0)
		return rc;
	fd = openat(s->objects_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (!tc_trust_valid_device_id(e->d_name)) {
			tc_warn("objects/%s: not a device directory; left alone", e->d_name);
			continue;
		}
		rc = sweep_device(&r, e->d_name);
	}
	closedir(d);
	if (r.missing)
		tc_err("reconcile: %lu of %lu ledger rows have no intact object: investigate",
		       r.missing, r.rows);
	tc_info("reconcile: %lu ledger rows, %lu missing objects, %lu objects returned to"
		" partial", r.rows, r.missing, r.orphans);
	return rc;
}
