/*
 * metaidx.c - the Trust-side metadata index (see tadm_metaidx.h): its
 * file, its schema, rebuilding it, and dropping entries the ledger no
 * longer lists.  The rows themselves: metaidx_row.c.
 *
 * Tuned for the steady state of `review list` and `sar` over 10,000
 * objects: one point query and one fstatat per object, no key exchange.
 * Each entry is written in its own (autocommit) transaction, WAL with
 * synchronous=NORMAL: a crash loses at most the last entries, which the
 * next run makes again from the objects, and never leaves a half row.
 * secure_delete, as the registry: dropped rows (pupil refs) do not
 * linger in free pages.
 *
 * Why an entry can be trusted: it is written only by trustadm, in the
 * Trust directory (0700, the administrators' user), after the object's
 * chunk 0 was authenticated with the photo key, and it is used only
 * while the object file (inode, size, mtime, ctime) and the ledger's row
 * (digest, size) are still those it was made from.  A row whose checksum
 * does not match, an unreadable file, another schema or a file that is
 * not a private file of ours is damage: said once, and the index is
 * rebuilt from the objects.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "metaidx_int.h"
#include "tc_daemon.h"
#include "tc_io.h"

#define IDX_SCHEMA 1
#define BUSY_MS 5000

static const char schema[] =
	"CREATE TABLE meta ("
	" device TEXT NOT NULL, photo_id TEXT NOT NULL,"
	" digest TEXT NOT NULL, size INTEGER NOT NULL,"		/* the ledger's row */
	" ino INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, ctime_ns INTEGER NOT NULL,"
	" event TEXT NOT NULL, staff TEXT NOT NULL, pupils TEXT NOT NULL, platforms TEXT NOT NULL,"
	" capture_us INTEGER NOT NULL, frame_seq INTEGER NOT NULL, width INTEGER NOT NULL,"
	" height INTEGER NOT NULL, sensor_mode TEXT NOT NULL, sum BLOB NOT NULL,"
	" PRIMARY KEY (device, photo_id)) WITHOUT ROWID;"
	"PRAGMA user_version = 1;";

static int
idx_exec(struct tadm_metaidx *ix, const char *sql)
{
	int rc = sqlite3_exec(ix->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : rc;
}

static void
idx_disconnect(struct tadm_metaidx *ix)
{
	if (ix->db && !sqlite3_get_autocommit(ix->db) && idx_exec(ix, "COMMIT") != 0)
		(void)idx_exec(ix, "ROLLBACK");
	sqlite3_finalize(ix->get);
	sqlite3_finalize(ix->put);
	sqlite3_finalize(ix->del);
	sqlite3_close_v2(ix->db);
	ix->get = ix->put = ix->del = NULL;
	ix->db = NULL;
}

/* Whether an SQLite result says the file is not a sound database. */
bool
metaidx_damage_rc(int rc)
{
	rc &= 0xff;
	return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_FORMAT;
}

static const char *
txt(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* Entries to drop, gathered first: rows are not deleted under a running SELECT. */
struct stale {
	struct { char device[TC_POLICY_ID_MAX], photo_id[2 * TC_PHOTO_ID_LEN + 1]; } *v;
	size_t n, cap;
};

static int
stale_add(struct stale *s, sqlite3_stmt *ii)
{
	void *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		if (!(nv = tc_realloc(s->v, s->cap * sizeof(*s->v))))
			return SQLITE_NOMEM;
		s->v = nv;
	}
	tc_strlcpy(s->v[s->n].device, txt(ii, 0), sizeof(s->v[s->n].device));
	tc_strlcpy(s->v[s->n].photo_id, txt(ii, 1), sizeof(s->v[s->n].photo_id));
	s->n++;
	return 0;
}

/*
 * The entries the ledger no longer lists, or lists with another digest,
 * into *s: both sides in (device, photo_id) order, one merge.  0, or
 * -EIO when the ledger could not be read (then the index is left as it
 * is), or an SQLite code of the index.
 */
static int
find_stale(struct tadm *a, struct tadm_metaidx *ix, struct stale *s)
{
	sqlite3_stmt *li = NULL, *ii = NULL;
	int lrc, irc, cmp, rc = 0;

	if (sqlite3_prepare_v2(a->ledger, "SELECT device, photo_id, digest FROM photos"
			       " ORDER BY device, photo_id", -1, &li, NULL) != SQLITE_OK)
		return -EIO;	/* the ledger's problem, said where it is read */
	if (sqlite3_prepare_v2(ix->db, "SELECT device, photo_id, digest FROM meta"
			       " ORDER BY device, photo_id", -1, &ii, NULL) != SQLITE_OK) {
		sqlite3_finalize(li);
		return sqlite3_extended_errcode(ix->db);
	}
	lrc = sqlite3_step(li);
	while (rc == 0 && (irc = sqlite3_step(ii)) == SQLITE_ROW) {
		cmp = 1;
		for (; lrc == SQLITE_ROW; lrc = sqlite3_step(li)) {
			cmp = strcmp(txt(li, 0), txt(ii, 0));
			if (cmp == 0)
				cmp = strcmp(txt(li, 1), txt(ii, 1));
			if (cmp >= 0)
				break;
		}
		if (cmp != 0 || strcmp(txt(li, 2), txt(ii, 2)) != 0)
			rc = stale_add(s, ii);
	}
	if (rc == 0 && irc != SQLITE_DONE)
		rc = sqlite3_extended_errcode(ix->db);
	if (rc == 0 && lrc != SQLITE_ROW && lrc != SQLITE_DONE)
		rc = -EIO;
	sqlite3_finalize(ii);
	sqlite3_finalize(li);
	return rc;
}

/*
 * Drop entries for photos the ledger no longer lists (or lists with
 * another digest).  Rows the ledger still lists stay even when not
 * looked up this run (review list reads only pending photos).  0 or an
 * SQLite code of the index; a ledger that cannot be read prunes nothing.
 */
static int
prune(struct tadm *a, struct tadm_metaidx *ix)
{
	struct stale s = { 0 };
	size_t i;
	int rc = find_stale(a, ix, &s);

	if (rc == -EIO)
		rc = 0;
	else if (rc == 0 && s.n && (rc = idx_exec(ix, "BEGIN IMMEDIATE")) == 0) {
		for (i = 0; rc == 0 && i < s.n; i++) {
			sqlite3_bind_text(ix->del, 1, s.v[i].device, -1, SQLITE_STATIC);
			sqlite3_bind_text(ix->del, 2, s.v[i].photo_id, -1, SQLITE_STATIC);
			if (sqlite3_step(ix->del) != SQLITE_DONE)
				rc = sqlite3_extended_errcode(ix->db);
			sqlite3_reset(ix->del);
		}
		sqlite3_clear_bindings(ix->del);
		if (rc == 0)
			rc = idx_exec(ix, "COMMIT");
		if (rc != 0)
			(void)idx_exec(ix, "ROLLBACK");
	}
	tc_free(s.v);
	return rc;
}

/*
 * Open (creating) the index file: 0, METAIDX_DAMAGED with why filled
 * (rebuild it), or another code (leave the index off).
 */
static int
idx_connect(struct tadm *a, struct tadm_metaidx *ix, char *why, size_t whycap)
{
	char path[4200];
	struct stat st;
	int fd, rc, v = -1;
	sqlite3_stmt *s;

	fd = openat(a->dirfd, TADM_METAIDX_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(why, whycap, "%s", errno == ELOOP ? "a symlink" : strerror(errno));
		return errno == ELOOP ? METAIDX_DAMAGED : -errno;
	}
	rc = fstat(fd, &st);
	close(fd);
	if (rc != 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077) ||
	    st.st_nlink != 1) {
		snprintf(why, whycap, "not a private file of user %s", tc_euser_name());
		return METAIDX_DAMAGED;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", a->dir, TADM_METAIDX_FILE) >=
	    sizeof(path))
		return -ENAMETOOLONG;
	if (sqlite3_open_v2(path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK)
		goto sqlerr;
	sqlite3_extended_result_codes(ix->db, 1);
	sqlite3_busy_timeout(ix->db, BUSY_MS);
	(void)sqlite3_db_config(ix->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	(void)sqlite3_db_config(ix->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (idx_exec(ix, "PRAGMA journal_mode = WAL") != 0 ||
	    idx_exec(ix, "PRAGMA synchronous = NORMAL") != 0 ||
	    idx_exec(ix, "PRAGMA secure_delete = ON") != 0 ||
	    sqlite3_prepare_v2(ix->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		goto sqlerr;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (v == 0 && (rc = idx_exec(ix, "BEGIN IMMEDIATE")) == 0) {
		/* Another trustadm may have made it meanwhile: look again inside the lock. */
		if (sqlite3_prepare_v2(ix->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
		    sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
		if (v == 0 && (rc = idx_exec(ix, schema)) == 0)
			v = IDX_SCHEMA;
		if (rc != 0 || (rc = idx_exec(ix, "COMMIT")) != 0) {
			(void)idx_exec(ix, "ROLLBACK");
			goto sqlerr;
		}
	}
	if (v != IDX_SCHEMA) {
		snprintf(why, whycap, "schema %d, this trustadm writes %d", v, IDX_SCHEMA);
		return METAIDX_DAMAGED;
	}
	if (sqlite3_prepare_v2(ix->db, "SELECT " METAIDX_COLS " FROM meta WHERE device = ?1"
			       " AND photo_id = ?2", -1, &ix->get, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db, "INSERT OR REPLACE INTO meta (device, photo_id, "
			       METAIDX_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
			       " ?11, ?12, ?13, ?14, ?15, ?16, ?17)", -1, &ix->put, NULL) !=
		    SQLITE_OK ||
	    sqlite3_prepare_v2(ix->db, "DELETE FROM meta WHERE device = ?1 AND photo_id = ?2", -1,
			       &ix->del, NULL) != SQLITE_OK ||
	    (rc = prune(a, ix)) != 0)
		goto sqlerr;
	return 0;
sqlerr:
	rc = ix->db ? sqlite3_extended_errcode(ix->db) : SQLITE_CANTOPEN;
	snprintf(why, whycap, "%s", ix->db ? sqlite3_errmsg(ix->db) : "cannot open");
	return metaidx_damage_rc(rc) ? METAIDX_DAMAGED : TC_E_CATALOG;
}

/* Remove the index file and its WAL; the directory is ours and private. */
static void
idx_remove(struct tadm *a)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char name[64];
	size_t i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		snprintf(name, sizeof(name), "%s%s", TADM_METAIDX_FILE, sfx[i]);
		(void)unlinkat(a->dirfd, name, 0);
	}
}

void
metaidx_rebuild(struct tadm *a, const char *why)
{
	struct tadm_metaidx *ix = a->idx;
	char why2[256];
	int rc;

	tadm_err(a, "the metadata index %s/%s is damaged (%s): rebuilding it from the sealed "
		 "objects", a->dir, TADM_METAIDX_FILE, why);
	idx_disconnect(ix);
	idx_remove(a);
	if ((rc = idx_connect(a, ix, why2, sizeof(why2))) != 0) {
		metaidx_off(a, why2);
		return;
	}
	if (ix->batch)
		(void)idx_exec(ix, "BEGIN DEFERRED");
}

void
metaidx_flush(struct tadm_metaidx *ix)
{
	if (!ix->batch || !ix->db)
		return;
	if (!sqlite3_get_autocommit(ix->db) && idx_exec(ix, "COMMIT") != 0)
		(void)idx_exec(ix, "ROLLBACK");
	ix->pending = 0;
	(void)idx_exec(ix, "BEGIN DEFERRED");
}

void
tadm_metaidx_begin(struct tadm *a)
{
	struct tadm_metaidx *ix = metaidx_open(a);

	if (!ix || ix->batch)
		return;
	ix->batch = true;
	ix->pending = 0;
	(void)idx_exec(ix, "BEGIN DEFERRED");
}

void
tadm_metaidx_end(struct tadm *a)
{
	struct tadm_metaidx *ix = a->idx;

	if (!ix || !ix->batch)
		return;
	if (ix->db && !sqlite3_get_autocommit(ix->db) && idx_exec(ix, "COMMIT") != 0)
		(void)idx_exec(ix, "ROLLBACK");
	ix->batch = false;
}

void
metaidx_off(struct tadm *a, const char *why)
{
	struct tadm_metaidx *ix = a->idx;

	tadm_err(a, "warning: the metadata index %s/%s: %s: reading each object's metadata "
		 "instead", a->dir, TADM_METAIDX_FILE, why);
	idx_disconnect(ix);
	ix->off = true;
}

struct tadm_metaidx *
metaidx_open(struct tadm *a)
{
	struct tadm_metaidx *ix = a->idx;
	char why[256];
	int rc;

	if (ix)
		return ix->off ? NULL : ix;
	if (!(ix = a->idx = tc_calloc(1, sizeof(*ix))))
		return NULL;
	if (a->dirfd < 0 || !a->ledger) {
		ix->off = true;	/* no Trust directory open: nothing to keep */
		return NULL;
	}
	rc = idx_connect(a, ix, why, sizeof(why));
	if (rc == METAIDX_DAMAGED)
		metaidx_rebuild(a, why);
	else if (rc != 0)
		metaidx_off(a, why);
	return ix->off ? NULL : ix;
}

void
tadm_metaidx_close(struct tadm *a)
{
	if (!a->idx)
		return;
	idx_disconnect(a->idx);
	tc_free(a->idx);
	a->idx = NULL;
}
