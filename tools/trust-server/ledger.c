/*
 * ledger.c - the server's ledger (DATA_DIR/ledger.db, SQLite): one row
 * per photo received, the receipt signed for it, each device's totals and
 * the audit chain position the server holds for it.
 *
 * Tuned for "a receipt never outlives a crash": WAL with synchronous=FULL
 * (a COMMIT is on disk when it returns), and the receipt is signed inside
 * the same transaction as its row, so it names the row's own sequence and
 * is stored with it; re-uploads get those very bytes back.  One
 * connection under a mutex: commits serialise in SQLite anyway, and each
 * is a few small rows.  trustadm (review, devices) reads and updates the
 * same file; migrations follow PRAGMA user_version, as in the catalog.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "server.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

#define LEDGER_NAME "ledger.db"
#define LEDGER_VERSION 3
#define BUSY_MS 5000

/*
 * migrations[v] takes the ledger from user_version v to v + 1; never edit
 * a shipped step.  v1: photos, devices, audit_segments.  v2: photos by id
 * alone (a photo id belongs to one device: ledger_owner).  v3: what
 * firmware each device said it runs (ledger_device_firmware, issue 17).
 */
static const char *const migrations[LEDGER_VERSION] = {
	"CREATE TABLE photos ("
	" seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	" device TEXT NOT NULL,"
	" photo_id TEXT NOT NULL CHECK (length(photo_id) = 32),"
	" digest TEXT NOT NULL CHECK (length(digest) = 64),"
	" size INTEGER NOT NULL CHECK (size > 0),"
	" received_us INTEGER NOT NULL,"
	" state TEXT NOT NULL DEFAULT 'pending_review'"
	"  CHECK (state IN ('pending_review', 'approved', 'rejected')),"
	" receipt BLOB NOT NULL,"
	" UNIQUE (device, photo_id)"
	") STRICT;"
	"CREATE INDEX photos_by_state ON photos(state, seq);"
	"CREATE TABLE devices ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" photos INTEGER NOT NULL DEFAULT 0,"
	" bytes INTEGER NOT NULL DEFAULT 0,"
	" last_upload_us INTEGER,"
	" audit_seq INTEGER NOT NULL DEFAULT 0,"
	" audit_hash BLOB,"
	" audit_us INTEGER"
	") STRICT;"
	"CREATE TABLE audit_segments ("
	" device TEXT NOT NULL,"
	" first_seq INTEGER NOT NULL,"
	" last_seq INTEGER NOT NULL,"
	" count INTEGER NOT NULL,"
	" received_us INTEGER NOT NULL,"
	" file TEXT NOT NULL,"
	" PRIMARY KEY (device, first_seq)"
	") STRICT;",
	"CREATE INDEX photos_by_id ON photos(photo_id);",
	"ALTER TABLE devices ADD COLUMN firmware TEXT;"
	"ALTER TABLE devices ADD COLUMN firmware_release INTEGER;"
	"ALTER TABLE devices ADD COLUMN firmware_us INTEGER;",
};

struct ledger {
	pthread_mutex_t lock;
	sqlite3 *db;
};

static int
map(struct ledger *l, int rc, const char *what)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return 0;
	case SQLITE_CONSTRAINT:
		return TC_E_EXISTS;
	case SQLITE_FULL:
		rc = -ENOSPC;
		break;
	case SQLITE_NOMEM:
		rc = -ENOMEM;
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		rc = -EBUSY;
		break;
	default:
		rc = (rc & 0xff) == SQLITE_IOERR ? -EIO : TC_E_CATALOG;
		break;
	}
	tc_err("ledger: %s: %s", what, sqlite3_errmsg(l->db));
	return rc;
}

static int
exec(struct ledger *l, const char *sql)
{
	return map(l, sqlite3_exec(l->db, sql, NULL, NULL, NULL), sql);
}

static int
migrate(struct ledger *l)
{
	sqlite3_stmt *st;
	char sql[64];
	int v = -1, rc;

	if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return map(l, sqlite3_errcode(l->db), "user_version");
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v < 0 || v > LEDGER_VERSION) {
		tc_err("ledger: schema version %d is not one this build knows", v);
		return TC_E_SCHEMA;
	}
	for (; v < LEDGER_VERSION; v++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if ((rc = exec(l, "BEGIN IMMEDIATE")) != 0)
			return rc;
		if ((rc = exec(l, migrations[v])) != 0 || (rc = exec(l, sql)) != 0 ||
		    (rc = exec(l, "COMMIT")) != 0) {
			(void)sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
			return rc;
		}
	}
	return 0;
}

int
ledger_open(struct ledger **out, int data_fd, const char *data_dir)
{
	struct ledger *l;
	char path[4096];
	int fd, rc;

	*out = NULL;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", data_dir, LEDGER_NAME) >= sizeof(path))
		return -ENAMETOOLONG;
	/* Created here 0640 and not a symlink; SQLite gives its WAL the same mode. */
	fd = tc_openat(data_fd, LEDGER_NAME, O_RDWR | O_CREAT);
	if (fd < 0)
		return fd;
	if (fchmod(fd, 0640) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	close(fd);
	l = tc_calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	rc = sqlite3_open_v2(path, &l->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		rc = TC_E_CATALOG;
		goto fail;
	}
	sqlite3_extended_result_codes(l->db, 1);
	sqlite3_busy_timeout(l->db, BUSY_MS);
	(void)sqlite3_db_config(l->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(l->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if ((rc = exec(l, "PRAGMA journal_mode = WAL")) != 0 ||
	    (rc = exec(l, "PRAGMA synchronous = FULL")) != 0 || (rc = migrate(l)) != 0)
		goto fail;
	*out = l;
	return 0;
fail:
	ledger_close(l);
	return rc;
}

void
ledger_close(struct ledger *l)
{
	if (!l)
		return;
	sqlite3_close_v2(l->db);
	pthread_mutex_destroy(&l->lock);
	tc_free(l);
}

static int
prepare(struct ledger *l, const char *sql, sqlite3_stmt **st)
{
	return map(l, sqlite3_prepare_v2(l->db, sql, -1, st, NULL), sql);
}

/* Row of (device, hex) into *out; caller holds the lock. */
static int
find_locked(struct ledger *l, const char *dev, const char *hex, struct ledger_photo *out)
{
	sqlite3_stmt *st;
	const void *blob;
	int rc = prepare(l, "SELECT seq, size, received_us, digest, receipt FROM photos"
			    " WHERE device = ?1 AND photo_id = ?2", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *dg = sqlite3_column_text(st, 3);
		int blen = sqlite3_column_bytes(st, 4);

		blob = sqlite3_column_blob(st, 4);
		out->seq = (uint64_t)sqlite3_column_int64(st, 0);
		out->size = (uint64_t)sqlite3_column_int64(st, 1);
		out->received_us = (uint64_t)sqlite3_column_int64(st, 2);
		if (!dg || tc_hex_decode((const char *)dg, out->digest, TC_SHA256_LEN) != 0 ||
		    !blob || blen <= 0 || (size_t)blen > sizeof(out->receipt)) {
			rc = TC_E_CATALOG;
		} else {
			memcpy(out->receipt, blob, (size_t)blen);
			out->receipt_len = (size_t)blen;
			rc = 0;
		}
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : map(l, rc, "find");
	}
	sqlite3_finalize(st);
	return rc;
}

int
ledger_find(struct ledger *l, const char *dev, const char *hex, struct ledger_photo *out)
{
	int rc;

	pthread_mutex_lock(&l->lock);
	rc = find_locked(l, dev, hex, out);
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_has(struct ledger *l, const char *dev, const char *hex)
{
	struct ledger_photo p;
	int rc = ledger_find(l, dev, hex, &p);

	return rc == 0 ? 1 : rc == TC_E_NOT_FOUND ? 0 : rc;
}

int
ledger_owner(struct ledger *l, const char *dev, const char *hex, char other[SRV_ID_MAX])
{
	sqlite3_stmt *st;
	const unsigned char *d;
	int rc;

	other[0] = '\0';
	pthread_mutex_lock(&l->lock);
	rc = prepare(l, "SELECT device FROM photos WHERE photo_id = ?2 AND device != ?1 LIMIT 1",
		     &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW && (d = sqlite3_column_text(st, 0)) != NULL) {
			tc_strlcpy(other, (const char *)d, SRV_ID_MAX);
			rc = 1;
		} else {
			rc = rc == SQLITE_DONE ? 0 : map(l, rc, "owner");
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_device_bytes(struct ledger *l, const char *dev, uint64_t *bytes)
{
	sqlite3_stmt *st;
	int rc;

	*bytes = 0;
	pthread_mutex_lock(&l->lock);
	rc = prepare(l, "SELECT bytes FROM devices WHERE id = ?1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			*bytes = (uint64_t)sqlite3_column_int64(st, 0);
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : map(l, rc, "device bytes");
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

static int
step_done(struct ledger *l, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);

	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : map(l, rc, what);
}

static int
insert_locked(struct ledger *l, const char *dev, const char *hex, const uint8_t *photo_id,
	      const uint8_t digest[TC_SHA256_LEN], uint64_t size, const uint8_t *key,
	      struct ledger_photo *out)
{
	struct tc_receipt r;
	sqlite3_stmt *st;
	char dhex[2 * TC_SHA256_LEN + 1];
	uint64_t now = tc_time_wall_us();
	int rc;

	tc_hex_encode(digest, TC_SHA256_LEN, dhex);
	if ((rc = prepare(l, "INSERT INTO photos (device, photo_id, digest, size, received_us,"
			     " receipt) VALUES (?1, ?2, ?3, ?4, ?5, x'00')", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, dhex, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	if ((rc = step_done(l, st, "insert photo")) != 0)
		return rc;

	memset(&r, 0, sizeof(r));
	tc_strlcpy(r.device_id, dev, sizeof(r.device_id));
	memcpy(r.photo_id, photo_id, TC_PHOTO_ID_LEN);
	memcpy(r.digest, digest, TC_SHA256_LEN);
	r.size = size;
	r.ledger_seq = (uint64_t)sqlite3_last_insert_rowid(l->db);
	r.server_time_us = now;
	if ((rc = tc_receipt_sign(&r, key, out->receipt, &out->receipt_len)) != 0)
		return rc;
	out->seq = r.ledger_seq;
	out->size = size;
	out->received_us = now;
	memcpy(out->digest, digest, TC_SHA256_LEN);

	if ((rc = prepare(l, "UPDATE photos SET receipt = ?1 WHERE seq = ?2", &st)) != 0)
		return rc;
	sqlite3_bind_blob(st, 1, out->receipt, (int)out->receipt_len, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)r.ledger_seq);
	if ((rc = step_done(l, st, "store receipt")) != 0)
		return rc;
	if ((rc = prepare(l, "INSERT INTO devices (id, photos, bytes, last_upload_us)"
			     " VALUES (?1, 1, ?2, ?3) ON CONFLICT (id) DO UPDATE SET"
			     " photos = photos + 1, bytes = bytes + excluded.bytes,"
			     " last_upload_us = excluded.last_upload_us", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)size);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
	return step_done(l, st, "device totals");
}

int
ledger_commit(struct ledger *l, const char *dev, const char *hex, const uint8_t *photo_id,
	      const uint8_t digest[TC_SHA256_LEN], uint64_t size, const uint8_t *receipt_key,
	      struct ledger_photo *out)
{
	int rc;

	pthread_mutex_lock(&l->lock);
	if ((rc = exec(l, "BEGIN IMMEDIATE")) != 0)
		goto out;
	rc = find_locked(l, dev, hex, out);
	if (rc == 0) {
		rc = TC_E_EXISTS;
		goto rollback;
	}
	if (rc != TC_E_NOT_FOUND)
		goto rollback;
	if ((rc = insert_locked(l, dev, hex, photo_id, digest, size, receipt_key, out)) != 0)
		goto rollback;
	tc_fault_point("server.ledger.before_commit");
	if ((rc = exec(l, "COMMIT")) != 0)
		goto rollback;
	tc_fault_point("server.ledger.committed");
	goto out;
rollback:
	(void)sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_audit_head(struct ledger *l, const char *dev, uint64_t *seq, uint8_t hash[TC_SHA256_LEN])
{
	sqlite3_stmt *st;
	int rc;

	*seq = 0;
	memset(hash, 0, TC_SHA256_LEN);
	pthread_mutex_lock(&l->lock);
	rc = prepare(l, "SELECT audit_seq, audit_hash FROM devices WHERE id = ?1", &st);
	if (rc == 0) {
		sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*seq = (uint64_t)sqlite3_column_int64(st, 0);
			if (*seq > 0) {
				if (sqlite3_column_bytes(st, 1) == TC_SHA256_LEN)
					memcpy(hash, sqlite3_column_blob(st, 1), TC_SHA256_LEN);
				else
					rc = SQLITE_CORRUPT;
			}
		}
		rc = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : map(l, rc, "audit head");
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_audit_advance(struct ledger *l, const char *dev, uint64_t first, uint64_t last,
		     uint64_t count, const uint8_t hash[TC_SHA256_LEN], const char *file)
{
	sqlite3_stmt *st;
	uint64_t now = tc_time_wall_us();
	int rc;

	pthread_mutex_lock(&l->lock);
	if ((rc = exec(l, "BEGIN IMMEDIATE")) != 0)
		goto out;
	if ((rc = prepare(l, "INSERT INTO devices (id, audit_seq, audit_hash, audit_us)"
			     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
			     " audit_seq = excluded.audit_seq, audit_hash = excluded.audit_hash,"
			     " audit_us = excluded.audit_us", &st)) != 0)
		goto rollback;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)last);
	sqlite3_bind_blob(st, 3, hash, TC_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)now);
	if ((rc = step_done(l, st, "audit head")) != 0)
		goto rollback;
	if ((rc = prepare(l, "INSERT OR REPLACE INTO audit_segments (device, first_seq, last_seq,"
			     " count, received_us, file) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st)) != 0)
		goto rollback;
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)first);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)last);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)count);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)now);
	sqlite3_bind_text(st, 6, file, -1, SQLITE_STATIC);
	if ((rc = step_done(l, st, "audit segment")) != 0 || (rc = exec(l, "COMMIT")) != 0)
		goto rollback;
	goto out;
rollback:
	(void)sqlite3_exec(l->db, "ROLLBACK", NULL, NULL, NULL);
out:
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_device_firmware(struct ledger *l, const char *dev, const char *version, uint64_t release)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&l->lock);
	if ((rc = prepare(l, "INSERT INTO devices (id, firmware, firmware_release, firmware_us)"
			     " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET"
			     " firmware = excluded.firmware, firmware_release ="
			     " excluded.firmware_release, firmware_us = excluded.firmware_us",
			     &st)) == 0) {
		sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
		if (release)
			sqlite3_bind_int64(st, 3, (sqlite3_int64)release);
		sqlite3_bind_int64(st, 4, (sqlite3_int64)tc_time_wall_us());
		rc = step_done(l, st, "device firmware");
	}
	pthread_mutex_unlock(&l->lock);
	return rc;
}

int
ledger_foreach(struct ledger *l, ledger_photo_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	int rc;

	pthread_mutex_lock(&l->lock);
	rc = prepare(l, "SELECT device, photo_id, size FROM photos ORDER BY seq", &st);
	while (rc == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *dev = (const char *)sqlite3_column_text(st, 0);
		const char *hex = (const char *)sqlite3_column_text(st, 1);

		rc = fn(ctx, dev ? dev : "", hex ? hex : "", (uint64_t)sqlite3_column_int64(st, 2));
	}
	if (rc == SQLITE_DONE)
		rc = 0;
	else if (rc > 0)
		rc = map(l, rc, "walk");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&l->lock);
	return rc;
}
