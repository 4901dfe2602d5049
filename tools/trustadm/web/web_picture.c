/*
 * web_picture.c - names in the picture on the photo page (issue 18,
 * item 3): the areas where text detection found legible words, outlined
 * in red over the photo (an SVG laid over the image, in the photo's own
 * pixels, so it scales with it), the areas the copy will blur, the
 * redaction form (the detected areas by default; the reviewer drags on
 * the photo to add one, app.js), a preview of the publishable copy and
 * the export for an approved platform.  The rules, registry rows and
 * audit rows are the CLI's: tadm_review_redact, tadm_review_export.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pic.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "web.h"

/* Each area of boxes as an SVG rect of class cls. */
static void
rects(struct web_buf *b, const char *boxes, const char *cls)
{
	struct tc_pic_box box[TC_PIC_MAX_BOXES];
	char why[160];
	unsigned i, n;

	if (tc_pic_boxes_parse(boxes, 0, 0, box, &n, why, sizeof(why)) != 0)
		return;
	for (i = 0; i < n; i++)
		wb_fmt(b, "<rect class=\"%s\" x=\"%u\" y=\"%u\" width=\"%u\" height=\"%u\"/>", cls,
		       box[i].x, box[i].y, box[i].w, box[i].h);
}

void
web_picture_figure(struct web_buf *b, const char *id, const struct tc_reg_textcheck *t,
		   const struct tc_reg_redaction *red)
{
	wb_raw(b, "<div class=\"pic\" id=\"pic\"><img class=\"full\" id=\"full\" "
		  "alt=\"The photo (cannot be shown)\" src=\"/img?id=");
	wb_raw(b, id);
	wb_raw(b, "\">");
	if (t) {
		wb_fmt(b, "<svg id=\"boxes\" viewBox=\"0 0 %u %u\" preserveAspectRatio=\"none\" "
		       "aria-hidden=\"true\">", t->width, t->height);
		rects(b, red->boxes, "blur");
		rects(b, t->boxes, "text");
		wb_raw(b, "</svg>");
	}
	wb_raw(b, "</div>");
}

void
web_picture_text_note(struct web_buf *b, const struct tc_reg_textcheck *t,
		      const struct tc_reg_redaction *red)
{
	unsigned n;

	if (!t) {
		wb_raw(b, "<p class=\"banner bad\" id=\"textnote\">Text detection failed for this "
			  "photo, so it cannot be exported for publication: ask IT.</p>");
		return;
	}
	if (t->words == 0) {
		wb_raw(b, "<p class=\"note\" id=\"textnote\">No legible words found in the "
			  "picture.</p>");
		return;
	}
	n = tc_pic_boxes_count(t->boxes);
	wb_fmt(b, "<p class=\"banner warn\" id=\"textnote\">Words in the picture: %u legible "
	       "%s in %u %s, outlined in red. A name must not be published: check them and blur "
	       "them below before the photo is exported.%s</p>", t->words,
	       t->words == 1 ? "word" : "words", n, n == 1 ? "area" : "areas",
	       red->seq ? " A redaction is recorded." : "");
}

/* The redaction form and, once one is recorded, the publishable copy. */
static void
redact_section(struct web *w, struct web_buf *b, const char *id, const struct tc_reg_textcheck *t,
	       const struct tc_reg_redaction *red)
{
	wb_raw(b, "<section><h2>Blur before publishing <small>(key B)</small></h2><form "
		  "method=\"post\" action=\"/redact\" id=\"redact\">");
	web_csrf(w, b);
	web_photo_id_field(b, id);
	wb_raw(b, "<p class=\"help\">Areas to blur in the published copy, as x,y,width,height in "
		  "the photo's pixels, separated by ';'. The detected text is filled in; drag on "
		  "the photo to add an area. Empty the box to record that nothing here names "
		  "anyone. The original photo is never changed.</p><label>Areas <input "
		  "name=\"areas\" id=\"areas\" value=\"");
	wb_esc(b, red->seq ? red->boxes : t ? t->boxes : "");
	wb_raw(b, "\"></label><button type=\"submit\">Save the areas to blur</button></form>");
	if (red->seq) {
		wb_raw(b, "<p class=\"help\">What will be published:</p><img class=\"preview\" "
			  "id=\"preview\" alt=\"The publishable copy (cannot be shown)\" "
			  "src=\"/publishable?id=");
		wb_raw(b, id);
		wb_raw(b, "\">");
	}
	wb_raw(b, "</section>");
}

void
web_picture_sections(struct web *w, struct web_buf *b, const char *id,
		     const struct tc_reg_textcheck *t, const struct tc_reg_redaction *red,
		     const struct tc_reg_review *v, const char *state)
{
	char plats[TC_REG_PLATFORMS_MAX], *s, *e;

	redact_section(w, b, id, t, red);
	wb_raw(b, "<section><h2>Export for publication <small>(key E)</small></h2>");
	if (strcmp(state, "approved") != 0 || !v->platforms[0]) {
		wb_raw(b, "<p class=\"help\">Only a photo approved for a platform can be exported "
			  "for it.</p></section>");
		return;
	}
	wb_raw(b, "<form method=\"post\" action=\"/export\" id=\"export\">");
	web_csrf(w, b);
	web_photo_id_field(b, id);
	wb_raw(b, "<p class=\"help\">The copy has the areas above blurred and no hidden "
		  "details (no camera data, no comments). It goes into <code>");
	wb_esc(b, w->export_dir);
	wb_raw(b, "</code>.</p><label>Platform <select name=\"platform\" id=\"platform\">");
	tc_strlcpy(plats, v->platforms, sizeof(plats));
	for (s = plats; s && *s; s = e) {
		if ((e = strchr(s, ';')))
			*e++ = 0;
		wb_raw(b, "<option>");
		wb_esc(b, s);
		wb_raw(b, "</option>");
	}
	wb_raw(b, "</select></label><button type=\"submit\" class=\"go\">Export</button>"
		  "</form></section>");
}

void
web_do_redact(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char msg[400];
	int rc = tadm_review_redact(w->a, w->priv, f->id, f->areas, msg, sizeof(msg));

	web_page_photo(w, b, f->id, msg, rc != TADM_OK);
}

void
web_do_export(struct web *w, struct web_buf *b, const struct web_form *f)
{
	char dir[4096], msg[4400];
	int rc;

	if (web_export_subdir(w, "publish", dir, sizeof(dir)) != 0) {
		web_page_photo(w, b, f->id, "The export folder cannot be made: ask IT.", true);
		return;
	}
	rc = tadm_review_export(w->a, w->priv, f->id, f->platforms, dir, msg, sizeof(msg));
	web_page_photo(w, b, f->id, msg, rc != TADM_OK);
}

int
web_publishable_jpeg(struct web *w, const char *id, uint8_t **out, size_t *len)
{
	struct tc_photo_meta *m = tc_calloc(1, sizeof(*m));
	struct tc_reg_redaction *red = tc_calloc(1, sizeof(*red));
	struct tc_review_photo p;
	int rc = -ENOMEM;

	*out = NULL;
	if (m && red && (rc = tadm_srv_photo(w->a, id, &p)) == 0 &&
	    (rc = tc_registry_redaction_last(w->a->reg, p.device, p.photo_id, red)) == 0)
		rc = tadm_publishable(w->a, w->priv, &p, red->boxes, m, out, len);
	if (m) {
		tc_zeroize(m, sizeof(*m));
		tc_free(m);
	}
	tc_free(red);
	return rc;
}
