/*
 * pool.c - crypto-erased object files kept for the next captures.
 *
 * Freeing a 5 MB object's blocks (the hole punch or the unlink) was the
 * biggest device-side cost of a sync pass's delete, and the next capture
 * allocated as many blocks again.  So a deleted object whose key-wrap
 * records were found, overwritten with random bytes and fsynced (no key
 * anywhere opens it: the cryptographic erase is complete) is renamed to a
 * pool slot, objects/.free-NNN, instead of being released; a capture takes
 * a slot (renamed to its .tmp-<random>) and writes over it from offset 0,
 * truncating it to the new object's size at commit.
 *
 * Bounded: the slots are .free-000 .. .free-<pool_max - 1>, claimed with
 * renameat2(RENAME_NOREPLACE), so two processes (photod takes, syncd
 * puts) never share one and the pool never holds more than pool_max
 * files.  A delete that finds every slot taken releases and unlinks as
 * before.  Files enter the pool only from deletes and leave it only to
 * captures, so it never makes the store bigger than its photos made it.
 *
 * Not pooled: a capture's aborted temporary and what reconcile erases
 * (only deleted photos' files are), a file whose wrap records were not found (a header that
 * does not parse might still hold a wrap; only the hole punch covers
 * every byte), and anything with CONFIG_STORE_OVERWRITE_ON_DELETE (the
 * option exists to rewrite blocks in place, then release them).
 *
 * Crash safety: a slot holds only crypto-erased ciphertext, and its
 * rename is made durable by the delete's directory fsync before the
 * tombstone; a rename lost to a power cut leaves <id>.tco with its wraps
 * erased and its row deleting, erased again at the next open.  A slot
 * taken by a capture is that capture's .tmp-<random>, erased at the next
 * open if the capture did not commit.
 *
 * A full file system (ENOSPC in a capture) releases the whole pool, so
 * that the audit log and the catalog get the space back.
 */
#define _GNU_SOURCE /* renameat2 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "store_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

/* Slots a capture tries before it creates a new file: a bounded cost when the pool is empty. */
#define POOL_TAKE_PROBES 8u

static void
slot_name(unsigned k, char name[STORE_NAME_MAX])
{
	snprintf(name, STORE_NAME_MAX, "%s%03u", STORE_POOL_PREFIX, k);
}

static int
rename_noreplace(int dirfd, const char *from, const char *to)
{
	int e = tc_fault_hit(TC_FAULT_RENAME);

	if (e)
		return e;
	return renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) == 0 ? 0 : -errno;
}

int
store_pool_slot(const char *name)
{
	size_t n = sizeof(STORE_POOL_PREFIX) - 1;
	unsigned k = 0;
	int i;

	if (strncmp(name, STORE_POOL_PREFIX, n) != 0 || strlen(name) != n + 3)
		return -1;
	for (i = 0; i < 3; i++) {
		if (name[n + i] < '0' || name[n + i] > '9')
			return -1;
		k = 10 * k + (unsigned)(name[n + i] - '0');
	}
	return (int)k;
}

int
store_pool_put(struct tc_store *s, const char *name)
{
	char slot[STORE_NAME_MAX];
	unsigned i, k;
	int rc;

	if (s->pool_max == 0 || s->overwrite || s->pool_full)
		return -ENOSPC;
	for (i = 0; i < s->pool_max; i++) {
		k = (s->pool_put_next + i) % s->pool_max;
		slot_name(k, slot);
		rc = rename_noreplace(s->objfd, name, slot);
		if (rc == -EEXIST)
			continue;
		if (rc == 0)
			s->pool_put_next = k + 1;
		return rc;
	}
	s->pool_full = true;	/* until the next batch: no full scan per photo */
	return -ENOSPC;
}

int
store_pool_take(struct tc_store *s, const char *tmp, int *fd)
{
	char slot[STORE_NAME_MAX];
	uint64_t size;
	unsigned i, k;
	int rc;

	*fd = -1;
	if (s->pool_max == 0 || s->overwrite)
		return -ENOENT;
	for (i = 0; i < POOL_TAKE_PROBES && i < s->pool_max; i++) {
		k = (s->pool_take_next + i) % s->pool_max;
		slot_name(k, slot);
		if ((rc = rename_noreplace(s->objfd, slot, tmp)) == -ENOENT)
			continue;
		if (rc != 0)
			return rc;
		s->pool_take_next = k + 1;
		tc_fault_point("store.commit.reused");
		/* From here the file is this capture's temporary: abort and reconcile erase it. */
		if ((rc = store_open_rw(s, tmp, fd, &size)) != 0)
			return rc;
		return *fd >= 0 ? 0 : -EIO;	/* renamed, then gone: not ours to guess why */
	}
	s->pool_take_next = (s->pool_take_next + i) % s->pool_max;
	return -ENOENT;
}

void
store_pool_drain(struct tc_store *s)
{
	char slot[STORE_NAME_MAX];
	unsigned k, n = 0;

	for (k = 0; k < STORE_POOL_SLOTS_MAX; k++) {
		slot_name(k, slot);
		if (unlinkat(s->objfd, slot, 0) == 0)
			n++;
		else if (errno != ENOENT)
			tc_warn("store: pool file %s not released: %s", slot, tc_strerror(-errno));
	}
	if (n > 0 && tc_fsync_dir(s->objfd) != 0)
		tc_warn("store: released pool files not yet durable");
	if (n > 0)
		tc_warn("store: file system full: %u pool file(s) released", n);
}
