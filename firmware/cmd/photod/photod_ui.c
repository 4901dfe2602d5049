/*
 * photod_ui.c - the two lists the kiosk's screens need and camctl does
 * not: the staff ids that may log in (the staff picker before the PIN
 * pad) and the consent roster (the tagging screen).
 *
 * The staff list holds ids only (the policy has no names), so showing it
 * on a locked device tells a finder no more than a badge would.  The
 * roster is pseudonymous refs, their platforms and the display labels
 * the Trust sealed into the policy, and is sent only while a member of
 * staff is logged in (rule R10): whoever holds a locked device learns
 * nothing about the pupils.  The labels are never logged or audited.  Neither list is audited per request:
 * they are read-only views the screens refresh.
 */
#include <string.h>

#include "photod.h"
#include "tc_io.h"
#include "tc_secmem.h"

void
photod_staff_list(struct photod *d, int fd)
{
	const struct tc_policy *p = d->prov.policy;
	struct tc_msg_staff s;
	struct tc_msg_end end = { 0, 0 };
	size_t i;

	if (!p) {
		photod_error(fd, d->prov.state ? d->prov.state : TC_E_NO_POLICY, "R1", d->prov.why);
		return;
	}
	for (i = 0; i < p->n_staff; i++) {
		memset(&s, 0, sizeof(s));
		tc_strlcpy(s.id, p->staff[i].id, sizeof(s.id));
		if (photod_reply(fd, TC_MSG_STAFF, &s, sizeof(s)) != 0)
			return;
		end.count++;
	}
	photod_reply(fd, TC_MSG_STAFF_END, &end, sizeof(end));
}

_Static_assert(TC_IPC_LABEL_MAX == TC_POLICY_LABEL_MAX, "a label fits its IPC field");

void
photod_roster(struct photod *d, int fd, const struct tc_msg_roster_req *req)
{
	const struct tc_policy *p = d->prov.policy;
	struct tc_policy_consent c;
	struct tc_msg_pupil m;
	struct tc_msg_end end = { 0, 0 };
	size_t i, last;
	unsigned j;

	if (!p) {
		photod_error(fd, d->prov.state ? d->prov.state : TC_E_NO_POLICY, "R1", d->prov.why);
		return;
	}
	if (!d->login.staff[0]) {
		photod_error(fd, TC_E_NOT_LOGGED_IN, "R10", "nobody is logged in: log in first");
		return;
	}
	if (req->max == 0 || req->max > TC_IPC_ROSTER_PAGE) {
		photod_error(fd, TC_E_INVAL_INPUT, "", "roster page size out of range");
		return;
	}
	last = (size_t)req->first + req->max;
	if (last > p->n_pupils)
		last = p->n_pupils;
	for (i = req->first; i < last; i++) {
		tc_policy_consent_get(p, i, &c);	/* with its label: sent only after login */
		memset(&m, 0, sizeof(m));
		tc_strlcpy(m.ref, c.pupil, sizeof(m.ref));
		m.row = (uint32_t)i;
		for (j = 0; j < c.n_platforms && j < TC_IPC_MAX_PLATFORMS; j++)
			tc_strlcpy(m.platforms[j], c.platforms[j], sizeof(m.platforms[j]));
		m.n_platforms = j;
		tc_strlcpy(m.label, c.label, sizeof(m.label));
		if (photod_reply(fd, TC_MSG_PUPIL, &m, sizeof(m)) != 0)
			return;
		end.count++;
	}
	tc_zeroize(&c, sizeof(c));
	tc_zeroize(&m, sizeof(m));
	photod_touch(d);
	photod_reply(fd, TC_MSG_ROSTER_END, &end, sizeof(end));
}
