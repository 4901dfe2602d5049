/*
 * consent_csv.c - the consent roster CSV (see tc_consent_csv.h).
 *
 * libcsv does the CSV grammar; this file does lines and meaning.  libcsv
 * reports rows, not lines, so the file is fed to it one physical line at
 * a time: a row's callbacks then fire while its line is being fed, and
 * the line number is known.  A quoted field that runs over a line break
 * is rejected (no valid field contains one), so rows and lines stay one
 * to one.  Bare CRs are rejected for the same reason.
 *
 * Tuned for clear errors, not speed: ten thousand rows parse in a few
 * milliseconds either way.
 */
#define _GNU_SOURCE	/* qsort_r */
#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tc_consent_csv.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_valid.h"

struct parse {
	struct tc_policy_consent *rows;
	unsigned long *row_line;	/* the line of each row, for duplicate reports */
	size_t n, cap;
	unsigned long line;		/* the physical line being fed */
	int nfields;
	int ncols;			/* 2, or 3 when the header names a label column */
	char field[3][TC_POLICY_ID_MAX * 20];	/* room for 16 platforms of 32 + ';' */
	int too_long;
	int header_seen;
	int err;			/* 0, or the first error (parsing stops) */
	unsigned long err_line;
	bool dup_label;			/* check_duplicates: compare labels, not refs */
	char *why;
	size_t whylen;
	unsigned n_names;		/* distinct platforms so far: a policy holds 32 */
	char names[TC_POLICY_MAX_PLATFORMS][TC_META_ID_MAX];
};

/* Count name among the roster's platforms; false when that makes too many. */
static bool
known_platform(struct parse *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->n_names; i++)
		if (strcmp(p->names[i], name) == 0)
			return true;
	if (p->n_names == TC_POLICY_MAX_PLATFORMS)
		return false;
	tc_strlcpy(p->names[p->n_names++], name, TC_META_ID_MAX);
	return true;
}

static void fail(struct parse *p, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
fail(struct parse *p, int err, const char *fmt, ...)
{
	va_list ap;

	if (p->err)
		return;
	p->err = err;
	p->err_line = p->line;
	va_start(ap, fmt);
	vsnprintf(p->why, p->whylen, fmt, ap);
	va_end(ap);
}

static void
on_field(void *s, size_t len, void *data)
{
	struct parse *p = data;

	if (p->err)
		return;
	if (p->nfields >= 3) {
		p->nfields++;
		return;
	}
	if (memchr(s, '\n', len) || memchr(s, '\r', len)) {
		fail(p, TC_E_INVAL_INPUT, "a line break inside a quoted field");
		return;
	}
	if (memchr(s, '\0', len)) {
		fail(p, TC_E_INVAL_INPUT, "a NUL byte in a field");
		return;
	}
	if (len >= sizeof(p->field[0])) {
		p->too_long = 1;
		len = 0;
	}
	memcpy(p->field[p->nfields], s, len);
	p->field[p->nfields][len] = 0;
	p->nfields++;
}

/* Split "a;b" into row->platforms; "" is no consent. */
static void
parse_platforms(struct parse *p, char *list, struct tc_policy_consent *row)
{
	char *save = NULL, *tok;
	unsigned i;
	size_t l = strlen(list);

	if (l == 0)
		return;
	if (list[0] == ';' || list[l - 1] == ';' || strstr(list, ";;")) {
		fail(p, TC_E_INVAL_INPUT, "an empty platform name (platforms are separated by one ';')");
		return;
	}
	for (tok = strtok_r(list, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		if (!tc_trust_valid_platform(tok)) {
			fail(p, TC_E_INVAL_INPUT, "platform names are 1-32 of a-z, 0-9 and '-', "
				"separated by ';' without spaces");
			return;
		}
		for (i = 0; i < row->n_platforms; i++)
			if (strcmp(row->platforms[i], tok) == 0) {
				fail(p, TC_E_INVAL_INPUT, "platform '%s' is listed twice", tok);
				return;
			}
		if (row->n_platforms >= TC_META_MAX_PLATFORMS) {
			fail(p, TC_E_INVAL_INPUT, "more than %d platforms", TC_META_MAX_PLATFORMS);
			return;
		}
		if (!known_platform(p, tok)) {
			fail(p, TC_E_INVAL_INPUT, "more than %d different platforms in the roster "
			     "(a policy carries at most %d)", TC_POLICY_MAX_PLATFORMS,
			     TC_POLICY_MAX_PLATFORMS);
			return;
		}
		tc_strlcpy(row->platforms[row->n_platforms++], tok, TC_META_ID_MAX);
	}
}

/* The optional label: "" is none; never quoted back (it names a child). */
static void
parse_label(struct parse *p, const char *label, struct tc_policy_consent *row)
{
	if (label[0] == '\0' || p->err)
		return;
	if (strlen(label) >= sizeof(row->label)) {
		fail(p, TC_E_INVAL_INPUT, "a label is at most %zu bytes of UTF-8",
		     sizeof(row->label) - 1);
		return;
	}
	if (!tc_trust_valid_name(label)) {
		fail(p, TC_E_INVAL_INPUT, "a label must be UTF-8 text without control characters "
		     "(tabs, line breaks)");
		return;
	}
	tc_strlcpy(row->label, label, sizeof(row->label));
}

static int
grow(struct parse *p)
{
	size_t cap = p->cap ? p->cap * 2 : 64;
	struct tc_policy_consent *rows;
	unsigned long *lines;

	if (cap > TC_CONSENT_MAX_ROWS)
		cap = TC_CONSENT_MAX_ROWS;
	rows = tc_realloc(p->rows, cap * sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	p->rows = rows;
	lines = tc_realloc(p->row_line, cap * sizeof(*lines));
	if (!lines)
		return -ENOMEM;
	p->row_line = lines;
	p->cap = cap;
	return 0;
}

static void
on_row(int c, void *data)
{
	struct parse *p = data;
	struct tc_policy_consent *row;

	(void)c;
	if (p->err)
		goto reset;
	if (!p->header_seen) {
		if (p->nfields < 2 || p->nfields > 3 || strcmp(p->field[0], "pupil") != 0 ||
		    strcmp(p->field[1], "platforms") != 0 ||
		    (p->nfields == 3 && strcmp(p->field[2], "label") != 0))
			fail(p, TC_E_INVAL_INPUT, "the first row must be the header "
			     "'pupil,platforms' or 'pupil,platforms,label'");
		p->ncols = p->nfields;
		p->header_seen = 1;
		goto reset;
	}
	if (p->nfields != p->ncols) {
		fail(p, TC_E_INVAL_INPUT, "%d field%s where %d are expected (%s)", p->nfields,
		     p->nfields == 1 ? "" : "s", p->ncols,
		     p->ncols == 2 ? "pupil,platforms" : "pupil,platforms,label");
		goto reset;
	}
	if (p->too_long || !tc_trust_valid_id(p->field[0])) {
		fail(p, TC_E_INVAL_INPUT, "a pupil ref is 1-63 printable ASCII characters without "
			"spaces");
		goto reset;
	}
	if (p->n >= TC_CONSENT_MAX_ROWS) {
		fail(p, TC_E_INVAL_INPUT, "more than %d pupils", TC_CONSENT_MAX_ROWS);
		goto reset;
	}
	if (p->n == p->cap && grow(p) != 0) {
		fail(p, -ENOMEM, "out of memory");
		goto reset;
	}
	row = &p->rows[p->n];
	memset(row, 0, sizeof(*row));
	tc_strlcpy(row->pupil, p->field[0], sizeof(row->pupil));
	parse_platforms(p, p->field[1], row);
	if (p->ncols == 3)
		parse_label(p, p->field[2], row);
	if (!p->err)
		p->row_line[p->n++] = p->line;
reset:
	tc_zeroize(p->field, sizeof(p->field));
	p->nfields = 0;
	p->too_long = 0;
}

/* What the duplicate check compares: the pupil ref, or the label. */
static const char *
dup_key(const struct parse *p, size_t i)
{
	return p->dup_label ? p->rows[i].label : p->rows[i].pupil;
}

/* Sort key for the duplicate check: the key, then line. */
static int
cmp_idx(const void *a, const void *b, void *arg)
{
	const struct parse *p = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int c = strcmp(dup_key(p, i), dup_key(p, j));

	if (c)
		return c;
	return p->row_line[i] < p->row_line[j] ? -1 : 1;
}

/*
 * The earliest line that repeats a pupil ref (or, with by_label, a
 * non-empty label: two pupils staff could not tell apart), reported with
 * its first line.
 */
static void
check_duplicates(struct parse *p, bool by_label)
{
	size_t *idx, i, best = 0;
	int found = 0;

	if (p->n < 2 || p->err)
		return;
	idx = tc_malloc(p->n * sizeof(*idx));
	if (!idx) {
		fail(p, -ENOMEM, "out of memory");
		return;
	}
	p->dup_label = by_label;
	for (i = 0; i < p->n; i++)
		idx[i] = i;
	qsort_r(idx, p->n, sizeof(*idx), cmp_idx, p);
	for (i = 1; i < p->n; i++)
		if (dup_key(p, idx[i])[0] != '\0' &&
		    strcmp(dup_key(p, idx[i]), dup_key(p, idx[i - 1])) == 0 &&
		    (!found || p->row_line[idx[i]] < p->row_line[idx[best]])) {
			best = i;
			found = 1;
		}
	if (found) {
		p->line = p->row_line[idx[best]];
		if (by_label)
			fail(p, TC_E_INVAL_INPUT, "the label on line %lu appears again (two pupils "
			     "would look the same on the tagging screen)", p->row_line[idx[best - 1]]);
		else
			fail(p, TC_E_INVAL_INPUT, "the pupil ref on line %lu appears again",
			     p->row_line[idx[best - 1]]);
	}
	tc_free(idx);
}

static int
is_nothing(unsigned char c)
{
	(void)c;
	return 0;	/* fields keep their spaces, so validation sees them */
}

int
tc_consent_parse(const uint8_t *buf, size_t len, struct tc_policy_consent **rows, size_t *n,
		 unsigned long *line, char *why, size_t whylen)
{
	struct csv_parser csv;
	struct parse *p;
	size_t off = 0, seg;
	const uint8_t *nl;
	int rc;

	*rows = NULL;
	*n = 0;
	*line = 0;
	why[0] = 0;
	if (len > TC_CONSENT_FILE_MAX) {
		snprintf(why, whylen, "the file is larger than %d bytes", TC_CONSENT_FILE_MAX);
		return TC_E_INVAL_INPUT;
	}
	p = tc_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->why = why;
	p->whylen = whylen;
	if (csv_init(&csv, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0) {
		tc_free(p);
		return -ENOMEM;
	}
	csv_set_space_func(&csv, is_nothing);
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		off = 3;
	while (off < len && !p->err) {
		p->line++;
		nl = memchr(buf + off, '\n', len - off);
		seg = nl ? (size_t)(nl - (buf + off)) + 1 : len - off;
		/* A CR is only allowed as the first half of CRLF. */
		if (memchr(buf + off, '\r', seg) &&
		    (seg < 2 || buf[off + seg - 1] != '\n' || buf[off + seg - 2] != '\r' ||
		     memchr(buf + off, '\r', seg - 2))) {
			fail(p, TC_E_INVAL_INPUT, "a carriage return that is not part of CRLF");
			break;
		}
		if (csv_parse(&csv, buf + off, seg, on_field, on_row, p) != seg)
			fail(p, TC_E_INVAL_INPUT, "malformed CSV (%s)", csv_strerror(csv_error(&csv)));
		off += seg;
	}
	if (!p->err && csv_fini(&csv, on_field, on_row, p) != 0)
		fail(p, TC_E_INVAL_INPUT, "malformed CSV (%s)", csv_strerror(csv_error(&csv)));
	if (!p->err && !p->header_seen) {
		p->line = 1;
		fail(p, TC_E_INVAL_INPUT, "empty file: the first row must be the header "
			"'pupil,platforms' or 'pupil,platforms,label'");
	}
	if (!p->err)
		check_duplicates(p, false);
	if (!p->err && p->ncols == 3)
		check_duplicates(p, true);
	csv_free(&csv);
	rc = p->err;
	if (rc) {
		*line = p->err_line;
		tc_consent_free(p->rows, p->cap);
	} else {
		*rows = p->rows;
		*n = p->n;
	}
	tc_free(p->row_line);
	tc_zeroize(p, sizeof(*p));
	tc_free(p);
	return rc;
}

void
tc_consent_free(struct tc_policy_consent *rows, size_t n)
{
	if (!rows)
		return;
	tc_zeroize(rows, n * sizeof(*rows));
	tc_free(rows);
}
