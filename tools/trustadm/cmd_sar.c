/*
 * cmd_sar.c - `sar PUPILREF -o DIR` (rule R9): everything the Trust's
 * photo store holds about one pupil, for a subject access request.
 *
 * A photo is the pupil's when its sealed metadata or the tags a
 * reviewer set on it (review tag) name the pupil.  Sealed pupil refs
 * live only inside the objects, so every object's
 * metadata (its first chunk, tadm_srv_open_meta) is opened with the
 * photo key, and the matching objects are opened whole and exported:
 * <id>.jpg, <id>.json (metadata and review history) and manifest.json
 * listing each photo and the SHA-256 of every file, so the Trust can
 * show later exactly what it handed over.  Objects that cannot be opened
 * are named and make the command fail: an answer that silently missed a
 * photo would be a wrong answer.  The audit row names the pupil only by
 * a hash prefix (audit details never hold a pupil ref).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>

#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_valid.h"

#define SAR_SYN "sar PUPILREF -o DIR"

struct sar_ctx {
	struct tadm *a;
	const uint8_t *priv;
	uint8_t pub[TC_P256_PUB_LEN];
	const char *pupil;
	int dfd;
	json_t *manifest;
	unsigned found, scanned, failed;
	bool on_roster;
};

/* A ref not on the consent roster is most often mistyped: say so, since
 * the export of a mistyped ref is empty and otherwise looks complete. */
static int
roster_has(void *ctx, const struct tc_policy_consent *row)
{
	struct sar_ctx *c = ctx;

	if (strncmp(row->pupil, c->pupil, sizeof(row->pupil)) == 0)
		c->on_roster = true;
	return 0;
}

/* Whether pupil is among refs[0..n): the sealed tags, or those set at review. */
static bool
tagged(const char (*refs)[TC_META_ID_MAX], unsigned n, const char *pupil)
{
	unsigned i;

	for (i = 0; i < n && i < TC_META_MAX_PUPILS; i++)
		if (strncmp(refs[i], pupil, TC_META_ID_MAX) == 0)
			return true;
	return false;
}

/* Write <id>.jpg and <id>.json and list them in the manifest. */
static int
export_one(struct sar_ctx *c, const struct tc_review_photo *p, const struct tc_photo_meta *m,
	   const uint8_t *jpeg, size_t jlen)
{
	char jname[2 * TC_PHOTO_ID_LEN + 8], mname[2 * TC_PHOTO_ID_LEN + 8], *text = NULL;
	struct tc_sar_file files[2] = { { .name = jname }, { .name = mname } };
	struct tc_reg_review v;
	const char *state;
	json_t *meta = NULL;
	int rc;

	if ((rc = tadm_review_state(c->a, p, &v, &state)) != 0)
		return rc;
	meta = tc_review_meta_json(p, m, state, tadm_review_history(c->a, p));
	if (meta && (rc = tadm_add_review_tags(c->a, p, meta)) != 0)
		goto out;
	text = meta ? json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
	if (!text) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(jname, sizeof(jname), "%s.jpg", p->photo_id);
	snprintf(mname, sizeof(mname), "%s.json", p->photo_id);
	files[0].size = jlen;
	files[1].size = strlen(text);
	if ((rc = tadm_export_file(c->a, c->dfd, jname, jpeg, jlen, files[0].sha256)) != 0 ||
	    (rc = tadm_export_file(c->a, c->dfd, mname, text, files[1].size,
				   files[1].sha256)) != 0)
		goto out;
	rc = tc_sar_manifest_add(c->manifest, p, m, state, files, 2);
	if (rc == 0)
		c->found++;
out:
	if (text) {
		tc_zeroize(text, strlen(text));
		free(text);
	}
	json_decref(meta);
	return rc;
}

static int
scan_one(void *ctx, const struct tc_review_photo *p)
{
	struct sar_ctx *c = ctx;
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	char refs[TC_META_MAX_PUPILS][TC_META_ID_MAX];
	uint8_t *jpeg = NULL;
	size_t jlen = 0;
	unsigned n_refs = 0;
	bool found = false;
	int rc = 0;

	if (!m)
		return -ENOMEM;
	c->scanned++;
	/* The metadata of every photo; the whole object only for the pupil's. */
	if (tadm_srv_open_meta(c->a, p, c->priv, c->pub, m) != 0 ||
	    tadm_review_tags(c->a, p, refs, &n_refs, &found) != 0 ||
	    ((tagged(m->pupil_refs, m->n_pupils, c->pupil) ||
	      tagged((const char (*)[TC_META_ID_MAX])refs, n_refs, c->pupil)) &&
	     tadm_srv_open_photo(c->a, p, c->priv, m, &jpeg, &jlen) != 0))
		c->failed++;	/* named on stderr; the answer is incomplete */
	else if (jpeg)
		rc = export_one(c, p, m, jpeg, jlen);
	tc_zeroize(refs, sizeof(refs));
	tc_secure_free(jpeg);
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}

/* First 16 hex digits of SHA-256(pupil): lets an auditor match a SAR without the ref. */
static void
pupil_tag(const char *pupil, char out[17])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t h[TC_SHA256_LEN];
	char hex[2 * TC_SHA256_LEN + 1];

	if (!md || mbedtls_md(md, (const uint8_t *)pupil, strlen(pupil), h) != 0) {
		tc_strlcpy(out, "?", 17);
		return;
	}
	tc_hex_encode(h, sizeof(h), hex);
	tc_strlcpy(out, hex, 17);
}

static int
record(struct tadm *a, const char *pupil, const struct sar_ctx *c, bool ok)
{
	char tag[17], detail[200];
	int rc;

	pupil_tag(pupil, tag);
	snprintf(detail, sizeof(detail), "pupil sha256:%s: %u photos exported of %u scanned, "
		 "%u unreadable%s", tag, c->found, c->scanned, c->failed, ok ? "" : ", FAILED");
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_audit(a->reg, "sar.export", "", detail)) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the export in the audit log: %s", tc_strerror(rc));
	}
	return rc;
}

int
tadm_sar_export(struct tadm *a, const uint8_t *priv, const char *pupil, const char *out,
		char *msg, size_t msgcap)
{
	struct sar_ctx c = { .a = a, .dfd = -1, .priv = priv, .pupil = pupil };
	char *text = NULL;
	int rc;

	snprintf(msg, msgcap, "the export failed (see the server's messages)");
	if (tc_p256_public(priv, c.pub) != 0) {
		tadm_err(a, "the photo key is not a P-256 private key");
		return TADM_FAIL;
	}
	if ((rc = tc_registry_consent_foreach(a->reg, roster_has, &c)) != 0) {
		tadm_err(a, "cannot read the consent roster: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	rc = TADM_FAIL;
	if ((c.dfd = tadm_export_dir(a, out)) < 0)
		goto out;
	if (!(c.manifest = tc_sar_manifest_new(c.pupil, tadm_now()))) {
		tadm_err(a, "out of memory");
		goto out;
	}
	if (tadm_srv_scan(a, scan_one, &c) != 0) {
		(void)record(a, c.pupil, &c, false);
		goto out;
	}
	if (json_object_set_new(c.manifest, "photos_scanned", json_integer(c.scanned)) != 0 ||
	    json_object_set_new(c.manifest, "unreadable", json_integer(c.failed)) != 0 ||
	    !(text = json_dumps(c.manifest, JSON_INDENT(2) | JSON_SORT_KEYS)) ||
	    tadm_export_file(a, c.dfd, "manifest.json", text, strlen(text), NULL) != 0 ||
	    tc_fsync_dir(c.dfd) != 0) {
		(void)record(a, c.pupil, &c, false);
		goto out;
	}
	if (record(a, c.pupil, &c, c.failed == 0) != 0)
		goto out;
	snprintf(msg, msgcap, "%u %s exported to %s (manifest.json); %u scanned%s", c.found,
		 tc_plural(c.found, "photo", "photos"), out, c.scanned, c.on_roster ? "" : " (warning: the ref is not on the consent roster)");
	if (!c.on_roster)
		tadm_err(a, "warning: %s is not on the consent roster: check the ref (the photos of a "
			 "pupil whose consent row was removed are still exported)", c.pupil);
	if (c.failed) {
		tadm_err(a, "%u photo(s) could not be opened: this answer is incomplete", c.failed);
		snprintf(msg, msgcap, "%u photo(s) could not be opened: this answer is incomplete",
			 c.failed);
		goto out;
	}
	rc = TADM_OK;
out:
	if (text) {
		tc_zeroize(text, strlen(text));
		free(text);
	}
	json_decref(c.manifest);
	if (c.dfd >= 0)
		close(c.dfd);
	return rc;
}

int
cmd_sar(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *out = NULL, *pupil;
	char msg[512];
	uint8_t *priv = NULL;
	int ch, rc;

	while ((ch = tadm_getopt(argc, argv, "o:" TADM_COMMON_SHORT, opts)) != -1) {
		if (ch == 'o')
			out = optarg;
		else if ((rc = tadm_common_opt(a, ch, SAR_SYN)) >= 0)
			return rc;
	}
	if (optind + 1 != argc || !out)
		return tadm_usage(a, SAR_SYN);
	pupil = argv[optind];
	if (!tc_trust_valid_id(pupil)) {
		tadm_err(a, "not a pupil ref (1-63 printable ASCII bytes, no spaces)");
		return TADM_USAGE;
	}
	if ((rc = tadm_srv_need(a)) != TADM_OK)
		return rc;
	rc = TADM_FAIL;
	if (tadm_open(a) == 0 && tadm_srv_open(a) == 0 && tadm_photo_key(a, &priv) == 0) {
		rc = tadm_sar_export(a, priv, pupil, out, msg, sizeof(msg));
		if (rc == TADM_OK || strstr(msg, "exported"))
			printf("%s\n", msg);
	}
	tc_secure_free(priv);
	return rc;
}
