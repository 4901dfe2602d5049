/*
 * registry_picture.c - names in the picture (see tc_trust_registry.h):
 * what text detection found in a photo, and the areas the reviewer
 * chose to blur in its publishable copy.  Neither holds the words read:
 * they are personal data, and only counts and boxes are kept.
 */
#include <string.h>

#include "registry_int.h"
#include "tc_io.h"

int
tc_registry_textcheck_put(struct tc_registry *r, const char *device, const char *photo_id,
			  const struct tc_reg_textcheck *t)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "INSERT OR REPLACE INTO text_checks (device, photo_id, words,"
				     " boxes, width, height, time) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
				     " ?7)", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t->words);
	sqlite3_bind_text(st, 4, t->boxes, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, t->width);
	sqlite3_bind_int64(st, 6, t->height);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	return registry_exec_stmt(st);
}

int
tc_registry_textcheck_get(struct tc_registry *r, const char *device, const char *photo_id,
			  struct tc_reg_textcheck *out)
{
	sqlite3_stmt *st;
	int rc = registry_prepare_kept(r, REG_KEPT_TEXTCHECK_GET, "SELECT words, boxes, width,"
				       " height, time FROM text_checks WHERE device = ?1 AND"
				       " photo_id = ?2", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, photo_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		out->words = (unsigned)sqlite3_column_int64(st, 0);
		registry_col_text(st, 1, out->boxes, sizeof(out->boxes));
		out->width = (unsigned)sqlite3_column_int64(st, 2);
		out->height = (unsigned)sqlite3_column_int64(st, 3);
		out->time = sqlite3_column_int64(st, 4);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	registry_release(st);
	return rc;
}

int
tc_registry_redaction_add(struct tc_registry *r, const char *device, const char *photo_id,
			  const char *boxes)
{
	return registry_append_row(r, "redactions", "boxes", device, photo_id, boxes);
}

int
tc_registry_redaction_last(struct tc_registry *r, const char *device, const char *photo_id,
			   struct tc_reg_redaction *out)
{
	struct registry_row row = { &out->seq, &out->time, out->boxes, sizeof(out->boxes),
				    out->reviewer, sizeof(out->reviewer) };

	memset(out, 0, sizeof(*out));
	return registry_last_row(r, REG_KEPT_REDACTION_LAST, "redactions", "boxes", device,
				 photo_id, &row);
}
