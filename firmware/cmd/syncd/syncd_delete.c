/*
 * syncd_delete.c - the deleter thread: secure delete of receipted photos,
 * overlapped with the next upload.
 *
 * The pass thread queues a photo only after tc_store_mark_receipted
 * succeeded, and tc_store_secure_delete itself refuses anything not
 * receipted (TC_E_STATE), so no path deletes without a verified receipt.
 * The thread has its own store handle (one handle, one thread); the store
 * audits each delete.  A queue of SYNCD_QUEUE ids: the pass thread waits
 * only when the deleter is that far behind.
 */
#include <errno.h>
#include <string.h>

#include "syncd.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

static void *
deleter(void *arg)
{
	struct syncd *d = arg;
	uint8_t id[TC_PHOTO_ID_LEN];
	char hex[2 * TC_PHOTO_ID_LEN + 1];
	uint64_t t0;
	int rc;

	pthread_mutex_lock(&d->dmu);
	for (;;) {
		while (d->qlen == 0 && !d->dstop)
			pthread_cond_wait(&d->dcv, &d->dmu);
		if (d->qlen == 0 && d->dstop)
			break;
		memcpy(id, d->q[d->qhead], TC_PHOTO_ID_LEN);
		d->qhead = (d->qhead + 1) % SYNCD_QUEUE;
		d->qlen--;
		d->busy = 1;
		pthread_cond_broadcast(&d->dcv);
		pthread_mutex_unlock(&d->dmu);

		tc_fault_point("sync.delete");
		t0 = tc_time_mono_us();
		rc = tc_store_secure_delete(d->dstore, id);
		if (rc == -EBUSY)	/* deleted; only the WAL truncation waits for a reader */
			rc = 0;
		tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
		/* Benchmarks (sync-overhead) read this line. */
		tc_debug("%s: secure delete in %llu us", hex,
			 (unsigned long long)(tc_time_mono_us() - t0));
		if (rc != 0) {
			tc_warn("%s: secure delete failed: %s", hex, tc_strerror(rc));
			syncd_audit(d, "sync.delete", id, rc, "secure delete failed; retried next pass");
		}
		tc_fault_point("sync.deleted");

		pthread_mutex_lock(&d->dmu);
		d->busy = 0;
		if (rc == 0)
			d->deleted++;
		else if (d->del_err == 0)
			d->del_err = rc;
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
	while (d->qlen > 0 || d->busy)
		pthread_cond_wait(&d->dcv, &d->dmu);
	rc = d->del_err;
	d->del_err = 0;
	pthread_mutex_unlock(&d->dmu);
	return rc;
}
