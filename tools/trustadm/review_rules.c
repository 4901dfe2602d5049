/*
 * review_rules.c - which platforms a photo may be approved for (rules R5
 * and R7), see tc_review.h.
 *
 * Tuned for being obviously right rather than fast: at most 64 pupils
 * and 16 platforms a photo, so plain nested scans.  The stricter of the
 * two consents wins: a platform must be sealed into the photo (what the
 * device computed when it was taken) and still be allowed for every
 * tagged pupil by the roster now.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tc_io.h"
#include "tc_review.h"
#include "tc_trust_valid.h"

static bool
in_set(const char (*set)[TC_META_ID_MAX], unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (strncmp(set[i], name, TC_META_ID_MAX) == 0)
			return true;
	return false;
}

/* A sep-separated list of names, each valid, distinct, at most max of them. */
static int
parse_list(const char *list, char sep, bool (*valid)(const char *), const char *what,
	   unsigned max, char (*out)[TC_META_ID_MAX], unsigned *n, char *why, size_t whycap)
{
	const char *p = list, *end;
	char name[TC_META_ID_MAX];
	size_t len;

	*n = 0;
	if (!list[0])
		return 0;
	for (;;) {
		end = strchr(p, sep);
		len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(name)) {
			snprintf(why, whycap, "an empty or overlong %s name in the list", what);
			return -EINVAL;
		}
		memcpy(name, p, len);
		name[len] = 0;
		if (!valid(name)) {
			snprintf(why, whycap, "'%s' is not a %s name", name, what);
			return -EINVAL;
		}
		if (in_set((const char (*)[TC_META_ID_MAX])out, *n, name)) {
			snprintf(why, whycap, "%s '%s' is listed twice", what, name);
			return -EINVAL;
		}
		if (*n >= max) {
			snprintf(why, whycap, "at most %u %ss", max, what);
			return -EINVAL;
		}
		memcpy(out[(*n)++], name, len + 1);
		if (!end)
			return 0;
		p = end + 1;
	}
}

int
tc_review_parse_platforms(const char *list, char (*out)[TC_META_ID_MAX], unsigned *n,
			  char *why, size_t whycap)
{
	int rc = parse_list(list, ',', tc_trust_valid_platform, "platform", TC_META_MAX_PLATFORMS,
			    out, n, why, whycap);

	if (rc != 0 && strstr(why, "is not a platform name"))
		tc_strlcpy(why + strlen(why), " ([a-z0-9-], 1-32)", whycap - strlen(why));
	return rc;
}

int
tc_review_parse_pupils(const char *list, char sep, char (*out)[TC_META_ID_MAX], unsigned *n,
		       char *why, size_t whycap)
{
	return parse_list(list, sep, tc_trust_valid_id, "pupil ref", TC_META_MAX_PUPILS, out, n,
			  why, whycap);
}

void
tc_review_retag(struct tc_photo_meta *m, const char (*pupils)[TC_META_ID_MAX], unsigned n,
		const struct tc_policy *roster)
{
	unsigned i;

	memset(m->pupil_refs, 0, sizeof(m->pupil_refs));
	memset(m->platforms, 0, sizeof(m->platforms));
	m->n_pupils = n < TC_META_MAX_PUPILS ? n : TC_META_MAX_PUPILS;
	for (i = 0; i < m->n_pupils; i++)
		tc_strlcpy(m->pupil_refs[i], pupils[i], TC_META_ID_MAX);
	m->n_platforms = 0;
	tc_policy_platforms(roster, (const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils,
			    m->platforms, &m->n_platforms);
}

void
tc_review_allowed(const struct tc_photo_meta *m, const struct tc_policy *roster,
		  char (*out)[TC_META_ID_MAX], unsigned *n)
{
	char now[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	unsigned i, n_now = 0;

	*n = 0;
	if (m->n_pupils == 0)
		return;
	tc_policy_platforms(roster, (const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils,
			    now, &n_now);
	for (i = 0; i < m->n_platforms && i < TC_META_MAX_PLATFORMS; i++)
		if (in_set((const char (*)[TC_META_ID_MAX])now, n_now, m->platforms[i]))
			memcpy(out[(*n)++], m->platforms[i], TC_META_ID_MAX);
}

int
tc_review_check(const struct tc_photo_meta *m, const struct tc_policy *roster,
		const char (*requested)[TC_META_ID_MAX], unsigned n_req, char *why, size_t whycap)
{
	char allowed[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	unsigned i, n_allowed = 0;

	if (n_req == 0)
		return 0;	/* internal use only: always permitted */
	if (m->n_pupils == 0) {
		snprintf(why, whycap, "the photo has no pupil tags (needs tagging): it may go "
			 "to no platform, only be approved for internal use");
		return TC_E_REFUSED;
	}
	tc_review_allowed(m, roster, allowed, &n_allowed);
	for (i = 0; i < n_req; i++) {
		if (!in_set((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms,
			    requested[i])) {
			snprintf(why, whycap, "platform '%s' is not permitted: the consent of the "
				 "pupils in the photo did not allow it when it was taken (sealed "
				 "platforms: %u)", requested[i], m->n_platforms);
			return TC_E_REFUSED;
		}
		if (!in_set((const char (*)[TC_META_ID_MAX])allowed, n_allowed, requested[i])) {
			snprintf(why, whycap, "platform '%s' is not permitted: the current consent "
				 "roster no longer allows it for every pupil in the photo",
				 requested[i]);
			return TC_E_REFUSED;
		}
	}
	return 0;
}

int
tc_review_join(const char (*names)[TC_META_ID_MAX], unsigned n, char sep, char *out, size_t cap)
{
	size_t used = 0, l;
	unsigned i;

	if (cap == 0)
		return -ENAMETOOLONG;
	out[0] = 0;
	for (i = 0; i < n; i++) {
		l = strnlen(names[i], TC_META_ID_MAX);
		if (used + l + (i ? 1 : 0) + 1 > cap)
			return -ENAMETOOLONG;
		if (i)
			out[used++] = sep;
		memcpy(out + used, names[i], l);
		used += l;
		out[used] = 0;
	}
	return 0;
}

void
tc_review_iso_time(int64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		tc_strlcpy(out, "-", cap);
}
