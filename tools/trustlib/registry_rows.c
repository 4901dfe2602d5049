/*
 * registry_rows.c - the registry's rows: devices and their policy
 * versions, staff, events and the consent roster (see
 * tc_trust_registry.h).
 *
 * Each function is one statement (or one short sequence) and leaves
 * transactions to the caller, so a command's change and its audit row
 * commit together.
 */
#include <errno.h>
#include <string.h>

#include "registry_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

static const char *
class_name(enum tc_device_class c)
{
	return c == TC_CLASS_APPROVED ? "approved" : "trust-owned";
}

/* A foreach's typed callback and its context, passed through step_rows. */
struct walk {
	union {
		tc_reg_device_fn device;
		tc_reg_staff_fn staff;
		tc_reg_event_fn event;
		tc_reg_consent_fn consent;
	} fn;
	void *ctx;
};

/* Call row() for each result row of st, stopping at its first non-zero return. */
static int
step_rows(sqlite3_stmt *st, int (*row)(sqlite3_stmt *, const struct walk *), const struct walk *w)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = row(st, w)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	rc = rc == SQLITE_DONE ? 0 : registry_err(rc);
	sqlite3_finalize(st);
	return rc;
}

/* ---------------------------------------------------------------- devices */

#define DEVICE_COLS "id, label, class, status, enrolled, revoked_at, policy_version," \
		    " policy_expires, serial"

static void
device_from(sqlite3_stmt *st, struct tc_reg_device *d)
{
	char cls[16], status[16];

	memset(d, 0, sizeof(*d));
	registry_col_text(st, 0, d->id, sizeof(d->id));
	registry_col_text(st, 1, d->label, sizeof(d->label));
	registry_col_text(st, 2, cls, sizeof(cls));
	registry_col_text(st, 3, status, sizeof(status));
	d->device_class = strcmp(cls, "approved") == 0 ? TC_CLASS_APPROVED : TC_CLASS_TRUST_OWNED;
	d->revoked = strcmp(status, "revoked") == 0;
	d->enrolled = sqlite3_column_int64(st, 4);
	d->revoked_at = sqlite3_column_int64(st, 5);
	d->policy_version = (uint64_t)sqlite3_column_int64(st, 6);
	d->policy_expires = sqlite3_column_int64(st, 7);
	registry_col_text(st, 8, d->serial, sizeof(d->serial));
}

int
tc_registry_device_add(struct tc_registry *r, const struct tc_reg_device *d, const char *cert_pem)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "INSERT INTO devices (id, label, class, cert_pem, serial,"
				     " enrolled) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, d->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, class_name(d->device_class), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cert_pem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, d->serial, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, d->enrolled);
	return registry_exec_stmt(st);
}

int
tc_registry_device_get(struct tc_registry *r, const char *id, struct tc_reg_device *out)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT " DEVICE_COLS " FROM devices WHERE id = ?1", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		device_from(st, out);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

int
tc_registry_device_cert(struct tc_registry *r, const char *id, char **pem)
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc = registry_prepare(r, "SELECT cert_pem FROM devices WHERE id = ?1", &st);

	*pem = NULL;
	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && (t = sqlite3_column_text(st, 0)) != NULL) {
		size_t n = (size_t)sqlite3_column_bytes(st, 0);

		*pem = tc_malloc(n + 1);
		if (*pem) {
			memcpy(*pem, t, n + 1);
			rc = 0;
		} else {
			rc = -ENOMEM;
		}
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

int
tc_registry_device_revoke(struct tc_registry *r, const char *id, int64_t when)
{
	struct tc_reg_device d;
	sqlite3_stmt *st;
	int rc = tc_registry_device_get(r, id, &d);

	if (rc != 0)
		return rc;
	if (d.revoked)
		return TC_E_STATE;
	if ((rc = registry_prepare(r, "UPDATE devices SET status = 'revoked', revoked_at = ?2"
				      " WHERE id = ?1 AND status = 'active'", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when);
	if ((rc = registry_exec_stmt(st)) != 0)
		return rc;
	return registry_changes(r) == 1 ? 0 : TC_E_STATE;
}

static int
device_row(sqlite3_stmt *st, const struct walk *w)
{
	struct tc_reg_device d;

	device_from(st, &d);
	return w->fn.device(w->ctx, &d);
}

int
tc_registry_device_foreach(struct tc_registry *r, tc_reg_device_fn fn, void *ctx)
{
	struct walk w;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT " DEVICE_COLS " FROM devices ORDER BY id", &st);

	if (rc != 0)
		return rc;
	w.fn.device = fn;
	w.ctx = ctx;
	return step_rows(st, device_row, &w);
}

int
tc_registry_policy_record(struct tc_registry *r, const char *id, uint64_t version,
			  int64_t issued, int64_t expires, const char *sha256_hex)
{
	sqlite3_stmt *st;
	int rc;

	if (version == 0 || version > INT64_MAX)
		return -ERANGE;
	/* Only last + 1 matches: a version is never issued twice. */
	if ((rc = registry_prepare(r, "UPDATE devices SET policy_version = ?2, policy_expires = ?3"
				      " WHERE id = ?1 AND policy_version = ?2 - 1", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_int64(st, 3, expires);
	if ((rc = registry_exec_stmt(st)) != 0)
		return rc;
	if (registry_changes(r) != 1)
		return TC_E_STATE;
	if ((rc = registry_prepare(r, "INSERT INTO policies (device_id, version, issued, expires,"
				      " sha256) VALUES (?1, ?2, ?3, ?4, ?5)", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)version);
	sqlite3_bind_int64(st, 3, issued);
	sqlite3_bind_int64(st, 4, expires);
	sqlite3_bind_text(st, 5, sha256_hex, -1, SQLITE_STATIC);
	return registry_exec_stmt(st);
}

/* ---------------------------------------------------------------- staff */

int
tc_registry_staff_add(struct tc_registry *r, const char *id, const char *name,
		      const char *pin_hash)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "INSERT INTO staff (id, name, pin_hash, added)"
				     " VALUES (?1, ?2, ?3, ?4)", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, pin_hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)(tc_time_wall_us() / 1000000));
	return registry_exec_stmt(st);
}

int
tc_registry_staff_get(struct tc_registry *r, const char *id, struct tc_reg_staff *out)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT name, active, added, removed FROM staff WHERE id = ?1",
				  &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		memset(out, 0, sizeof(*out));
		tc_strlcpy(out->id, id, sizeof(out->id));
		registry_col_text(st, 0, out->name, sizeof(out->name));
		out->active = sqlite3_column_int(st, 1) != 0;
		out->added = sqlite3_column_int64(st, 2);
		out->removed = sqlite3_column_int64(st, 3);
		rc = 0;
	} else {
		rc = rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	}
	sqlite3_finalize(st);
	return rc;
}

/* 0 if id is an active staff member, TC_E_STATE if removed, TC_E_NOT_FOUND. */
static int
staff_active(struct tc_registry *r, const char *id)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT active FROM staff WHERE id = ?1", &st);
	int active;

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	active = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? TC_E_NOT_FOUND : registry_err(rc);
	return active ? 0 : TC_E_STATE;
}

int
tc_registry_staff_remove(struct tc_registry *r, const char *id, int64_t when)
{
	sqlite3_stmt *st;
	int rc = staff_active(r, id);

	if (rc != 0)
		return rc;
	/* The row stays, so photos already taken keep a name to attribute to (R10). */
	if ((rc = registry_prepare(r, "UPDATE staff SET active = 0, removed = ?2 WHERE id = ?1",
				   &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, when);
	return registry_exec_stmt(st);
}

int
tc_registry_staff_set_pin(struct tc_registry *r, const char *id, const char *pin_hash)
{
	sqlite3_stmt *st;
	int rc = staff_active(r, id);

	if (rc != 0)
		return rc;
	if ((rc = registry_prepare(r, "UPDATE staff SET pin_hash = ?2 WHERE id = ?1", &st)) != 0)
		return rc;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pin_hash, -1, SQLITE_STATIC);
	return registry_exec_stmt(st);
}

static int
staff_row(sqlite3_stmt *st, const struct walk *w)
{
	struct tc_reg_staff s;
	int rc;

	memset(&s, 0, sizeof(s));
	registry_col_text(st, 0, s.id, sizeof(s.id));
	registry_col_text(st, 1, s.name, sizeof(s.name));
	registry_col_text(st, 2, s.pin_hash, sizeof(s.pin_hash));
	s.active = sqlite3_column_int(st, 3) != 0;
	s.added = sqlite3_column_int64(st, 4);
	s.removed = sqlite3_column_int64(st, 5);
	rc = w->fn.staff(w->ctx, &s);
	tc_zeroize(s.pin_hash, sizeof(s.pin_hash));
	return rc;
}

int
tc_registry_staff_foreach(struct tc_registry *r, bool active_only, bool with_hash,
			  tc_reg_staff_fn fn, void *ctx)
{
	struct walk w;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, with_hash ?
		"SELECT id, name, pin_hash, active, added, removed FROM staff"
		" WHERE active = 1 OR ?1 = 0 ORDER BY id" :
		"SELECT id, name, '', active, added, removed FROM staff"
		" WHERE active = 1 OR ?1 = 0 ORDER BY id", &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_int(st, 1, active_only ? 1 : 0);
	w.fn.staff = fn;
	w.ctx = ctx;
	return step_rows(st, staff_row, &w);
}

/* ---------------------------------------------------------------- events */

int
tc_registry_event_add(struct tc_registry *r, const struct tc_policy_event *e)
{
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "INSERT INTO events (id, name, date) VALUES (?1, ?2, ?3)",
				  &st);

	if (rc != 0)
		return rc;
	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, e->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, e->date, -1, SQLITE_STATIC);
	return registry_exec_stmt(st);
}

static int
event_row(sqlite3_stmt *st, const struct walk *w)
{
	struct tc_policy_event e;

	memset(&e, 0, sizeof(e));
	registry_col_text(st, 0, e.id, sizeof(e.id));
	registry_col_text(st, 1, e.name, sizeof(e.name));
	registry_col_text(st, 2, e.date, sizeof(e.date));
	return w->fn.event(w->ctx, &e);
}

int
tc_registry_event_foreach(struct tc_registry *r, tc_reg_event_fn fn, void *ctx)
{
	struct walk w;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT id, name, date FROM events ORDER BY date, id", &st);

	if (rc != 0)
		return rc;
	w.fn.event = fn;
	w.ctx = ctx;
	return step_rows(st, event_row, &w);
}

/* ---------------------------------------------------------------- consent */

/* "website;newsletter" from a roster row; "" for no consent. */
static int
join_platforms(const struct tc_policy_consent *c, char *out, size_t cap)
{
	size_t n = 0, l;
	unsigned i;

	out[0] = 0;
	for (i = 0; i < c->n_platforms; i++) {
		l = strnlen(c->platforms[i], sizeof(c->platforms[i]));
		if (l == 0 || l >= sizeof(c->platforms[i]) || n + l + 2 > cap)
			return -EINVAL;
		if (i)
			out[n++] = ';';
		memcpy(out + n, c->platforms[i], l);
		n += l;
		out[n] = 0;
	}
	return 0;
}

int
tc_registry_consent_replace(struct tc_registry *r, const struct tc_policy_consent *rows,
			    size_t n, size_t *old_n)
{
	char joined[TC_META_MAX_PLATFORMS * TC_META_ID_MAX];
	int64_t now = (int64_t)(tc_time_wall_us() / 1000000);
	sqlite3_stmt *st;
	size_t i;
	int rc;

	*old_n = 0;
	if ((rc = registry_prepare(r, "DELETE FROM consent", &st)) != 0 ||
	    (rc = registry_exec_stmt(st)) != 0)
		return rc;
	*old_n = (size_t)registry_changes(r);
	if ((rc = registry_prepare(r, "INSERT INTO consent (pupil, platforms, imported, label)"
				      " VALUES (?1, ?2, ?3, ?4)", &st)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		if ((rc = join_platforms(&rows[i], joined, sizeof(joined))) != 0)
			break;
		sqlite3_bind_text(st, 1, rows[i].pupil, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, joined, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, now);
		sqlite3_bind_text(st, 4, rows[i].label, -1, SQLITE_STATIC);
		rc = registry_err(sqlite3_step(st));
		if (rc == 0)
			rc = registry_err(sqlite3_reset(st));
		if (rc != 0)
			break;
	}
	if (rc != 0)
		(void)sqlite3_reset(st);
	sqlite3_finalize(st);
	tc_zeroize(joined, sizeof(joined));
	return rc;
}

/* Split a stored "a;b" back into a roster row. */
static int
consent_row(sqlite3_stmt *st, const struct walk *w)
{
	struct tc_policy_consent c;
	char joined[TC_META_MAX_PLATFORMS * TC_META_ID_MAX], *save = NULL, *tok;
	int rc;

	memset(&c, 0, sizeof(c));
	registry_col_text(st, 0, c.pupil, sizeof(c.pupil));
	registry_col_text(st, 1, joined, sizeof(joined));
	registry_col_text(st, 2, c.label, sizeof(c.label));
	for (tok = strtok_r(joined, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (c.n_platforms >= TC_META_MAX_PLATFORMS)
			return TC_E_CATALOG;
		tc_strlcpy(c.platforms[c.n_platforms++], tok, TC_META_ID_MAX);
	}
	rc = w->fn.consent(w->ctx, &c);
	tc_zeroize(&c, sizeof(c));
	return rc;
}

int
tc_registry_consent_foreach(struct tc_registry *r, tc_reg_consent_fn fn, void *ctx)
{
	struct walk w;
	sqlite3_stmt *st;
	int rc = registry_prepare(r, "SELECT pupil, platforms, label FROM consent"
				   " ORDER BY pupil", &st);

	if (rc != 0)
		return rc;
	w.fn.consent = fn;
	w.ctx = ctx;
	return step_rows(st, consent_row, &w);
}

static int
roster_add(void *p, const struct tc_policy_consent *c)
{
	return tc_policy_add_consent(p, c);
}

int
tc_registry_roster(struct tc_registry *r, struct tc_policy *p)
{
	return tc_registry_consent_foreach(r, roster_add, p);
}
