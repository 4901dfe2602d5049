/*
 * catalog_rows.c - the catalog's row operations.
 *
 * Every statement is prepared once per connection and cached.  Writes
 * are single statements in autocommit mode (each its own durable
 * transaction) except the bulk insert.  Rows read back are checked
 * (blob lengths, state range) so a damaged catalog fails loudly with
 * TC_E_CATALOG rather than handing out garbage.
 */
#include <errno.h>
#include <string.h>

#include <sqlite3.h>

#include "catalog.h"
#include "tc_io.h"
#include "tc_log.h"

#define COLS "id, state, size, digest, created_us, stored_us, state_us, " \
	"coalesce(receipt_seq, 0), coalesce(receipt_time_us, 0)"

static const char *const sql[CAT_NSTMT] = {
	[CAT_INSERT] = "INSERT INTO photos (id, state, size, digest, created_us, stored_us,"
		" state_us) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[CAT_GET] = "SELECT " COLS " FROM photos WHERE id = ?1",
	[CAT_TRANSITION] = "UPDATE photos SET state = ?2, state_us = ?3"
		" WHERE id = ?1 AND ((1 << state) & ?4) != 0",
	[CAT_STATE] = "SELECT state FROM photos WHERE id = ?1",
	[CAT_RECEIPT] = "UPDATE photos SET state = ?8, state_us = ?2, receipt_seq = ?3,"
		" receipt_time_us = ?4, receipt = ?5"
		" WHERE id = ?1 AND state = 2 AND digest = ?6 AND size = ?7",
	[CAT_GET_RECEIPT] = "SELECT receipt FROM photos WHERE id = ?1",
	[CAT_USAGE] = "SELECT count(*), total(size) FROM photos WHERE state BETWEEN 1 AND 5",
	/* The BETWEEN bounds let the state index narrow the scan; the mask picks states. */
	[CAT_LIST] = "SELECT " COLS " FROM photos WHERE state BETWEEN ?1 AND ?2"
		" AND ((1 << state) & ?3) != 0 ORDER BY created_us, id",
	[CAT_STATS] = "SELECT state, count(*), total(size) FROM photos GROUP BY state",
	[CAT_OLDEST] = "SELECT min(created_us) FROM photos WHERE state BETWEEN 1 AND 2",
};

/* The cached statement idx, reset and unbound; NULL and *rc set on failure. */
static sqlite3_stmt *
stmt(struct tc_catalog *c, enum tc_catalog_stmt idx, int *rc)
{
	int r;

	if (c->relaxed && (*rc = tc_catalog_sync_full(c, true)) != 0)
		return NULL;
	if (!c->stmt[idx]) {
		r = sqlite3_prepare_v3(c->db, sql[idx], -1, SQLITE_PREPARE_PERSISTENT,
				       &c->stmt[idx], NULL);
		if (r != SQLITE_OK) {
			*rc = tc_catalog_err(c, r, "prepare");
			c->stmt[idx] = NULL;
			return NULL;
		}
	}
	sqlite3_reset(c->stmt[idx]);
	sqlite3_clear_bindings(c->stmt[idx]);
	return c->stmt[idx];
}

static void
done(sqlite3_stmt *st)
{
	if (st)
		sqlite3_reset(st);
}

static int
bind_id(sqlite3_stmt *st, int col, const uint8_t id[TC_PHOTO_ID_LEN])
{
	return sqlite3_bind_blob(st, col, id, TC_PHOTO_ID_LEN, SQLITE_TRANSIENT);
}

/* Copy the COLS of the current row into r. */
static int
read_row(sqlite3_stmt *st, struct tc_store_rec *r)
{
	int state = sqlite3_column_int(st, 1);

	memset(r, 0, sizeof(*r));
	if (sqlite3_column_bytes(st, 0) != TC_PHOTO_ID_LEN ||
	    sqlite3_column_bytes(st, 3) != TC_SHA256_LEN ||
	    state < TC_PHOTO_CAPTURED || state > TC_PHOTO_LOST) {
		tc_err("store: catalog row is malformed");
		return TC_E_CATALOG;
	}
	memcpy(r->id, sqlite3_column_blob(st, 0), TC_PHOTO_ID_LEN);
	r->state = (enum tc_photo_state)state;
	r->size = (uint64_t)sqlite3_column_int64(st, 2);
	memcpy(r->digest, sqlite3_column_blob(st, 3), TC_SHA256_LEN);
	r->created_us = (uint64_t)sqlite3_column_int64(st, 4);
	r->stored_us = (uint64_t)sqlite3_column_int64(st, 5);
	r->state_us = (uint64_t)sqlite3_column_int64(st, 6);
	r->receipt_seq = (uint64_t)sqlite3_column_int64(st, 7);
	r->receipt_time_us = (uint64_t)sqlite3_column_int64(st, 8);
	return 0;
}

static int
insert_one(struct tc_catalog *c, const struct tc_store_rec *r)
{
	sqlite3_stmt *st;
	int rc = 0, r2;

	if (r->size > INT64_MAX || r->created_us > INT64_MAX || r->stored_us > INT64_MAX ||
	    r->state < TC_PHOTO_CAPTURED || r->state > TC_PHOTO_LOST)
		return -EINVAL;
	if (!(st = stmt(c, CAT_INSERT, &rc)))
		return rc;
	if ((r2 = bind_id(st, 1, r->id)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int(st, 2, (int)r->state)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 3, (sqlite3_int64)r->size)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_blob(st, 4, r->digest, TC_SHA256_LEN, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 5, (sqlite3_int64)r->created_us)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 6, (sqlite3_int64)r->stored_us)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 7, (sqlite3_int64)r->stored_us)) != SQLITE_OK ||
	    (r2 = sqlite3_step(st)) != SQLITE_DONE)
		rc = tc_catalog_err(c, r2, "insert");
	done(st);
	return rc;
}

int
tc_catalog_insert(struct tc_catalog *c, const struct tc_store_rec *r)
{
	return insert_one(c, r);
}

int
tc_catalog_bulk_insert(struct tc_catalog *c, const struct tc_store_rec *r, size_t n)
{
	size_t i;
	int rc;

	rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return tc_catalog_err(c, rc, "begin");
	for (i = 0; i < n; i++)
		if ((rc = insert_one(c, &r[i])) != 0)
			goto fail;
	rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		rc = tc_catalog_err(c, rc, "commit");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int
tc_catalog_get(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN], struct tc_store_rec *r)
{
	sqlite3_stmt *st;
	int rc = 0, r2;

	if (!(st = stmt(c, CAT_GET, &rc)))
		return rc;
	if ((r2 = bind_id(st, 1, id)) != SQLITE_OK)
		rc = tc_catalog_err(c, r2, "get");
	else if ((r2 = sqlite3_step(st)) == SQLITE_ROW)
		rc = read_row(st, r);
	else
		rc = r2 == SQLITE_DONE ? TC_E_NOT_FOUND : tc_catalog_err(c, r2, "get");
	done(st);
	return rc;
}

/* The state of id: 0 and *state, TC_E_NOT_FOUND, or a catalog error. */
static int
get_state(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN], enum tc_photo_state *state)
{
	sqlite3_stmt *st;
	int rc = 0, r2;

	if (!(st = stmt(c, CAT_STATE, &rc)))
		return rc;
	if ((r2 = bind_id(st, 1, id)) != SQLITE_OK)
		rc = tc_catalog_err(c, r2, "state");
	else if ((r2 = sqlite3_step(st)) == SQLITE_ROW)
		*state = (enum tc_photo_state)sqlite3_column_int(st, 0);
	else
		rc = r2 == SQLITE_DONE ? TC_E_NOT_FOUND : tc_catalog_err(c, r2, "state");
	done(st);
	return rc;
}

int
tc_catalog_state(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		 enum tc_photo_state *state)
{
	return get_state(c, id, state);
}

int
tc_catalog_transition(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		      unsigned from_mask, enum tc_photo_state to, uint64_t now_us,
		      enum tc_photo_state *prev)
{
	enum tc_photo_state cur = 0;
	sqlite3_stmt *st;
	int rc, r2;

	/* The caller learns the state left; a failed read leaves the update undone. */
	if ((rc = get_state(c, id, &cur)) != 0)
		return rc;
	if (!(TC_STORE_BIT(cur) & from_mask))
		return TC_E_STATE;
	if (!(st = stmt(c, CAT_TRANSITION, &rc)))
		return rc;
	if ((r2 = bind_id(st, 1, id)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int(st, 2, (int)to)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 3, (sqlite3_int64)now_us)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 4, (sqlite3_int64)from_mask)) != SQLITE_OK ||
	    (r2 = sqlite3_step(st)) != SQLITE_DONE)
		rc = tc_catalog_err(c, r2, "transition");
	else if (sqlite3_changes(c->db) != 1)
		rc = TC_E_STATE;	/* another process moved it between the read and the write */
	done(st);
	if (rc == 0 && prev)
		*prev = cur;
	return rc;
}

int
tc_catalog_set_receipt(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		       const struct tc_store_receipt *r, uint64_t now_us)
{
	struct tc_store_rec row;
	sqlite3_stmt *st;
	int rc, r2;

	if (!r->blob || r->blob_len == 0 || r->blob_len > TC_STORE_RECEIPT_MAX ||
	    r->ledger_seq > INT64_MAX || r->server_time_us > INT64_MAX || r->size > INT64_MAX)
		return TC_E_INVAL_INPUT;
	if ((rc = tc_catalog_get(c, id, &row)) != 0)
		return rc;
	if (row.state != TC_PHOTO_UPLOADING)
		return TC_E_STATE;
	if (row.size != r->size || memcmp(row.digest, r->digest, TC_SHA256_LEN) != 0)
		return TC_E_STORE_MISMATCH;
	if (!(st = stmt(c, CAT_RECEIPT, &rc)))
		return rc;
	/*
	 * A receipt whose delete is due now is not synced on its own: the
	 * delete batch's intent commit (erase.c step 0) syncs the WAL before
	 * any wrap is touched, and a receipt lost to a power cut in between
	 * leaves the photo uploading and whole; the server hands the same
	 * receipt out again on the next pass.  One WAL fsync a batch, not a
	 * photo.
	 */
	if (r->delete_now && (rc = tc_catalog_sync_full(c, false)) != 0)
		return rc;
	if ((r2 = bind_id(st, 1, id)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 2, (sqlite3_int64)now_us)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 3, (sqlite3_int64)r->ledger_seq)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 4, (sqlite3_int64)r->server_time_us)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_blob(st, 5, r->blob, (int)r->blob_len, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_blob(st, 6, r->digest, TC_SHA256_LEN, SQLITE_TRANSIENT)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 7, (sqlite3_int64)r->size)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int(st, 8, r->delete_now ? TC_PHOTO_DELETING :
				   TC_PHOTO_RECEIPTED)) != SQLITE_OK ||
	    (r2 = sqlite3_step(st)) != SQLITE_DONE)
		rc = tc_catalog_err(c, r2, "receipt");
	else if (sqlite3_changes(c->db) != 1)
		rc = TC_E_STATE;
	done(st);
	if (r->delete_now && (r2 = tc_catalog_sync_full(c, true)) != 0 && rc == 0)
		rc = r2;
	return rc;
}

int
tc_catalog_get_receipt(struct tc_catalog *c, const uint8_t id[TC_PHOTO_ID_LEN],
		       uint8_t *buf, size_t cap, size_t *len)
{
	sqlite3_stmt *st;
	int rc = 0, r2, n;

	*len = 0;
	if (!(st = stmt(c, CAT_GET_RECEIPT, &rc)))
		return rc;
	if ((r2 = bind_id(st, 1, id)) != SQLITE_OK) {
		rc = tc_catalog_err(c, r2, "receipt");
	} else if ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		n = sqlite3_column_bytes(st, 0);
		if (sqlite3_column_type(st, 0) == SQLITE_NULL || n <= 0)
			rc = TC_E_STATE;	/* never receipted */
		else if ((size_t)n > cap)
			rc = -ENOBUFS;
		else {
			memcpy(buf, sqlite3_column_blob(st, 0), (size_t)n);
			*len = (size_t)n;
		}
	} else {
		rc = r2 == SQLITE_DONE ? TC_E_NOT_FOUND : tc_catalog_err(c, r2, "receipt");
	}
	done(st);
	return rc;
}

int
tc_catalog_usage(struct tc_catalog *c, uint64_t *photos, uint64_t *bytes)
{
	sqlite3_stmt *st;
	int rc = 0, r2;

	*photos = *bytes = 0;
	if (!(st = stmt(c, CAT_USAGE, &rc)))
		return rc;
	if ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		*photos = (uint64_t)sqlite3_column_int64(st, 0);
		*bytes = (uint64_t)sqlite3_column_double(st, 1);
	} else {
		rc = tc_catalog_err(c, r2, "usage");
	}
	done(st);
	return rc;
}

int
tc_catalog_list(struct tc_catalog *c, unsigned mask, tc_store_list_fn cb, void *ctx)
{
	struct tc_store_rec r;
	sqlite3_stmt *st;
	int rc = 0, r2, lo, hi;

	mask &= TC_STORE_ALL;
	if (!mask)
		return 0;
	lo = __builtin_ctz(mask);
	hi = 31 - __builtin_clz(mask);
	if (!(st = stmt(c, CAT_LIST, &rc)))
		return rc;
	if ((r2 = sqlite3_bind_int(st, 1, lo)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int(st, 2, hi)) != SQLITE_OK ||
	    (r2 = sqlite3_bind_int64(st, 3, mask)) != SQLITE_OK) {
		rc = tc_catalog_err(c, r2, "list");
		goto out;
	}
	while ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = read_row(st, &r)) != 0 || (rc = cb(ctx, &r)) != 0)
			goto out;
	}
	if (r2 != SQLITE_DONE)
		rc = tc_catalog_err(c, r2, "list");
out:
	done(st);
	return rc;
}

int
tc_catalog_stats(struct tc_catalog *c, struct tc_store_stats *stats)
{
	sqlite3_stmt *st;
	int rc = 0, r2, state;

	if (!(st = stmt(c, CAT_STATS, &rc)))
		return rc;
	while ((r2 = sqlite3_step(st)) == SQLITE_ROW) {
		state = sqlite3_column_int(st, 0);
		if (state < TC_PHOTO_CAPTURED || state > TC_PHOTO_LOST) {
			rc = TC_E_CATALOG;
			goto out;
		}
		stats->count[state] = (uint64_t)sqlite3_column_int64(st, 1);
		stats->bytes[state] = (uint64_t)sqlite3_column_double(st, 2);
	}
	if (r2 != SQLITE_DONE) {
		rc = tc_catalog_err(c, r2, "stats");
		goto out;
	}
	done(st);
	if (!(st = stmt(c, CAT_OLDEST, &rc)))
		return rc;
	if ((r2 = sqlite3_step(st)) == SQLITE_ROW)
		stats->oldest_unsynced_us = (uint64_t)sqlite3_column_int64(st, 0);
	else
		rc = tc_catalog_err(c, r2, "stats");
out:
	done(st);
	return rc;
}
