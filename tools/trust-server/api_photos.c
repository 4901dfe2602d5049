/*
 * api_photos.c - HEAD, PUT and PATCH /v1/photos/ID: resumable uploads of
 * sealed photo objects, and the receipt that ends each one.
 *
 * The protocol (trust-server(8) has the reference): every PUT/PATCH names
 * the whole object's Upload-Length and Content-Digest (sha-256, RFC
 * 9530).  PUT without Upload-Offset sends the object from byte 0 (any
 * partial is replaced); PUT or PATCH with Upload-Offset continues at that
 * offset, which must equal what the server holds (409 with the held
 * offset otherwise).  Bytes go to the device's partial file as they come.
 * When the last byte is in: digest, header (magic, version, photo id =
 * the URL's), fsync, publish into objects/, commit the ledger row with
 * its signed receipt, and only then answer 201 with the receipt.  A photo
 * already in the ledger gets its stored receipt again (200).
 *
 *   request state      | handler     | next
 *   -------------------+-------------+-----------------------------------
 *   headers read       | photo_begin | answered (HEAD, errors, held photo
 *                      |             |   with no body) or WRITE or DRAIN
 *   WRITE, body bytes  | photo_body  | appended to the partial (+SHA-256)
 *   WRITE, complete    | photo_end   | 204 + offset, or finish -> 201/422
 *   DRAIN, complete    | photo_end   | 200 + the stored receipt
 *   WRITE, cut off     | photo_abort | partial fsynced as it is, no receipt
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "server.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"

enum { MODE_NONE, MODE_WRITE, MODE_DRAIN };

static void
fail(struct conn *c, int status, const char *text)
{
	resp_text(&c->req.resp, status, false, text);
}

static void
answer_receipt(struct conn *c, const struct ledger_photo *p, int status)
{
	struct resp *r = &c->req.resp;

	r->body_own = tc_malloc(p->receipt_len);
	if (!r->body_own) {
		fail(c, 500, "out of memory\n");
		return;
	}
	memcpy(r->body_own, p->receipt, p->receipt_len);
	r->body = r->body_own;
	r->body_len = p->receipt_len;
	r->content_type = TC_RECEIPT_CONTENT_TYPE;
	resp_set(r, status, false);
	resp_header(r, "Upload-Offset: %" PRIu64 "\r\nUpload-Complete: ?1\r\n", p->size);
}

static void
head(struct conn *c)
{
	struct req *r = &c->req;
	struct ledger_photo p;
	uint64_t held = 0;
	int rc = ledger_find(c->s->ledger, c->device, r->photo_hex, &p);

	if (rc == 0) {
		resp_set(&r->resp, 200, false);
		resp_header(&r->resp, "Upload-Offset: %" PRIu64 "\r\nUpload-Length: %" PRIu64
			    "\r\nUpload-Complete: ?1\r\n", p.size, p.size);
		return;
	}
	if (rc != TC_E_NOT_FOUND) {
		fail(c, 500, "ledger error\n");
		return;
	}
	rc = upload_peek(c->s, c->device, r->photo_hex, &held);
	if (rc == 0) {
		resp_set(&r->resp, 200, false);
		resp_header(&r->resp, "Upload-Offset: %" PRIu64 "\r\nUpload-Complete: ?0\r\n", held);
	} else if (rc == -ENOENT) {
		fail(c, 404, "no such upload\n");
	} else {
		fail(c, 500, "storage error\n");
	}
}

/* The checks that need no storage: 0, or the request is answered. */
static int
check_request(struct conn *c)
{
	struct req *r = &c->req;
	uint64_t off = r->has_offset ? r->upload_offset : 0;

	if (!r->has_length || !r->has_digest) {
		fail(c, 400, "Upload-Length and Content-Digest (sha-256) are required\n");
		return -1;
	}
	if (r->method == HTTP_PATCH && !r->has_offset) {
		fail(c, 400, "PATCH needs Upload-Offset\n");
		return -1;
	}
	if (!r->has_clen) {
		fail(c, 411, "Content-Length is required\n");
		return -1;
	}
	if (r->upload_length == 0 || r->upload_length > c->s->set.max_object) {
		fail(c, 413, "Upload-Length is outside what this server accepts\n");
		return -1;
	}
	if (off > r->upload_length || r->content_length > r->upload_length - off) {
		fail(c, 400, "the body runs past Upload-Length\n");
		return -1;
	}
	return 0;
}

/* Per-device quota: what the ledger holds, other partials, and this object. */
static int
check_quota(struct conn *c)
{
	struct req *r = &c->req;
	uint64_t held = 0, partial = 0;

	if (ledger_device_bytes(c->s->ledger, c->device, &held) != 0 ||
	    upload_partial_bytes(c->s, c->device, r->photo_hex, &partial) != 0) {
		fail(c, 500, "storage error\n");
		return -1;
	}
	if (held + partial + r->upload_length > c->s->set.quota) {
		tc_warn("%s %s: upload of %s refused: quota", c->peer, c->device, r->photo_hex);
		fail(c, 507, "this device's storage quota on the server is used up\n");
		return -1;
	}
	return 0;
}

/*
 * A photo id belongs to the device that first had it receipted: another
 * device's upload under it is refused (review would otherwise find the
 * id in the ledger for two devices).  0, or the request is answered.
 */
static int
owned_elsewhere(struct conn *c)
{
	struct req *r = &c->req;
	char other[SRV_ID_MAX];
	int rc = ledger_owner(c->s->ledger, c->device, r->photo_hex, other);

	if (rc == 0)
		return 0;
	if (rc < 0) {
		fail(c, 500, "ledger error\n");
		return -1;
	}
	tc_warn("%s %s: upload of %s refused: the ledger holds that photo id for %s", c->peer,
		c->device, r->photo_hex, other);
	fail(c, 409, "this photo id belongs to another device\n");
	return -1;
}

int
photo_begin(struct conn *c)
{
	struct req *r = &c->req;
	struct ledger_photo p;
	int rc;

	if (r->method == HTTP_HEAD) {
		head(c);
		return -1;
	}
	if (check_request(c) != 0)
		return -1;
	rc = ledger_find(c->s->ledger, c->device, r->photo_hex, &p);
	if (rc == 0) {
		if (p.size != r->upload_length || memcmp(p.digest, r->digest, TC_SHA256_LEN) != 0) {
			fail(c, 409, "the server holds a different object under this id\n");
			return -1;
		}
		if (r->content_length == 0) {
			answer_receipt(c, &p, 200);
			return -1;
		}
		r->mode = MODE_DRAIN;	/* a whole re-upload: read it, answer the same receipt */
		return 0;
	}
	if (rc != TC_E_NOT_FOUND) {
		fail(c, 500, "ledger error\n");
		return -1;
	}
	if (owned_elsewhere(c) != 0)
		return -1;
	if (check_quota(c) != 0)
		return -1;
	rc = upload_open(c->s, c->device, r->photo_hex, &r->up);
	if (rc == 0)
		rc = upload_start(&r->up, r->method == HTTP_PUT && !r->has_offset,
				  r->has_offset ? r->upload_offset : 0);
	if (rc != 0) {
		if (rc == -EBUSY) {
			fail(c, 409, "another upload of this photo is in progress\n");
		} else if (rc == -ESPIPE) {
			fail(c, 409, "Upload-Offset is not the offset the server holds\n");
			resp_header(&r->resp, "Upload-Offset: %" PRIu64 "\r\n", r->up.held);
		} else {
			tc_err("%s %s: partial %s: %s", c->peer, c->device, r->photo_hex,
			       tc_strerror(rc));
			fail(c, 500, "storage error\n");
		}
		/* Leave no empty partial behind a refusal (we hold its lock). */
		if (rc != -EBUSY && r->up.fd >= 0 && r->up.held == 0)
			upload_discard(&r->up);
		upload_close(&r->up);
		return -1;
	}
	r->up.length = r->upload_length;
	memcpy(r->up.want, r->digest, TC_SHA256_LEN);
	r->mode = MODE_WRITE;
	return 0;
}

int
photo_body(struct conn *c, const uint8_t *buf, size_t len)
{
	struct req *r = &c->req;
	int rc;

	if (r->mode != MODE_WRITE)
		return 0;
	rc = upload_write(&r->up, buf, len);
	if (rc == 0)
		return 0;
	tc_err("%s %s: writing %s: %s", c->peer, c->device, r->photo_hex, tc_strerror(rc));
	if (rc == -ENOSPC || rc == -EDQUOT)
		resp_text(&r->resp, 507, true, "the server is out of space\n");
	else
		resp_text(&r->resp, 500, true, "storage error\n");
	return rc;
}

/* Publish and commit under the commit lock; answer 201 with the new receipt. */
static void
commit(struct conn *c)
{
	struct srv *s = c->s;
	struct req *r = &c->req;
	struct ledger_photo p;
	int rc;

	/* No receipt for a device revoked while its upload was under way. */
	if (!conn_device_allowed(c, "receipt")) {
		upload_discard(&r->up);
		return;
	}
	pthread_mutex_lock(&s->commit_lock);
	rc = ledger_find(s->ledger, c->device, r->photo_hex, &p);
	if (rc == 0) {
		/* Another connection of this device finished the same photo first. */
		pthread_mutex_unlock(&s->commit_lock);
		upload_discard(&r->up);
		if (p.size == r->up.length && memcmp(p.digest, r->up.want, TC_SHA256_LEN) == 0)
			answer_receipt(c, &p, 200);
		else
			fail(c, 409, "the server holds a different object under this id\n");
		return;
	}
	/* Checked again under the lock: two devices may race to the same id. */
	if (rc == TC_E_NOT_FOUND && owned_elsewhere(c) != 0) {
		pthread_mutex_unlock(&s->commit_lock);
		upload_discard(&r->up);
		return;
	}
	if (rc == TC_E_NOT_FOUND && (rc = upload_publish(s, c->device, r->photo_hex, &r->up)) == 0) {
		rc = ledger_commit(s->ledger, c->device, r->photo_hex, r->photo_id, r->up.want,
				   r->up.length, s->receipt_key, &p);
		if (rc != 0)
			upload_unpublish(s, c->device, r->photo_hex, &r->up);
	}
	pthread_mutex_unlock(&s->commit_lock);
	if (rc != 0) {
		tc_err("%s %s: committing %s: %s", c->peer, c->device, r->photo_hex,
		       tc_strerror(rc));
		fail(c, rc == -ENOSPC ? 507 : 500, "could not commit the photo\n");
		return;
	}
	__atomic_add_fetch(&s->n_receipts, 1, __ATOMIC_RELAXED);
	tc_info("%s %s: photo %s received, %" PRIu64 " bytes, ledger seq %" PRIu64, c->peer,
		c->device, r->photo_hex, p.size, p.seq);
	answer_receipt(c, &p, 201);
}

static void
finish(struct conn *c)
{
	struct req *r = &c->req;
	int rc = upload_check(&r->up, r->photo_id);

	if (rc == 0) {
		commit(c);
		return;
	}
	/* Nothing is committed; the bytes are worthless: start again from zero. */
	upload_discard(&r->up);
	tc_warn("%s %s: upload of %s refused: %s", c->peer, c->device, r->photo_hex,
		tc_strerror(rc));
	if (rc == TC_E_DIGEST_MISMATCH)
		fail(c, 422, "the object does not match its Content-Digest\n");
	else if (rc == TC_E_BAD_HEADER)
		fail(c, 422, "the object's header names another photo id (or is damaged)\n");
	else if (rc == TC_E_BAD_MAGIC || rc == TC_E_BAD_VERSION || rc == TC_E_TRUNCATED ||
		 rc == TC_E_BAD_ALGORITHM)
		fail(c, 422, "not a trustcam photo object this server accepts\n");
	else
		fail(c, 500, "could not check the object\n");
}

void
photo_end(struct conn *c)
{
	struct req *r = &c->req;
	struct ledger_photo p;
	int rc;

	if (r->mode == MODE_DRAIN) {
		if (ledger_find(c->s->ledger, c->device, r->photo_hex, &p) == 0)
			answer_receipt(c, &p, 200);
		else
			fail(c, 500, "ledger error\n");
		return;
	}
	if (r->mode != MODE_WRITE)
		return;
	rc = upload_sync(&r->up);
	tc_fault_point("server.upload.synced");
	if (rc != 0) {
		tc_err("%s %s: fsync of %s: %s", c->peer, c->device, r->photo_hex, tc_strerror(rc));
		fail(c, 500, "storage error\n");
	} else if (r->up.held < r->up.length) {
		resp_set(&r->resp, 204, false);
		resp_header(&r->resp, "Upload-Offset: %" PRIu64 "\r\nUpload-Complete: ?0\r\n",
			    r->up.held);
	} else {
		finish(c);
	}
	upload_close(&r->up);
	r->mode = MODE_NONE;
}

void
photo_abort(struct conn *c)
{
	struct req *r = &c->req;

	if (r->mode == MODE_WRITE) {
		/* Durable as written: the device resumes from here. */
		if (upload_sync(&r->up) != 0)
			tc_warn("%s %s: fsync of partial %s failed", c->peer, c->device, r->photo_hex);
		tc_info("%s %s: upload of %s cut off at %" PRIu64 " of %" PRIu64 " bytes", c->peer,
			c->device, r->photo_hex, r->up.held, r->up.length);
		upload_close(&r->up);
	}
	r->mode = MODE_NONE;
}
