/*
 * registry_tags.c - pupil tags set at review (see tc_trust_registry.h):
 * the reviewer, who knows the children, adds or corrects the pupils in a
 * photo.  The sealed object stays as the device made it; this table is
 * the Trust's record of the correction, append-only like reviews, so a
 * subject access request can show both.
 */
#include <string.h>

#include "registry_int.h"
#include "tc_io.h"

int
tc_registry_tags_add(struct tc_registry *r, const char *device, const char *photo_id,
		     const char *pupils)
{
	sqlite3_stmt *st;
	char user[96];
	int rc = registry_prepare(r, "INSERT INTO review_tags (device, photo_id, pupils, reviewer,"
				     " time) VALUES (?1, ?2, ?3, ?4, ?5)", &st);

	if (rc != 0)
		return rc;
	registry_os_user(user, sizeof(user));
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pupils, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, user, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	return registry_exec_stmt(st);
}

int
tc_registry_tags_last(struct tc_registry *r, const char *device, const char *photo_id,
		      struct tc_reg_tags *out)
{
	sqlite3_stmt *st;
	int rc = registry_prepare_kept(r, REG_KEPT_TAGS_LAST, "SELECT seq, pupils, reviewer, time"
				       " FROM review_tags WHERE device = ?1 AND photo_id = ?2"
				       " ORDER BY seq DESC LIMIT 1", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->seq = sqlite3_column_int64(st, 0);
		registry_col_text(st, 1, out->pupils, sizeof(out->pupils));
		registry_col_text(st, 2, out->reviewer, sizeof(out->reviewer));
		out->time = sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	registry_release(st);
	return rc;
}
