/*
 * catalog.h - internal to firmware/store: the SQLite catalog.
 *
 * One table, photos, one row per photo ever committed (tombstones stay).
 * Tuned for a few thousand live rows among up to ~100k tombstones: the
 * (state, created_us) index keeps quota and unsynced queries to the live
 * rows.  Benchmarks and tests may call these directly; the daemons use
 * tc_store.h only.
 */
#ifndef TC_STORE_CATALOG_H
#define TC_STORE_CATALOG_H

#include <stddef.h>
#include <stdint.h>

#include "tc_store.h"

#define TC_CATALOG_VERSION 2	/* PRAGMA user_version this firmware writes */
#define TC_CATALOG_NAME "catalog.db"

struct sqlite3;
struct sqlite3_stmt;

/* Cached statements (catalog_rows.c). */
enum tc_catalog_stmt {
	CAT_INSERT, CAT_GET, CAT_TRANSITION, CAT_STATE, CAT_RECEIPT, CAT_GET_RECEIPT,
	CAT_USAGE, CAT_LIST, CAT_STATS, CAT_OLDEST, CAT_NSTMT
};

struct tc_catalog {
	struct sqlite3 *db;
	struct sqlite3_stmt *stmt[CAT_NSTMT];
	bool relaxed;		/* synchronous may not be FULL: restore before the next statement */
};

/*
 * Open (creating if missing) dir/catalog.db.  dirfd is the store
 * directory, already checked private; the file is pre-created 0600 and
 * checked (regular, ours, private) so SQLite's WAL and SHM inherit that
 * mode.  Migrates an older schema; TC_E_SCHEMA for a newer one.
 */
int tc_catalog_open(struct tc_catalog **out, int dirfd, const char *dir) TC_MUST_CHECK;
void tc_catalog_close(struct tc_catalog *c);

/*
 * This connection's commits synchronous=FULL (full) or NORMAL (not
 * synced; durable with the next synced commit of any connection, the WAL
 * being replayed in order), read back.  A connection left relaxed (by a
 * failed restore) is restored before its next row statement, or that
 * statement fails.
 */
int tc_catalog_sync_full(struct tc_catalog *c, bool full) TC_MUST_CHECK;

/* Insert r as given (state included).  TC_E_EXISTS if the id has a row. */
int tc_catalog_insert(struct tc_catalog *c, const struct tc_store_rec *r) TC_MUST_CHECK;
/* n rows in one transaction (benchmarks, tests). */
int tc_catalog_bulk_insert(struct tc_catalog *c, const struct tc_store_rec *r, size_t n)
	TC_MUST_CHECK;
int tc_catalog_get(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		   struct tc_store_rec *r) TC_MUST_CHECK;
/*
 * Move id to state to if its state is in from_mask.  TC_E_NOT_FOUND,
 * TC_E_STATE otherwise.  *prev (may be NULL) gets the state it left.
 */
int tc_catalog_transition(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
			  unsigned from_mask, enum tc_photo_state to, uint64_t now_us,
			  enum tc_photo_state *prev) TC_MUST_CHECK;
/*
 * uploading -> receipted, recording r (checked against the row); straight
 * to deleting (the delete intent, in the same transaction) if
 * r->delete_now.
 */
int tc_catalog_set_receipt(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
			   const struct tc_store_receipt *r, uint64_t now_us) TC_MUST_CHECK;
/* The state of id's row; TC_E_NOT_FOUND if it has none. */
int tc_catalog_state(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		     enum tc_photo_state *state) TC_MUST_CHECK;
/* Run sql (BEGIN IMMEDIATE, COMMIT: a batch in one transaction). */
int tc_catalog_exec(struct tc_catalog *c, const char *sql) TC_MUST_CHECK;
/* Roll back the open transaction, if a failed statement or COMMIT left one. */
void tc_catalog_rollback(struct tc_catalog *c);
int tc_catalog_get_receipt(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
			   uint8_t *buf, size_t cap, size_t *len) TC_MUST_CHECK;
/* Photos and bytes in TC_STORE_HELD states. */
int tc_catalog_usage(struct tc_catalog *c, uint64_t *photos, uint64_t *bytes) TC_MUST_CHECK;
int tc_catalog_list(struct tc_catalog *c, unsigned mask, tc_store_list_fn cb, void *ctx)
	TC_MUST_CHECK;
int tc_catalog_stats(struct tc_catalog *c, struct tc_store_stats *st) TC_MUST_CHECK;
/* PRAGMA wal_checkpoint(TRUNCATE): 0, or -EBUSY when busy != 0. */
int tc_catalog_checkpoint(struct tc_catalog *c) TC_MUST_CHECK;

/* A negative code for SQLite result rc (logs SQLite's message). */
int tc_catalog_err(struct tc_catalog *c, int rc, const char *what);

/* Fault-injection builds: the name of a VFS whose writes and syncs pass
 * through tc_fault_hit(); NULL (the default VFS) otherwise. */
const char *tc_catalog_vfs(void);

#endif /* TC_STORE_CATALOG_H */
