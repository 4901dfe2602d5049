/*
 * registry_int.h - what the registry's files (registry*.c) share: the
 * connection, statement helpers and SQLite-to-trustcam error mapping.
 */
#ifndef TC_REGISTRY_INT_H
#define TC_REGISTRY_INT_H

#include <sqlite3.h>

#include "tc_trust_registry.h"

/* Statements prepared once per connection: the reads review list and sar make per photo. */
enum registry_kept {
	REG_KEPT_REVIEW_LAST, REG_KEPT_TAGS_LAST, REG_KEPT_TEXTCHECK_GET, REG_KEPT_REDACTION_LAST,
	REG_KEPT_N
};

struct tc_registry {
	sqlite3 *db;
	sqlite3_stmt *kept[REG_KEPT_N];
};

/* 0 for OK/ROW/DONE; -EBUSY, -ENOSPC, -EIO, -ENOMEM, TC_E_EXISTS, TC_E_CATALOG. */
int registry_err(int sqlite_rc);
/* Prepare sql; 0 or a mapped error. */
int registry_prepare(struct tc_registry *r, const char *sql, sqlite3_stmt **st) TC_MUST_CHECK;
/*
 * The same for a statement kept for the connection's life (which names
 * it; sql is always the same for it): release it with registry_release,
 * never sqlite3_finalize.  Parsing a query costs more than running a
 * point lookup, and these run once per photo in the store.
 */
int registry_prepare_kept(struct tc_registry *r, enum registry_kept which, const char *sql,
			  sqlite3_stmt **st) TC_MUST_CHECK;
void registry_release(sqlite3_stmt *st);
/* Step st once expecting SQLITE_DONE, then finalize it; 0 or a mapped error. */
int registry_exec_stmt(sqlite3_stmt *st) TC_MUST_CHECK;
/* Column text into out (cap bytes, always terminated; NULL reads as ""). */
void registry_col_text(sqlite3_stmt *st, int col, char *out, size_t cap);
/* The OS user acting: "alice", or "root (sudo alice)"; for audit and review rows. */
void registry_os_user(char *out, size_t cap);
/* Open the database at path (flags: SQLITE_OPEN_*; never a symlink) with
 * the registry's connection settings (busy timeout, defensive, untrusted
 * schema); 0, -ENOENT or a mapped error. */
int registry_connect(struct tc_registry **out, const char *path, int flags) TC_MUST_CHECK;
/* PRAGMA user_version into *v; 0 or a mapped error. */
int registry_user_version(struct tc_registry *r, int *v) TC_MUST_CHECK;
/*
 * The append-only per-photo tables (review_tags, redactions) share one
 * shape: seq, device, photo_id, one text column, reviewer (the OS user),
 * time.  table and column are this library's constants, never input.
 */
int registry_append_row(struct tc_registry *r, const char *table, const char *column,
			const char *device, const char *photo_id, const char *value) TC_MUST_CHECK;
struct registry_row {
	int64_t *seq, *time;
	char *value;
	size_t value_cap;
	char *reviewer;
	size_t reviewer_cap;
};
/* The newest row of a photo into out's buffers (a kept statement); TC_E_NOT_FOUND: none. */
int registry_last_row(struct tc_registry *r, enum registry_kept which, const char *table,
		      const char *column, const char *device, const char *photo_id,
		      struct registry_row *out) TC_MUST_CHECK;
/* Rows changed by the last statement. */
int registry_changes(struct tc_registry *r);

#endif /* TC_REGISTRY_INT_H */
