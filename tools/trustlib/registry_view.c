/*
 * registry_view.c - the registry as trust-server sees it in a split
 * deployment (trust-server(8), DEPLOYMENT): trustadm writes a consistent
 * read-only copy of registry.db into the server's published directory
 * after every change (tc_registry_snapshot), and the server opens it
 * read-only (tc_registry_open_view), never with write access.
 *
 * The copy is made with SQLite's online backup API from the open
 * connection (so it is one committed state), switched to a rollback
 * journal (a reader then needs no -shm file, hence no write access),
 * made durable and renamed over the old copy: a reader sees the old
 * view or the new one, never half of each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_int.h"
#include "tc_io.h"

int
tc_registry_open_view(struct tc_registry **out, const char *dir)
{
	struct tc_registry *r;
	char path[4096];
	int rc, v = -1;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	if (access(path, F_OK) != 0)
		return -errno;
	if ((rc = registry_connect(&r, path, SQLITE_OPEN_READONLY)) != 0)
		return rc;
	if ((rc = registry_user_version(r, &v)) != 0)
		goto fail;
	/* A view cannot be migrated: it must be the schema this build reads. */
	if (v != TC_REGISTRY_SCHEMA) {
		rc = v > TC_REGISTRY_SCHEMA ? TC_E_SCHEMA : TC_E_CATALOG;
		goto fail;
	}
	*out = r;
	return 0;
fail:
	tc_registry_close(r);
	return rc;
}

/* Copy r into the file at path (new), as a rollback-journal database. */
static int
backup_to(struct tc_registry *r, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *b;
	int rc = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOFOLLOW, NULL);

	if (rc == SQLITE_OK) {
		b = sqlite3_backup_init(dst, "main", r->db, "main");
		if (!b) {
			rc = sqlite3_errcode(dst);
		} else {
			rc = sqlite3_backup_step(b, -1);
			rc = sqlite3_backup_finish(b) == SQLITE_OK && rc == SQLITE_DONE ? SQLITE_OK :
			     (rc == SQLITE_DONE ? sqlite3_errcode(dst) : rc);
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	if (sqlite3_close(dst) != SQLITE_OK && rc == SQLITE_OK)
		rc = SQLITE_IOERR;
	return registry_err(rc);
}

int
tc_registry_snapshot(struct tc_registry *r, const char *dir, mode_t mode)
{
	char tmp[4096], path[4096];
	int fd, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s/.tmp-%s", dir, TC_REGISTRY_FILE) >= sizeof(tmp) ||
	    (size_t)snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	(void)unlink(tmp);	/* a leftover of a failed run */
	if ((rc = backup_to(r, tmp)) != 0)
		goto fail;
	fd = open(tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, mode) != 0 || fsync(fd) != 0) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		goto fail;
	}
	close(fd);
	if (rename(tmp, path) != 0) {
		rc = -errno;
		goto fail;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) != 0)
		rc = -errno;
	if (fd >= 0)
		close(fd);
	return rc;
fail:
	(void)unlink(tmp);
	return rc;
}

bool
tc_registry_changed(struct tc_registry *r)
{
	return r && r->db && sqlite3_total_changes(r->db) > 0;
}
