/*
 * web.h - the reviewer's desk in a browser (`trustadm review serve`):
 * what the files of tools/trustadm/web share.  README.md says what the
 * module owns and the security model.
 *
 * One libmicrohttpd daemon with one internal polling thread: every
 * request runs on that thread, so the registry, the ledger and this
 * state are used by one thread at a time.  Decrypted photos exist only
 * in tc_secure_alloc memory for the life of one response.
 */
#ifndef TADM_WEB_H
#define TADM_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <microhttpd.h>

#include "tadm_srv.h"

#define WEB_SECRET_HEX 64		/* 32 random bytes as hex */
#define WEB_HOST_MAX 80
#define WEB_FIELD_MAX 4096		/* one form field */
#define WEB_BODY_MAX 16384		/* one POST body */
#define WEB_COOKIE "tcreview"

struct web {
	struct tadm *a;
	uint8_t *priv;				/* the photo key (tc_secure_alloc) */
	uint8_t pub[TC_P256_PUB_LEN];
	const char *export_dir;			/* where subject access exports go */
	char token[WEB_SECRET_HEX + 1];		/* one-time login; "" once used */
	char session[WEB_SECRET_HEX + 1];	/* the cookie; "" until login */
	char csrf[WEB_SECRET_HEX + 1];		/* in every form */
	char hosts[3][WEB_HOST_MAX];		/* Host headers accepted */
	unsigned n_hosts;
};

/* A growing HTML (or any) buffer; oom sticks. */
struct web_buf {
	char *p;
	size_t len, cap;
	bool oom;
};
void wb_raw(struct web_buf *b, const char *s);
/* s with & < > " ' escaped for text and attribute values. */
void wb_esc(struct web_buf *b, const char *s);
/* printf into the buffer: numbers and fixed text only (never user strings: wb_esc). */
void wb_fmt(struct web_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void wb_free(struct web_buf *b);

/* The fields of a POST form (application/x-www-form-urlencoded). */
struct web_form {
	char csrf[WEB_SECRET_HEX + 1];
	char id[2 * TC_PHOTO_ID_LEN + 1];
	char platforms[TC_REG_PLATFORMS_MAX];	/* checkboxes joined with ',' */
	char reason[256];
	char pupils[WEB_FIELD_MAX];
	char pupil[TC_META_ID_MAX];
	char areas[TC_REG_BOXES_MAX];		/* "x,y,w,h;..." to blur */
	bool too_long;
};

/* web_auth.c: fresh secrets; the checks every request passes. */
int web_secrets(struct web *w) TC_MUST_CHECK;
bool web_host_ok(const struct web *w, struct MHD_Connection *c);
bool web_session_ok(const struct web *w, struct MHD_Connection *c);
/* A POST from our own page: same-origin by Origin / Sec-Fetch-Site, and the CSRF token. */
bool web_post_ok(const struct web *w, struct MHD_Connection *c, const struct web_form *f);
/* Constant-time equality of two NUL-terminated secrets. */
bool web_secret_eq(const char *a, const char *b);

/* web_serve.c: responses with the security headers. */
enum MHD_Result web_send(struct MHD_Connection *c, unsigned status, const char *type,
			 struct web_buf *body, const char *set_cookie, const char *location);
enum MHD_Result web_send_jpeg(struct MHD_Connection *c, uint8_t *jpeg, size_t len);
enum MHD_Result web_error(struct MHD_Connection *c, unsigned status, const char *text);

/* web_pages.c: each page into b (msg: an outcome banner, or NULL). */
void web_page_queue(struct web *w, struct web_buf *b);
void web_page_photo(struct web *w, struct web_buf *b, const char *id, const char *msg,
		    bool refused);
void web_page_sar(struct web *w, struct web_buf *b, const char *msg, bool failed);
void web_page_devices(struct web *w, struct web_buf *b);
/* The POST actions: each renders the page to show next into b. */
void web_do_approve(struct web *w, struct web_buf *b, const struct web_form *f);
void web_do_reject(struct web *w, struct web_buf *b, const struct web_form *f);
void web_do_tag(struct web *w, struct web_buf *b, const struct web_form *f);
void web_do_sar(struct web *w, struct web_buf *b, const struct web_form *f);
void web_do_redact(struct web *w, struct web_buf *b, const struct web_form *f);
void web_do_export(struct web *w, struct web_buf *b, const struct web_form *f);
extern const char web_css[], web_js[];

/*
 * web_pages.c: the page's parts web_picture.c shares.  web_csrf: the
 * form's hidden token; web_photo_id_field: the hidden photo id;
 * web_export_subdir: a new directory for one export,
 * <export_dir>/<what>-<time>-<n>, into dir; 0, or -1 when the export
 * directory cannot be made.
 */
void web_csrf(struct web *w, struct web_buf *b);
void web_photo_id_field(struct web_buf *b, const char *id);
int web_export_subdir(struct web *w, const char *what, char *dir, size_t cap);

/*
 * web_picture.c: names in the picture on the photo page.  figure: the
 * photo with the detected text areas and the areas to blur drawn over
 * it; text_note: what detection found (or that it failed); sections:
 * redaction and export.  t is the photo's text check (NULL when
 * detection failed), red its newest redaction (seq 0: none).
 */
void web_picture_figure(struct web_buf *b, const char *id, const struct tc_reg_textcheck *t,
			const struct tc_reg_redaction *red);
void web_picture_text_note(struct web_buf *b, const struct tc_reg_textcheck *t,
			   const struct tc_reg_redaction *red);
void web_picture_sections(struct web *w, struct web_buf *b, const char *id,
			  const struct tc_reg_textcheck *t, const struct tc_reg_redaction *red,
			  const struct tc_reg_review *v, const char *state);

/* web_image.c: photo id's JPEG (whole, or a thumbnail at most max_w wide), in locked memory. */
int web_photo_jpeg(struct web *w, const char *id, unsigned max_w, uint8_t **out, size_t *len)
	TC_MUST_CHECK;

/* The publishable copy of photo id (its newest redaction blurred), in locked memory. */
int web_publishable_jpeg(struct web *w, const char *id, uint8_t **out, size_t *len)
	TC_MUST_CHECK;

/* The command: `review serve [--listen ADDR:PORT] [--export-dir DIR]` after `review`. */
int tadm_review_serve(struct tadm *a, int argc, char **argv);

#endif /* TADM_WEB_H */
