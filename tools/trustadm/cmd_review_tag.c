/*
 * cmd_review_tag.c - `review tag ID REF,...`: the reviewer, who knows the
 * children, sets the pupils in a photo (issue 18, item 4), and what the
 * other review commands and sar make of such tags.
 *
 * Tags live in the registry's append-only review_tags table, beside the
 * sealed object, which stays as received.  The newest row replaces the
 * sealed tags for approval, and the permitted platforms become what the
 * roster's consent allows for those pupils, as photod computes them at
 * capture (tc_review_retag).  Every ref must be on the consent roster (a
 * mistyped ref would make a photo approvable for no one's consent).  An
 * approved photo is not re-tagged: its approval was judged on the old
 * tags, so it must be rejected (or withdrawn) first.  Each change, and
 * each refusal, is an audit row that counts pupils and never names one.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_secmem.h"

int
tadm_review_tags(struct tadm *a, const struct tc_review_photo *p,
		 char (*refs)[TC_META_ID_MAX], unsigned *n, bool *found)
{
	struct tc_reg_tags t;
	char why[TC_REVIEW_WHY_MAX];
	int rc = tc_registry_tags_last(a->reg, p->device, p->photo_id, &t);

	*n = 0;
	*found = false;
	if (rc == TC_E_NOT_FOUND)
		return 0;
	if (rc != 0) {
		tadm_err(a, "cannot read the review tags: %s", tc_strerror(rc));
		return rc;
	}
	if (tc_review_parse_pupils(t.pupils, ';', refs, n, why, sizeof(why)) != 0) {
		tadm_err(a, "photo %s: the registry's review tags are unreadable: %s", p->photo_id,
			 why);
		return TC_E_CATALOG;
	}
	*found = true;
	return 0;
}

int
tadm_review_effective(struct tadm *a, const struct tc_review_photo *p,
		      const struct tc_policy *roster, struct tc_photo_meta *m, bool *retagged)
{
	char refs[TC_META_MAX_PUPILS][TC_META_ID_MAX];
	unsigned n;
	int rc = tadm_review_tags(a, p, refs, &n, retagged);

	if (rc == 0 && *retagged)
		tc_review_retag(m, (const char (*)[TC_META_ID_MAX])refs, n, roster);
	tc_zeroize(refs, sizeof(refs));
	return rc;
}

int
tadm_add_review_tags(struct tadm *a, const struct tc_review_photo *p, json_t *meta)
{
	char refs[TC_META_MAX_PUPILS][TC_META_ID_MAX], why[TC_REVIEW_WHY_MAX], when[32];
	struct tc_reg_tags t;
	json_t *arr, *o;
	unsigned i, n = 0;
	int rc = tc_registry_tags_last(a->reg, p->device, p->photo_id, &t);

	if (rc == TC_E_NOT_FOUND)
		return 0;
	if (rc != 0 || tc_review_parse_pupils(t.pupils, ';', refs, &n, why, sizeof(why)) != 0)
		return rc ? rc : TC_E_CATALOG;
	tc_review_iso_time(t.time, when, sizeof(when));
	arr = json_array();
	for (i = 0; arr && i < n; i++)
		if (json_array_append_new(arr, json_string(refs[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	o = arr ? json_pack("{s:o, s:s, s:s}", "pupils", arr, "reviewer", t.reviewer, "time",
			    when) : NULL;
	tc_zeroize(refs, sizeof(refs));
	return o && json_object_set_new(meta, "tagged_at_review", o) == 0 ? 0 : -ENOMEM;
}

/* Whether the consent roster has a row for ref. */
static bool
on_roster(const struct tc_policy *roster, const char *ref)
{
	struct tc_policy_consent c;
	size_t i;

	for (i = 0; i < roster->n_pupils; i++) {
		tc_policy_consent_get(roster, i, &c);
		if (strncmp(c.pupil, ref, sizeof(c.pupil)) == 0)
			return true;
	}
	return false;
}

int
tadm_review_tag(struct tadm *a, const uint8_t *priv, const char *id, const char *list,
		char *msg, size_t msgcap)
{
	char refs[TC_META_MAX_PUPILS][TC_META_ID_MAX], why[TC_REVIEW_WHY_MAX];
	char joined[TC_REG_PUPILS_MAX], plats[TC_REG_PLATFORMS_MAX];
	char subject[TC_POLICY_ID_MAX + 40], detail[TC_REG_PLATFORMS_MAX + 160];
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_policy *roster = NULL;
	struct tc_review_photo p;
	struct tc_reg_review v;
	const char *state;
	unsigned i, n = 0, sealed;
	int rc = TADM_FAIL;

	snprintf(msg, msgcap, "the tags could not be recorded (see the server's messages)");
	if (!m)
		return TADM_FAIL;
	if (tc_review_parse_pupils(list, ',', refs, &n, why, sizeof(why)) != 0) {
		tadm_err(a, "%s", why);
		snprintf(msg, msgcap, "%s", why);
		rc = TADM_USAGE;
		goto out;
	}
	rc = TADM_FAIL;
	if (tadm_srv_photo(a, id, &p) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tadm_review_state(a, &p, &v, &state) != 0 ||
	    tadm_srv_open_meta(a, &p, priv, NULL, m) != 0 || tadm_roster(a, &roster) != 0)
		goto out;
	sealed = m->n_pupils;
	for (i = 0; i < n; i++)
		if (!on_roster(roster, refs[i])) {
			snprintf(detail, sizeof(detail), "tag %u of %u is not on the consent roster",
				 i + 1, n);
			snprintf(msg, msgcap, "refused: %s is not on the consent roster (check the "
				 "ref; nothing was changed)", refs[i]);
			if (tadm_audit_now(a, "review.tag-refused", subject, detail) == 0)
				tadm_err(a, "%s", msg);
			goto out;
		}
	if (strcmp(state, "approved") == 0) {
		snprintf(msg, msgcap, "refused: the photo is approved for publication on its "
			 "current tags; reject it first, then tag it and approve it again");
		if (tadm_audit_now(a, "review.tag-refused", subject,
				   "the photo is approved: reject it before re-tagging") == 0)
			tadm_err(a, "%s", msg);
		goto out;
	}
	tc_review_retag(m, (const char (*)[TC_META_ID_MAX])refs, n, roster);
	if (tc_review_join((const char (*)[TC_META_ID_MAX])refs, n, ';', joined,
			   sizeof(joined)) != 0 ||
	    tc_review_join((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms, ';',
			   plats, sizeof(plats)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "tagged at review: %u pupil(s) (sealed: %u); permitted "
		 "platforms now: %s (%s)", n, sealed, plats[0] ? plats : "none", state);
	if ((rc = tc_registry_begin(a->reg)) != 0 ||
	    (rc = tc_registry_tags_add(a->reg, p.device, p.photo_id, joined)) != 0 ||
	    (rc = tc_registry_audit(a->reg, "review.tag", subject, detail)) != 0 ||
	    (rc = tc_registry_commit(a->reg)) != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the tags: %s", tc_strerror(rc));
		rc = TADM_FAIL;
		goto out;
	}
	if (tc_review_join((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms, ',',
			   plats, sizeof(plats)) != 0)
		plats[0] = 0;	/* it fitted with ';' a moment ago */
	snprintf(msg, msgcap, "photo %s tagged with %u %s; may be approved for: %s", p.photo_id,
		 n, tc_plural(n, "pupil", "pupils"), plats[0] ? plats : "internal use only (no platform)");
	rc = TADM_OK;
out:
	tc_zeroize(refs, sizeof(refs));
	tc_policy_free(roster);
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}
