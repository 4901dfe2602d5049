/*
 * cmd_review_pic.c - names in the picture (issue 18, item 3; Appendix A
 * of docs/design.md: no child may be identifiable, so a certificate in
 * the picture must not show a name): text detection at review, the
 * reviewer's redaction, and `review export`, which writes the copy that
 * may be published.
 *
 * Detection runs on a photo the first time it is opened for review
 * (review open, the photo's page, redact, export) and its result, the
 * number of legible words and their areas, is kept in the registry's
 * text_checks (the sealed object never changes, so neither does the
 * answer).  The words themselves are never kept, printed or audited.
 * A redaction is a set of areas in the append-only redactions table,
 * audited; the original object stays as received, and the publishable
 * copy is made from it at export, in memory.
 *
 * Export is refused unless the newest decision approves the platform,
 * the consent allows it now, and, when words were found, a redaction
 * has been recorded (the reviewer's `--none` says "nothing here names
 * anyone").  Refusals are audited with their reason.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pic.h"
#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_sha256.h"
#include "tc_trust_valid.h"

int
tadm_text_check(struct tadm *a, const uint8_t *priv, const struct tc_review_photo *p,
		const uint8_t *jpeg, size_t len, struct tc_reg_textcheck *out)
{
	struct tc_photo_meta *m = NULL;
	struct tc_pic_text *t = NULL;
	uint8_t *own = NULL;
	int rc = tc_registry_textcheck_get(a->reg, p->device, p->photo_id, out);

	if (rc != TC_E_NOT_FOUND) {
		if (rc != 0)
			tadm_err(a, "cannot read the text check: %s", tc_strerror(rc));
		return rc;
	}
	rc = -ENOMEM;
	if (!(t = tc_calloc(1, sizeof(*t))))
		goto out;
	if (!jpeg) {
		if (!(m = tc_calloc(1, sizeof(*m))))
			goto out;
		if ((rc = tadm_srv_open_photo(a, p, priv, m, &own, &len)) != 0)
			goto out;
		jpeg = own;
	}
	if ((rc = tc_pic_find_text(jpeg, len, t)) != 0) {
		tadm_err(a, "photo %s: text detection failed: %s", p->photo_id,
			 rc == -ENOENT ? "libtesseract or its English data (tesseract-ocr-eng) "
			 "cannot be loaded" : tc_strerror(rc));
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->words = t->words;
	out->width = t->width;
	out->height = t->height;
	if ((rc = tc_pic_boxes_format(t->box, t->n, out->boxes, sizeof(out->boxes))) != 0 ||
	    (rc = tc_registry_textcheck_put(a->reg, p->device, p->photo_id, out)) != 0)
		tadm_err(a, "cannot record the text check: %s", tc_strerror(rc));
out:
	tc_secure_free(own);
	if (m) {
		tc_zeroize(m, sizeof(*m));
		tc_free(m);
	}
	tc_free(t);
	return rc;
}

/* Whether name is one of the sep-separated names in list. */
static bool
listed(const char *list, char sep, const char *name)
{
	size_t l = strlen(name);
	const char *s = list, *e;

	for (; *s; s = *e ? e + 1 : e) {
		e = strchr(s, sep);
		e = e ? e : s + strlen(s);
		if ((size_t)(e - s) == l && memcmp(s, name, l) == 0)
			return true;
	}
	return false;
}

int
tadm_review_redact(struct tadm *a, const uint8_t *priv, const char *id, const char *areas,
		   char *msg, size_t msgcap)
{
	struct tc_pic_box box[TC_PIC_MAX_BOXES];
	struct tc_reg_textcheck *t = tc_calloc(1, sizeof(*t));
	char why[160], subject[TC_POLICY_ID_MAX + 40], detail[200];
	struct tc_review_photo p;
	unsigned n = 0;
	int rc = TADM_FAIL;

	snprintf(msg, msgcap, "the redaction could not be recorded (see the server's messages)");
	if (!t)
		return TADM_FAIL;
	if (tadm_srv_photo(a, id, &p) != 0 || tadm_text_check(a, priv, &p, NULL, 0, t) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tc_pic_boxes_parse(areas ? areas : t->boxes, t->width, t->height, box, &n, why,
			       sizeof(why)) != 0) {
		tadm_err(a, "%s", why);
		snprintf(msg, msgcap, "refused: %s; nothing was changed", why);
		rc = areas ? TADM_USAGE : TADM_FAIL;
		goto out;
	}
	/* Normalised, so the registry holds one spelling of each set. */
	if (tc_pic_boxes_format(box, n, t->boxes, sizeof(t->boxes)) != 0)
		goto out;
	snprintf(detail, sizeof(detail), "%u %s to blur on export (%s; text detection: %u legible "
		 "%s)", n, tc_plural(n, "area", "areas"), areas ? "chosen by the reviewer" :
		 "the detected text", t->words, tc_plural(t->words, "word", "words"));
	if ((rc = tc_registry_begin(a->reg)) != 0 ||
	    (rc = tc_registry_redaction_add(a->reg, p.device, p.photo_id, t->boxes)) != 0 ||
	    (rc = tc_registry_audit(a->reg, "review.redact", subject, detail)) != 0 ||
	    (rc = tc_registry_commit(a->reg)) != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the redaction: %s", tc_strerror(rc));
		rc = TADM_FAIL;
		goto out;
	}
	if (n)
		snprintf(msg, msgcap, "photo %s: %u %s will be blurred in the published copy",
			 p.photo_id, n, tc_plural(n, "area", "areas"));
	else
		snprintf(msg, msgcap, "photo %s: recorded that nothing needs blurring", p.photo_id);
	rc = TADM_OK;
out:
	tc_free(t);
	return rc;
}

/*
 * Why photo p may not be exported for platform now, into why; 0 when it
 * may.  m is p's sealed metadata; *redaction is filled when one is
 * recorded (boxes "" otherwise).
 */
static int
export_refusal(struct tadm *a, const uint8_t *priv, const struct tc_review_photo *p,
	       const char *platform, struct tc_photo_meta *m, struct tc_reg_redaction *red,
	       char *why, size_t whycap)
{
	char req[1][TC_META_ID_MAX], rule[TC_REVIEW_WHY_MAX];
	struct tc_reg_textcheck *t = tc_calloc(1, sizeof(*t));
	struct tc_policy *roster = NULL;
	struct tc_reg_review v;
	const char *state;
	bool retagged;
	int rc = TC_E_REFUSED;

	if (!t)
		return -ENOMEM;
	tc_strlcpy(req[0], platform, sizeof(req[0]));
	if ((rc = tadm_review_state(a, p, &v, &state)) != 0 ||
	    (rc = tadm_roster(a, &roster)) != 0 ||
	    (rc = tadm_review_effective(a, p, roster, m, &retagged)) != 0 ||
	    (rc = tadm_text_check(a, priv, p, NULL, 0, t)) != 0)
		goto out;
	rc = tc_registry_redaction_last(a->reg, p->device, p->photo_id, red);
	if (rc != 0 && rc != TC_E_NOT_FOUND) {
		tadm_err(a, "cannot read the redaction: %s", tc_strerror(rc));
		goto out;
	}
	rc = TC_E_REFUSED;
	if (strcmp(state, "approved") != 0)
		snprintf(why, whycap, "the photo is not approved (it is %s)", state);
	else if (!listed(v.platforms, ';', platform))
		snprintf(why, whycap, "the photo is approved for %.200s, not for '%s'",
			 v.platforms[0] ? v.platforms : "internal use only", platform);
	else if (tc_review_check(m, roster, (const char (*)[TC_META_ID_MAX])req, 1, rule,
				 sizeof(rule)) != 0)
		snprintf(why, whycap, "%s", rule);
	else if (t->words > 0 && red->seq == 0)
		snprintf(why, whycap, "the picture shows %u legible %s and no redaction is "
			 "recorded: blur them first (review redact), or record that nothing "
			 "names anyone (review redact --none)", t->words,
			 tc_plural(t->words, "word", "words"));
	else
		rc = 0;
out:
	tc_policy_free(roster);
	tc_free(t);
	return rc;
}

int
tadm_publishable(struct tadm *a, const uint8_t *priv, const struct tc_review_photo *p,
		 const char *boxes, struct tc_photo_meta *m, uint8_t **out, size_t *out_len)
{
	struct tc_pic_box box[TC_PIC_MAX_BOXES];
	uint8_t *jpeg = NULL;
	size_t jlen = 0;
	unsigned n = 0, w, h;
	char why[160];
	int rc;

	*out = NULL;
	if ((rc = tadm_srv_open_photo(a, p, priv, m, &jpeg, &jlen)) != 0)
		return rc;
	if ((rc = tc_pic_size(jpeg, jlen, &w, &h)) != 0 ||
	    (rc = tc_pic_boxes_parse(boxes, w, h, box, &n, why, sizeof(why))) != 0 ||
	    (rc = tc_pic_publishable(jpeg, jlen, box, n, out, out_len)) != 0)
		tadm_err(a, "photo %s: the publishable copy cannot be made: %s", p->photo_id,
			 rc == -EINVAL ? "the photo or its redaction is unreadable" :
			 tc_strerror(rc));
	tc_secure_free(jpeg);
	return rc;
}

/* Audit an export refusal and say it; TADM_FAIL. */
static int
refuse(struct tadm *a, const char *subject, const char *platform, const char *why, char *msg,
       size_t msgcap)
{
	char detail[TC_REVIEW_WHY_MAX + 512];

	snprintf(detail, sizeof(detail), "export for %s refused: %s", platform, why);
	if (tadm_audit_now(a, "review.export-refused", subject, detail) == 0)
		tadm_err(a, "refused: %s", why);
	snprintf(msg, msgcap, "refused: %s", why);
	return TADM_FAIL;
}

int
tadm_review_export(struct tadm *a, const uint8_t *priv, const char *id, const char *platform,
		   const char *dir, char *msg, size_t msgcap)
{
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_reg_redaction *red = tc_calloc(1, sizeof(*red));
	char why[TC_REVIEW_WHY_MAX + 64], subject[TC_POLICY_ID_MAX + 40], detail[200];
	char name[2 * TC_PHOTO_ID_LEN + 8], hex[2 * TC_SHA256_LEN + 1];
	uint8_t digest[TC_SHA256_LEN], *copy = NULL;
	struct tc_review_photo p;
	size_t clen = 0;
	unsigned areas;
	int dfd = -1, rc = TADM_FAIL;

	snprintf(msg, msgcap, "the photo could not be exported (see the server's messages)");
	if (!m || !red)
		goto out;
	if (!tc_trust_valid_platform(platform)) {
		tadm_err(a, "'%s' is not a platform name ([a-z0-9-], 1-32)", platform);
		snprintf(msg, msgcap, "that is not a platform name");
		rc = TADM_USAGE;
		goto out;
	}
	if (tadm_srv_photo(a, id, &p) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tadm_srv_open_meta(a, &p, priv, NULL, m) != 0)
		goto out;
	if ((rc = export_refusal(a, priv, &p, platform, m, red, why, sizeof(why))) != 0) {
		rc = rc == TC_E_REFUSED ? refuse(a, subject, platform, why, msg, msgcap) : TADM_FAIL;
		goto out;
	}
	rc = TADM_FAIL;
	if (tadm_publishable(a, priv, &p, red->boxes, m, &copy, &clen) != 0)
		goto out;
	tc_sha256(copy, clen, digest);
	tc_hex_encode(digest, 8, hex);
	areas = tc_pic_boxes_count(red->boxes);
	if ((dfd = tadm_export_dir(a, dir)) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "publishable copy for %s: %u %s blurred, no metadata, "
		 "%zu bytes, sha256 %s...", platform, areas, tc_plural(areas, "area", "areas"), clen,
		 hex);
	if (tadm_audit_now(a, "review.export", subject, detail) != 0)
		goto out;
	snprintf(name, sizeof(name), "%s.jpg", p.photo_id);
	if (tadm_export_file(a, dfd, name, copy, clen, NULL) != 0 || tc_fsync_dir(dfd) != 0)
		goto out;
	snprintf(msg, msgcap, "photo %s exported for %s to %s/%s (%u %s blurred)", p.photo_id,
		 platform, dir, name, areas, tc_plural(areas, "area", "areas"));
	rc = TADM_OK;
out:
	if (dfd >= 0)
		close(dfd);
	tc_secure_free(copy);
	if (m) {
		tc_zeroize(m, sizeof(*m));
		tc_free(m);
	}
	tc_free(red);
	return rc;
}
