/*
 * syncd_report.c - the end of a pass: the audit log (rule R8) and policy
 * updates travel on the same link.
 *
 * Audit: STATE/sync/audit-acked holds the last sequence the server
 * acknowledged (written durably after each 200).  The segment is
 * tc_audit_export(acked + 1 .. head); a 409 carries the server's
 * acked_seq, which we adopt and send once more from there (the server is
 * the authority on what it holds; its chain check stops a forged resend).
 *
 * Policy: GET /v1/policy; a bundle newer than policy.version that
 * verifies against the pinned Trust CA (tc_policy_verify, as photod will
 * again) is handed to photod as an open descriptor (TC_MSG_POLICY_REQ,
 * as `camctl policy install` does): photod owns STATE/provision and
 * installs it.  Without photod it waits for the next pass.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "syncd_link.h"
#include "syncd_report.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"

static int
acked_from_body(const struct syncd_resp *r, uint64_t *acked)
{
	json_error_t err;
	json_t *j, *v;
	int rc = TC_E_SERVER;

	if (!r->body)
		return rc;
	j = json_loadb((const char *)r->body, r->len, 0, &err);
	if (!j)
		return rc;
	v = json_object_get(j, "acked_seq");
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*acked = (uint64_t)json_integer_value(v);
		rc = 0;
	}
	json_decref(j);
	return rc;
}

int
syncd_report_audit(struct syncd *d, struct syncd_link *l)
{
	struct syncd_resp r = { 0 };
	uint8_t *seg = NULL;
	uint64_t acked = 0, got;
	size_t len;
	int rc, tries;

	rc = syncd_read_u64(d->sync_fd, "audit-acked", &acked);
	if (rc == -ENOENT)
		acked = 0;
	else if (rc != 0)
		return rc;
	for (tries = 0; tries < 2; tries++) {
		rc = tc_audit_export(d->audit, acked + 1, TC_AUDIT_SEQ_HEAD, &seg, &len);
		if (rc == -ERANGE)
			return 0;	/* nothing new */
		if (rc != 0) {
			syncd_fail(d, rc, "exporting the audit log");
			return rc;
		}
		rc = syncd_link_head(l, "POST", "/v1/audit",
				     "Content-Type: application/octet-stream\r\n", len);
		if (rc == 0)
			rc = syncd_link_write(l, seg, len);
		tc_free(seg);
		seg = NULL;
		if (rc == 0)
			rc = syncd_link_response(l, false, &r);
		if (rc != 0) {
			syncd_fail(d, rc, "sending the audit log");
			return rc;
		}
		tc_fault_point("sync.audit.sent");
		got = 0;
		if ((r.status == 200 || r.status == 409) && acked_from_body(&r, &got) == 0) {
			if (got != acked && (rc = syncd_write_u64(d->sync_fd, "audit-acked", got)) != 0) {
				syncd_resp_free(&r);
				syncd_fail(d, rc, "recording the acknowledged audit entry");
				return rc;
			}
			acked = got;
			if (r.status == 200) {
				syncd_resp_free(&r);
				return 0;
			}
		} else {
			if (r.status == 403)	/* revoked while connected */
				d->pass_revoked = true;
			syncd_fail(d, TC_E_SERVER, "the server refused the audit log (HTTP %d)",
				   r.status);
			syncd_audit(d, "sync.audit", NULL, TC_E_SERVER, "audit upload refused");
			syncd_resp_free(&r);
			return TC_E_SERVER;
		}
		syncd_resp_free(&r);
	}
	return 0;
}

int
syncd_to_photod(struct syncd *d, uint16_t type, const uint8_t *const bufs[],
		const size_t lens[], size_t n, char *text, size_t cap)
{
	unsigned char reply[TC_IPC_MAX_PAYLOAD];
	int fds[SYNCD_PHOTOD_FDS_MAX], s = -1, rc = 0;
	char path[300];
	uint16_t rtype = 0;
	size_t i, made = 0;

	if (n > SYNCD_PHOTOD_FDS_MAX)
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%s", d->set.run_dir, TC_IPC_SOCKET_NAME);
	for (made = 0; rc == 0 && made < n; made++) {
		fds[made] = memfd_create("to-photod", MFD_CLOEXEC);
		if (fds[made] < 0) {
			rc = -errno;
			break;	/* fds[made] is no descriptor: not counted */
		}
		if ((rc = tc_write_all(fds[made], bufs[made], lens[made])) == 0 &&
		    lseek(fds[made], 0, SEEK_SET) != 0)
			rc = -EIO;
	}
	if (rc == 0 && (s = tc_ipc_connect(path)) < 0)
		rc = s;
	if (rc == 0)
		rc = tc_ipc_send_fds(s, type, NULL, 0, fds, n);
	if (rc == 0)
		rc = tc_ipc_recv(s, &rtype, reply, sizeof(reply), 30000);
	if (rc == 0 && rtype == TC_MSG_ERROR) {
		const struct tc_msg_error *e = (const void *)reply;

		char t[sizeof(e->text) + 1];

		memcpy(t, e->text, sizeof(e->text));
		t[sizeof(e->text)] = '\0';
		tc_strlcpy(text, t, cap);
		rc = e->code < 0 ? e->code : TC_E_PROTOCOL;
	} else if (rc == 0 && rtype != TC_MSG_OK) {
		rc = TC_E_PROTOCOL;
	}
	if (s >= 0)
		close(s);
	for (i = 0; i < made; i++)
		close(fds[i]);
	return rc;
}

void
syncd_report_policy(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p)
{
	struct syncd_resp r = { 0 };
	struct tc_policy *np = NULL;
	char text[TC_IPC_TEXT_MAX] = "", detail[TC_AUDIT_DETAIL_MAX];
	int rc;

	if ((rc = syncd_link_head(l, "GET", "/v1/policy", NULL, 0)) != 0 ||
	    (rc = syncd_link_response(l, false, &r)) != 0) {
		syncd_fail(d, rc, "fetching the policy");
		return;
	}
	if (r.status == 404 || (r.status == 200 && r.policy_version <= p->high_water))
		goto out;
	if (r.status != 200 || !r.body) {
		syncd_fail(d, TC_E_SERVER, "fetching the policy (HTTP %d)", r.status);
		goto out;
	}
	rc = tc_policy_verify(r.body, r.len, p->ca_pem, p->device_id, p->high_water,
			      (int64_t)time(NULL), &np);
	if (rc == 0) {
		const uint8_t *bufs[1] = { r.body };
		size_t lens[1] = { r.len };

		rc = syncd_to_photod(d, TC_MSG_POLICY_REQ, bufs, lens, 1, text, sizeof(text));
	}
	snprintf(detail, sizeof(detail), "policy v%" PRIu64 "%s%s", r.policy_version,
		 text[0] ? ": " : "", text);
	syncd_audit(d, "sync.policy", NULL, rc, detail);
	if (rc != 0)
		syncd_fail(d, rc, "installing %s", detail);
	else
		tc_info("installed %s", detail);
out:
	tc_policy_free(np);
	syncd_resp_free(&r);
}
