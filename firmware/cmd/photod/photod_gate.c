/*
 * photod_gate.c - may a photo be taken now?  And the event chosen for it.
 *
 * One function answers for capture and for status, so what status says
 * is exactly what capture would do.  The checks, in order, each with the
 * rule it cites:
 *
 *   not provisioned                          R1   TC_E_NOT_PROVISIONED
 *   certificate not from the Trust CA        R1   TC_E_CERT
 *   policy missing / invalid / rolled back   R1   TC_E_NO_POLICY, TC_E_POLICY_*
 *   clock before the policy's issue time     R1   TC_E_POLICY_NOT_YET
 *   policy expired (checked against now)     R1   TC_E_POLICY_EXPIRED
 *   refused by the Trust server as revoked   policy  TC_E_REVOKED
 *     (STATE/provision/revoked, which syncd writes on a certificate_revoked
 *     refusal and removes after a sync that succeeds; the policy's
 *     on_revoked "warn" lets capture go on: photos that may never leave)
 *   nobody logged in                         R10  TC_E_NOT_LOGGED_IN
 *   no event chosen, policy requires one     policy  TC_E_NO_EVENT
 *   unsynced photos at the policy's limit    policy  TC_E_MUST_DOCK
 *   last sync older than the policy allows   policy  TC_E_MUST_DOCK
 *   store full                               -    TC_E_QUOTA
 *
 * "policy" marks a rule of the Trust's policy bundle rather than one of
 * R1-R10.  The last sync is STATE/provision/last-sync, or the
 * provisioning time before the first sync.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "photod.h"
#include "tc_io.h"

static int
refuse(struct photod_refusal *r, int code, const char *rule, const char *text)
{
	r->code = code;
	r->rule = rule;
	tc_strlcpy(r->text, text, sizeof(r->text));
	return code;
}

int
photod_gate(struct photod *d, int64_t now, struct photod_refusal *r)
{
	const struct tc_policy *p = d->prov.policy;
	struct tc_store_stats ss;
	char text[TC_IPC_TEXT_MAX];
	int64_t last, hours;
	int rc;

	memset(r, 0, sizeof(*r));
	r->rule = "";
	if (!d->prov.provisioned)
		return refuse(r, TC_E_NOT_PROVISIONED, "R1",
			      "the device is not provisioned: IT must run camctl provision");
	if (d->prov.state != 0 || !p) {
		snprintf(text, sizeof(text), "%s%s", d->prov.state == TC_E_CERT ? "" : "policy: ",
			 d->prov.why);
		return refuse(r, d->prov.state ? d->prov.state : TC_E_NO_POLICY, "R1", text);
	}
	if (now < p->issued - TC_POLICY_CLOCK_SKEW)
		return refuse(r, TC_E_POLICY_NOT_YET, "R1",
			      "policy: the policy is not yet valid: the device clock is before its "
			      "issue time: set the clock");
	if (now >= p->expires)
		return refuse(r, TC_E_POLICY_EXPIRED, "R1",
			      "policy: the policy has expired: dock to sync for a new one");
	if (!p->rules.revoked_warn && photod_revoked(d))
		return refuse(r, TC_E_REVOKED, "policy",
			      "refused by the Trust server: this device may be revoked: "
			      "photos taken now could never leave it: ask IT");
	if (!d->login.staff[0])
		return refuse(r, TC_E_NOT_LOGGED_IN, "R10",
			      "nobody is logged in: camctl login STAFF");
	if (p->rules.require_event && !d->login.event[0])
		return refuse(r, TC_E_NO_EVENT, "policy",
			      "the policy requires an event: camctl event set ID");
	if ((rc = tc_store_stats(d->store, &ss)) != 0) {
		snprintf(text, sizeof(text), "store unreadable: %s", tc_strerror(rc));
		return refuse(r, rc, "", text);
	}
	/* A burst's photo sealed but not yet catalogued counts as stored. */
	ss.unsynced += d->pending_photos;
	ss.used_photos += d->pending_photos;
	ss.used_bytes += d->pending_bytes;
	if (ss.unsynced >= p->rules.max_unsynced) {
		snprintf(text, sizeof(text), "%llu unsynced photos, the policy allows %u: dock to sync",
			 (unsigned long long)ss.unsynced, p->rules.max_unsynced);
		return refuse(r, TC_E_MUST_DOCK, "policy", text);
	}
	last = photod_last_sync(d);
	if (last < 0)
		return refuse(r, TC_E_MUST_DOCK, "policy",
			      "the time of the last sync is unreadable: dock to sync");
	hours = now > last ? (now - last) / 3600 : 0;
	if (now - last >= (int64_t)p->rules.max_hours_since_sync * 3600) {
		snprintf(text, sizeof(text), "%s %lld h ago, the policy allows %u h: dock to sync",
			 photod_synced_ever(d) ? "last sync" : "never synced, provisioned",
			 (long long)hours, p->rules.max_hours_since_sync);
		return refuse(r, TC_E_MUST_DOCK, "policy", text);
	}
	if (ss.used_photos >= ss.quota_photos || ss.used_bytes >= ss.quota_bytes) {
		snprintf(text, sizeof(text), "store full (%llu photos, %llu MiB): dock to sync",
			 (unsigned long long)ss.used_photos,
			 (unsigned long long)(ss.used_bytes >> 20));
		return refuse(r, TC_E_QUOTA, "", text);
	}
	return 0;
}

static bool
need_session(struct photod *d, struct photod_client *c)
{
	if (!d->prov.policy) {
		photod_error(c->fd, d->prov.state ? d->prov.state : TC_E_NO_POLICY, "R1",
			     d->prov.why);
		return false;
	}
	if (!d->login.staff[0]) {
		photod_error(c->fd, TC_E_NOT_LOGGED_IN, "R10",
			     "nobody is logged in: camctl login STAFF");
		return false;
	}
	return true;
}

void
photod_event_set(struct photod *d, struct photod_client *c, const struct tc_msg_event_req *m)
{
	const struct tc_policy_event *ev;
	char actor[TC_AUDIT_FIELD_MAX], text[TC_IPC_TEXT_MAX + 96];	/* photod_ok truncates */

	if (!tc_ipc_str_ok(m->id, sizeof(m->id)) || !m->id[0]) {
		photod_error(c->fd, -EINVAL, "", "an event id is 1 to 63 printable characters");
		return;
	}
	if (!need_session(d, c))
		return;
	ev = tc_policy_find_event(d->prov.policy, m->id);
	if (!ev) {
		snprintf(text, sizeof(text), "the policy has no event %s (camctl event list)", m->id);
		photod_error(c->fd, TC_E_NOT_FOUND, "", text);
		return;
	}
	tc_strlcpy(d->login.event, ev->id, sizeof(d->login.event));
	photod_touch(d);
	photod_audit(d, photod_actor(d, c, actor, sizeof(actor)), "event.set", NULL, 0, ev->id);
	snprintf(text, sizeof(text), "event %s (%s, %s) chosen", ev->id, ev->name, ev->date);
	photod_ok(c->fd, 0, text);
}

void
photod_event_clear(struct photod *d, struct photod_client *c)
{
	char actor[TC_AUDIT_FIELD_MAX];

	if (d->login.event[0]) {
		photod_audit(d, photod_actor(d, c, actor, sizeof(actor)), "event.clear", NULL, 0,
			     d->login.event);
		memset(d->login.event, 0, sizeof(d->login.event));
		photod_touch(d);
	}
	photod_ok(c->fd, 0, "no event chosen");
}

void
photod_events(struct photod *d, int fd)
{
	const struct tc_policy *p = d->prov.policy;
	struct tc_msg_event ev;
	struct tc_msg_end end = { 0, 0 };
	size_t i;

	if (!p) {
		photod_error(fd, d->prov.state ? d->prov.state : TC_E_NO_POLICY, "R1", d->prov.why);
		return;
	}
	for (i = 0; i < p->n_events; i++) {
		memset(&ev, 0, sizeof(ev));
		tc_strlcpy(ev.id, p->events[i].id, sizeof(ev.id));
		tc_strlcpy(ev.name, p->events[i].name, sizeof(ev.name));
		tc_strlcpy(ev.date, p->events[i].date, sizeof(ev.date));
		ev.selected = strcmp(ev.id, d->login.event) == 0;
		if (photod_reply(fd, TC_MSG_EVENT, &ev, sizeof(ev)) != 0)
			return;
		end.count++;
	}
	photod_reply(fd, TC_MSG_EVENTS_END, &end, sizeof(end));
}
