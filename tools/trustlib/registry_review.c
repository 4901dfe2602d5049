/*
 * registry_review.c - review decisions on photos (rule R7): the Trust's
 * own record of who approved or rejected which photo, for which
 * platforms, and when (see tc_trust_registry.h).
 *
 * Append-only, like the audit log: a photo's state is its newest row, so
 * the history a subject access request must show is never rewritten.
 * trust-server's ledger says what arrived; this table says what the
 * Trust decided about it.
 */
#include <string.h>

#include "registry_int.h"
#include "tc_io.h"

int
tc_registry_review_add(struct tc_registry *r, const char *device, const char *photo_id,
		       bool approved, const char *platforms)
{
	sqlite3_stmt *st;
	char user[96];
	int rc = registry_prepare(r, "INSERT INTO reviews (device, photo_id, decision, platforms,"
				     " reviewer, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st);

	if (rc != 0)
		return rc;
	registry_os_user(user, sizeof(user));
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, approved ? "approved" : "rejected", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, platforms ? platforms : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	return registry_exec_stmt(st);
}

static void
review_from(sqlite3_stmt *st, struct tc_reg_review *v)
{
	char decision[16];

	memset(v, 0, sizeof(*v));
	v->seq = sqlite3_column_int64(st, 0);
	registry_col_text(st, 1, v->device, sizeof(v->device));
	registry_col_text(st, 2, v->photo_id, sizeof(v->photo_id));
	registry_col_text(st, 3, decision, sizeof(decision));
	v->approved = strcmp(decision, "approved") == 0;
	registry_col_text(st, 4, v->platforms, sizeof(v->platforms));
	registry_col_text(st, 5, v->reviewer, sizeof(v->reviewer));
	v->time = sqlite3_column_int64(st, 6);
}

#define REVIEW_COLS "seq, device, photo_id, decision, platforms, reviewer, time"

int
tc_registry_review_last(struct tc_registry *r, const char *device, const char *photo_id,
			struct tc_reg_review *out)
{
	sqlite3_stmt *st;
	int rc = registry_prepare_kept(r, REG_KEPT_REVIEW_LAST, "SELECT " REVIEW_COLS " FROM reviews"
				       " WHERE device = ?1 AND photo_id = ?2 ORDER BY seq DESC LIMIT 1",
				       &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		review_from(st, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	registry_release(st);
	return rc;
}

int
tc_registry_review_foreach(struct tc_registry *r, const char *device, const char *photo_id,
			   tc_reg_review_fn fn, void *ctx)
{
	struct tc_reg_review v;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT " REVIEW_COLS " FROM reviews WHERE device = ?1"
				     " AND photo_id = ?2 ORDER BY seq", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		review_from(st, &v);
		if ((rc = fn(ctx, &v)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : registry_err(rc);
	sqlite3_finalize(st);
	return rc;
}
