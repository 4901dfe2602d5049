/*
 * registry.c - opening the Trust registry (see tc_trust_registry.h):
 * safe file creation, connection settings, schema migrations,
 * transactions, meta values and the Trust's own audit log.
 *
 * Tuned for durability and for being read by two programs at once
 * (trustadm writing, trust-server reading): WAL, synchronous=FULL, a
 * busy timeout instead of failing on a lock, foreign keys enforced,
 * secure_delete so removed consent rows do not linger in free pages, and
 * a defensive connection.  Schema changes are numbered migrations keyed
 * by PRAGMA user_version, as in the device catalog.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry_int.h"
#include "tc_io.h"
#include "tc_trust_valid.h"

#define BUSY_MS 5000

/*
 * migrations[v] takes a registry from user_version v to v + 1.  Never
 * edit a shipped step: add one.
 *   v1: meta, devices, policies, staff, events, consent, audit (append-only).
 *   v2: reviews (append-only review decisions on photos the server holds).
 *   v3: consent.label, the roster's display labels ('' = none).
 *   v4: review_tags (append-only pupil tags a reviewer set on a photo).
 *   v5: text_checks (words detected in a photo: counts and boxes, never
 *       the text) and redactions (append-only areas to blur on export).
 */
static const char *const migrations[TC_REGISTRY_SCHEMA] = {
	"CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL) STRICT;"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" label TEXT NOT NULL,"
	" class TEXT NOT NULL CHECK (class IN ('trust-owned', 'approved')),"
	" status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),"
	" cert_pem TEXT NOT NULL,"
	" serial TEXT NOT NULL,"
	" enrolled INTEGER NOT NULL,"
	" revoked_at INTEGER,"
	" policy_version INTEGER NOT NULL DEFAULT 0 CHECK (policy_version >= 0),"
	" policy_expires INTEGER,"
	" last_sync INTEGER"
	") STRICT;"
	"CREATE TABLE policies ("
	" device_id TEXT NOT NULL REFERENCES devices(id),"
	" version INTEGER NOT NULL CHECK (version >= 1),"
	" issued INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" sha256 TEXT NOT NULL,"
	" PRIMARY KEY (device_id, version)"
	") STRICT;"
	"CREATE TABLE staff ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL,"
	" pin_hash TEXT NOT NULL,"
	" active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
	" added INTEGER NOT NULL,"
	" removed INTEGER"
	") STRICT;"
	"CREATE TABLE events ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" name TEXT NOT NULL,"
	" date TEXT NOT NULL CHECK (length(date) = 10)"
	") STRICT;"
	"CREATE TABLE consent ("
	" pupil TEXT PRIMARY KEY NOT NULL,"
	" platforms TEXT NOT NULL,"		/* ';'-separated, validated; '' = none */
	" imported INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE audit ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" time INTEGER NOT NULL,"
	" os_user TEXT NOT NULL,"
	" action TEXT NOT NULL,"
	" subject TEXT NOT NULL,"
	" detail TEXT NOT NULL"
	") STRICT;"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
	"INSERT INTO meta (key, value) VALUES ('schema_version', '1');",
	"CREATE TABLE reviews ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device TEXT NOT NULL,"
	" photo_id TEXT NOT NULL CHECK (length(photo_id) = 32),"
	" decision TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),"
	" platforms TEXT NOT NULL,"		/* ';'-separated, validated; '' = none */
	" reviewer TEXT NOT NULL,"
	" time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX reviews_by_photo ON reviews(device, photo_id, seq);"
	"CREATE TRIGGER reviews_no_update BEFORE UPDATE ON reviews"
	" BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;"
	"CREATE TRIGGER reviews_no_delete BEFORE DELETE ON reviews"
	" BEGIN SELECT RAISE(ABORT, 'review history is append-only'); END;"
	"UPDATE meta SET value = '2' WHERE key = 'schema_version';",
	("ALTER TABLE consent ADD COLUMN label TEXT NOT NULL DEFAULT '';"
	 "UPDATE meta SET value = '3' WHERE key = 'schema_version';"),
	"CREATE TABLE review_tags ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device TEXT NOT NULL,"
	" photo_id TEXT NOT NULL CHECK (length(photo_id) = 32),"
	" pupils TEXT NOT NULL,"		/* ';'-separated, validated; '' = none */
	" reviewer TEXT NOT NULL,"
	" time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX review_tags_by_photo ON review_tags(device, photo_id, seq);"
	"CREATE TRIGGER review_tags_no_update BEFORE UPDATE ON review_tags"
	" BEGIN SELECT RAISE(ABORT, 'review tags are append-only'); END;"
	"CREATE TRIGGER review_tags_no_delete BEFORE DELETE ON review_tags"
	" BEGIN SELECT RAISE(ABORT, 'review tags are append-only'); END;"
	"UPDATE meta SET value = '4' WHERE key = 'schema_version';",
	"CREATE TABLE text_checks ("
	" device TEXT NOT NULL,"
	" photo_id TEXT NOT NULL CHECK (length(photo_id) = 32),"
	" words INTEGER NOT NULL CHECK (words >= 0),"
	" boxes TEXT NOT NULL,"			/* 'x,y,w,h;...' in the photo's pixels */
	" width INTEGER NOT NULL CHECK (width > 0),"
	" height INTEGER NOT NULL CHECK (height > 0),"
	" time INTEGER NOT NULL,"
	" PRIMARY KEY (device, photo_id)"
	") STRICT;"
	"CREATE TABLE redactions ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device TEXT NOT NULL,"
	" photo_id TEXT NOT NULL CHECK (length(photo_id) = 32),"
	" boxes TEXT NOT NULL,"			/* as text_checks; '' = nothing to blur */
	" reviewer TEXT NOT NULL,"
	" time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX redactions_by_photo ON redactions(device, photo_id, seq);"
	"CREATE TRIGGER redactions_no_update BEFORE UPDATE ON redactions"
	" BEGIN SELECT RAISE(ABORT, 'redactions are append-only'); END;"
	"CREATE TRIGGER redactions_no_delete BEFORE DELETE ON redactions"
	" BEGIN SELECT RAISE(ABORT, 'redactions are append-only'); END;"
	"UPDATE meta SET value = '5' WHERE key = 'schema_version';",
};

int
registry_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_IOERR:
		return -EIO;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_CONSTRAINT:
		return (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) ?
			       TC_E_EXISTS : TC_E_CATALOG;
	default:
		return TC_E_CATALOG;
	}
}

int
registry_prepare(struct tc_registry *r, const char *sql, sqlite3_stmt **st)
{
	return registry_err(sqlite3_prepare_v2(r->db, sql, -1, st, NULL));
}

int
registry_prepare_kept(struct tc_registry *r, enum registry_kept which, const char *sql,
		      sqlite3_stmt **st)
{
	int rc = 0;

	if (!r->kept[which])
		rc = registry_err(sqlite3_prepare_v3(r->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
						     &r->kept[which], NULL));
	*st = r->kept[which];
	return rc;
}

void
registry_release(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

int
registry_exec_stmt(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	/* sqlite3_finalize repeats the step's extended error code. */
	if (rc != SQLITE_DONE)
		rc = sqlite3_finalize(st);
	else
		(void)sqlite3_finalize(st);
	return registry_err(rc);
}

void
registry_col_text(sqlite3_stmt *st, int col, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	tc_strlcpy(out, t ? (const char *)t : "", cap);
}

int
registry_changes(struct tc_registry *r)
{
	return sqlite3_changes(r->db);
}

const char *
tc_registry_errmsg(struct tc_registry *r)
{
	return r && r->db ? sqlite3_errmsg(r->db) : "no registry";
}

static int
exec(struct tc_registry *r, const char *sql)
{
	return registry_err(sqlite3_exec(r->db, sql, NULL, NULL, NULL));
}

int
registry_user_version(struct tc_registry *r, int *v)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "PRAGMA user_version", &st);

	if (rc != 0)
		return rc;
	rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : registry_err(rc);
}

/* Bring the schema from *v to the current version, one transaction per step. */
static int
migrate(struct tc_registry *r, int v)
{
	char sql[64];
	int rc;

	for (; v < TC_REGISTRY_SCHEMA; v++) {
		if ((rc = exec(r, "BEGIN IMMEDIATE")) != 0)
			return rc;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec(r, migrations[v])) != 0 || (rc = exec(r, sql)) != 0 ||
		    (rc = exec(r, "COMMIT")) != 0) {
			(void)exec(r, "ROLLBACK");
			return rc;
		}
	}
	return 0;
}

/* Create path empty and 0600, refusing one that exists (or is a symlink). */
static int
create_empty(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return errno == EEXIST ? TC_E_EXISTS : -errno;
	close(fd);
	return 0;
}

int
registry_connect(struct tc_registry **out, const char *path, int flags)
{
	struct tc_registry *r = tc_calloc(1, sizeof(*r));
	int rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	rc = sqlite3_open_v2(path, &r->db, flags | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		tc_registry_close(r);
		return rc == SQLITE_CANTOPEN ? -ENOENT : registry_err(rc);
	}
	sqlite3_extended_result_codes(r->db, 1);
	sqlite3_busy_timeout(r->db, BUSY_MS);
	(void)sqlite3_db_config(r->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(r->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	*out = r;
	return 0;
}

int
tc_registry_open(struct tc_registry **out, const char *dir, bool create)
{
	struct tc_registry *r;
	char path[4096];
	int rc, v = -1;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, TC_REGISTRY_FILE) >= sizeof(path))
		return -ENAMETOOLONG;
	if (create && (rc = create_empty(path)) != 0)
		return rc;
	if ((rc = registry_connect(&r, path, SQLITE_OPEN_READWRITE)) != 0)
		return rc;
	if ((rc = exec(r, "PRAGMA journal_mode = WAL")) != 0 ||
	    (rc = exec(r, "PRAGMA synchronous = FULL")) != 0 ||
	    (rc = exec(r, "PRAGMA foreign_keys = ON")) != 0 ||
	    (rc = exec(r, "PRAGMA secure_delete = ON")) != 0)
		goto fail;
	if ((rc = registry_user_version(r, &v)) != 0)
		goto fail;
	if (v > TC_REGISTRY_SCHEMA) {
		rc = TC_E_SCHEMA;
		goto fail;
	}
	/* An existing file with no schema is not a registry: never "upgrade" it. */
	if (v == 0 && !create) {
		rc = TC_E_CATALOG;
		goto fail;
	}
	if ((rc = migrate(r, v)) != 0)
		goto fail;
	*out = r;
	return 0;
fail:
	tc_registry_close(r);
	return rc;
}

void
tc_registry_close(struct tc_registry *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < REG_KEPT_N; i++)
		sqlite3_finalize(r->kept[i]);
	sqlite3_close_v2(r->db);
	tc_free(r);
}

int
tc_registry_begin(struct tc_registry *r)
{
	return exec(r, "BEGIN IMMEDIATE");
}

int
tc_registry_begin_read(struct tc_registry *r)
{
	return exec(r, "BEGIN DEFERRED");
}

int
tc_registry_commit(struct tc_registry *r)
{
	return exec(r, "COMMIT");
}

void
tc_registry_rollback(struct tc_registry *r)
{
	if (!sqlite3_get_autocommit(r->db))
		(void)exec(r, "ROLLBACK");
}

int
tc_registry_meta_get(struct tc_registry *r, const char *key, char *out, size_t cap)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT value FROM meta WHERE key = ?1", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		registry_col_text(st, 0, out, cap);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

int
tc_registry_meta_set(struct tc_registry *r, const char *key, const char *value)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "INSERT INTO meta (key, value) VALUES (?1, ?2)"
				     " ON CONFLICT (key) DO UPDATE SET value = excluded.value", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
	return registry_exec_stmt(st);
}

/* The name of uid into out, or "uid N". */
static void
uid_name(uid_t uid, char *out, size_t cap)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res)
		snprintf(out, cap, "%s", res->pw_name);
	else
		snprintf(out, cap, "uid %u", (unsigned)uid);
}

/* The login uid the kernel keeps for this session (audit's loginuid), or -1. */
static long long
login_uid(void)
{
	char buf[24];
	long long v = -1;
	FILE *f = fopen("/proc/self/loginuid", "re");

	if (f) {
		if (fgets(buf, sizeof(buf), f) && sscanf(buf, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v < 0 || v >= 4294967295LL ? -1 : v;
}

/*
 * The person acting, for the audit and review rows: the effective user,
 * and the real person behind it when that is someone else (trustadm(8),
 * AUDIT IDENTITY): "trustcam-admin (login alice)" from the session's
 * login uid, which the kernel sets at login and which sudo and runuser
 * keep; else "root (sudo alice)" from sudo's SUDO_USER; else "alice".
 */
void
registry_os_user(char *out, size_t cap)
{
	const char *sudo = getenv("SUDO_USER");
	uid_t uid = geteuid();
	long long login = login_uid();
	char who[64];
	size_t n;

	uid_name(uid, out, cap);
	n = strlen(out);
	if (login >= 0 && (uid_t)login != uid) {
		uid_name((uid_t)login, who, sizeof(who));
		snprintf(out + n, cap - n, " (login %s)", who);
	} else if (login < 0 && sudo && tc_trust_valid_id(sudo) && strlen(sudo) < 32 &&
		   strcmp(sudo, out) != 0) {
		snprintf(out + n, cap - n, " (sudo %s)", sudo);
	}
}

int
tc_registry_audit(struct tc_registry *r, const char *action, const char *subject,
		  const char *detail)
{
	sqlite3_stmt *st;
	char user[96];
	int rc = registry_prepare(r, "INSERT INTO audit (time, os_user, action, subject, detail)"
				     " VALUES (?1, ?2, ?3, ?4, ?5)", &st);

	if (rc != 0)
		return rc;
	registry_os_user(user, sizeof(user));
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	sqlite3_bind_text(st, 2, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, subject ? subject : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, detail ? detail : "", -1, SQLITE_STATIC);
	return registry_exec_stmt(st);
}

int
tc_registry_audit_foreach(struct tc_registry *r, unsigned limit, tc_reg_audit_fn fn, void *ctx)
{
	struct tc_reg_audit a;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT seq, time, os_user, action, subject, detail FROM"
				     " (SELECT * FROM audit ORDER BY seq DESC LIMIT ?1)"
				     " ORDER BY seq", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_int64(st, 1, limit ? (sqlite3_int64)limit : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&a, 0, sizeof(a));
		a.seq = sqlite3_column_int64(st, 0);
		a.time = sqlite3_column_int64(st, 1);
		registry_col_text(st, 2, a.os_user, sizeof(a.os_user));
		registry_col_text(st, 3, a.action, sizeof(a.action));
		registry_col_text(st, 4, a.subject, sizeof(a.subject));
		registry_col_text(st, 5, a.detail, sizeof(a.detail));
		if ((rc = fn(ctx, &a)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : registry_err(rc);
	sqlite3_finalize(st);
	return rc;
}
