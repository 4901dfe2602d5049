/*
 * api_audit.c - POST /v1/audit takes a segment of the device's audit log
 * (tc_audit_export), checks that it continues the chain the server holds
 * for that device, stores it durably and acknowledges the new sequence;
 * GET /v1/audit tells a device where its acknowledged chain ends.
 *
 * Continuity: the segment must start at acked + 1 and its prev hash must
 * be the last hash acknowledged (32 zero bytes before entry 1), checked
 * by tc_audit_verify_segment.  A segment that starts elsewhere is 409
 * with the acknowledged sequence (the device re-exports from there); one
 * that does not chain is 422 and logged loudly: it is evidence that the
 * device's log was edited or reset.  Answers are JSON (jansson):
 *   {"device":"D-...","acked_seq":N}            (+ "received":count on POST)
 *   {"error":"sequence"|"chain"|"format","acked_seq":N}
 *
 * Storage: audit/<device>/<first seq, 20 digits>.seg, written to a temp
 * name, fsynced, renamed, directory fsynced, then the ledger's head for
 * the device is moved on.  A crash between the two leaves a segment the
 * ledger does not count; the device re-sends it and it is replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "server.h"
#include "tc_audit.h"
#include "tc_io.h"
#include "tc_log.h"

static void
answer_json(struct conn *c, int status, const char *error, uint64_t acked, int64_t received)
{
	struct resp *r = &c->req.resp;
	json_t *o = json_pack("{s:s, s:I}", "device", c->device, "acked_seq", (json_int_t)acked);
	char *text = NULL;
	size_t n;

	if (o && error)
		json_object_set_new(o, "error", json_string(error));
	if (o && received >= 0)
		json_object_set_new(o, "received", json_integer(received));
	if (o)
		text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (!text || !(r->body_own = tc_malloc((n = strlen(text)) + 1))) {
		free(text);
		resp_text(r, 500, false, "out of memory\n");
		return;
	}
	memcpy(r->body_own, text, n);
	r->body_own[n] = '\n';
	free(text);
	r->body = r->body_own;
	r->body_len = n + 1;
	r->content_type = "application/json";
	resp_set(r, status, false);
}

int
audit_begin(struct conn *c)
{
	struct req *r = &c->req;
	uint8_t hash[TC_SHA256_LEN];
	uint64_t acked;

	if (r->method == HTTP_GET) {
		if (ledger_audit_head(c->s->ledger, c->device, &acked, hash) != 0)
			resp_text(&r->resp, 500, false, "ledger error\n");
		else
			answer_json(c, 200, NULL, acked, -1);
		return -1;
	}
	if (!r->has_clen) {
		resp_text(&r->resp, 411, false, "Content-Length is required\n");
		return -1;
	}
	if (r->content_length == 0 || r->content_length > c->s->set.audit_max) {
		resp_text(&r->resp, 413, false, "audit segment empty or too large: send fewer entries\n");
		return -1;
	}
	return req_body_alloc(r, (size_t)r->content_length);
}

int
audit_body(struct conn *c, const uint8_t *buf, size_t len)
{
	return req_body_append(&c->req, buf, len);
}

/* Write the segment durably as name under audit/<device>/. */
static int
store(struct conn *c, const char *name)
{
	char tmp[64];
	int dfd, fd = -1, rc;

	dfd = storage_subdir(c->s->audit_fd, c->device, true);
	if (dfd < 0)
		return dfd;
	snprintf(tmp, sizeof(tmp), ".tmp-%s", name);
	fd = tc_openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0 || fchmod(fd, 0640) != 0) {	/* group-readable: audit verify */
		rc = fd < 0 ? fd : -errno;
		goto out;
	}
	if ((rc = tc_write_all(fd, c->req.body, c->req.body_len)) == 0 &&
	    (rc = tc_fsync(fd)) == 0 && (rc = tc_renameat(dfd, tmp, name)) == 0 &&
	    (rc = tc_fsync_dir(dfd)) == 0)
		rc = tc_fsync_dir(c->s->audit_fd);
out:
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		(void)unlinkat(dfd, tmp, 0);
	close(dfd);
	return rc;
}

static void
take_segment(struct conn *c)
{
	struct req *r = &c->req;
	struct tc_audit_verify_result res;
	struct tc_audit_iter it;
	uint8_t hash[TC_SHA256_LEN];
	uint64_t acked;
	char name[32];
	int rc;

	if (ledger_audit_head(c->s->ledger, c->device, &acked, hash) != 0) {
		resp_text(&r->resp, 500, false, "ledger error\n");
		return;
	}
	if (tc_audit_segment_begin(&it, r->body, r->body_len) != 0) {
		answer_json(c, 422, "format", acked, -1);
		return;
	}
	if (it.first_seq != acked + 1) {
		answer_json(c, 409, "sequence", acked, -1);
		return;
	}
	rc = tc_audit_verify_segment(r->body, r->body_len, hash, acked + 1, NULL, &res);
	if (rc != 0) {
		if (rc == TC_E_AUDIT_CHAIN)
			tc_err("AUDIT CHAIN BROKEN: %s sent entries %" PRIu64 ".. that do not follow"
			       " the acknowledged entry %" PRIu64 " (log edited or reset?)",
			       c->device, it.first_seq, acked);
		else
			tc_warn("%s %s: audit segment refused: %s", c->peer, c->device,
				tc_strerror(rc));
		answer_json(c, rc == TC_E_AUDIT_SEQUENCE ? 409 : 422,
			    rc == TC_E_AUDIT_CHAIN ? "chain" : rc == TC_E_AUDIT_SEQUENCE ?
			    "sequence" : "format", acked, -1);
		return;
	}
	snprintf(name, sizeof(name), "%020" PRIu64 ".seg", res.first_seq);
	if ((rc = store(c, name)) != 0 ||
	    (rc = ledger_audit_advance(c->s->ledger, c->device, res.first_seq, res.last_seq,
				       res.count, res.last_hash, name)) != 0) {
		tc_err("%s %s: storing audit segment: %s", c->peer, c->device, tc_strerror(rc));
		resp_text(&r->resp, rc == -ENOSPC ? 507 : 500, false, "could not store the segment\n");
		return;
	}
	tc_info("%s %s: audit entries %" PRIu64 "..%" PRIu64 " received", c->peer, c->device,
		res.first_seq, res.last_seq);
	answer_json(c, 200, NULL, res.last_seq, (int64_t)res.count);
}

void
audit_end(struct conn *c)
{
	/* One device's chain moves on one segment at a time. */
	pthread_mutex_lock(&c->s->commit_lock);
	take_segment(c);
	pthread_mutex_unlock(&c->s->commit_lock);
}

void
audit_abort(struct conn *c)
{
	(void)c;	/* nothing stored before the whole segment is in */
}
