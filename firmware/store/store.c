/*
 * store.c - opening and closing the store, quotas, and the read path.
 *
 * Opening checks the directory is private, takes a shared open lock and,
 * when it is the only opener (the exclusive lock is free), reconciles
 * objects and catalog after any crash before anyone else can start.  The
 * read path hands syncd a read-only descriptor and catalog facts; there
 * is no call that returns object bytes, let alone plaintext.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store_int.h"
#include "tc_audit.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

#define DEFAULT_QUOTA_BYTES ((uint64_t)CONFIG_STORE_QUOTA_MB << 20)
#define DEFAULT_QUOTA_PHOTOS ((uint64_t)CONFIG_STORE_QUOTA_PHOTOS)

void
store_obj_name(const uint8_t id[TC_PHOTO_ID_LEN], char name[STORE_NAME_MAX])
{
	tc_hex_encode(id, TC_PHOTO_ID_LEN, name);
	memcpy(name + 2 * TC_PHOTO_ID_LEN, STORE_OBJ_SUFFIX, sizeof(STORE_OBJ_SUFFIX));
}

int
store_audit(struct tc_store *s, const char *actor, const char *action, const char *object,
	    int result, const char *detail)
{
	int rc = tc_audit_append(s->audit, actor ? actor : s->actor, action, object, result,
				 detail ? detail : "");

	if (rc != 0)
		tc_err("store: audit of %s failed: %s", action, tc_strerror(rc));
	return rc;
}

void
tc_store_set_quota(struct tc_store *s, uint64_t quota_bytes, uint64_t quota_photos)
{
	/* A policy may lower the build's limits, never raise them. */
	s->quota_bytes = (quota_bytes == 0 || quota_bytes > DEFAULT_QUOTA_BYTES) ?
		DEFAULT_QUOTA_BYTES : quota_bytes;
	s->quota_photos = (quota_photos == 0 || quota_photos > DEFAULT_QUOTA_PHOTOS) ?
		DEFAULT_QUOTA_PHOTOS : quota_photos;
}

/*
 * Take the store's open lock on the directory descriptor.  Returns 1 if
 * this opener is alone (it holds the exclusive lock and must reconcile,
 * then downgrade), 0 if it shares the store with a running process.
 */
static int
lock_store(int dirfd)
{
	if (flock(dirfd, LOCK_EX | LOCK_NB) == 0)
		return 1;
	if (errno != EWOULDBLOCK)
		return -errno;
	/* Blocks while another opener reconciles under the exclusive lock. */
	while (flock(dirfd, LOCK_SH) != 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

int
tc_store_open(struct tc_store **out, const struct tc_store_config *cfg)
{
	char path[PATH_MAX];
	struct tc_store *s;
	int rc, n, alone;

	*out = NULL;
	if (!cfg || !cfg->dir || !cfg->device_mac_key || !cfg->audit)
		return -EINVAL;
	n = snprintf(path, sizeof(path), "%s/%s", cfg->dir, STORE_OBJ_DIR);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if ((s = tc_calloc(1, sizeof(*s))) == NULL)
		return -ENOMEM;
	s->dirfd = s->objfd = -1;
	s->audit = cfg->audit;
	tc_strlcpy(s->actor, cfg->actor ? cfg->actor : "store", sizeof(s->actor));
	tc_store_set_quota(s, cfg->quota_bytes, cfg->quota_photos);
#ifdef CONFIG_STORE_OVERWRITE_ON_DELETE
	s->overwrite = true;
#endif
	s->pool_max = CONFIG_STORE_FREE_POOL;
	if ((s->mac_key = tc_secure_alloc(TC_DEVICE_MAC_KEY_LEN)) == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	memcpy(s->mac_key, cfg->device_mac_key, TC_DEVICE_MAC_KEY_LEN);
	if ((s->dirfd = tc_open_private_dir(cfg->dir, 1)) < 0) {
		rc = s->dirfd;
		tc_err("store: %s: %s", cfg->dir, tc_strerror(rc));
		goto fail;
	}
	if ((alone = lock_store(s->dirfd)) < 0) {
		rc = alone;
		goto fail;
	}
	if ((s->objfd = tc_open_private_dir(path, 1)) < 0) {
		rc = s->objfd;
		tc_err("store: %s: %s", path, tc_strerror(rc));
		goto fail;
	}
	if ((rc = tc_catalog_open(&s->cat, s->dirfd, cfg->dir)) != 0)
		goto fail;
	if (alone) {
		if ((rc = store_reconcile(s)) != 0)
			goto fail;
		/* Let syncd and camctl in; not atomic, but nothing is in flight yet. */
		if (flock(s->dirfd, LOCK_SH) != 0) {
			rc = -errno;
			goto fail;
		}
	}
	*out = s;
	return 0;
fail:
	tc_store_close(s);
	return rc;
}

void
tc_store_close(struct tc_store *s)
{
	if (!s)
		return;
	/* An unfinished batch is only deleting rows: the next open finishes it otherwise. */
	if (s->cat && s->batch_n > 0 && tc_store_delete_flush(s, NULL) != 0)
		tc_warn("store: a delete batch is left for the next open");
	if (s->cat && s->checkpoint_pending && tc_catalog_checkpoint(s->cat) != 0)
		tc_warn("store: WAL still not truncated at close");
	tc_catalog_close(s->cat);
	if (s->objfd >= 0)
		close(s->objfd);
	if (s->dirfd >= 0)
		close(s->dirfd);	/* releases the open lock */
	tc_secure_free(s->mac_key);
	tc_free(s);
}

#ifdef CONFIG_FAULT_INJECTION
void
tc_store_test_overwrite(struct tc_store *s, bool on)
{
	s->overwrite = on;
}

void
tc_store_test_pool(struct tc_store *s, unsigned slots)
{
	s->pool_max = slots;
	s->pool_put_next = s->pool_take_next = 0;
	s->pool_full = false;
}
#endif

int
tc_store_checkpoint(struct tc_store *s)
{
	int rc = tc_catalog_checkpoint(s->cat);

	s->checkpoint_pending = rc != 0;
	return rc;
}

int
tc_store_open_object(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], int *fd,
		     uint64_t *size)
{
	char name[STORE_NAME_MAX];
	struct tc_store_rec r;
	struct stat st;
	int rc, f;

	*fd = -1;
	*size = 0;
	if ((rc = tc_catalog_get(s->cat, id, &r)) != 0)
		return rc;
	if (!(TC_STORE_BIT(r.state) & TC_STORE_LIVE))
		return TC_E_STATE;
	store_obj_name(id, name);
	if ((f = tc_openat(s->objfd, name, O_RDONLY)) < 0)
		return f;
	if (fstat(f, &st) != 0) {
		rc = -errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != r.size) {
		tc_err("store: object %s does not match its catalog row", name);
		rc = TC_E_STORE_MISMATCH;
		goto fail;
	}
	*fd = f;
	*size = r.size;
	return 0;
fail:
	close(f);
	return rc;
}

int
tc_store_get(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], struct tc_store_rec *rec)
{
	return tc_catalog_get(s->cat, id, rec);
}

int
tc_store_get_receipt(struct tc_store *s, const uint8_t id[TC_PHOTO_ID_LEN], uint8_t *buf,
		     size_t cap, size_t *len)
{
	return tc_catalog_get_receipt(s->cat, id, buf, cap, len);
}

int
tc_store_list(struct tc_store *s, tc_store_list_fn cb, void *ctx)
{
	return tc_catalog_list(s->cat, TC_STORE_ALL, cb, ctx);
}

int
tc_store_list_states(struct tc_store *s, unsigned mask, tc_store_list_fn cb, void *ctx)
{
	return tc_catalog_list(s->cat, mask, cb, ctx);
}

int
tc_store_stats(struct tc_store *s, struct tc_store_stats *st)
{
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = tc_catalog_stats(s->cat, st)) != 0)
		return rc;
	st->unsynced = st->count[TC_PHOTO_CAPTURED] + st->count[TC_PHOTO_UPLOADING];
	for (int i = TC_PHOTO_CAPTURED; i < TC_PHOTO_NSTATES; i++) {
		if (TC_STORE_BIT(i) & TC_STORE_HELD) {
			st->used_photos += st->count[i];
			st->used_bytes += st->bytes[i];
		}
	}
	st->quota_photos = s->quota_photos;
	st->quota_bytes = s->quota_bytes;
	return 0;
}

const char *
tc_store_state_name(enum tc_photo_state st)
{
	static const char *const names[TC_PHOTO_NSTATES] = {
		[TC_PHOTO_CAPTURED] = "captured", [TC_PHOTO_UPLOADING] = "uploading",
		[TC_PHOTO_RECEIPTED] = "receipted", [TC_PHOTO_DELETING] = "deleting",
		[TC_PHOTO_DISCARDING] = "discarding", [TC_PHOTO_DELETED] = "deleted",
		[TC_PHOTO_DISCARDED] = "discarded", [TC_PHOTO_LOST] = "lost",
	};

	if ((int)st < TC_PHOTO_CAPTURED || (int)st >= TC_PHOTO_NSTATES)
		return "invalid";
	return names[st];
}
