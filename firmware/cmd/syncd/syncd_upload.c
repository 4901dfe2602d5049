/*
 * syncd_upload.c - one photo to the Trust server, and its receipt.
 *
 *   check   the object's size must equal the catalog's; its SHA-256 is
 *           recomputed from the bytes as they are sent (one read of the
 *           file, not two) and must equal the catalog digest named in
 *           Content-Digest before any receipt is accepted (the server
 *           checks the same digest and commits nothing on a mismatch)
 *   mark    captured -> uploading (tc_store_mark_uploading)
 *   HEAD    the bytes the server holds (Upload-Offset; 404 = none)
 *   send    PUT from 0, or PATCH from the held offset, with Upload-Length
 *           and Content-Digest (RFC 9530) of the whole object
 *   receipt signature under the policy's receipt key, then device id,
 *           photo id, digest and size against our record (tc_receipt_verify)
 *   record  uploading -> receipted (tc_store_mark_receipted, the blob kept)
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
#include "tc_sha256.h"

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

/* Hash bytes 0..len of fd into h (the part of a resumed upload the server holds). */
static int
hash_prefix(int fd, uint64_t len, struct tc_sha256 *h)
{
	uint8_t *buf = tc_malloc(CHUNK);
	uint64_t off = 0;
	ssize_t n;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	while (off < len) {
		n = pread(fd, buf, len - off < CHUNK ? (size_t)(len - off) : CHUNK, (off_t)off);
		if (n <= 0) {
			rc = n < 0 ? -errno : -EIO;
			break;
		}
		tc_sha256_update(h, buf, (size_t)n);
		off += (uint64_t)n;
	}
	tc_free(buf);
	return rc;
}

/* Send bytes off..size of fd, hashing them into h. */
static int
send_body(struct syncd *d, struct syncd_link *l, int fd, uint64_t off, uint64_t size,
	  struct tc_sha256 *h)
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
		tc_sha256_update(h, buf, (size_t)n);
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

int
syncd_upload_one(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p,
		 const struct tc_store_rec *rec, struct syncd_upload_result *res)
{
	char hex[2 * TC_PHOTO_ID_LEN + 1], path[64], extra[256], b64[64];
	uint8_t digest[TC_SHA256_LEN], sent[TC_SHA256_LEN];
	struct tc_sha256 h;
	struct tc_store_receipt sr;
	struct tc_receipt rc_out;
	struct syncd_resp r;
	uint64_t size = 0, off = 0, t_receipt;
	size_t blen;
	int fd = -1, rc, status = 0;
	bool marked = false;

	memset(res, 0, sizeof(*res));
	memset(&r, 0, sizeof(r));
	memset(&h, 0, sizeof(h));
	tc_hex_encode(rec->id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "/v1/photos/%s", hex);
	res->what = "cannot open the stored object";
	if ((rc = tc_store_open_object(d->store, rec->id, &fd, &size)) != 0)
		goto out;
	res->what = "the stored object does not match its catalog size";
	if (size != rec->size) {
		rc = TC_E_DIGEST_MISMATCH;
		res->skip = true;
		goto out;
	}
	memcpy(digest, rec->digest, TC_SHA256_LEN);
	if ((rc = tc_sha256_init(&h)) != 0)
		goto out;
	res->what = "cannot mark the photo uploading";
	if ((rc = tc_store_mark_uploading(d->store, rec->id)) != 0)
		goto out;
	marked = true;
	tc_fault_point("sync.uploading");
	res->what = "asking the server what it holds";
	if ((rc = held_offset(l, path, size, &off, &status)) != 0)
		goto out;
	res->resumed_at = off;
	if (mbedtls_base64_encode((unsigned char *)b64, sizeof(b64), &blen, digest,
				  TC_SHA256_LEN) != 0) {
		rc = -EINVAL;
		goto out;
	}
	b64[blen] = '\0';
	snprintf(extra, sizeof(extra), "Upload-Length: %" PRIu64 "\r\n"
		 "Content-Digest: sha-256=:%s:\r\n", size, b64);
	if (off > 0)
		snprintf(extra + strlen(extra), sizeof(extra) - strlen(extra),
			 "Upload-Offset: %" PRIu64 "\r\n", off);
	res->what = "reading the stored object";
	if ((rc = hash_prefix(fd, off, &h)) != 0)
		goto out;
	res->what = "sending the photo";
	if ((rc = syncd_link_head(l, off > 0 ? "PATCH" : "PUT", path, extra, size - off)) != 0 ||
	    (rc = send_body(d, l, fd, off, size, &h)) != 0)
		goto out;
	tc_fault_point("sync.body.sent");
	/*
	 * The bytes sent must hash to the catalog digest the Content-Digest
	 * named.  The server checks the same and commits nothing otherwise;
	 * we check too, so a corrupt object never earns a receipt here.
	 */
	res->what = "the stored object does not match its catalog digest";
	if ((rc = tc_sha256_finish(&h, sent)) != 0)
		goto out;
	if (memcmp(sent, rec->digest, TC_SHA256_LEN) != 0) {
		/* Read (and drop) the server's refusal, so the link stays in step. */
		if (syncd_link_response(l, false, &r) == 0)
			res->status = r.status;
		rc = TC_E_DIGEST_MISMATCH;
		res->skip = true;
		goto out;
	}
	res->what = "waiting for the receipt";
	if ((rc = syncd_link_response(l, false, &r)) != 0)
		goto out;
	res->status = r.status;
	if (r.status != 200 && r.status != 201) {
		res->what = "the server refused the upload";
		rc = TC_E_SERVER;
		goto out;
	}
	tc_fault_point("sync.receipt.got");
	t_receipt = tc_time_mono_us();
	res->what = "the receipt does not verify";
	rc = tc_receipt_verify(r.body ? r.body : (const uint8_t *)"", r.len, p->policy->receipt_pub,
			       p->device_id, rec->id, digest, size, &rc_out);
	if (rc != 0)
		goto out;
	memset(&sr, 0, sizeof(sr));
	sr.ledger_seq = rc_out.ledger_seq;
	sr.server_time_us = rc_out.server_time_us;
	memcpy(sr.digest, digest, TC_SHA256_LEN);
	sr.size = size;
	sr.blob = r.body;
	sr.blob_len = r.len;
	res->what = "cannot record the receipt";
	if ((rc = tc_store_mark_receipted(d->store, rec->id, &sr)) != 0)
		goto out;
	marked = false;
	/* Benchmarks (sync-overhead) read this line: receipt check + catalog, in µs. */
	tc_debug("%s: receipt checked and recorded in %llu us", hex,
		 (unsigned long long)(tc_time_mono_us() - t_receipt));
	res->ledger_seq = rc_out.ledger_seq;
	res->receipt_time_us = rc_out.server_time_us;
	res->bytes = size - off;
	res->what = "";
	tc_fault_point("sync.receipted");
out:
	if (rc != 0 && marked && tc_store_upload_failed(d->store, rec->id) != 0)
		tc_warn("%s: cannot put back to captured", hex);
	if (fd >= 0)
		close(fd);
	tc_sha256_free(&h);
	syncd_resp_free(&r);
	return rc;
}
