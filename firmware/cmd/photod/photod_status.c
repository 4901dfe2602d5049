/*
 * photod_status.c - the requests that only look (status, cameras, list)
 * and the two that remove or refuse (discard, export).
 *
 * Status reports what photod_gate() would answer a capture right now, so
 * the reason a camera refuses is visible before anyone tries.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_io.h"
#include "tc_version.h"

static void
status_provision(struct photod *d, struct tc_msg_status *st, int64_t now)
{
	const struct tc_policy *p = d->prov.policy;
	struct photod_refusal r;

	st->provisioned = d->prov.provisioned;
	tc_strlcpy(st->device_id, d->prov.device_id, sizeof(st->device_id));
	st->policy_state = d->prov.state;
	if (p) {
		tc_strlcpy(st->device_class, p->device_class == TC_CLASS_APPROVED ?
			   "approved" : "trust-owned", sizeof(st->device_class));
		st->policy_version = p->version;
		st->policy_expires = p->expires;
		st->require_event = p->rules.require_event;
	}
	tc_strlcpy(st->staff, d->login.staff, sizeof(st->staff));
	tc_strlcpy(st->event, d->login.event, sizeof(st->event));
	/* Never synced: 0, not the provisioning time the rules count from. */
	st->last_sync = d->prov.provisioned && photod_synced_ever(d) ? photod_last_sync(d) : 0;
	st->login_locked_until = d->login.locked_until > now ? d->login.locked_until : 0;
	st->now = now;
	if (photod_gate(d, now, &r) != 0) {
		st->blocked_code = r.code;
		tc_strlcpy(st->blocked_rule, r.rule, sizeof(st->blocked_rule));
		tc_strlcpy(st->capture_blocked, r.text, sizeof(st->capture_blocked));
	}
}

void
photod_status(struct photod *d, int fd)
{
	struct tc_msg_status st;
	struct tc_store_stats ss;

	memset(&st, 0, sizeof(st));
	tc_strlcpy(st.board, CONFIG_BOARD_NAME, sizeof(st.board));
	tc_strlcpy(st.firmware, tc_version(), sizeof(st.firmware));
	tc_strlcpy(st.model, tc_model(), sizeof(st.model));
	tc_strlcpy(st.keystore, tc_keystore_backend(d->ks), sizeof(st.keystore));
	if (d->cam)
		tc_strlcpy(st.camera, d->cam_id, sizeof(st.camera));
	st.width = d->set.width;
	st.height = d->set.height;
	st.camera_state = d->cam ? 0 : (d->cam_err ? d->cam_err : TC_E_NO_CAMERA);
	if (tc_store_stats(d->store, &ss) == 0) {
		st.photos_total = ss.used_photos;
		st.bytes_total = ss.used_bytes;
		st.unsynced = ss.unsynced;
		st.oldest_unsynced_us = ss.oldest_unsynced_us;
		st.quota_bytes = ss.quota_bytes;
		st.quota_photos = ss.quota_photos;
	}
	status_provision(d, &st, photod_now());
	if (!d->cam && !st.capture_blocked[0]) {
		st.blocked_code = st.camera_state;
		snprintf(st.capture_blocked, sizeof(st.capture_blocked), "camera unavailable: %s",
			 tc_strerror(st.camera_state));
	}
	st.captured_since_start = d->captured;
	st.audit_seq = tc_audit_head_seq(d->audit);
	photod_reply(fd, TC_MSG_STATUS, &st, sizeof(st));
}

void
photod_cameras(int fd)
{
	struct tc_camera_info info[8];
	struct tc_msg_camera c;
	struct tc_msg_end end = { 0, 0 };
	size_t n = 0, i, m;

	end.result = tc_camera_list(info, 8, &n);
	for (i = 0; end.result == 0 && i < n && i < 8; i++) {
		memset(&c, 0, sizeof(c));
		tc_strlcpy(c.id, info[i].id, sizeof(c.id));
		tc_strlcpy(c.model, info[i].model, sizeof(c.model));
		tc_strlcpy(c.backend, info[i].backend, sizeof(c.backend));
		for (m = 0; m < info[i].nmodes && m < 8; m++) {
			c.width[m] = info[i].modes[m].width;
			c.height[m] = info[i].modes[m].height;
		}
		c.nmodes = (uint32_t)m;
		if (photod_reply(fd, TC_MSG_CAMERA, &c, sizeof(c)) != 0)
			return;
		end.count++;
	}
	photod_reply(fd, TC_MSG_CAMERAS_END, &end, sizeof(end));
}

struct list_ctx {
	int fd;
	uint32_t count;
};

static int
list_one(void *ctx, const struct tc_store_rec *r)
{
	struct list_ctx *lc = ctx;
	struct tc_msg_photo ph;

	memset(&ph, 0, sizeof(ph));
	memcpy(ph.id, r->id, sizeof(ph.id));
	memcpy(ph.digest, r->digest, sizeof(ph.digest));
	ph.size = r->size;
	ph.created_us = r->created_us;
	ph.state_us = r->state_us;
	tc_strlcpy(ph.state, tc_store_state_name(r->state), sizeof(ph.state));
	if (photod_reply(lc->fd, TC_MSG_PHOTO, &ph, sizeof(ph)) != 0)
		return -EPIPE;
	lc->count++;
	return 0;
}

void
photod_list(struct photod *d, int fd)
{
	struct list_ctx lc = { fd, 0 };
	struct tc_msg_end end;

	end.result = tc_store_list(d->store, list_one, &lc);
	end.count = lc.count;
	if (end.result != -EPIPE)
		photod_reply(fd, TC_MSG_LIST_END, &end, sizeof(end));
}

void
photod_discard(struct photod *d, struct photod_client *c, const struct tc_msg_id *m)
{
	char actor[TC_AUDIT_FIELD_MAX];
	int rc;

	photod_actor(d, c, actor, sizeof(actor));
	rc = tc_store_discard(d->store, m->id, actor);
	if (rc == 0 || rc == -EBUSY) {
		photod_reply(c->fd, TC_MSG_DISCARDED, m, sizeof(*m));
		return;
	}
	/* The store audits discards it performs; a refused one is audited here. */
	photod_audit(d, actor, "discard", m->id, rc, "refused");
	photod_error(c->fd, rc, "", rc == TC_E_STATE ?
		    "only a photo not yet synced can be discarded" : tc_strerror(rc));
}

/* Rule R3: there is no way to take a photo off the device but sync. */
void
photod_export(struct photod *d, struct photod_client *c, const struct tc_msg_id *m)
{
	char actor[TC_AUDIT_FIELD_MAX];

	photod_audit(d, photod_actor(d, c, actor, sizeof(actor)), "refuse.export", m->id,
		     TC_E_REFUSED, "R3: photos leave the device only to the Trust server");
	photod_error(c->fd, TC_E_REFUSED, "R3",
		    "photos leave the device only to the Trust server, by sync at a dock");
}
