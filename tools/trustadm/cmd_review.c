/*
 * cmd_review.c - `review` (rule R7): list the photos trust-server holds
 * that nobody has decided on yet, open one for the reviewer, approve it
 * for platforms the consent permits, or reject it.
 *
 * Decisions are rows in the registry's append-only reviews table (the
 * Trust's record, not the server's), each committed with its audit row.
 * Opening a photo is audited before any plaintext is written, so a
 * disclosure is never missing from the log.  Plaintext reaches the disk
 * only in the reviewer's -o DIR (0700, files 0600, new or empty).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pic.h"
#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define REVIEW_SYN "review list | open ID -o DIR | approve ID [--platforms LIST] | reject ID | " \
	"tag ID REF,... | redact ID [--areas X,Y,W,H;... | --none] | export ID --platform P -o DIR"

int
tadm_audit_now(struct tadm *a, const char *action, const char *subject, const char *detail)
{
	int rc;

	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_audit(a->reg, action, subject, detail)) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record %s in the audit log: %s", action, tc_strerror(rc));
	}
	return rc;
}

static bool
valid_photo_id(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return i == 2 * TC_PHOTO_ID_LEN;
}

/* Everything a review command needs open: registry, ledger, photo key. */
static int
setup(struct tadm *a, uint8_t **priv)
{
	if (tadm_open(a) != 0 || tadm_srv_open(a) != 0 || tadm_photo_key(a, priv) != 0)
		return TADM_FAIL;
	return TADM_OK;
}

struct list_ctx {
	struct tadm *a;
	const uint8_t *priv;
	const struct tc_policy *roster;
	uint8_t pub[TC_P256_PUB_LEN];
	unsigned pending, failed;
};

/*
 * "  TEXT: 3 words" when detection found words; nothing when it found
 * none or has not run yet (list does not open the JPEG: export checks).
 */
static const char *
text_flag(struct tadm *a, const struct tc_review_photo *p, char *buf, size_t cap)
{
	struct tc_reg_textcheck *t = tc_calloc(1, sizeof(*t));

	buf[0] = 0;
	if (t && tc_registry_textcheck_get(a->reg, p->device, p->photo_id, t) == 0 && t->words)
		snprintf(buf, cap, "  TEXT: %u %s", t->words, tc_plural(t->words, "word", "words"));
	tc_free(t);
	return buf;
}

static void
print_pending(struct tadm *a, const struct tc_review_photo *p, const struct tc_photo_meta *m,
	      bool retagged)
{
	char text[40];

	char pupils[TC_META_MAX_PUPILS * TC_META_ID_MAX], plats[TC_REG_PLATFORMS_MAX], when[32];

	if (tc_review_join((const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils, ',',
			   pupils, sizeof(pupils)) != 0 || !pupils[0])
		tc_strlcpy(pupils, "-", sizeof(pupils));
	if (tc_review_join((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms, ',',
			   plats, sizeof(plats)) != 0 || !plats[0])
		tc_strlcpy(plats, "-", sizeof(plats));
	tc_review_iso_time((int64_t)(m->capture_time_us / 1000000), when, sizeof(when));
	printf("%s  %s  %s  staff %s  event %s  pupils %s  platforms %s%s%s%s\n", p->photo_id,
	       p->device, when, m->staff_id[0] ? m->staff_id : "-",
	       m->event_id[0] ? m->event_id : "-", pupils, plats,
	       m->n_pupils ? "" : "  NEEDS TAGGING", retagged ? "  (tagged at review)" : "",
	       text_flag(a, p, text, sizeof(text)));
}

static int
list_one(void *ctx, const struct tc_review_photo *p)
{
	struct list_ctx *c = ctx;
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_reg_review v;
	const char *state;
	bool retagged = false;
	int rc;

	if (!m)
		return -ENOMEM;
	if ((rc = tadm_review_state(c->a, p, &v, &state)) != 0)
		goto out;
	if (strcmp(state, "pending_review") != 0)
		goto out;
	c->pending++;
	if (tadm_srv_open_meta(c->a, p, c->priv, c->pub, m) != 0 ||
	    tadm_review_effective(c->a, p, c->roster, m, &retagged) != 0) {
		printf("%s  %s  CANNOT OPEN (see above)\n", p->photo_id, p->device);
		c->failed++;
	} else {
		print_pending(c->a, p, m, retagged);
	}
out:
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}

static int
review_list(struct tadm *a, const uint8_t *priv)
{
	struct list_ctx c = { .a = a, .priv = priv };
	char detail[64];
	int rc;

	struct tc_policy *roster = NULL;

	if (tc_p256_public(priv, c.pub) != 0) {
		tadm_err(a, "the photo key is not a P-256 private key");
		return TADM_FAIL;
	}
	if (tadm_roster(a, &roster) != 0)
		return TADM_FAIL;
	c.roster = roster;
	rc = tadm_srv_scan(a, list_one, &c);
	tc_policy_free(roster);
	if (rc != 0)
		return TADM_FAIL;
	snprintf(detail, sizeof(detail), "%u pending, %u unreadable", c.pending, c.failed);
	if (tadm_audit_now(a, "review.list", "", detail) != 0)
		return TADM_FAIL;
	if (c.pending == 0)
		fprintf(stderr, "trustadm: review: no photo is pending review\n");
	return c.failed ? TADM_FAIL : TADM_OK;
}

/* One review decision as JSON, for the history array. */
static int
add_history(void *ctx, const struct tc_reg_review *v)
{
	char when[32];
	json_t *o;

	tc_review_iso_time(v->time, when, sizeof(when));
	o = json_pack("{s:s, s:s, s:s, s:s}", "decision", v->approved ? "approved" : "rejected",
		      "platforms", v->platforms, "reviewer", v->reviewer, "time", when);
	return o && json_array_append_new(ctx, o) == 0 ? 0 : -ENOMEM;
}

json_t *
tadm_review_history(struct tadm *a, const struct tc_review_photo *p)
{
	json_t *h = json_array();

	if (h && tc_registry_review_foreach(a->reg, p->device, p->photo_id, add_history, h) != 0) {
		json_decref(h);
		h = NULL;
	}
	return h;
}

static int
review_open(struct tadm *a, const uint8_t *priv, const char *id, const char *dir)
{
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_reg_textcheck *tc = tc_calloc(1, sizeof(*tc));
	struct tc_review_photo p;
	struct tc_reg_review v;
	const char *state;
	uint8_t *jpeg = NULL;
	size_t jlen = 0;
	char name[2 * TC_PHOTO_ID_LEN + 8], subject[TC_POLICY_ID_MAX + 40], *text = NULL;
	json_t *meta = NULL;
	int dfd = -1, rc = TADM_FAIL;
	bool checked;

	if (!m || !tc) {
		tc_free(m);
		tc_free(tc);
		return TADM_FAIL;
	}
	rc = TADM_FAIL;
	if (tadm_srv_photo(a, id, &p) != 0)
		goto out;
	if (tadm_review_state(a, &p, &v, &state) != 0 ||
	    tadm_srv_open_photo(a, &p, priv, m, &jpeg, &jlen) != 0)
		goto out;
	meta = tc_review_meta_json(&p, m, state, tadm_review_history(a, &p));
	if (meta && tadm_add_review_tags(a, &p, meta) != 0) {
		json_decref(meta);
		meta = NULL;
	}
	/* A photo text detection cannot read is still shown; export refuses it. */
	checked = tadm_text_check(a, priv, &p, jpeg, jlen, tc) == 0;
	if (!checked)
		tadm_err(a, "warning: the photo could not be checked for names in the picture: "
			 "it cannot be exported for publication");
	if (meta && json_object_set_new(meta, "text_in_picture", checked ?
					json_pack("{s:i, s:s}", "words", (json_int_t)tc->words,
						  "areas", tc->boxes) : json_null()) != 0) {
		json_decref(meta);
		meta = NULL;
	}
	text = meta ? json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (!text) {
		tadm_err(a, "out of memory");
		goto out;
	}
	if ((dfd = tadm_export_dir(a, dir)) < 0)
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tadm_audit_now(a, "review.open", subject, "JPEG and metadata exported for review") != 0)
		goto out;
	snprintf(name, sizeof(name), "%s.jpg", p.photo_id);
	if (tadm_export_file(a, dfd, name, jpeg, jlen, NULL) != 0)
		goto out;
	snprintf(name, sizeof(name), "%s.json", p.photo_id);
	if (tadm_export_file(a, dfd, name, text, strlen(text), NULL) != 0 || tc_fsync_dir(dfd) != 0)
		goto out;
	printf("%s/%s.jpg\n%s/%s.json\n", dir, p.photo_id, dir, p.photo_id);
	if (checked && tc->words)
		printf("TEXT IN THE PICTURE: %u legible %s in %u %s (a name must not be published: "
		       "trustadm review redact %s)\n", tc->words, tc_plural(tc->words, "word",
		       "words"), tc_pic_boxes_count(tc->boxes), tc_plural(tc_pic_boxes_count(tc->boxes), "area", "areas"),
		       p.photo_id);
	rc = TADM_OK;
out:
	tc_free(tc);
	if (dfd >= 0)
		close(dfd);
	if (text) {
		tc_zeroize(text, strlen(text));
		free(text);
	}
	json_decref(meta);
	tc_secure_free(jpeg);
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}

int
tadm_review_decide(struct tadm *a, const uint8_t *priv, const char *id, bool approve,
		   const char *list, const char *reason, char *msg, size_t msgcap)
{
	char req[TC_META_MAX_PLATFORMS][TC_META_ID_MAX], why[TC_REVIEW_WHY_MAX];
	char joined[TC_REG_PLATFORMS_MAX], subject[TC_POLICY_ID_MAX + 40];
	char detail[TC_REG_PLATFORMS_MAX + 64];
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_policy *roster = NULL;
	struct tc_review_photo p;
	struct tc_reg_review v;
	const char *state;
	unsigned n_req = 0;
	bool retagged = false;
	int rc = TADM_FAIL;

	snprintf(msg, msgcap, "the decision could not be recorded (see the server's messages)");
	if (!m)
		return TADM_FAIL;
	if (list && tc_review_parse_platforms(list, req, &n_req, why, sizeof(why)) != 0) {
		tadm_err(a, "--platforms: %s", why);
		snprintf(msg, msgcap, "%s", why);
		rc = TADM_USAGE;
		goto out;
	}
	rc = TADM_FAIL;
	if (tadm_srv_photo(a, id, &p) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tadm_review_state(a, &p, &v, &state) != 0 ||
	    tadm_srv_open_photo(a, &p, priv, m, NULL, NULL) != 0 || tadm_roster(a, &roster) != 0 ||
	    tadm_review_effective(a, &p, roster, m, &retagged) != 0)
		goto out;
	if (approve && !list)	/* everything the consent permits now */
		tc_review_allowed(m, roster, req, &n_req);
	if (approve && tc_review_check(m, roster, (const char (*)[TC_META_ID_MAX])req, n_req, why,
				       sizeof(why)) != 0) {
		snprintf(detail, sizeof(detail), "approval refused: %s", why);
		if (tadm_audit_now(a, "review.refused", subject, detail) == 0)
			tadm_err(a, "refused: %s", why);
		snprintf(msg, msgcap, "refused: %s", why);
		goto out;
	}
	if (tc_review_join((const char (*)[TC_META_ID_MAX])req, approve ? n_req : 0, ';', joined,
			   sizeof(joined)) != 0)
		goto out;
	if (approve)
		snprintf(detail, sizeof(detail), "approved for %s (was %s)",
			 joined[0] ? joined : "internal use only", state);
	else
		snprintf(detail, sizeof(detail), "rejected (was %s)%s%.*s", state,
			 reason && reason[0] ? ": " : "", 200, reason ? reason : "");
	if ((rc = tc_registry_begin(a->reg)) != 0 ||
	    (rc = tc_registry_review_add(a->reg, p.device, p.photo_id, approve, joined)) != 0 ||
	    (rc = tc_registry_audit(a->reg, approve ? "review.approve" : "review.reject", subject,
				    detail)) != 0 ||
	    (rc = tc_registry_commit(a->reg)) != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the decision: %s", tc_strerror(rc));
		rc = TADM_FAIL;
		goto out;
	}
	if (approve)
		snprintf(msg, msgcap, "photo %s approved for %s", p.photo_id,
			 joined[0] ? joined : "internal use only (no platform)");
	else
		snprintf(msg, msgcap, "photo %s rejected", p.photo_id);
	rc = TADM_OK;
out:
	tc_policy_free(roster);
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}

/* The sub-commands and which options each takes. */
static const struct {
	const char *name, *cmd;
	bool id, out, plats, areas, platform;
} subs[] = {
	{ "list", "review list", false, false, false, false, false },
	{ "open", "review open", true, true, false, false, false },
	{ "approve", "review approve", true, false, true, false, false },
	{ "reject", "review reject", true, false, false, false, false },
	{ "tag", "review tag", true, false, false, false, false },
	{ "redact", "review redact", true, false, false, true, false },
	{ "export", "review export", true, true, false, false, true },
};

int
cmd_review(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "platforms", required_argument, NULL, 'l' },
		{ "areas", required_argument, NULL, 'A' },
		{ "none", no_argument, NULL, 'N' },
		{ "platform", required_argument, NULL, 'L' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *out = NULL, *plats = NULL, *sub, *id = NULL, *tags = NULL, *areas = NULL;
	const char *platform = NULL;
	char msg[TC_REVIEW_WHY_MAX + TC_REG_PLATFORMS_MAX];
	uint8_t *priv = NULL;
	size_t k;
	int c, rc;

	if (argc >= 2 && strcmp(argv[1], "serve") == 0) {
		a->cmd = "review serve";
		return tadm_review_serve(a, argc - 1, argv + 1);
	}
	while ((c = tadm_getopt(argc, argv, "o:l:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'l')
			plats = optarg;
		else if (c == 'A' || c == 'N') {
			if (areas)
				return tadm_usage(a, REVIEW_SYN);
			areas = c == 'A' ? optarg : "";
		} else if (c == 'L')
			platform = optarg;
		else if ((rc = tadm_common_opt(a, c, REVIEW_SYN)) >= 0)
			return rc;
	}
	if (optind >= argc)
		return tadm_usage(a, REVIEW_SYN);
	sub = argv[optind++];
	for (k = 0; k < sizeof(subs) / sizeof(subs[0]) && strcmp(sub, subs[k].name) != 0; k++)
		;
	if (k == sizeof(subs) / sizeof(subs[0]))
		return tadm_usage(a, REVIEW_SYN);
	if (subs[k].id) {
		if (optind >= argc)
			return tadm_usage(a, REVIEW_SYN);
		id = argv[optind++];
	}
	if (strcmp(sub, "tag") == 0) {
		if (optind + 1 != argc)
			return tadm_usage(a, REVIEW_SYN);
		tags = argv[optind++];
	}
	if (optind != argc || (out && !subs[k].out) || (plats && !subs[k].plats) ||
	    (areas && !subs[k].areas) || (platform && !subs[k].platform) ||
	    (subs[k].out && !out) || (subs[k].platform && !platform))
		return tadm_usage(a, REVIEW_SYN);
	a->cmd = subs[k].cmd;
	if (id && !valid_photo_id(id)) {
		tadm_err(a, "'%s' is not a photo id (32 lower-case hex digits)", id);
		return TADM_USAGE;
	}
	if ((rc = tadm_srv_need(a)) != TADM_OK)
		return rc;
	if ((rc = setup(a, &priv)) != TADM_OK)
		goto out;
	if (strcmp(sub, "list") == 0)
		rc = review_list(a, priv);
	else if (strcmp(sub, "open") == 0)
		rc = review_open(a, priv, id, out);
	else {
		rc = tags ? tadm_review_tag(a, priv, id, tags, msg, sizeof(msg)) :
			strcmp(sub, "redact") == 0 ?
			tadm_review_redact(a, priv, id, areas, msg, sizeof(msg)) :
			strcmp(sub, "export") == 0 ?
			tadm_review_export(a, priv, id, platform, out, msg, sizeof(msg)) :
			tadm_review_decide(a, priv, id, strcmp(sub, "approve") == 0, plats, NULL,
					   msg, sizeof(msg));
		if (rc == TADM_OK)
			printf("%s\n", msg);
	}
out:
	tc_secure_free(priv);
	return rc;
}
