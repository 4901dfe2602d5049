/*
 * syncd_delete.c - the deleter thread: secure delete of receipted photos,
 * overlapped with the next upload, finished in batches.
 *
 * The pass thread queues a photo only after its receipt was verified and
 * recorded (with the delete intent when R2 says the delete is due now),
 * and the store refuses to delete anything not receipted or deleting
 * (TC_E_STATE), so no path deletes without a verified receipt.  Each
 * queued photo is added to the store's batch (tc_store_delete_add: a
 * state check, nothing written); the batch is deleted in one go
 * (tc_store_delete_flush: intents, wrap erase, block release, unlink,
 * directory fsync, audit, tombstones, WAL truncation, each step for
 * every photo so the syncs are shared) when CONFIG_STORE_DELETE_BATCH
 * photos wait, when the oldest has waited CONFIG_STORE_DELETE_BATCH_MS,
 * and always when the pass drains (syncd_delete_wait) before it reports
 * done, so R2 holds: on an approved device a photo is gone before its
 * pass ends.
 * The receipts' sync.receipt audit entries are batched the same way
 * (syncd_note_receipt): written in one durable audit write before each
 * batch is flushed, so every photo of the batch has its receipt entry in
 * the log before any wrap is erased, and at the end of the pass.  A
 * kill -9 or a power cut loses the notes not yet written (at most one
 * batch's: SYNCD_NOTES, CONFIG_STORE_DELETE_BATCH_MS); the receipts
 * themselves are in the catalog, and each delete has its store.delete
 * entry, written before its tombstone.
 * The thread has its own store handle (one handle, one thread).  A queue
 * of SYNCD_QUEUE ids: the pass thread waits only when the deleter is that
 * far behind.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "autoconf.h"
#include "syncd.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

/* Note the first error of the pass; dmu held. */
static void
note_error(struct syncd *d, int rc)
{
	if (rc != 0 && d->del_err == 0)
		d->del_err = rc;
}

/* Write the notes waiting, in one audit write (dmu not held). */
static void
notes_write(struct syncd *d)
{
	struct syncd_note v[SYNCD_NOTES];
	struct tc_audit_item items[SYNCD_NOTES];
	char hex[SYNCD_NOTES][2 * TC_PHOTO_ID_LEN + 1];
	uint64_t t0;
	size_t n, i;
	int rc;

	pthread_mutex_lock(&d->nmu);
	pthread_mutex_lock(&d->dmu);
	n = d->nnotes;
	memcpy(v, d->notes, n * sizeof(v[0]));
	d->nnotes = 0;
	pthread_mutex_unlock(&d->dmu);
	if (n > 0) {
		t0 = tc_time_mono_us();
		for (i = 0; i < n; i++) {
			tc_hex_encode(v[i].id, TC_PHOTO_ID_LEN, hex[i]);
			items[i] = (struct tc_audit_item){ "syncd", "sync.receipt", hex[i], 0,
							   v[i].detail };
		}
		rc = tc_audit_append_many(d->audit, items, n);
		/* Benchmarks (sync-overhead) read this line: part of recording the receipts. */
		tc_debug("receipt audit of %zu entries written in %llu us", n,
			 (unsigned long long)(tc_time_mono_us() - t0));
		if (rc != 0)
			tc_err("audit sync.receipt (%zu entries): %s", n, tc_strerror(rc));
	}
	pthread_mutex_unlock(&d->nmu);
}

void
syncd_note_receipt(struct syncd *d, const uint8_t id[TC_PHOTO_ID_LEN], const char *detail)
{
	pthread_mutex_lock(&d->dmu);
	while (d->nnotes == SYNCD_NOTES) {
		pthread_mutex_unlock(&d->dmu);
		notes_write(d);
		pthread_mutex_lock(&d->dmu);
	}
	memcpy(d->notes[d->nnotes].id, id, TC_PHOTO_ID_LEN);
	tc_strlcpy(d->notes[d->nnotes].detail, detail, TC_AUDIT_DETAIL_MAX);
	d->nnotes++;
	pthread_mutex_unlock(&d->dmu);
}

/* Add one photo to the store's delete batch (dmu not held). */
static int
queue_one(struct syncd *d, const uint8_t id[TC_PHOTO_ID_LEN])
{
	char hex[2 * TC_PHOTO_ID_LEN + 1];
	uint64_t t0;
	int rc;

	tc_fault_point("sync.delete");
	t0 = tc_time_mono_us();
	rc = tc_store_delete_add(d->dstore, id);
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	/* Benchmarks (sync-overhead) read this line. */
	tc_debug("%s: secure delete queued in %llu us", hex,
		 (unsigned long long)(tc_time_mono_us() - t0));
	if (rc != 0) {
		tc_warn("%s: secure delete failed: %s", hex, tc_strerror(rc));
		syncd_audit(d, "sync.delete", id, rc, "secure delete failed; retried next pass");
	}
	tc_fault_point("sync.deleted");
	return rc;
}

/* Finish the batch (dmu not held); *n gets the photos it finished. */
static int
flush(struct syncd *d, size_t *n)
{
	uint64_t t0;
	int rc;

	/* The batch's receipt entries go in the log before any of its wraps is erased. */
	notes_write(d);
	t0 = tc_time_mono_us();
	rc = tc_store_delete_flush(d->dstore, n);
	if (rc == -EBUSY)	/* deleted; only the WAL truncation waits for a reader */
		rc = 0;
	/* Benchmarks (sync-overhead) read this line. */
	tc_debug("delete batch of %zu finished in %llu us", *n,
		 (unsigned long long)(tc_time_mono_us() - t0));
	if (rc != 0) {
		tc_warn("a delete batch failed: %s", tc_strerror(rc));
		syncd_audit(d, "sync.delete", NULL, rc, "delete batch failed; retried next pass");
	}
	return rc;
}

/* Sleep on dcv until the batch is due (dmu held). */
static void
wait_batch(struct syncd *d)
{
	struct timespec ts;
	uint64_t ns = (uint64_t)CONFIG_STORE_DELETE_BATCH_MS * 1000000u;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ns / 1000000000u);
	ts.tv_nsec += (long)(ns % 1000000000u);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(&d->dcv, &d->dmu, &ts);
}

static void *
deleter(void *arg)
{
	struct syncd *d = arg;
	uint8_t id[TC_PHOTO_ID_LEN];
	size_t n;
	int rc;

	pthread_mutex_lock(&d->dmu);
	for (;;) {
		if (d->dpending > 0 && (tc_store_delete_due(d->dstore) ||
					(d->qlen == 0 && (d->dflush || d->dstop)))) {
			d->busy = 1;
			pthread_mutex_unlock(&d->dmu);
			rc = flush(d, &n);
			pthread_mutex_lock(&d->dmu);
			d->deleted += n;
			note_error(d, rc);
		} else if (d->qlen > 0) {
			memcpy(id, d->q[d->qhead], TC_PHOTO_ID_LEN);
			d->qhead = (d->qhead + 1) % SYNCD_QUEUE;
			d->qlen--;
			d->busy = 1;
			pthread_cond_broadcast(&d->dcv);
			pthread_mutex_unlock(&d->dmu);
			rc = queue_one(d, id);
			pthread_mutex_lock(&d->dmu);
			note_error(d, rc);
		} else if (d->dstop) {
			break;
		} else {
			if (d->dpending > 0)
				wait_batch(d);
			else
				pthread_cond_wait(&d->dcv, &d->dmu);
			continue;
		}
		d->busy = 0;
		d->dpending = tc_store_delete_pending(d->dstore);
		pthread_cond_broadcast(&d->dcv);
	}
	pthread_mutex_unlock(&d->dmu);
	return NULL;
}

int
syncd_delete_start(struct syncd *d)
{
	int rc = pthread_create(&d->del_thr, NULL, deleter, d);

	return rc ? -rc : 0;
}

void
syncd_delete_stop(struct syncd *d)
{
	pthread_mutex_lock(&d->dmu);
	d->dstop = true;
	pthread_cond_broadcast(&d->dcv);
	pthread_mutex_unlock(&d->dmu);
	pthread_join(d->del_thr, NULL);
	notes_write(d);
}

void
syncd_delete_queue(struct syncd *d, const uint8_t id[TC_PHOTO_ID_LEN])
{
	pthread_mutex_lock(&d->dmu);
	while (d->qlen == SYNCD_QUEUE)
		pthread_cond_wait(&d->dcv, &d->dmu);
	memcpy(d->q[(d->qhead + d->qlen) % SYNCD_QUEUE], id, TC_PHOTO_ID_LEN);
	d->qlen++;
	pthread_cond_broadcast(&d->dcv);
	pthread_mutex_unlock(&d->dmu);
}

int
syncd_delete_wait(struct syncd *d)
{
	int rc;

	pthread_mutex_lock(&d->dmu);
	d->dflush = true;
	pthread_cond_broadcast(&d->dcv);
	while (d->qlen > 0 || d->busy || d->dpending > 0)
		pthread_cond_wait(&d->dcv, &d->dmu);
	d->dflush = false;
	rc = d->del_err;
	d->del_err = 0;
	pthread_mutex_unlock(&d->dmu);
	notes_write(d);
	return rc;
}
