/*
 * syncd_pass.c - the pass thread: one sync pass at a time, when the main
 * thread asks (dock, camctl sync, back-off retry).
 *
 *   start     audit sync.start; read the provisioning and the policy again
 *   connect   mutual TLS (syncd_link.c)
 *   uploads   captured and uploading photos, oldest capture first
 *             (syncd_upload.c), two in flight on two connections after
 *             the first receipt; each receipted photo is queued for the
 *             deleter at once when its deletion is due now (approved
 *             device: always, R2; Trust-owned: grace 0)
 *   grace     receipted photos whose grace has run out are queued too
 *   drain     wait for the deleter (its deletes are audited before upload)
 *   audit     POST /v1/audit from the last acknowledged entry + 1
 *             (syncd_report.c), STATE/sync/audit-acked written durably
 *   policy    GET /v1/policy; a newer bundle that verifies goes to photod
 *   done      STATE/provision/last-sync, audit sync.end
 *
 * A handshake refused as revoked, or a request of the pass answered 403
 * (revoked while connected), writes STATE/provision/revoked (photod
 * refuses capture while it is there, or warns, as the policy says); a
 * pass that succeeds removes it.
 *
 * A failure stops the pass (after putting the photo in flight back to
 * captured), is recorded in the status and the audit log with its
 * reason, and the main thread schedules a retry with back-off.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "syncd_enrol.h"
#include "syncd_link.h"
#include "syncd_report.h"
#include "syncd_update.h"
#include "syncd_upload.h"
#include "autoconf.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"

void
syncd_fail(struct syncd *d, int rc, const char *fmt, ...)
{
	char msg[SYNCD_TEXT_MAX];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tc_warn("sync: %s: %s", msg, tc_strerror(rc));
	pthread_mutex_lock(&d->mu);
	n = tc_strlcpy(d->st.last_error, msg, sizeof(d->st.last_error));
	if (n < sizeof(d->st.last_error) - 3)
		snprintf(d->st.last_error + n, sizeof(d->st.last_error) - n, ": %s",
			 tc_strerror(rc));
	pthread_mutex_unlock(&d->mu);
}

void
syncd_progress(struct syncd *d, uint64_t bytes, uint64_t photos)
{
	int64_t now = (int64_t)time(NULL);
	uint64_t el;

	pthread_mutex_lock(&d->mu);
	d->st.bytes_done += bytes;
	d->st.photos_done += photos;
	d->st.last_progress = now;
	el = tc_time_mono_us() - d->pass_mono_us;
	d->st.rate_bps = el ? d->st.bytes_done * 1000000ull / el : 0;
	pthread_mutex_unlock(&d->mu);
}

struct pending {
	struct tc_store_rec *recs;
	size_t n, cap;
	uint64_t bytes;
};

static int
collect(void *ctx, const struct tc_store_rec *rec)
{
	struct pending *p = ctx;

	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct tc_store_rec *r = tc_malloc(cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		if (p->n)
			memcpy(r, p->recs, p->n * sizeof(*r));
		tc_free(p->recs);
		p->recs = r;
		p->cap = cap;
	}
	p->recs[p->n++] = *rec;
	p->bytes += rec->size;
	return 0;
}

/*
 * The wall clock the grace period is measured on.  Fault-injection builds
 * add the seconds in $TC_CLOCK_OFFSET_FILE, as photod's clock does, so
 * tests can let a grace period run out without sleeping.
 */
static uint64_t
now_us(void)
{
	uint64_t t = tc_time_wall_us();
#ifdef CONFIG_FAULT_INJECTION
	const char *f = getenv("TC_CLOCK_OFFSET_FILE");
	char buf[32] = "";
	long long off;
	FILE *fp;

	if (f && (fp = fopen(f, "re")) != NULL) {
		if (fgets(buf, sizeof(buf), fp) && sscanf(buf, "%lld", &off) == 1)
			t = off < 0 ? t - (uint64_t)(-off) * 1000000ull : t + (uint64_t)off * 1000000ull;
		fclose(fp);
	}
#endif
	return t;
}

/* R2 and the grace period: may this receipted photo be deleted now? */
bool
syncd_delete_due(const struct tc_policy *pol, uint64_t receipt_time_us)
{
	uint64_t grace_us;

	if (pol->device_class == TC_CLASS_APPROVED || pol->rules.delete_grace_hours == 0)
		return true;
	grace_us = (uint64_t)pol->rules.delete_grace_hours * 3600ull * 1000000ull;
	return receipt_time_us + grace_us <= now_us();
}

/*
 * What went wrong, in words: an HTTP status only when the server answered
 * with one (a status from an earlier request of the same upload, such as
 * the HEAD's 404, says nothing about this failure), else what happened to
 * the connection.
 */
static void
failure_words(int rc, const struct syncd_upload_result *res, char *out, size_t n)
{
	if (res->status == 403)		/* revoked while connected (trust-server(8)) */
		snprintf(out, n, "%s: %s", res->what, SYNCD_REVOKED_TEXT);
	else if ((rc == TC_E_SERVER || rc == TC_E_DIGEST_MISMATCH) && res->status > 0)
		snprintf(out, n, "%s (HTTP %d)", res->what, res->status);
	else if (rc == TC_E_SERVER)
		snprintf(out, n, "%s: the server's answer was not valid HTTP", res->what);
	else if (rc == TC_E_NET)
		snprintf(out, n, "%s: the server closed or reset the connection before answering "
			 "(it may have restarted)", res->what);
	else if (rc == TC_E_UNDOCKED)
		snprintf(out, n, "%s: the camera was undocked", res->what);
	else
		snprintf(out, n, "%s", res->what);
}

/* An upload failed: audit it with its reason; 0 if the pass goes on (a bad object). */
static int
upload_failed(struct syncd *d, const uint8_t *id, int rc, const struct syncd_upload_result *res,
	      int *first)
{
	char hex[2 * TC_PHOTO_ID_LEN + 1], detail[TC_AUDIT_DETAIL_MAX];

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	if (res->status == 403)
		d->pass_revoked = true;
	failure_words(rc, res, detail, sizeof(detail));
	syncd_audit(d, "sync.upload", id, rc, detail);
	syncd_fail(d, rc, "%.16s: %s", hex, detail);
	if (!res->skip)
		return rc;
	*first = *first ? *first : rc;
	return 0;
}

/* Read u's receipt on l; audit and queue the delete.  0 if the pass goes on. */
static int
finish(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p, struct syncd_upload *u,
       int *first, bool *receipted)
{
	struct syncd_upload_result res;
	char detail[TC_AUDIT_DETAIL_MAX];
	uint64_t resumed = u->off;
	int rc;

	if ((rc = syncd_upload_finish(d, l, p, u, &res)) != 0)
		return upload_failed(d, u->id, rc, &res, first);
	snprintf(detail, sizeof(detail), "receipt seq %" PRIu64 ", resumed at %" PRIu64
		 ", %" PRIu64 " bytes", res.ledger_seq, resumed, res.bytes);
	*receipted = true;
	syncd_note_receipt(d, u->id, detail);
	syncd_progress(d, resumed, 1);
	if (res.delete_now)
		syncd_delete_queue(d, u->id);
	return 0;
}

/*
 * Two connections, two photos in flight: photo N+1 is sent on one while
 * the server commits and signs N on the other, and N's receipt is checked
 * once N+1 is out.  Each connection carries one request at a time.  The
 * second connection opens after the first receipt, so a server that
 * serves one connection at a time still gets a first photo through (or
 * refuses it) on one; if it cannot open, the pass goes on with one.
 */
static int
upload_all(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p)
{
	struct syncd_upload_result res;
	struct syncd_upload up[2];
	struct syncd_link l2 = { 0 }, *links[2] = { l, NULL };
	struct pending pend = { 0 };
	const char *why = "";
	bool tried2 = false, ok = false;	/* ok: a receipt came back on this pass */
	int rc, first = 0, fly = -1, cur;	/* fly: slot in flight, -1 none */
	size_t i;

	rc = tc_store_list_states(d->store, TC_STORE_BIT(TC_PHOTO_CAPTURED) |
				  TC_STORE_BIT(TC_PHOTO_UPLOADING), collect, &pend);
	if (rc != 0) {
		syncd_fail(d, rc, "listing the store");
		goto out;
	}
	pthread_mutex_lock(&d->mu);
	d->st.photos_total = pend.n;
	d->st.bytes_total = pend.bytes;
	pthread_mutex_unlock(&d->mu);
	for (i = 0; i < pend.n; i++) {
		cur = fly == 0 ? 1 : 0;
		rc = syncd_upload_send(d, links[cur], &pend.recs[i], &up[cur], &res);
		if (fly >= 0) {	/* the previous photo's answer first, whatever happened to this one */
			int frc = finish(d, links[fly], p, &up[fly], &first, &ok), ignored = 0;

			fly = -1;
			if (frc != 0 && rc == 0)
				syncd_upload_abandon(d, &up[cur]);
			else if (frc != 0)
				(void)upload_failed(d, pend.recs[i].id, rc, &res, &ignored);
			if (frc != 0) {
				rc = frc;
				goto out;
			}
		}
		if (rc != 0) {
			if ((rc = upload_failed(d, pend.recs[i].id, rc, &res, &first)) != 0)
				goto out;
			continue;
		}
		fly = cur;
		if (!links[1]) {	/* one connection: this photo's answer now */
			fly = -1;
			if ((rc = finish(d, links[cur], p, &up[cur], &first, &ok)) != 0)
				goto out;
			if (ok && !tried2 && i + 1 < pend.n) {
				tried2 = true;
				if (syncd_link_open(&l2, d, p, &why) == 0) {
					links[1] = &l2;
				} else {
					tc_info("sync: going on with one connection: %s", why);
					syncd_link_close(&l2);
				}
			}
		}
	}
	if (fly >= 0 && (rc = finish(d, links[fly], p, &up[fly], &first, &ok)) != 0)
		goto out;
	rc = first;
out:
	syncd_link_close(&l2);
	tc_free(pend.recs);
	return rc;
}

/* Receipted (or half-deleted) photos whose deletion is due: queue them. */
static int
queue_due(struct syncd *d, const struct syncd_prov *p)
{
	struct pending pend = { 0 };
	uint64_t waiting = 0;
	size_t i;
	int rc;

	rc = tc_store_list_states(d->store, TC_STORE_BIT(TC_PHOTO_RECEIPTED) |
				  TC_STORE_BIT(TC_PHOTO_DELETING), collect, &pend);
	for (i = 0; rc == 0 && i < pend.n; i++) {
		if (pend.recs[i].state == TC_PHOTO_DELETING ||
		    syncd_delete_due(p->policy, pend.recs[i].receipt_time_us))
			syncd_delete_queue(d, pend.recs[i].id);
		else
			waiting++;
	}
	pthread_mutex_lock(&d->mu);
	d->st.receipted = waiting;
	pthread_mutex_unlock(&d->mu);
	tc_free(pend.recs);
	return rc;
}

/* STATE/provision/revoked: written on a revoked refusal, removed after a good pass. */
static void
mark_revoked(struct syncd *d, bool revoked)
{
	int rc = revoked ? syncd_write_u64(d->state_fd, "revoked", (uint64_t)time(NULL)) :
		 unlinkat(d->state_fd, "revoked", 0) == 0 || errno == ENOENT ? 0 : -errno;

	if (rc != 0)
		syncd_fail(d, rc, "%s STATE/provision/revoked", revoked ? "writing" : "removing");
}

static int
run_pass(struct syncd *d)
{
	struct syncd_prov p;
	struct syncd_link l = { 0 };
	const char *why = "";
	char detail[TC_AUDIT_DETAIL_MAX];
	int rc, drc;

	syncd_audit(d, "sync.start", NULL, 0, "");
	d->pass_revoked = false;
	rc = syncd_prov_load(d, &p);
	/* No certificate yet: enrol at the dock, if the image pins where (syncd_enrol.c). */
	if (rc == TC_E_NOT_PROVISIONED && (drc = syncd_enrol_pass(d)) != -ENOENT) {
		syncd_audit(d, "sync.end", NULL, drc, drc == 0 ? "provisioned at the dock" :
			    "not provisioned: enrolment at the dock");
		return drc;
	}
	if (rc != 0) {
		syncd_fail(d, rc, "cannot sync: provisioning or policy");
		syncd_audit(d, "sync.end", NULL, rc, "provisioning or policy not valid");
		return rc;
	}
	pthread_mutex_lock(&d->mu);
	tc_strlcpy(d->st.device_id, p.device_id, sizeof(d->st.device_id));
	pthread_mutex_unlock(&d->mu);
	if ((rc = syncd_link_open(&l, d, &p, &why)) != 0) {
		syncd_fail(d, rc, "%s (%s)", why, p.policy->server_url);
		if (rc == TC_E_REVOKED)
			mark_revoked(d, true);
		snprintf(detail, sizeof(detail), "%s", why);
		goto out;
	}
	tc_fault_point("sync.connected");
	rc = upload_all(d, &l, &p);
	/* Let the deleter finish what the uploads queued, so nothing is queued twice. */
	drc = syncd_delete_wait(d);
	if (rc == 0 && drc == 0 && (rc = queue_due(d, &p)) != 0)
		syncd_fail(d, rc, "listing receipted photos");
	if (drc == 0)
		drc = syncd_delete_wait(d);
	if (rc == 0 && drc != 0) {
		syncd_fail(d, drc, "secure delete");
		rc = drc;
	}
	snprintf(detail, sizeof(detail), "upload or delete failed");
	if (rc != 0)
		goto out;
	/* A release on trial that the boot check has confirmed since: booted, audited now. */
	syncd_update_trial(d);
	if ((rc = syncd_report_audit(d, &l)) != 0) {
		snprintf(detail, sizeof(detail), "audit upload failed");
		goto out;
	}
	syncd_report_policy(d, &l, &p);
	/* Photos and the audit log are home: only now may an update take the link. */
	syncd_update_pass(d, &l);
	if ((rc = syncd_write_u64(d->state_fd, "last-sync", (uint64_t)time(NULL))) != 0)
		syncd_fail(d, rc, "writing last-sync");
	mark_revoked(d, false);
	snprintf(detail, sizeof(detail), "%s", "");
out:
	syncd_link_close(&l);
	/* Revoked while connected: block capture as a refused handshake does. */
	if (rc != 0 && d->pass_revoked)
		mark_revoked(d, true);
	if (rc == 0) {
		uint64_t del;

		pthread_mutex_lock(&d->dmu);
		del = d->deleted;
		pthread_mutex_unlock(&d->dmu);
		pthread_mutex_lock(&d->mu);
		snprintf(detail, sizeof(detail), "%" PRIu64 " photo(s), %" PRIu64 " bytes, %"
			 PRIu64 " deleted", d->st.photos_done, d->st.bytes_done, del);
		pthread_mutex_unlock(&d->mu);
	}
	syncd_audit(d, "sync.end", NULL, rc, detail);
	syncd_prov_free(&p);
	return rc;
}

static void
pass_done(struct syncd *d, int rc)
{
	uint64_t jitter, base, del;
	uint8_t r[2];

	pthread_mutex_lock(&d->dmu);
	del = d->deleted;
	pthread_mutex_unlock(&d->dmu);
	tc_info("sync pass %s", rc == 0 ? "done" : "failed");
	pthread_mutex_lock(&d->mu);
	d->st.passes_done++;
	d->st.last_result = rc;
	d->st.deleted = del;
	if (rc == 0) {
		d->st.failures = 0;
		d->st.last_ok = (int64_t)time(NULL);
		d->st.last_error[0] = '\0';
		d->backoff_ms = 0;
		d->retry_mono_us = 0;
		d->st.next_retry = 0;
		d->st.state = SYNCD_IDLE;
	} else {
		d->st.failures++;
		base = d->backoff_ms ? d->backoff_ms * 2 : SYNCD_BACKOFF_MIN_MS;
		if (base > SYNCD_BACKOFF_MAX_MS)
			base = SYNCD_BACKOFF_MAX_MS;
		d->backoff_ms = base;
		/* jitter: 75..125 % so docks that failed together do not retry together */
		if (tc_random_bytes(r, sizeof(r)) != 0)
			r[0] = r[1] = 0;
		jitter = base * 3 / 4 + base / 2 * (uint64_t)tc_get_be16(r) / 65535u;
		d->retry_mono_us = tc_time_mono_us() + jitter * 1000u;
		d->st.next_retry = (int64_t)time(NULL) + (int64_t)(jitter / 1000u);
		d->st.state = SYNCD_BACKOFF;
	}
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	syncd_wake(d);
}

void *
syncd_pass_thread(void *arg)
{
	struct syncd *d = arg;
	int rc;

	pthread_mutex_lock(&d->mu);
	for (;;) {
		while (!d->stopping && d->st.passes_started >= d->requested)
			pthread_cond_wait(&d->cv, &d->mu);
		if (d->stopping)
			break;
		d->st.passes_started++;
		d->st.state = SYNCD_SYNCING;
		d->st.photos_done = d->st.photos_total = 0;
		d->st.bytes_done = d->st.bytes_total = 0;
		d->st.rate_bps = 0;
		d->st.pass_started = d->st.last_progress = (int64_t)time(NULL);
		d->pass_mono_us = tc_time_mono_us();
		pthread_mutex_lock(&d->dmu);
		d->deleted = 0;
		pthread_mutex_unlock(&d->dmu);
		atomic_store(&d->abort_pass, false);
		pthread_mutex_unlock(&d->mu);
		rc = run_pass(d);
		pass_done(d, rc);
		pthread_mutex_lock(&d->mu);
	}
	pthread_mutex_unlock(&d->mu);
	return NULL;
}
