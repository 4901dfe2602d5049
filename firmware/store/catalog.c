/*
 * catalog.c - opening the SQLite catalog: safe file checks, connection
 * settings, schema migrations, WAL truncation.
 *
 * Tuned for durability over speed: WAL with synchronous=FULL (a commit
 * survives power loss), secure_delete (freed pages are zeroed), a
 * defensive connection that cannot be talked into writing its schema.
 * Schema changes are numbered migrations keyed by PRAGMA user_version; a
 * fresh catalog runs them all, so new and upgraded catalogs are identical.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "catalog.h"
#include "tc_io.h"
#include "tc_log.h"

#define CAT_BUSY_MS 5000

/*
 * migrations[v] takes a catalog from user_version v to v + 1.  Never edit
 * a shipped step: add one.
 *   v1: the initial layout (ids, sizes, digests, states, times).
 *   v2: receipts (ledger sequence, server time, signed blob) kept with the
 *       row and its tombstone, the time of the last state change, and an
 *       index so quota and unsynced queries read only live rows.
 */
static const char *const migrations[TC_CATALOG_VERSION] = {
	"CREATE TABLE photos ("
	" id BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16),"
	" state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 8),"
	" size INTEGER NOT NULL CHECK (size >= 0),"
	" digest BLOB NOT NULL CHECK (typeof(digest) = 'blob' AND length(digest) = 32),"
	" created_us INTEGER NOT NULL,"
	" stored_us INTEGER NOT NULL"
	") WITHOUT ROWID;",

	"ALTER TABLE photos ADD COLUMN state_us INTEGER NOT NULL DEFAULT 0;"
	"UPDATE photos SET state_us = stored_us;"
	"ALTER TABLE photos ADD COLUMN receipt_seq INTEGER;"
	"ALTER TABLE photos ADD COLUMN receipt_time_us INTEGER;"
	"ALTER TABLE photos ADD COLUMN receipt BLOB"
	" CHECK (receipt IS NULL OR length(receipt) BETWEEN 1 AND 4096);"
	"CREATE INDEX photos_by_state ON photos(state, created_us);",
};

int
tc_catalog_err(struct tc_catalog *c, int rc, const char *what)
{
	int code;

	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_NOMEM:
		code = -ENOMEM;
		break;
	case SQLITE_FULL:
		code = -ENOSPC;
		break;
	case SQLITE_IOERR:
		code = -EIO;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = -EBUSY;
		break;
	case SQLITE_CONSTRAINT:
		code = rc == SQLITE_CONSTRAINT_PRIMARYKEY ? TC_E_EXISTS : TC_E_CATALOG;
		break;
	default:
		code = TC_E_CATALOG;
		break;
	}
	tc_warn("store: catalog %s: %s (%d)", what,
		c && c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc), rc);
	return code;
}

/* Refuse a catalog, WAL, SHM or journal that is a symlink, not ours, or not private. */
static int
check_file(int dirfd, const char *name, int must_exist)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return (errno == ENOENT && !must_exist) ? 0 : -errno;
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		tc_err("store: %s is not a private regular file", name);
		return TC_E_UNSAFE_PATH;
	}
	return 0;
}

/*
 * Create catalog.db with 0600 (so SQLite gives its WAL and SHM the same
 * mode), without ever opening an existing one.  POSIX advisory locks
 * belong to the process and close() of ANY descriptor of the file drops
 * them all: opening and closing a catalog another connection of this
 * process has open would silently release that connection's locks, and
 * another process's clean close would then take itself for the last
 * connection and unlink the WAL under it (two catalogs from then on).
 * O_EXCL means the descriptor closed here is always of a file this call
 * made; the mutex keeps a second thread from opening that new file
 * through SQLite before it is closed.
 */
static pthread_mutex_t precreate_mu = PTHREAD_MUTEX_INITIALIZER;

static int
precreate(int dirfd)
{
	static const char *const side[] = {
		TC_CATALOG_NAME "-wal", TC_CATALOG_NAME "-shm", TC_CATALOG_NAME "-journal",
	};
	size_t i;
	int fd, rc;

	for (i = 0; i < sizeof(side) / sizeof(side[0]); i++)
		if ((rc = check_file(dirfd, side[i], 0)) != 0)
			return rc;
	pthread_mutex_lock(&precreate_mu);
	fd = tc_openat(dirfd, TC_CATALOG_NAME, O_RDWR | O_CREAT | O_EXCL);
	if (fd >= 0)
		close(fd);
	pthread_mutex_unlock(&precreate_mu);
	if (fd < 0 && fd != -EEXIST)
		return fd;
	return check_file(dirfd, TC_CATALOG_NAME, 1);
}

static int
pragma_text(struct tc_catalog *c, const char *sql, char *out, size_t outlen)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	out[0] = '\0';
	rc = sqlite3_prepare_v2(c->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if ((t = sqlite3_column_text(st, 0)) != NULL)
			tc_strlcpy(out, (const char *)t, outlen);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
out:
	sqlite3_finalize(st);
	return rc == SQLITE_OK ? 0 : tc_catalog_err(c, rc, sql);
}

/* Set and read back one setting: a pragma SQLite ignores must not pass silently. */
static int
pragma_expect(struct tc_catalog *c, const char *set, const char *get, const char *want)
{
	char got[32];
	int rc;

	if ((rc = pragma_text(c, set, got, sizeof(got))) != 0)
		return rc;
	if ((rc = pragma_text(c, get, got, sizeof(got))) != 0)
		return rc;
	if (strcmp(got, want) != 0) {
		tc_err("store: catalog %s gave %s, want %s", get, got, want);
		return TC_E_CATALOG;
	}
	return 0;
}

static int
configure(struct tc_catalog *c)
{
	int rc, on = -1;

	rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on);
	if (rc != SQLITE_OK || on != 1)
		return tc_catalog_err(c, rc != SQLITE_OK ? rc : SQLITE_ERROR, "defensive");
	rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on);
	if (rc != SQLITE_OK || on != 0)
		return tc_catalog_err(c, rc != SQLITE_OK ? rc : SQLITE_ERROR, "trusted_schema");
	if ((rc = sqlite3_busy_timeout(c->db, CAT_BUSY_MS)) != SQLITE_OK)
		return tc_catalog_err(c, rc, "busy_timeout");
	if ((rc = pragma_expect(c, "PRAGMA journal_mode=WAL", "PRAGMA journal_mode", "wal")) ||
	    (rc = pragma_expect(c, "PRAGMA synchronous=FULL", "PRAGMA synchronous", "2")) ||
	    (rc = pragma_expect(c, "PRAGMA secure_delete=ON", "PRAGMA secure_delete", "1")) ||
	    (rc = pragma_expect(c, "PRAGMA foreign_keys=ON", "PRAGMA foreign_keys", "1")) ||
	    (rc = pragma_expect(c, "PRAGMA trusted_schema=OFF", "PRAGMA trusted_schema", "0")))
		return rc;
	return 0;
}

int
tc_catalog_sync_full(struct tc_catalog *c, bool full)
{
	int rc = pragma_expect(c, full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
			       "PRAGMA synchronous", full ? "2" : "1");

	/* A failed relax may have half-happened: restore before the next statement all the same. */
	c->relaxed = rc == 0 ? !full : true;
	return rc;
}

int
tc_catalog_exec(struct tc_catalog *c, const char *sql)
{
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : tc_catalog_err(c, rc, "exec");
}

void
tc_catalog_rollback(struct tc_catalog *c)
{
	if (!sqlite3_get_autocommit(c->db))
		sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

/* Bring the schema to TC_CATALOG_VERSION in one transaction. */
static int
migrate(struct tc_catalog *c)
{
	char buf[32];
	uint64_t ver;
	int rc;

	if ((rc = tc_catalog_exec(c, "BEGIN IMMEDIATE")) != 0)
		return rc;
	if ((rc = pragma_text(c, "PRAGMA user_version", buf, sizeof(buf))) != 0)
		goto fail;
	if (tc_parse_u64(buf, 0, INT32_MAX, &ver) != 0) {
		rc = TC_E_CATALOG;
		goto fail;
	}
	if (ver > TC_CATALOG_VERSION) {
		tc_err("store: catalog schema v%llu is newer than this firmware's v%d",
		       (unsigned long long)ver, TC_CATALOG_VERSION);
		rc = TC_E_SCHEMA;
		goto fail;
	}
	if (ver == TC_CATALOG_VERSION)
		return tc_catalog_exec(c, "COMMIT");
	if (ver > 0)
		tc_info("store: migrating catalog from v%llu to v%d", (unsigned long long)ver,
			TC_CATALOG_VERSION);
	for (; ver < TC_CATALOG_VERSION; ver++)
		if ((rc = tc_catalog_exec(c, migrations[ver])) != 0)
			goto fail;
	snprintf(buf, sizeof(buf), "PRAGMA user_version=%d", TC_CATALOG_VERSION);
	if ((rc = tc_catalog_exec(c, buf)) != 0 || (rc = tc_catalog_exec(c, "COMMIT")) != 0)
		goto fail;
	return 0;
fail:
	tc_catalog_rollback(c);
	return rc;
}

int
tc_catalog_open(struct tc_catalog **out, int dirfd, const char *dir)
{
	struct tc_catalog *c;
	char path[PATH_MAX];
	int rc, n;

	*out = NULL;
	n = snprintf(path, sizeof(path), "%s/%s", dir, TC_CATALOG_NAME);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if ((rc = precreate(dirfd)) != 0)
		return rc;
	if ((c = tc_calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &c->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX,
			     tc_catalog_vfs());
	if (rc != SQLITE_OK) {
		rc = tc_catalog_err(c, rc, "open");
		goto fail;
	}
	sqlite3_extended_result_codes(c->db, 1);
	if ((rc = configure(c)) != 0 || (rc = migrate(c)) != 0)
		goto fail;
	*out = c;
	return 0;
fail:
	tc_catalog_close(c);
	return rc;
}

void
tc_catalog_close(struct tc_catalog *c)
{
	int i;

	if (!c)
		return;
	for (i = 0; i < CAT_NSTMT; i++)
		sqlite3_finalize(c->stmt[i]);
	/* The last connection to close checkpoints and removes the WAL. */
	if (c->db && sqlite3_close(c->db) != SQLITE_OK) {
		tc_warn("store: catalog close: %s", sqlite3_errmsg(c->db));
		sqlite3_close_v2(c->db);
	}
	tc_free(c);
}

int
tc_catalog_checkpoint(struct tc_catalog *c)
{
	sqlite3_stmt *st = NULL;
	int rc, busy = 1;

	rc = sqlite3_prepare_v2(c->db, "PRAGMA wal_checkpoint(TRUNCATE)", -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		busy = sqlite3_column_int(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return tc_catalog_err(c, rc, "wal_checkpoint");
	if (busy != 0) {
		tc_warn("store: WAL checkpoint busy: another connection holds a read");
		return -EBUSY;
	}
	return 0;
}
