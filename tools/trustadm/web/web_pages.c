/*
 * web_pages.c - the pages of the reviewer's desk and the actions behind
 * their forms.  Each action calls the function the CLI command calls
 * (tadm_review_decide, tadm_review_tag, tadm_sar_export), so the rules,
 * the registry rows and the audit rows are the CLI's.  Looking at the
 * queue or a photo is audited as review.list / review.view.
 *
 * Written for communications and data protection staff: plain words, one
 * task per block, the outcome of the last action in a banner at the top.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "tc_io.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_trust_valid.h"
#include "web.h"

#define WEB_QUEUE_PAGE 100u

/* "6 Dec 2026, 19:36 UTC": for people, where the CLI prints ISO 8601. */
static void
when_of(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%e %b %Y, %H:%M UTC", &tm) == 0)
		tc_strlcpy(out, "-", cap);
}

static void
head(struct web_buf *b, const char *title, const char *nav)
{
	static const char *const items[][2] = {
		{ "/", "Photos to review" }, { "/sar", "Subject access" },
		{ "/devices", "Cameras" } };
	size_t i;

	wb_raw(b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
	wb_esc(b, title);
	wb_raw(b, " - trustcam</title><link rel=\"stylesheet\" href=\"/app.css\">"
		  "<script src=\"/app.js\" defer></script></head><body><header><span class=\"brand\">"
		  "trustcam &middot; reviewer&#39;s desk</span><nav>");
	for (i = 0; i < sizeof(items) / sizeof(items[0]); i++) {
		wb_raw(b, "<a href=\"");
		wb_raw(b, items[i][0]);
		wb_raw(b, strcmp(items[i][0], nav) == 0 ? "\" class=\"here\">" : "\">");
		wb_raw(b, items[i][1]);
		wb_raw(b, "</a>");
	}
	wb_raw(b, "</nav></header><main><h1>");
	wb_esc(b, title);
	wb_raw(b, "</h1>");
}

static void
tail(struct web_buf *b)
{
	wb_raw(b, "</main></body></html>");
}

static void
banner(struct web_buf *b, const char *msg, bool bad)
{
	if (!msg || !msg[0])
		return;
	wb_raw(b, bad ? "<p class=\"banner bad\" role=\"alert\" id=\"outcome\">" :
		  "<p class=\"banner ok\" role=\"status\" id=\"outcome\">");
	wb_esc(b, msg);
	wb_raw(b, "</p>");
}

void
web_photo_id_field(struct web_buf *b, const char *id)
{
	wb_raw(b, "<input type=\"hidden\" name=\"id\" value=\"");
	wb_raw(b, id);
	wb_raw(b, "\">");
}

void
web_csrf(struct web *w, struct web_buf *b)
{
	wb_raw(b, "<input type=\"hidden\" name=\"csrf\" value=\"");
	wb_raw(b, w->csrf);
	wb_raw(b, "\">");
}

/* names joined with ", ", or none_text. */
static void
names(struct web_buf *b, const char (*n)[TC_META_ID_MAX], unsigned count, const char *none_text)
{
	unsigned i;

	if (count == 0) {
		wb_raw(b, none_text);
		return;
	}
	for (i = 0; i < count; i++) {
		if (i)
			wb_raw(b, ", ");
		wb_esc(b, n[i]);
	}
}

/* ---- the queue ---- */
struct queue_ctx {
	struct web *w;
	struct web_buf *b;
	const struct tc_policy *roster;
	unsigned pending, failed;
};

/* "Words in the picture" when text detection found some (it runs when a photo is opened). */
static void
text_flag(struct web *w, const struct tc_review_photo *p, struct web_buf *b)
{
	struct tc_reg_textcheck *t = tc_calloc(1, sizeof(*t));

	if (t && tc_registry_textcheck_get(w->a->reg, p->device, p->photo_id, t) == 0 && t->words)
		wb_raw(b, "<br><span class=\"warn\">Words in the picture</span>");
	tc_free(t);
}

static int
queue_one(void *ctx, const struct tc_review_photo *p)
{
	struct queue_ctx *q = ctx;
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_reg_review v;
	const char *state;
	char when[32];
	bool retagged = false;
	int rc;

	if (!m)
		return -ENOMEM;
	if ((rc = tadm_review_state(q->w->a, p, &v, &state)) != 0 ||
	    strcmp(state, "pending_review") != 0)
		goto out;
	/* A page of the oldest: each row's thumbnail opens its whole photo. */
	if (++q->pending > WEB_QUEUE_PAGE)
		goto out;
	wb_raw(q->b, "<tr><td><a href=\"/photo?id=");
	wb_raw(q->b, p->photo_id);
	wb_raw(q->b, "\"><img class=\"thumb\" alt=\"No preview\" src=\"/thumb?id=");
	wb_raw(q->b, p->photo_id);
	wb_raw(q->b, "\"></a></td>");
	if (tadm_srv_open_meta(q->w->a, p, q->w->priv, q->w->pub, m) != 0 ||
	    tadm_review_effective(q->w->a, p, q->roster, m, &retagged) != 0) {
		q->failed++;
		wb_raw(q->b, "<td colspan=\"5\" class=\"bad\">This photo cannot be opened "
			     "(damaged or not ours): ask IT.</td>");
	} else {
		when_of((int64_t)(m->capture_time_us / 1000000), when, sizeof(when));
		wb_raw(q->b, "<td>");
		wb_esc(q->b, when);
		wb_raw(q->b, "<br><small>camera ");
		wb_esc(q->b, p->device);
		wb_raw(q->b, "</small>");
		text_flag(q->w, p, q->b);
		wb_raw(q->b, "</td><td>");
		wb_esc(q->b, m->staff_id[0] ? m->staff_id : "-");
		wb_raw(q->b, "</td><td>");
		wb_esc(q->b, m->event_id[0] ? m->event_id : "-");
		wb_raw(q->b, "</td><td>");
		names(q->b, (const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils,
		      "<span class=\"warn\">Needs tagging</span>");
		if (retagged)
			wb_raw(q->b, " <small>(tagged at review)</small>");
		wb_raw(q->b, "</td><td>");
		names(q->b, (const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms,
		      "Internal use only");
		wb_raw(q->b, "</td>");
	}
	wb_raw(q->b, "<td><a class=\"button\" href=\"/photo?id=");
	wb_raw(q->b, p->photo_id);
	wb_raw(q->b, "\">Review</a></td></tr>");
out:
	tc_zeroize(m, sizeof(*m));
	tc_free(m);
	return rc;
}

void
web_page_queue(struct web *w, struct web_buf *b)
{
	struct tc_policy *roster = NULL;
	struct queue_ctx q = { .w = w, .b = b };
	char detail[64];

	head(b, "Photos to review", "/");
	if (tadm_roster(w->a, &roster) != 0) {
		banner(b, "The consent roster cannot be read: ask IT.", true);
		tail(b);
		return;
	}
	q.roster = roster;
	wb_raw(b, "<p class=\"help\">Each photo waits here until you approve or reject it. "
		  "Consent decides where a photo may go; a photo with no pupils tagged can "
		  "only be used internally until you tag it.</p>"
		  "<table class=\"queue\"><thead><tr><th>Photo</th><th>Taken</th><th>By</th>"
		  "<th>Event</th><th>Pupils</th><th>Consent allows</th><th></th></tr></thead><tbody>");
	if (tadm_srv_photos(w->a, NULL, queue_one, &q) != 0)
		banner(b, "The list is incomplete: the server's records could not be read.", true);
	wb_raw(b, "</tbody></table>");
	if (q.pending > WEB_QUEUE_PAGE)
		wb_fmt(b, "<p class=\"help\">Showing the %u oldest of %u photos waiting: decide on "
		       "these and the next ones appear.</p>", WEB_QUEUE_PAGE, q.pending);
	if (q.pending == 0)
		wb_raw(b, "<p class=\"empty\">Nothing to review. New photos appear here after a "
			  "camera docks.</p>");
	tc_policy_free(roster);
	snprintf(detail, sizeof(detail), "web: %u pending, %u unreadable", q.pending, q.failed);
	if (tadm_audit_now(w->a, "review.list", "", detail) != 0) {
		/* Fail closed: a view the log does not hold is not shown. */
		wb_free(b);
		head(b, "Photos to review", "/");
		banner(b, "The audit log cannot be written, so nothing is shown: ask IT.", true);
	}
	tail(b);
}

/* ---- one photo ---- */
static int
history_row(void *ctx, const struct tc_reg_review *v)
{
	struct web_buf *b = ctx;
	char when[32];

	when_of(v->time, when, sizeof(when));
	wb_raw(b, "<li>");
	wb_esc(b, when);
	wb_raw(b, v->approved ? " &mdash; approved for " : " &mdash; rejected");
	if (v->approved)
		wb_esc(b, v->platforms[0] ? v->platforms : "internal use only");
	wb_raw(b, " by ");
	wb_esc(b, v->reviewer);
	wb_raw(b, "</li>");
	return 0;
}

static void
platform_boxes(struct web_buf *b, const struct tc_photo_meta *m, const struct tc_policy *roster)
{
	char allowed[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	unsigned i, j, n = 0;
	bool ok;

	tc_review_allowed(m, roster, allowed, &n);
	for (i = 0; i < roster->n_platforms; i++) {
		for (ok = false, j = 0; j < n; j++)
			ok = ok || strcmp(allowed[j], roster->platform[i]) == 0;
		wb_raw(b, "<label class=\"platform\"><input type=\"checkbox\" name=\"platform\" value=\"");
		wb_esc(b, roster->platform[i]);
		wb_raw(b, "\"> ");
		wb_esc(b, roster->platform[i]);
		wb_raw(b, ok ? " <small class=\"okc\">consent given</small>" :
			  " <small class=\"noc\">no consent</small>");
		wb_raw(b, "</label>");
	}
}

void
web_page_photo(struct web *w, struct web_buf *b, const char *id, const char *msg, bool refused)
{
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_policy *roster = NULL;
	struct tc_review_photo p;
	struct tc_reg_textcheck *t = tc_calloc(1, sizeof(*t));
	struct tc_reg_redaction *red = tc_calloc(1, sizeof(*red));
	struct tc_reg_review v;
	const char *state = "";
	char when[32], subject[TC_POLICY_ID_MAX + 40];
	bool retagged = false, checked;

	head(b, "Review a photo", "");
	banner(b, msg, refused);
	if (!m || !t || !red || tadm_srv_photo(w->a, id, &p) != 0 || tadm_review_state(w->a, &p, &v, &state) != 0 ||
	    tadm_srv_open_meta(w->a, &p, w->priv, w->pub, m) != 0 || tadm_roster(w->a, &roster) != 0 ||
	    tadm_review_effective(w->a, &p, roster, m, &retagged) != 0) {
		banner(b, "This photo cannot be shown: it is not in the server's records or "
			  "cannot be opened. Ask IT.", true);
		goto out;
	}
	snprintf(subject, sizeof(subject), "%s/%s", p.device, p.photo_id);
	if (tadm_audit_now(w->a, "review.view", subject, "web: photo shown to the reviewer") != 0) {
		banner(b, "The audit log cannot be written, so the photo is not shown: ask IT.", true);
		goto out;
	}
	checked = tadm_text_check(w->a, w->priv, &p, NULL, 0, t) == 0;
	if (tc_registry_redaction_last(w->a->reg, p.device, p.photo_id, red) != 0)
		memset(red, 0, sizeof(*red));
	when_of((int64_t)(m->capture_time_us / 1000000), when, sizeof(when));
	wb_raw(b, "<div class=\"photo\">");
	web_picture_figure(b, p.photo_id, checked ? t : NULL, red);
	wb_raw(b, "<dl><dt>Status</dt><dd id=\"state\">");
	wb_raw(b, strcmp(state, "approved") == 0 ? "Approved" :
		  strcmp(state, "rejected") == 0 ? "Rejected" : "Waiting for review");
	wb_raw(b, "</dd><dt>Taken</dt><dd>");
	wb_esc(b, when);
	wb_raw(b, "</dd><dt>By</dt><dd>");
	wb_esc(b, m->staff_id[0] ? m->staff_id : "-");
	wb_raw(b, "</dd><dt>Event</dt><dd>");
	wb_esc(b, m->event_id[0] ? m->event_id : "-");
	wb_raw(b, "</dd><dt>Pupils</dt><dd>");
	names(b, (const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils,
	      "<span class=\"warn\">None tagged</span>");
	if (retagged)
		wb_raw(b, " <small>(tagged at review)</small>");
	wb_raw(b, "</dd><dt>Consent allows</dt><dd>");
	names(b, (const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms, "Internal use only");
	wb_raw(b, "</dd><dt>Camera</dt><dd>");
	wb_esc(b, p.device);
	wb_raw(b, "</dd></dl></div>");
	web_picture_text_note(b, checked ? t : NULL, red);

	wb_raw(b, "<section><h2>Approve <small>(key A)</small></h2><form method=\"post\" "
		  "action=\"/approve\" id=\"approve\">");
	web_csrf(w, b);
	wb_raw(b, "<input type=\"hidden\" name=\"id\" value=\"");
	wb_raw(b, p.photo_id);
	wb_raw(b, "\"><p class=\"help\">Tick where the photo may be published. Tick nothing to "
		  "approve it for internal use only.</p><div class=\"platforms\">");
	platform_boxes(b, m, roster);
	wb_raw(b, "</div><button type=\"submit\" class=\"go\">Approve</button></form></section>");

	wb_raw(b, "<section><h2>Reject <small>(key R)</small></h2><form method=\"post\" "
		  "action=\"/reject\" id=\"reject\">");
	web_csrf(w, b);
	wb_raw(b, "<input type=\"hidden\" name=\"id\" value=\"");
	wb_raw(b, p.photo_id);
	wb_raw(b, "\"><label>Reason (kept in the audit log; do not name pupils) <input "
		  "name=\"reason\" id=\"reason\" maxlength=\"200\" required></label>"
		  "<button type=\"submit\" class=\"stop\">Reject</button></form></section>");

	wb_raw(b, "<section><h2>Pupils in the photo <small>(key T)</small></h2><form "
		  "method=\"post\" action=\"/tag\" id=\"tag\">");
	web_csrf(w, b);
	wb_raw(b, "<input type=\"hidden\" name=\"id\" value=\"");
	wb_raw(b, p.photo_id);
	wb_raw(b, "\"><label>Pupil refs, separated by commas <input name=\"pupils\" id=\"pupils\" "
		  "value=\"");
	names(b, (const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils, "");
	wb_raw(b, "\"></label><button type=\"submit\">Save pupils</button></form></section>");

	web_picture_sections(w, b, p.photo_id, checked ? t : NULL, red, &v, state);

	wb_raw(b, "<section><h2>History</h2><ul class=\"history\">");
	if (tc_registry_review_foreach(w->a->reg, p.device, p.photo_id, history_row, b) != 0)
		wb_raw(b, "<li class=\"bad\">The history cannot be read.</li>");
	wb_raw(b, "</ul><p><a href=\"/\">&larr; Back to the photos to review (key Q)</a></p>"
		  "</section>");
out:
	tc_policy_free(roster);
	if (m) {
		tc_zeroize(m, sizeof(*m));
		tc_free(m);
	}
	tc_free(t);
	tc_free(red);
	tail(b);
}

void
web_do_approve(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char msg[TC_REVIEW_WHY_MAX + TC_REG_PLATFORMS_MAX];
	int rc = tadm_review_decide(w->a, w->priv, f->id, true, f->platforms, NULL, msg,
				    sizeof(msg));

	web_page_photo(w, b, f->id, msg, rc != TADM_OK);
}

void
web_do_reject(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char msg[TC_REVIEW_WHY_MAX + TC_REG_PLATFORMS_MAX], reason[sizeof(f->reason)];
	size_t i;
	int rc;

	/* Free text for a one-line audit detail: printable ASCII only. */
	for (i = 0; f->reason[i] && i + 1 < sizeof(reason); i++)
		reason[i] = f->reason[i] >= 0x20 && f->reason[i] < 0x7f ? f->reason[i] : ' ';
	reason[i] = 0;
	rc = tadm_review_decide(w->a, w->priv, f->id, false, NULL, reason, msg, sizeof(msg));
	web_page_photo(w, b, f->id, msg, rc != TADM_OK);
}

void
web_do_tag(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char msg[TC_REVIEW_WHY_MAX + 256], list[sizeof(f->pupils)];
	size_t i, j = 0;
	int rc;

	/* "P-A, P-B" as typed: spaces are never part of a ref. */
	for (i = 0; f->pupils[i]; i++)
		if (f->pupils[i] != ' ')
			list[j++] = f->pupils[i];
	list[j] = 0;
	rc = tadm_review_tag(w->a, w->priv, f->id, list, msg, sizeof(msg));
	web_page_photo(w, b, f->id, msg, rc != TADM_OK);
}

/* ---- subject access ---- */
void
web_page_sar(struct web *w, struct web_buf *b, const char *msg, bool failed)
{
	head(b, "Subject access request", "/sar");
	banner(b, msg, failed);
	wb_raw(b, "<p class=\"help\">Find every photo of one pupil, and export them with their "
		  "records and a manifest (the same export as <code>trustadm sar</code>). Exports go "
		  "into <code>");
	wb_esc(b, w->export_dir);
	wb_raw(b, "</code> on this computer; delete them once the request is answered.</p>"
		  "<form method=\"post\" action=\"/sar\" id=\"sar\">");
	web_csrf(w, b);
	wb_raw(b, "<label>Pupil ref <input name=\"pupil\" id=\"pupil\" required maxlength=\"63\">"
		  "</label><button type=\"submit\" class=\"go\">Find and export</button></form>");
	tail(b);
}

int
web_export_subdir(struct web *w, const char *what, char *dir, size_t cap)
{
	static unsigned serial;
	char stamp[32];

	if (mkdir(w->export_dir, 0700) != 0 && errno != EEXIST)
		return -1;
	tc_review_iso_time(tadm_now(), stamp, sizeof(stamp));
	snprintf(dir, cap, "%s/%s-%s-%u", w->export_dir, what, stamp, ++serial);
	return 0;
}

void
web_do_sar(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char dir[4096], msg[4400];
	int rc;

	if (!tc_trust_valid_id(f->pupil)) {
		web_page_sar(w, b, "That is not a pupil ref (no spaces, at most 63 characters).",
			     true);
		return;
	}
	if (web_export_subdir(w, "sar", dir, sizeof(dir)) != 0) {
		web_page_sar(w, b, "The export folder cannot be made: ask IT.", true);
		return;
	}
	rc = tadm_sar_export(w->a, w->priv, f->pupil, dir, msg, sizeof(msg));
	web_page_sar(w, b, msg, rc != TADM_OK);
}

/* ---- cameras ---- */
struct dev_ctx {
	struct web *w;
	struct web_buf *b;
	const char *ca_pem;
	int64_t now;
};

static int
device_row(void *ctx, const struct tc_reg_device *d)
{
	struct dev_ctx *c = ctx;
	struct tadm_srv_dev s;
	char last[32];
	uint32_t max_h;
	int64_t since;
	int rc;

	if ((rc = tadm_srv_device(c->w->a, d->id, &s)) != 0)
		return rc;
	if (s.last_upload > 0)
		when_of(s.last_upload, last, sizeof(last));
	else
		tc_strlcpy(last, "never", sizeof(last));
	max_h = d->revoked ? 0 : tadm_policy_max_hours(c->w->a, d, c->ca_pem);
	since = s.last_upload > 0 ? s.last_upload : d->enrolled;
	wb_raw(c->b, "<tr><td>");
	wb_esc(c->b, d->label);
	wb_raw(c->b, "<br><small>");
	wb_esc(c->b, d->id);
	wb_raw(c->b, "</small></td><td>");
	wb_esc(c->b, last);
	wb_fmt(c->b, "</td><td>%lld</td><td>", (long long)s.photos);
	if (d->revoked)
		wb_raw(c->b, "<span class=\"bad\">Revoked</span> (the server refuses it)");
	else if (max_h && c->now - since > (int64_t)max_h * 3600)
		wb_fmt(c->b, "<span class=\"warn\">Overdue</span>: not docked for over %u hours",
		       max_h);
	else
		wb_raw(c->b, "In use");
	wb_raw(c->b, "</td></tr>");
	return 0;
}

void
web_page_devices(struct web *w, struct web_buf *b)
{
	struct dev_ctx c = { .w = w, .b = b, .now = tadm_now() };
	uint8_t *ca = NULL;
	size_t len = 0;

	head(b, "Cameras", "/devices");
	wb_raw(b, "<p class=\"help\">A camera must dock regularly so its photos reach the Trust "
		  "and are deleted from it. Overdue cameras hold photos nobody has reviewed.</p>"
		  "<table><thead><tr><th>Camera</th><th>Last sync</th><th>Photos received</th>"
		  "<th>Status</th></tr></thead><tbody>");
	if (tadm_load_public(w->a, "ca.crt", TC_PKI_CERT_MAX, &ca, &len) == 0)
		c.ca_pem = (const char *)ca;
	if (tc_registry_device_foreach(w->a->reg, device_row, &c) != 0)
		banner(b, "The list of cameras cannot be read: ask IT.", true);
	wb_raw(b, "</tbody></table>");
	tc_free(ca);
	tail(b);
}
