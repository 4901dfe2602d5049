/*
 * store_int.h - internal to firmware/store: the store handle and the
 * helpers its files share.  Nothing outside this folder includes it.
 */
#ifndef TC_STORE_INT_H
#define TC_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "catalog.h"
#include "tc_store.h"

#define STORE_OBJ_DIR "objects"
#define STORE_OBJ_SUFFIX ".tco"
#define STORE_TMP_PREFIX ".tmp-"
#define STORE_POOL_PREFIX ".free-"	/* + 3 digits: a pool slot (pool.c) */
#define STORE_POOL_SLOTS_MAX 1000
/* "<32 hex>.tco" and ".tmp-<32 hex>", with the NUL */
#define STORE_NAME_MAX 48
#define STORE_ACTOR_MAX 64
#define STORE_HEX_ID (2 * TC_PHOTO_ID_LEN + 1)
#define STORE_BATCH_MAX CONFIG_STORE_DELETE_BATCH

struct tc_store {
	int dirfd;			/* the store dir; holds the open lock (flock) */
	int objfd;			/* objects/ */
	struct tc_catalog *cat;
	struct tc_audit *audit;
	uint8_t *mac_key;		/* tc_secure_alloc'd copy */
	uint64_t quota_bytes, quota_photos;
	char actor[STORE_ACTOR_MAX];
	bool checkpoint_pending;	/* a delete could not truncate the WAL */
	bool overwrite;			/* CONFIG_STORE_OVERWRITE_ON_DELETE (tests may switch it) */
	/* Pool of crypto-erased files for captures (pool.c): slots, where to try next. */
	unsigned pool_max, pool_put_next, pool_take_next;
	bool pool_full;			/* every slot was taken at the last put (reset per batch) */
	/* Queued for tc_store_delete_flush (rows receipted or deleting, nothing erased yet). */
	uint8_t batch[STORE_BATCH_MAX][TC_PHOTO_ID_LEN];
	size_t batch_n;
	uint64_t batch_t0_us;		/* monotonic time of the batch's first photo */
};

struct tc_store_writer {
	int fd;
	char tmp[STORE_NAME_MAX];
	uint64_t written;
	uint64_t limit;			/* bytes this object may take before the quota */
	bool reused;			/* a pool file: truncated to the object's size at commit */
	int err;			/* sticky: the first sink failure */
};

/* "<hex>.tco" for id. */
void store_obj_name(const uint8_t id[TC_PHOTO_ID_LEN], char name[STORE_NAME_MAX]);

/*
 * Erase objects/name: overwrite its key-wrap records with random bytes
 * (if its header parses) and fsync -- the cryptographic erase -- then
 * punch a hole over it (or, with CONFIG_STORE_OVERWRITE_ON_DELETE, write
 * the whole file with zeros and fsync), unlink, fsync objects/.  A
 * missing file is not an error (a crash may have come after the unlink).
 * Never pools: this is for aborted captures, unknown or stale files and
 * pool files being released (a deleted photo's file goes through
 * store_finish_delete or a batch, which may pool it).
 */
int store_erase_file(struct tc_store *s, const char *name) TC_MUST_CHECK;

/*
 * Finish the delete of a photo whose row is in intent state (deleting or
 * discarding): erase its object, audit (action, actor), write the
 * tombstone state, truncate the WAL.  See erase.c.
 */
int store_finish_delete(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN],
			enum tc_photo_state intent, const char *actor, const char *detail)
	TC_MUST_CHECK;

/*
 * Open objects/name read-write, a regular file (else TC_E_UNSAFE_PATH),
 * with its size: 0 with *fd = -1 if it is gone (to erase: a crash came
 * after the unlink), or an error.
 */
int store_open_rw(struct tc_store *s, const char *name, int *fd, uint64_t *size) TC_MUST_CHECK;

/*
 * The pool (pool.c).  store_pool_put: rename objects/name (its wraps
 * erased and synced) into a free slot: 0, -ENOSPC (no slot free, or no
 * pool), or a rename error; the caller releases and unlinks instead.
 * store_pool_take: rename a slot to objects/tmp and open it (*fd):
 * 0, -ENOENT (none found), or an error after which tmp may exist.
 * store_pool_slot: the slot number of a pool name, or -1.
 * store_pool_drain: unlink every pool file (crypto-erased already) and
 * fsync objects/, when the file system is full.
 */
int store_pool_put(struct tc_store *s, const char *name) TC_MUST_CHECK;
int store_pool_take(struct tc_store *s, const char *tmp, int *fd) TC_MUST_CHECK;
int store_pool_slot(const char *name);
void store_pool_drain(struct tc_store *s);

/* Reconcile objects/ and the catalog after a crash (reconcile.c). */
int store_reconcile(struct tc_store *s) TC_MUST_CHECK;

/* Audit one store event; object is a photo id (hex) or a file name. */
int store_audit(struct tc_store *s, const char *actor, const char *action,
		const char *object, int result, const char *detail) TC_MUST_CHECK;

#endif /* TC_STORE_INT_H */
