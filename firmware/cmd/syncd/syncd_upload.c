/*
 * syncd_upload.c - one photo to the Trust server, and its receipt.
 *
 *   check   the object's size must equal the catalog's.  The digest is
 *           not recomputed here: Content-Digest names the catalog's
 *           SHA-256, the server hashes what it receives and commits
 *           nothing unless it matches (422, recorded as "does not match
 *           its catalog digest", the pass goes on), and the receipt must
 *           name the catalog digest.  A damaged object is never receipted,
 *           so never deleted; hashing it here too cost ~3 ms of CPU per
 *           5 MB photo on a CPU-bound link and guaranteed nothing more.
 *   mark    captured -> uploading (tc_store_mark_uploading)
 *   HEAD    the bytes the server holds (Upload-Offset; 404 = none)
 *   send    PUT from 0, or PATCH from the held offset, with Upload-Length
 *           and Content-Digest (RFC 9530) of the whole object
 *   receipt signature under the policy's receipt key, then device id,
 *           photo id, digest and size against our record (tc_receipt_verify_key:
 *           the key is loaded once a pass, syncd_prov_load)
 *   record  uploading -> receipted (tc_store_mark_receipted, the blob kept),
 *           or straight to deleting when R2 says the delete is due now
 *
 * syncd_upload_send does check..send; syncd_upload_finish reads the
 * answer, so the pass thread can send the next photo on a second
 * connection in between (syncd_pass.c).
 *
 * Any failure after mark puts the photo back to captured
 * (tc_store_upload_failed) and is audited with its reason; nothing here
 * deletes.  Crash points (fault builds, TC_CRASH_AT) sit between steps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/base64.h>

#include "autoconf.h"
#include "syncd_link.h"
#include "syncd_upload.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_receipt.h"

#define CHUNK (64 * 1024)

/*
 * Fault builds: $TC_SYNC_UNDOCK_AFTER=N makes the first upload of this
 * process behave as if the device were undocked once N body bytes are
 * sent (the dock driver would set the same flag), so the resume path is
 * tested deterministically.
 */
static uint64_t
undock_after(void)
{
#ifdef CONFIG_FAULT_INJECTION
	static int used;
	const char *s = getenv("TC_SYNC_UNDOCK_AFTER");
	uint64_t v;

	if (!used && s && tc_parse_u64(s, 1, UINT64_MAX, &v) == 0) {
		used = 1;
		return v;
	}
#endif
	return 0;
}

/* Send bytes off..size of fd. */
static int
send_body(struct syncd *d, struct syncd_link *l, int fd, uint64_t off, uint64_t size)
{
	uint8_t *buf = tc_malloc(CHUNK);
	uint64_t half = off + (size - off) / 2, stop = undock_after(), sent = 0;
	bool mid = false;
	ssize_t n;
	size_t want;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (off < size) {
		if (atomic_load(&d->abort_pass)) {
			rc = TC_E_UNDOCKED;
			break;
		}
		want = size - off < CHUNK ? (size_t)(size - off) : CHUNK;
		if (stop && want > stop - sent)
			want = (size_t)(stop - sent);
		n = pread(fd, buf, want, (off_t)off);
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		if ((rc = syncd_link_write(l, buf, (size_t)n)) != 0)
			break;
		off += (uint64_t)n;
		sent += (uint64_t)n;
		syncd_progress(d, (uint64_t)n, 0);
		if (!mid && off >= half) {
			mid = true;
			tc_fault_point("sync.body.mid");
		}
		if (stop && sent >= stop)
			atomic_store(&d->abort_pass, true);	/* as if undocked */
	}
	tc_free(buf);
	return rc;
}

/* HEAD: *off = bytes the server holds of this photo. */
static int
held_offset(struct syncd_link *l, const char *path, uint64_t size, uint64_t *off, int *status)
{
	struct syncd_resp r;
	int rc;

	*off = 0;
	if ((rc = syncd_link_head(l, "HEAD", path, NULL, 0)) != 0 ||
	    (rc = syncd_link_response(l, true, &r)) != 0)
		return rc;
	*status = r.status;
	if (r.status == 404)
		rc = 0;
	else if (r.status == 200 && r.has_offset && r.offset <= size)
		*off = r.offset;
	else
		rc = TC_E_SERVER;
	syncd_resp_free(&r);
	return rc;
}

/* The photo in u is no longer in flight: put it back to captured if it failed. */
static void
upload_end(struct syncd *d, struct syncd_upload *u, int rc)
{
	if (rc != 0 && u->marked && tc_store_upload_failed(d->store, u->id) != 0)
		tc_warn("%s: cannot put back to captured", u->hex);
	u->marked = false;
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
}

int
syncd_upload_send(struct syncd *d, struct syncd_link *l, const struct tc_store_rec *rec,
		  struct syncd_upload *u, struct syncd_upload_result *res)
{
	char path[64], extra[256], b64[64];
	size_t blen;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(u, 0, sizeof(*u));
	u->fd = -1;
	memcpy(u->id, rec->id, TC_PHOTO_ID_LEN);
	memcpy(u->digest, rec->digest, TC_SHA256_LEN);
	tc_hex_encode(rec->id, TC_PHOTO_ID_LEN, u->hex);
	snprintf(path, sizeof(path), "/v1/photos/%s", u->hex);
	res->what = "cannot open the stored object";
	if ((rc = tc_store_open_object(d->store, rec->id, &u->fd, &u->size)) != 0)
		goto out;
	res->what = "the stored object does not match its catalog size";
	if (u->size != rec->size) {
		rc = TC_E_DIGEST_MISMATCH;
		res->skip = true;
		goto out;
	}
	res->what = "cannot mark the photo uploading";
	if ((rc = tc_store_mark_uploading(d->store, rec->id)) != 0)
		goto out;
	u->marked = true;
	tc_fault_point("sync.uploading");
	res->what = "asking the server what it holds";
	if ((rc = held_offset(l, path, u->size, &u->off, &res->status)) != 0)
		goto out;
	res->resumed_at = u->off;
	if (mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &blen, u->digest,
				  TC_SHA256_LEN) != 0) {
		rc = -EINVAL;
		goto out;
	}
	b64[blen] = '\0';
	snprintf(extra, sizeof(extra), "Upload-Length: %" PRIu64 "\r\n"
		 "Content-Digest: sha-256=:%s:\r\n", u->size, b64);
	if (u->off > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "Upload-Offset: %" PRIu64 "\r\n", u->off);
	res->what = "sending the photo";
	if ((rc = syncd_link_head(l, u->off > 0 ? "PATCH" : "PUT", path, extra,
				  u->size - u->off)) != 0 ||
	    (rc = send_body(d, l, u->fd, u->off, u->size)) != 0)
		goto out;
	tc_fault_point("sync.body.sent");
	res->what = "";
out:
	if (rc != 0)
		upload_end(d, u, rc);
	return rc;
}

/*
 * 422 is the server's verdict on the bytes themselves: they do not hash
 * to the Content-Digest (our catalog digest) or are not a photo object
 * for this id.  The object on the device is damaged; the other photos go on.
 */
static void
refused(const struct syncd_resp *r, struct syncd_upload_result *res)
{
	res->what = "the server refused the upload";
	if (r->status != 422)
		return;
	res->skip = true;
	if (r->body && strstr((const char *)r->body, "Content-Digest"))
		res->what = "the stored object does not match its catalog digest (the server's check)";
	else
		res->what = "the stored object is damaged (the server refused its header)";
}

int
syncd_upload_finish(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p,
		    struct syncd_upload *u, struct syncd_upload_result *res)
{
	struct tc_store_receipt sr;
	struct tc_receipt rc_out;
	struct syncd_resp r;
	uint64_t t_receipt;
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	res->what = "waiting for the receipt";
	if ((rc = syncd_link_response(l, false, &r)) != 0)
		goto out;
	res->status = r.status;
	if (r.status != 200 && r.status != 201) {
		refused(&r, res);
		rc = res->skip ? TC_E_DIGEST_MISMATCH : TC_E_SERVER;
		goto out;
	}
	tc_fault_point("sync.receipt.got");
	t_receipt = tc_time_mono_us();
	/*
	 * The receipt must name our device, this photo, and the catalog
	 * digest and size we sent in Content-Digest: a receipt for any other
	 * bytes does not verify, so nothing corrupt is recorded as receipted.
	 */
	res->what = "the receipt does not verify";
	rc = tc_receipt_verify_key(p->receipt_key, r.body ? r.body : (const uint8_t *)"", r.len,
				   p->device_id, u->id, u->digest, u->size, &rc_out);
	if (rc != 0)
		goto out;
	memset(&sr, 0, sizeof(sr));
	sr.ledger_seq = rc_out.ledger_seq;
	sr.server_time_us = rc_out.server_time_us;
	memcpy(sr.digest, u->digest, TC_SHA256_LEN);
	sr.size = u->size;
	sr.blob = r.body;
	sr.blob_len = r.len;
	/* The delete intent goes in the receipt's own transaction: no extra write. */
	sr.delete_now = syncd_delete_due(p->policy, rc_out.server_time_us);
	res->what = "cannot record the receipt";
	if ((rc = tc_store_mark_receipted(d->store, u->id, &sr)) != 0)
		goto out;
	u->marked = false;
	/* Benchmarks (sync-overhead) read this line: receipt check + catalog, in µs. */
	tc_debug("%s: receipt checked and recorded in %llu us", u->hex,
		 (unsigned long long)(tc_time_mono_us() - t_receipt));
	res->ledger_seq = rc_out.ledger_seq;
	res->receipt_time_us = rc_out.server_time_us;
	res->delete_now = sr.delete_now;
	res->bytes = u->size - u->off;
	res->what = "";
	tc_fault_point("sync.receipted");
out:
	upload_end(d, u, rc);
	syncd_resp_free(&r);
	return rc;
}

void
syncd_upload_abandon(struct syncd *d, struct syncd_upload *u)
{
	upload_end(d, u, TC_E_UNDOCKED);
}
