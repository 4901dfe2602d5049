/*
 * tc_store.h - the device's photo store: sealed objects in files and a
 * SQLite catalog of their ids, sizes, digests, states and times.
 *
 * photod writes through tc_store_begin/tc_store_sink/tc_store_commit
 * (the sealer streams straight into a temporary file, so no plaintext and
 * no whole object ever sits in RAM); syncd reads objects, records uploads
 * and receipts, and securely deletes after a verified receipt.  The store
 * never sees plaintext and the catalog never holds metadata (no pupil
 * refs, names or events): only what the object header shows anyway.
 *
 * Several processes may open one store; the first opener (the one that
 * gets the exclusive lock) reconciles files and catalog after a crash.
 * One struct tc_store is used by one thread at a time.
 * The on-disk layout, schema and protocols are in this folder's README.
 */
#ifndef TC_STORE_H
#define TC_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "autoconf.h"
#include "tc_err.h"
#include "tc_seal.h"

struct tc_audit;
struct tc_store;
struct tc_store_writer;

/* The lifecycle (drawn in lifecycle.c).  Values are stored in the catalog. */
enum tc_photo_state {
	TC_PHOTO_CAPTURED = 1,	/* sealed and committed, not yet at the server */
	TC_PHOTO_UPLOADING = 2,	/* syncd is sending it */
	TC_PHOTO_RECEIPTED = 3,	/* the server's signed receipt is recorded */
	TC_PHOTO_DELETING = 4,	/* intent: secure delete of a receipted photo begun */
	TC_PHOTO_DISCARDING = 5,	/* intent: discard of a captured photo begun */
	TC_PHOTO_DELETED = 6,	/* tombstone: securely deleted after its receipt */
	TC_PHOTO_DISCARDED = 7,	/* tombstone: removed by staff before sync */
	TC_PHOTO_LOST = 8,	/* tombstone: its object vanished (data-loss alarm) */
};
#define TC_PHOTO_NSTATES 9	/* array size for per-state tables; [0] unused */
#define TC_STORE_BIT(state) (1u << (state))
/* States whose object must exist on disk. */
#define TC_STORE_LIVE (TC_STORE_BIT(TC_PHOTO_CAPTURED) | TC_STORE_BIT(TC_PHOTO_UPLOADING) | \
		       TC_STORE_BIT(TC_PHOTO_RECEIPTED))
/* States that count against the quota: everything not yet gone. */
#define TC_STORE_HELD (TC_STORE_LIVE | TC_STORE_BIT(TC_PHOTO_DELETING) | \
		       TC_STORE_BIT(TC_PHOTO_DISCARDING))
#define TC_STORE_ALL 0x1feu

#define TC_STORE_RECEIPT_MAX 4096	/* bytes of receipt blob the catalog keeps */

struct tc_store_config {
	const char *dir;		/* private directory (created 0700 if missing) */
	const uint8_t *device_mac_key;	/* TC_DEVICE_MAC_KEY_LEN bytes, copied */
	struct tc_audit *audit;		/* required: alarms, discards, deletes */
	uint64_t quota_bytes;		/* 0: CONFIG_STORE_QUOTA_MB MiB; higher is clamped */
	uint64_t quota_photos;		/* 0: CONFIG_STORE_QUOTA_PHOTOS; higher is clamped */
	const char *actor;		/* audit actor for the store's own entries; NULL: "store" */
};

/* One catalog row.  Never content: nothing here is secret or personal. */
struct tc_store_rec {
	uint8_t id[TC_PHOTO_ID_LEN];
	enum tc_photo_state state;
	uint64_t size;			/* bytes of the sealed object */
	uint8_t digest[TC_SHA256_LEN];	/* SHA-256 of the sealed object */
	uint64_t created_us;		/* capture time, as sealed in the header */
	uint64_t stored_us;		/* when the store committed or re-indexed it */
	uint64_t state_us;		/* last state change */
	uint64_t receipt_seq;		/* server ledger sequence; 0 before the receipt */
	uint64_t receipt_time_us;	/* server time of the receipt; 0 before */
};

/*
 * What syncd hands over after it has verified a receipt's signature.
 * digest and size are the values the receipt signs: the store refuses a
 * receipt that does not cover the object it holds (TC_E_STORE_MISMATCH).
 */
struct tc_store_receipt {
	uint64_t ledger_seq;
	uint64_t server_time_us;
	uint8_t digest[TC_SHA256_LEN];
	uint64_t size;
	const uint8_t *blob;		/* the signed receipt, kept with the tombstone */
	size_t blob_len;		/* 1..TC_STORE_RECEIPT_MAX */
	bool delete_now;		/* R2: record the delete intent with the receipt */
};

struct tc_store_stats {
	uint64_t count[TC_PHOTO_NSTATES];	/* rows per state */
	uint64_t bytes[TC_PHOTO_NSTATES];	/* object bytes per state */
	uint64_t unsynced;			/* captured + uploading */
	uint64_t oldest_unsynced_us;		/* created_us of the oldest, 0 if none */
	uint64_t used_photos, used_bytes;	/* what the quota counts (TC_STORE_HELD) */
	uint64_t quota_photos, quota_bytes;	/* the limits in force */
};

/* Return non-zero to stop the listing (tc_store_list then returns it). */
typedef int (*tc_store_list_fn)(void *ctx, const struct tc_store_rec *rec);

/*
 * Open the store in cfg->dir, creating it (and objects/, catalog.db) if
 * missing.  Refuses an unsafe dir (symlink, other owner, group/other bits)
 * with TC_E_UNSAFE_PATH and a catalog newer than this firmware with
 * TC_E_SCHEMA.  If no other process has the store open it reconciles
 * files and catalog first (see README), auditing what it finds; an audit
 * failure there fails the open.
 */
int tc_store_open(struct tc_store **out, const struct tc_store_config *cfg) TC_MUST_CHECK;
void tc_store_close(struct tc_store *s);

/* Apply a policy's limits: 0 keeps the default; above the default is clamped. */
void tc_store_set_quota(struct tc_store *s, uint64_t quota_bytes, uint64_t quota_photos);

/*
 * Write path (photod).  tc_store_begin() checks the quota (TC_E_QUOTA)
 * and creates objects/.tmp-<random>; pass tc_store_sink and *w to
 * tc_seal_begin().  The sink refuses bytes past the byte quota.  End with
 * exactly one of tc_store_commit() or tc_store_abort(); both free w.
 * tc_store_commit(): size must equal the bytes the sink received and id
 * the object header's photo id (TC_E_INVAL_INPUT); on any error the
 * temporary or renamed object is erased (or, if even that fails, left for
 * the next open's reconcile to re-index) and the photo is not captured.
 */
int tc_store_begin(struct tc_store *s, struct tc_store_writer **w) TC_MUST_CHECK;
int tc_store_sink(void *w, const void *buf, size_t len) TC_MUST_CHECK;
int tc_store_commit(struct tc_store *s, struct tc_store_writer *w,
		    const uint8_t id[TC_PHOTO_ID_LEN], const uint8_t digest[TC_SHA256_LEN],
		    uint64_t size, uint64_t created_us) TC_MUST_CHECK;
void tc_store_abort(struct tc_store *s, struct tc_store_writer *w);

/*
 * Transitions (syncd, photod).  TC_E_NOT_FOUND for an unknown id,
 * TC_E_STATE when the photo's state does not allow the transition.
 *   mark_uploading: captured -> uploading, or uploading -> uploading (retry)
 *   upload_failed:  uploading -> captured
 *   mark_receipted: uploading -> receipted (receipt must cover the object),
 *                   or -> deleting (the delete intent) if r->delete_now
 *   secure_delete:  receipted -> deleting -> deleted   (resumes a deleting photo)
 *   discard:        captured -> discarding -> discarded (resumes; actor is audited)
 * secure_delete/discard return 0 once the object and its key-wrap records
 * are gone, the delete is audited and the tombstone is written.  If only
 * the final WAL truncation fails, its error is returned (-EBUSY when a
 * reader held the WAL) with the photo already deleted: tc_store_get()
 * shows the tombstone and tc_store_checkpoint() (or close) retries.  Any
 * earlier error leaves the photo in its intent state (deleting or
 * discarding), which the next call or the next open finishes; an error
 * before the intent leaves it untouched.
 */
int tc_store_mark_uploading(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN]) TC_MUST_CHECK;
int tc_store_upload_failed(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN]) TC_MUST_CHECK;
int tc_store_mark_receipted(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
			    const struct tc_store_receipt *r) TC_MUST_CHECK;
int tc_store_secure_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN]) TC_MUST_CHECK;
int tc_store_discard(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
		     const char *actor) TC_MUST_CHECK;
/*
 * Batched secure delete (syncd): tc_store_delete_add() checks that the
 * photo is receipted or deleting (else TC_E_STATE) and queues it in the
 * handle's batch; it writes nothing.  tc_store_delete_flush() deletes the
 * batch, each step for every photo before the next (erase.c): the
 * intents in one synced transaction (which also makes durable the
 * delete_now receipts recorded before it without a sync), the key-wrap
 * records erased and synced, blocks released, unlinked, one fsync of
 * objects/, the audit entries in one write, the tombstones in one
 * transaction, one WAL truncation; *deleted (may be NULL) gets how many
 * photos it finished.  tc_store_delete_due() says when the batch is full
 * (CONFIG_STORE_DELETE_BATCH) or its oldest photo has waited
 * CONFIG_STORE_DELETE_BATCH_MS (add flushes a full batch itself first).
 * Call flush before reporting a pass done.  A photo whose erase fails is
 * audited and left deleting, the first such error returned once the rest
 * are done; any other error drops the batch with the rows as they were
 * (receipted or deleting), finished by the next add, the next
 * secure_delete or the next open; -EBUSY from flush means deleted, WAL
 * not yet truncated.  tc_store_secure_delete() is add then flush.
 */
int tc_store_delete_add(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN]) TC_MUST_CHECK;
int tc_store_delete_flush(struct tc_store *s, size_t *deleted) TC_MUST_CHECK;
bool tc_store_delete_due(const struct tc_store *s);
size_t tc_store_delete_pending(const struct tc_store *s);

#ifdef CONFIG_FAULT_INJECTION
/* Tests: erase with (on) or without the whole-file overwrite, whatever the build says. */
void tc_store_test_overwrite(struct tc_store *s, bool on);
/* Fault-injection builds only: the pool's slots (CONFIG_STORE_FREE_POOL; 0 = no pool). */
void tc_store_test_pool(struct tc_store *s, unsigned slots);
#endif

/* PRAGMA wal_checkpoint(TRUNCATE); -EBUSY if a reader kept it from finishing. */
int tc_store_checkpoint(struct tc_store *s) TC_MUST_CHECK;

/*
 * Read path (syncd).  open_object: a read-only descriptor of a captured,
 * uploading or receipted object and its size (checked against the
 * catalog: TC_E_STORE_MISMATCH); the caller closes it.
 */
int tc_store_open_object(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
			 int *fd, uint64_t *size) TC_MUST_CHECK;
int tc_store_get(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
		 struct tc_store_rec *rec) TC_MUST_CHECK;
/* The receipt blob of a receipted or deleted photo; -ENOBUFS if cap is short. */
int tc_store_get_receipt(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
			 uint8_t *buf, size_t cap, size_t *len) TC_MUST_CHECK;
/*
 * Every row (tombstones too), or those whose state is in mask
 * (TC_STORE_BIT()s), oldest capture first.  cb must not call into s.
 */
int tc_store_list(struct tc_store *s, tc_store_list_fn cb, void *ctx) TC_MUST_CHECK;
int tc_store_list_states(struct tc_store *s, unsigned mask, tc_store_list_fn cb,
			 void *ctx) TC_MUST_CHECK;
int tc_store_stats(struct tc_store *s, struct tc_store_stats *st) TC_MUST_CHECK;

const char *tc_store_state_name(enum tc_photo_state st);

/*
 * Debug builds: abort() unless the photo's row and object agree with the
 * lifecycle invariants (see lifecycle.c).  Compiled out otherwise.
 */
#ifdef CONFIG_DEBUG
void tc_store_assert_state(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN]);
#else
static inline void
tc_store_assert_state(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN])
{
	(void)s;
	(void)id;
}
#endif

#endif /* TC_STORE_H */
