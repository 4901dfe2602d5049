/*
 * lifecycle.c - the photo lifecycle: its states, legal transitions and
 * debug-build invariant checks.
 *
 *                 tc_store_commit
 *                 (or reconcile: re-index)
 *                        |
 *                        v           tc_store_discard
 *     +--------------> CAPTURED ----------------------> DISCARDING ---> DISCARDED
 *     |                  |                              (intent)   erase  (tombstone)
 *     | upload_failed    | mark_uploading                  ^
 *     |                  v                                 | open: finish
 *     +------------- UPLOADING --+ mark_uploading (retry: resumable upload)
 *                        |   ^---+
 *                        | mark_receipted (receipt covers digest+size)
 *                        v
 *                    RECEIPTED ---------------------> DELETING ------> DELETED
 *                             tc_store_secure_delete  (intent)   erase  (tombstone)
 *                                                        ^
 *                                                        | open: finish
 *
 *     CAPTURED | UPLOADING | RECEIPTED --(open: object missing)--> LOST (tombstone,
 *     LOST --(open: the object is back and authenticates)--> CAPTURED    data-loss alarm)
 *
 * | from                 | to          | function                          |
 * |----------------------|-------------|-----------------------------------|
 * | (none)               | captured    | tc_store_commit; store_reconcile  |
 * | captured             | uploading   | tc_store_mark_uploading           |
 * | uploading            | uploading   | tc_store_mark_uploading (retry)   |
 * | uploading            | captured    | tc_store_upload_failed            |
 * | uploading            | receipted   | tc_store_mark_receipted           |
 * | uploading            | deleting    | tc_store_mark_receipted, delete_now |
 * | receipted, deleting  | deleting    | tc_store_delete_add (batch intent) |
 * | receipted, deleting  | deleting    | tc_store_secure_delete (intent)   |
 * | deleting             | deleted     | store_finish_delete, tc_store_delete_flush |
 * | captured, discarding | discarding  | tc_store_discard (intent)         |
 * | discarding           | discarded   | store_finish_delete (erase.c)     |
 * | captured..receipted  | lost        | store_reconcile (alarm)           |
 * | lost                 | captured    | store_reconcile (re-index)        |
 *
 * Anything else is TC_E_STATE.  upload_failed returns a photo to captured
 * so the queue shows it as waiting; mark_uploading from uploading is also
 * legal because syncd, restarted mid-upload, resumes at the server's
 * offset.  The intent states make a delete irrevocable once begun: a
 * crash or an I/O error leaves the photo in deleting/discarding, and the
 * next call or the next open finishes the erase.  Tombstones keep id,
 * digest, size, times and the receipt -- never key material, never
 * metadata.
 *
 * Invariants (tc_store_assert_state, CONFIG_DEBUG):
 *   captured, uploading, receipted => objects/<id>.tco exists, is a 0600
 *                                     regular file of exactly row.size bytes
 *   deleted, discarded, lost       => no object file
 *   deleting, discarding           => either (mid-erase)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

int
tc_store_mark_uploading(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	int rc = tc_catalog_transition(s->cat, id,
				       TC_STORE_BIT(TC_PHOTO_CAPTURED) | TC_STORE_BIT(TC_PHOTO_UPLOADING),
				       TC_PHOTO_UPLOADING, tc_time_wall_us(), NULL);

	if (rc == 0)
		tc_store_assert_state(s, id);
	return rc;
}

int
tc_store_upload_failed(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	int rc = tc_catalog_transition(s->cat, id, TC_STORE_BIT(TC_PHOTO_UPLOADING),
				       TC_PHOTO_CAPTURED, tc_time_wall_us(), NULL);

	if (rc == 0)
		tc_store_assert_state(s, id);
	return rc;
}

int
tc_store_mark_receipted(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
			const struct tc_store_receipt *r)
{
	int rc;

	if (!r)
		return -EINVAL;
	rc = tc_catalog_set_receipt(s->cat, id, r, tc_time_wall_us());
	if (rc == 0)
		tc_store_assert_state(s, id);
	return rc;
}

/* Record the intent (idempotent when resuming), then run the erase protocol. */
static int
begin_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], enum tc_photo_state from,
	     enum tc_photo_state intent, const char *actor)
{
	enum tc_photo_state prev;
	int rc;

	rc = tc_catalog_transition(s->cat, id, TC_STORE_BIT(from) | TC_STORE_BIT(intent), intent,
				   tc_time_wall_us(), &prev);
	if (rc != 0)
		return rc;
	tc_fault_point("store.delete.intent");
	return store_finish_delete(s, id, intent, actor,
				   prev == intent ? "resumed" : "");
}

/* A batch of one (whatever else the handle's batch holds is finished with it). */
int
tc_store_secure_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	int rc = tc_store_delete_add(s, id);

	return rc ? rc : tc_store_delete_flush(s, NULL);
}

int
tc_store_discard(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], const char *actor)
{
	return begin_delete(s, id, TC_PHOTO_CAPTURED, TC_PHOTO_DISCARDING, actor);
}

#ifdef CONFIG_DEBUG
static void
violation(const char *hex, const struct tc_store_rec *r, const char *what)
{
	tc_err("store: invariant violated for %s in state %s: %s", hex,
	       tc_store_state_name(r->state), what);
	abort();
}

void
tc_store_assert_state(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	char name[STORE_NAME_MAX], hex[STORE_HEX_ID];
	struct tc_store_rec r;
	struct stat st;
	int rc, exists;

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	rc = tc_catalog_get(s->cat, id, &r);
	if (rc == TC_E_NOT_FOUND) {
		memset(&r, 0, sizeof(r));
		violation(hex, &r, "no catalog row");
	}
	if (rc != 0)
		return;		/* the catalog could not be read (e.g. ENOMEM): nothing to judge */
	store_obj_name(id, name);
	if (fstatat(s->objfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		exists = 1;
	else if (errno == ENOENT)
		exists = 0;
	else
		return;
	switch (r.state) {
	case TC_PHOTO_CAPTURED:
	case TC_PHOTO_UPLOADING:
	case TC_PHOTO_RECEIPTED:
		if (!exists)
			violation(hex, &r, "object file missing");
		if (!S_ISREG(st.st_mode) || (st.st_mode & 0777) != 0600)
			violation(hex, &r, "object is not a 0600 regular file");
		if ((uint64_t)st.st_size != r.size)
			violation(hex, &r, "object size differs from the catalog");
		break;
	case TC_PHOTO_DELETED:
	case TC_PHOTO_DISCARDED:
	case TC_PHOTO_LOST:
		if (exists)
			violation(hex, &r, "tombstone with an object file");
		break;
	case TC_PHOTO_DELETING:
	case TC_PHOTO_DISCARDING:
		break;
	default:
		violation(hex, &r, "unknown state");
	}
}
#endif /* CONFIG_DEBUG */
