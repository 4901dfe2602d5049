/*
 * tc_consent_csv.h - the consent roster file IT imports (rule R5).
 *
 * Format (README.md has the full grammar): RFC 4180 CSV read with
 * Debian's libcsv in strict mode, UTF-8 (an initial byte order mark is
 * skipped), LF or CRLF line endings, blank lines ignored.  The first row
 * is exactly the header `pupil,platforms`; every other row has exactly
 * two fields: a pupil ref (printable ASCII, no space, 1..63 bytes) and
 * the platforms the parent/carer allowed, ';'-separated names of
 * [a-z0-9-]{1,32}, at most 16, no repeats, no spaces, and at most 32
 * different names in the whole file (TC_POLICY_MAX_PLATFORMS: what a
 * policy's roster can hold); an empty second field means no consent
 * (internal use only).  Quoting is allowed and
 * never needed.  A pupil ref may appear once.
 *
 * The header may name a third column, `pupil,platforms,label`: then every
 * row has three fields, the third a display label for the tagging screen
 * ("7B Amelia"): empty for none, else 1..47 bytes of UTF-8 without
 * control characters, and no two pupils with the same label.  Labels go
 * to the registry and, sealed to the device, into its policy; never into
 * a message or a log.
 *
 * Parsing is all-or-nothing: the first problem ends it with the line
 * number and a reason, and no rows are returned.  Messages never quote a
 * pupil ref or a label.
 */
#ifndef TC_CONSENT_CSV_H
#define TC_CONSENT_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"
#include "tc_policy.h"

#define TC_CONSENT_MAX_ROWS 10000
#define TC_CONSENT_FILE_MAX (4 * 1024 * 1024)

/*
 * Parse len bytes of CSV.  On success *rows (tc_malloc, free with
 * tc_consent_free) holds *n rows in file order.  On failure (TC_E_INVAL_INPUT,
 * -ENOMEM) *line is the 1-based line of the problem (0 when it is about
 * the whole file) and why one sentence.
 */
int tc_consent_parse(const uint8_t *buf, size_t len, struct tc_policy_consent **rows, size_t *n,
		     unsigned long *line, char *why, size_t whylen) TC_MUST_CHECK;
/* Wipe and free rows from tc_consent_parse (NULL is a no-op). */
void tc_consent_free(struct tc_policy_consent *rows, size_t n);

#endif /* TC_CONSENT_CSV_H */
