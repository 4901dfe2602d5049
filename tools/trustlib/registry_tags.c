/*
 * registry_tags.c - pupil tags set at review (see tc_trust_registry.h):
 * the reviewer, who knows the children, adds or corrects the pupils in a
 * photo.  The sealed object stays as the device made it; this table is
 * the Trust's record of the correction, append-only like reviews, so a
 * subject access request can show both.  The append and newest-row
 * helpers serve the redactions table too (registry_picture.c), which
 * has the same shape: device, photo_id, one value, reviewer, time.
 */
#include <stdio.h>
#include <string.h>

#include "registry_int.h"
#include "tc_io.h"

int
registry_append_row(struct tc_registry *r, const char *table, const char *column,
		    const char *device, const char *photo_id, const char *value)
{
	sqlite3_stmt *st;
	char sql[160], user[96];
	int rc;

	snprintf(sql, sizeof(sql), "INSERT INTO %s (device, photo_id, %s, reviewer, time)"
		 " VALUES (?1, ?2, ?3, ?4, ?5)", table, column);
	if ((rc = registry_prepare(r, sql, &st)) != 0)
		return rc;
	registry_os_user(user, sizeof(user));
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, value, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	return registry_exec_stmt(st);
}

int
registry_last_row(struct tc_registry *r, enum registry_kept which, const char *table,
		  const char *column, const char *device, const char *photo_id,
		  struct registry_row *out)
{
	sqlite3_stmt *st;
	char sql[160];
	int rc;

	snprintf(sql, sizeof(sql), "SELECT seq, %s, reviewer, time FROM %s WHERE device = ?1"
		 " AND photo_id = ?2 ORDER BY seq DESC LIMIT 1", column, table);
	if ((rc = registry_prepare_kept(r, which, sql, &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*out->seq = sqlite3_column_int64(st, 0);
		registry_col_text(st, 1, out->value, out->value_cap);
		registry_col_text(st, 2, out->reviewer, out->reviewer_cap);
		*out->time = sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	registry_release(st);
	return rc;
}

int
tc_registry_tags_add(struct tc_registry *r, const char *device, const char *photo_id,
		     const char *pupils)
{
	return registry_append_row(r, "review_tags", "pupils", device, photo_id, pupils);
}

int
tc_registry_tags_last(struct tc_registry *r, const char *device, const char *photo_id,
		      struct tc_reg_tags *out)
{
	struct registry_row row = { &out->seq, &out->time, out->pupils, sizeof(out->pupils),
				    out->reviewer, sizeof(out->reviewer) };

	memset(out, 0, sizeof(*out));
	return registry_last_row(r, REG_KEPT_TAGS_LAST, "review_tags", "pupils", device, photo_id,
				 &row);
}
