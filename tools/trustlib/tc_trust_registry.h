/*
 * tc_trust_registry.h - the Trust's registry: one SQLite database in the
 * Trust directory (registry.db) holding enrolled devices, staff, events,
 * the consent roster, issued policy versions and the Trust's own audit
 * log.  trustadm writes it; trust-server reads devices from it (and will
 * record syncs in it).
 *
 * Opened in WAL mode with foreign keys, synchronous=FULL and
 * secure_delete (rows removed from the consent roster are overwritten).
 * Every change a command makes happens inside one transaction that the
 * caller opens with tc_registry_begin() (BEGIN IMMEDIATE: writers queue,
 * nobody reads a half-done change) together with its audit row, and
 * commits with tc_registry_commit().  Schema in README.md.
 */
#ifndef TC_TRUST_REGISTRY_H
#define TC_TRUST_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_err.h"
#include "tc_policy.h"

#define TC_REGISTRY_FILE "registry.db"
#define TC_REGISTRY_SCHEMA 5

struct tc_registry;

struct tc_reg_device {
	char id[TC_POLICY_ID_MAX];
	char label[TC_POLICY_NAME_MAX];
	enum tc_device_class device_class;
	bool revoked;
	int64_t enrolled, revoked_at;	/* unix seconds; revoked_at 0 if active */
	uint64_t policy_version;	/* last issued, 0: none yet */
	int64_t policy_expires;		/* of the last issued policy, 0: none */
	char serial[41];		/* certificate serial, hex */
};

struct tc_reg_staff {
	char id[TC_POLICY_ID_MAX];
	char name[TC_POLICY_NAME_MAX];
	char pin_hash[TC_POLICY_PIN_HASH_MAX];	/* filled only when asked for */
	bool active;
	int64_t added, removed;
};

struct tc_reg_audit {
	int64_t seq, time;
	char os_user[96], action[32], subject[TC_POLICY_ID_MAX + 32], detail[256];
};

/*
 * Open dir/registry.db.  create: make a fresh registry (the file must
 * not exist) with the current schema; otherwise the file must exist and
 * its schema must be one this build knows (TC_E_SCHEMA if newer,
 * TC_E_CATALOG if it is no registry at all).
 */
int tc_registry_open(struct tc_registry **out, const char *dir, bool create) TC_MUST_CHECK;
void tc_registry_close(struct tc_registry *r);
/*
 * Open dir/registry.db read-only, as trust-server does: a copy written by
 * tc_registry_snapshot (or a live registry this user may read).  The
 * schema must be this build's (TC_E_SCHEMA newer, TC_E_CATALOG other).
 */
int tc_registry_open_view(struct tc_registry **out, const char *dir) TC_MUST_CHECK;
/*
 * Write a consistent copy of r as dir/registry.db (mode, rollback
 * journal), atomically replacing the previous copy; 0 or a negative code.
 */
int tc_registry_snapshot(struct tc_registry *r, const char *dir, mode_t mode) TC_MUST_CHECK;
/* Whether this connection has changed the registry since it was opened. */
bool tc_registry_changed(struct tc_registry *r);
/* The last SQLite message, for a CLI error line (never holds a secret). */
const char *tc_registry_errmsg(struct tc_registry *r);

int tc_registry_begin(struct tc_registry *r) TC_MUST_CHECK;
/*
 * A read transaction (BEGIN DEFERRED): one snapshot and one lock for a
 * run of reads (review list and sar read each photo's state); end it
 * with tc_registry_commit before writing.
 */
int tc_registry_begin_read(struct tc_registry *r) TC_MUST_CHECK;
int tc_registry_commit(struct tc_registry *r) TC_MUST_CHECK;
void tc_registry_rollback(struct tc_registry *r);

/* meta key/value (server_name, server_ip, server_url, created...).  TC_E_NOT_FOUND. */
int tc_registry_meta_get(struct tc_registry *r, const char *key, char *out, size_t cap)
	TC_MUST_CHECK;
int tc_registry_meta_set(struct tc_registry *r, const char *key, const char *value)
	TC_MUST_CHECK;

/*
 * Append to the Trust's audit log: now, the OS user running us (with
 * SUDO_USER when root runs on someone's behalf), action, subject and a
 * detail (never a secret, PIN or pupil ref).  Append-only: triggers
 * refuse UPDATE and DELETE on the table.
 */
int tc_registry_audit(struct tc_registry *r, const char *action, const char *subject,
		      const char *detail) TC_MUST_CHECK;
typedef int (*tc_reg_audit_fn)(void *ctx, const struct tc_reg_audit *a);
/* The last `limit` entries (0: all), oldest first. */
int tc_registry_audit_foreach(struct tc_registry *r, unsigned limit, tc_reg_audit_fn fn,
			      void *ctx) TC_MUST_CHECK;

/* Devices.  add: TC_E_EXISTS for an id enrolled before (active or revoked). */
int tc_registry_device_add(struct tc_registry *r, const struct tc_reg_device *d,
			   const char *cert_pem) TC_MUST_CHECK;
int tc_registry_device_get(struct tc_registry *r, const char *id, struct tc_reg_device *out)
	TC_MUST_CHECK;
/* The device certificate PEM, tc_malloc'd.  TC_E_NOT_FOUND. */
int tc_registry_device_cert(struct tc_registry *r, const char *id, char **pem) TC_MUST_CHECK;
/* TC_E_NOT_FOUND, or TC_E_STATE if already revoked. */
int tc_registry_device_revoke(struct tc_registry *r, const char *id, int64_t when) TC_MUST_CHECK;
typedef int (*tc_reg_device_fn)(void *ctx, const struct tc_reg_device *d);
int tc_registry_device_foreach(struct tc_registry *r, tc_reg_device_fn fn, void *ctx)
	TC_MUST_CHECK;
/*
 * Record an issued policy: version must be exactly the device's last
 * version + 1 (TC_E_STATE otherwise), so versions never repeat.
 */
int tc_registry_policy_record(struct tc_registry *r, const char *id, uint64_t version,
			      int64_t issued, int64_t expires, const char *sha256_hex)
	TC_MUST_CHECK;

/* Staff.  add: TC_E_EXISTS if the id was ever used (ids are never reused). */
int tc_registry_staff_add(struct tc_registry *r, const char *id, const char *name,
			  const char *pin_hash) TC_MUST_CHECK;
/* One staff row, without its PIN hash.  TC_E_NOT_FOUND. */
int tc_registry_staff_get(struct tc_registry *r, const char *id, struct tc_reg_staff *out)
	TC_MUST_CHECK;
/* TC_E_NOT_FOUND, or TC_E_STATE if already removed. */
int tc_registry_staff_remove(struct tc_registry *r, const char *id, int64_t when) TC_MUST_CHECK;
/* A new PIN hash for an active member: TC_E_NOT_FOUND, TC_E_STATE if removed. */
int tc_registry_staff_set_pin(struct tc_registry *r, const char *id, const char *pin_hash)
	TC_MUST_CHECK;
typedef int (*tc_reg_staff_fn)(void *ctx, const struct tc_reg_staff *s);
/* active_only: skip removed staff; with_hash: fill pin_hash (for the policy only). */
int tc_registry_staff_foreach(struct tc_registry *r, bool active_only, bool with_hash,
			      tc_reg_staff_fn fn, void *ctx) TC_MUST_CHECK;

/* Events.  add: TC_E_EXISTS. */
int tc_registry_event_add(struct tc_registry *r, const struct tc_policy_event *e) TC_MUST_CHECK;
typedef int (*tc_reg_event_fn)(void *ctx, const struct tc_policy_event *e);
int tc_registry_event_foreach(struct tc_registry *r, tc_reg_event_fn fn, void *ctx)
	TC_MUST_CHECK;

/*
 * The consent roster.  replace: the whole roster becomes rows[0..n)
 * (withdrawn consent disappears with its row), inside the caller's
 * transaction; *old_n says how many rows it replaced.
 */
int tc_registry_consent_replace(struct tc_registry *r, const struct tc_policy_consent *rows,
				size_t n, size_t *old_n) TC_MUST_CHECK;
typedef int (*tc_reg_consent_fn)(void *ctx, const struct tc_policy_consent *c);
int tc_registry_consent_foreach(struct tc_registry *r, tc_reg_consent_fn fn, void *ctx)
	TC_MUST_CHECK;
/* The whole roster appended to p's (tc_policy_add_consent's errors, or the registry's). */
int tc_registry_roster(struct tc_registry *r, struct tc_policy *p) TC_MUST_CHECK;

/*
 * Review decisions (rule R7) on photos trust-server holds, keyed by
 * (device, photo id hex).  Append-only: each decision is a new row, the
 * newest row is the photo's state, and no row means pending review.
 * platforms: ';'-separated names the photo may go to ('' = internal use
 * only); the caller has checked them against the consent.  reviewer is
 * the OS user acting, as in the audit log.
 */
#define TC_REG_PLATFORMS_MAX (TC_META_MAX_PLATFORMS * TC_META_ID_MAX)
struct tc_reg_review {
	int64_t seq, time;
	char device[TC_POLICY_ID_MAX];
	char photo_id[2 * TC_PHOTO_ID_LEN + 1];
	bool approved;
	char platforms[TC_REG_PLATFORMS_MAX];
	char reviewer[96];
};
int tc_registry_review_add(struct tc_registry *r, const char *device, const char *photo_id,
			   bool approved, const char *platforms) TC_MUST_CHECK;
/* The newest decision on a photo; TC_E_NOT_FOUND: none (pending review). */
int tc_registry_review_last(struct tc_registry *r, const char *device, const char *photo_id,
			    struct tc_reg_review *out) TC_MUST_CHECK;
typedef int (*tc_reg_review_fn)(void *ctx, const struct tc_reg_review *v);
/* Every decision on a photo, oldest first. */
int tc_registry_review_foreach(struct tc_registry *r, const char *device, const char *photo_id,
			       tc_reg_review_fn fn, void *ctx) TC_MUST_CHECK;

/*
 * Pupil tags a reviewer set on a photo (registry_tags.c), keyed like
 * reviews.  Append-only: the newest row is the photo's tags, replacing
 * the sealed ones for approval; the sealed object is never changed.
 * pupils: ';'-separated refs the caller validated ('' = none).
 */
#define TC_REG_PUPILS_MAX (TC_META_MAX_PUPILS * TC_META_ID_MAX)
struct tc_reg_tags {
	int64_t seq, time;
	char pupils[TC_REG_PUPILS_MAX];
	char reviewer[96];
};
int tc_registry_tags_add(struct tc_registry *r, const char *device, const char *photo_id,
			 const char *pupils) TC_MUST_CHECK;
/* The newest tags of a photo; TC_E_NOT_FOUND: none set at review. */
int tc_registry_tags_last(struct tc_registry *r, const char *device, const char *photo_id,
			  struct tc_reg_tags *out) TC_MUST_CHECK;

/*
 * Names in the picture (registry_picture.c, issue 18).  Areas are
 * "x,y,w,h;..." in the photo's own pixels (tools/trustadm/picture).
 * text_checks holds what text detection found in a photo, one row a
 * photo (the object never changes, so neither does the answer): the
 * number of legible words and their areas, never the words.
 * redactions is append-only like reviews: the newest row is the set of
 * areas blurred in the publishable copy ('' = the reviewer found
 * nothing to blur); no row = no redaction decided yet.
 */
#define TC_REG_BOXES_MAX 2048
struct tc_reg_textcheck {
	unsigned words, width, height;
	int64_t time;
	char boxes[TC_REG_BOXES_MAX];
};
int tc_registry_textcheck_put(struct tc_registry *r, const char *device, const char *photo_id,
			      const struct tc_reg_textcheck *t) TC_MUST_CHECK;
/* TC_E_NOT_FOUND: the photo was not checked yet. */
int tc_registry_textcheck_get(struct tc_registry *r, const char *device, const char *photo_id,
			      struct tc_reg_textcheck *out) TC_MUST_CHECK;
struct tc_reg_redaction {
	int64_t seq, time;
	char boxes[TC_REG_BOXES_MAX];
	char reviewer[96];
};
/* Append a redaction (boxes validated by the caller); the reviewer is the OS user. */
int tc_registry_redaction_add(struct tc_registry *r, const char *device, const char *photo_id,
			      const char *boxes) TC_MUST_CHECK;
/* The newest redaction of a photo; TC_E_NOT_FOUND: none decided. */
int tc_registry_redaction_last(struct tc_registry *r, const char *device, const char *photo_id,
			       struct tc_reg_redaction *out) TC_MUST_CHECK;

#endif /* TC_TRUST_REGISTRY_H */
