/*
 * reconcile.c - make objects/ and the catalog agree after a crash.
 *
 * Runs in tc_store_open() when no other process has the store open.
 * Every finding is audited BEFORE it is acted on, so a crash in between
 * repeats an audit entry on the next open and never loses one.
 *
 *   row deleting/discarding          finish the erase (erase.c), tombstone
 *   .tmp-* file                      partial object: erase it
 *   <id>.tco, no row                 authenticate (device MAC footer): if
 *                                    whole and ours, re-index as captured;
 *                                    else alarm and erase it (see README)
 *   <id>.tco, row lost               same check; if it passes, back to captured
 *   <id>.tco, row deleted/discarded  stale copy of a deleted photo: erase
 *   row live, no object              data-loss alarm, row -> lost
 *
 * A failure on one item is logged and left for the next open; only a
 * catalog that cannot be read fails the open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "tc_io.h"
#include "tc_log.h"

struct names {
	char (*v)[STORE_NAME_MAX];
	size_t n, cap;
};

struct ids {
	uint8_t (*v)[TC_PHOTO_ID_LEN];
	enum tc_photo_state *state;
	size_t n, cap;
};

static int
names_push(struct names *l, const char *name)
{
	void *p;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		if ((p = tc_realloc(l->v, cap * sizeof(*l->v))) == NULL)
			return -ENOMEM;
		l->v = p;
		l->cap = cap;
	}
	tc_strlcpy(l->v[l->n++], name, STORE_NAME_MAX);
	return 0;
}

/* Snapshot the directory first: erasing while readdir() walks it is unspecified. */
static int
list_dir(int objfd, struct names *l)
{
	struct dirent *de;
	DIR *d;
	int fd, rc = 0;

	if ((fd = fcntl(objfd, F_DUPFD_CLOEXEC, 0)) < 0)
		return -errno;
	if ((d = fdopendir(fd)) == NULL) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rewinddir(d);
	errno = 0;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (strlen(de->d_name) >= STORE_NAME_MAX) {
			tc_warn("store: ignoring unexpected file in objects/");
			continue;
		}
		if ((rc = names_push(l, de->d_name)) != 0)
			break;
		errno = 0;
	}
	if (rc == 0 && errno != 0)
		rc = -errno;
	closedir(d);
	return rc;
}

static int
ids_push(void *ctx, const struct tc_store_rec *r)
{
	struct ids *l = ctx;
	void *p, *q;

	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 64;

		if ((p = tc_realloc(l->v, cap * sizeof(*l->v))) == NULL)
			return -ENOMEM;
		l->v = p;
		if ((q = tc_realloc(l->state, cap * sizeof(*l->state))) == NULL)
			return -ENOMEM;
		l->state = q;
		l->cap = cap;
	}
	memcpy(l->v[l->n], r->id, TC_PHOTO_ID_LEN);
	l->state[l->n++] = r->state;
	return 0;
}

static void
ids_free(struct ids *l)
{
	tc_free(l->v);
	tc_free(l->state);
}

/* "<32 lower-case hex>.tco" -> id */
static int
parse_obj_name(const char *name, uint8_t id[TC_PHOTO_ID_LEN])
{
	char canon[STORE_NAME_MAX], hex[STORE_HEX_ID];

	if (strlen(name) != 2 * TC_PHOTO_ID_LEN + sizeof(STORE_OBJ_SUFFIX) - 1)
		return -EINVAL;
	memcpy(hex, name, 2 * TC_PHOTO_ID_LEN);
	hex[2 * TC_PHOTO_ID_LEN] = '\0';
	if (tc_hex_decode(hex, id, TC_PHOTO_ID_LEN) != 0)
		return -EINVAL;
	store_obj_name(id, canon);
	return strcmp(canon, name) == 0 ? 0 : -EINVAL;
}

/* Audit, then erase; what the erase cannot do waits for the next open. */
static void
audit_and_erase(struct tc_store *s, const char *name, const char *action, int result,
		const char *detail)
{
	if (store_audit(s, NULL, action, name, result, detail) == 0 &&
	    store_erase_file(s, name) != 0)
		tc_warn("store: %s stays until the next open", name);
}

/*
 * An object with no usable row: keep it only if it is whole and sealed by
 * this device (footer MAC) under the id its name says; lost is the row of
 * a photo previously missing, whose digest and size must match too.
 */
static int
reindex(struct tc_store *s, const char *name, const uint8_t id[TC_PHOTO_ID_LEN],
	const struct tc_store_rec *lost)
{
	uint8_t digest[TC_SHA256_LEN];
	char hex[STORE_HEX_ID], detail[96];
	struct tc_obj_info info;
	struct tc_store_rec r;
	struct stat st;
	int fd, rc;

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	if ((fd = tc_openat(s->objfd, name, O_RDONLY)) < 0)
		return fd;
	rc = tc_obj_verify_device(fd, s->mac_key, &info, digest);
	if (rc == 0 && fstat(fd, &st) != 0)
		rc = -errno;
	close(fd);
	if (rc == -ENOMEM || rc == -EIO)
		return rc;	/* could not judge it: try again next open */
	if (rc == 0 && memcmp(info.photo_id, id, TC_PHOTO_ID_LEN) != 0)
		rc = TC_E_INVAL_INPUT;
	if (rc == 0 && lost && (lost->size != (uint64_t)st.st_size ||
				memcmp(lost->digest, digest, TC_SHA256_LEN) != 0))
		rc = TC_E_STORE_MISMATCH;
	if (rc != 0) {
		/* Not a photo this device can vouch for: never keep it as one. */
		audit_and_erase(s, name, "store.alarm.rejected_object", rc,
				"failed device authentication; erased");
		return 0;
	}
	snprintf(detail, sizeof(detail), "size=%llu", (unsigned long long)st.st_size);
	if (lost) {
		if ((rc = store_audit(s, NULL, "store.reconcile.recovered", hex, 0, detail)) != 0)
			return rc;
		return tc_catalog_transition(s->cat, id, TC_STORE_BIT(TC_PHOTO_LOST),
					     TC_PHOTO_CAPTURED, tc_time_wall_us(), NULL);
	}
	if ((rc = store_audit(s, NULL, "store.reconcile.reindex", hex, 0, detail)) != 0)
		return rc;
	memset(&r, 0, sizeof(r));
	memcpy(r.id, id, TC_PHOTO_ID_LEN);
	r.state = TC_PHOTO_CAPTURED;
	r.size = (uint64_t)st.st_size;
	memcpy(r.digest, digest, TC_SHA256_LEN);
	r.created_us = info.created_us;
	r.stored_us = tc_time_wall_us();
	return tc_catalog_insert(s->cat, &r);
}

static int
finish_intents(struct tc_store *s)
{
	struct ids l = { 0 };
	size_t i;
	int rc;

	rc = tc_catalog_list(s->cat, TC_STORE_BIT(TC_PHOTO_DELETING) |
			     TC_STORE_BIT(TC_PHOTO_DISCARDING), ids_push, &l);
	for (i = 0; rc == 0 && i < l.n; i++)
		if (store_finish_delete(s, l.v[i], l.state[i], NULL, "resumed at open") != 0)
			tc_warn("store: an interrupted delete is still pending");
	ids_free(&l);
	return rc;
}

static int
scan_objects(struct tc_store *s)
{
	struct names l = { 0 };
	uint8_t id[TC_PHOTO_ID_LEN];
	struct tc_store_rec r;
	size_t i;
	int rc;

	if ((rc = list_dir(s->objfd, &l)) != 0)
		goto out;
	for (i = 0; i < l.n; i++) {
		const char *name = l.v[i];

		if (strncmp(name, STORE_TMP_PREFIX, sizeof(STORE_TMP_PREFIX) - 1) == 0) {
			audit_and_erase(s, name, "store.reconcile.partial", 0,
					"partial object from an interrupted capture; erased");
			continue;
		}
		if (store_pool_slot(name) >= 0) {
			/* A slot above the pool's size (the setting was lowered): release it. */
			if ((unsigned)store_pool_slot(name) >= s->pool_max &&
			    store_erase_file(s, name) != 0)
				tc_warn("store: could not release a pool file");
			continue;
		}
		if (parse_obj_name(name, id) != 0) {
			tc_warn("store: ignoring unexpected file in objects/");
			continue;
		}
		rc = tc_catalog_get(s->cat, id, &r);
		if (rc != 0 && rc != TC_E_NOT_FOUND)
			goto out;
		if (rc == TC_E_NOT_FOUND || r.state == TC_PHOTO_LOST) {
			if ((rc = reindex(s, name, id, rc == 0 ? &r : NULL)) != 0)
				tc_warn("store: could not re-index an object: %s", tc_strerror(rc));
		} else if (r.state == TC_PHOTO_DELETED || r.state == TC_PHOTO_DISCARDED) {
			audit_and_erase(s, name, "store.reconcile.stale", 0,
					"object of a deleted photo; erased");
		}
		rc = 0;
	}
out:
	tc_free(l.v);
	return rc;
}

static int
find_lost(struct tc_store *s)
{
	char name[STORE_NAME_MAX], hex[STORE_HEX_ID], detail[96];
	struct ids l = { 0 };
	struct stat st;
	size_t i;
	int rc;

	rc = tc_catalog_list(s->cat, TC_STORE_LIVE, ids_push, &l);
	for (i = 0; rc == 0 && i < l.n; i++) {
		store_obj_name(l.v[i], name);
		if (fstatat(s->objfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
			continue;
		tc_hex_encode(l.v[i], TC_PHOTO_ID_LEN, hex);
		tc_err("store: DATA LOSS: object %s (%s) is missing", hex,
		       tc_store_state_name(l.state[i]));
		snprintf(detail, sizeof(detail), "object missing; was %s",
			 tc_store_state_name(l.state[i]));
		if (store_audit(s, NULL, "store.alarm.data_loss", hex, TC_E_NOT_FOUND, detail) != 0)
			continue;
		if (tc_catalog_transition(s->cat, l.v[i], TC_STORE_LIVE, TC_PHOTO_LOST,
					  tc_time_wall_us(), NULL) != 0)
			tc_warn("store: could not record the loss; will alarm again");
	}
	ids_free(&l);
	return rc;
}

int
store_reconcile(struct tc_store *s)
{
	int rc;

	if ((rc = finish_intents(s)) != 0 || (rc = scan_objects(s)) != 0 ||
	    (rc = find_lost(s)) != 0)
		tc_err("store: reconcile failed: %s", tc_strerror(rc));
	return rc;
}
