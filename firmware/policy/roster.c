/*
 * roster.c - the consent roster (R5) inside a policy: rows appended by
 * name, held compactly (a pupil ref and a bit mask over the policy's
 * table of platform names), read back by name, and the question photod
 * asks of it: which platforms may a photo of these pupils go to.
 *
 * Tuned for the device's sizes (<= 20,000 rows, <= 64 pupils in a
 * photo): plain linear scans, no index to keep in step with the rows.
 */
#include <errno.h>
#include <string.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_policy.h"
#include "tc_secmem.h"

/* The table index of name, added if new; -E2BIG when the table is full. */
static int
platform_index(struct tc_policy *p, const char *name)
{
	unsigned i;

	for (i = 0; i < p->n_platforms; i++)
		if (strcmp(p->platform[i], name) == 0)
			return (int)i;
	if (p->n_platforms == TC_POLICY_MAX_PLATFORMS)
		return -E2BIG;
	tc_strlcpy(p->platform[p->n_platforms], name, TC_META_ID_MAX);
	return (int)p->n_platforms++;
}

/* Move *arr (n used of size each) into a fresh zeroed array of cap; the old one is wiped. */
static int
regrow(void **arr, size_t n, size_t cap, size_t size)
{
	void *a = tc_calloc(cap, size);

	if (a == NULL)
		return -ENOMEM;
	if (*arr != NULL) {
		memcpy(a, *arr, n * size);
		tc_zeroize(*arr, n * size);
	}
	tc_free(*arr);
	*arr = a;
	return 0;
}

/* Room for one more row (and its label when want_label); 0 or -ENOMEM. */
static int
reserve_row(struct tc_policy *p, bool want_label)
{
	size_t cap = p->cap_pupils;

	if (p->n_pupils == p->cap_pupils) {
		cap = p->cap_pupils ? 2 * p->cap_pupils : 64;
		if (cap > POLICY_MAX_CONSENT)
			cap = POLICY_MAX_CONSENT;
		/* labels first: the pupils array's cap is what both are sized by */
		if (p->labels != NULL &&
		    regrow((void **)&p->labels, p->n_pupils, cap, sizeof(*p->labels)) != 0)
			return -ENOMEM;
		if (regrow((void **)&p->pupils, p->n_pupils, cap, sizeof(*p->pupils)) != 0)
			return -ENOMEM;
		p->cap_pupils = cap;
	}
	if (want_label && p->labels == NULL &&
	    (p->labels = tc_calloc(p->cap_pupils, sizeof(*p->labels))) == NULL)
		return -ENOMEM;
	return 0;
}

int
tc_policy_add_consent(struct tc_policy *p, const struct tc_policy_consent *c)
{
	struct tc_policy_pupil row;
	unsigned i, n_before;
	int k;

	if (p == NULL || c == NULL || !policy_term(c->pupil, sizeof(c->pupil)) ||
	    c->n_platforms > TC_META_MAX_PLATFORMS || !policy_term(c->label, sizeof(c->label)) ||
	    (c->label[0] && !policy_label_ok(c->label, strlen(c->label))))
		return -EINVAL;
	for (i = 0; i < c->n_platforms; i++)
		if (!policy_term(c->platforms[i], sizeof(c->platforms[i])))
			return -EINVAL;
	if (p->n_pupils >= POLICY_MAX_CONSENT)
		return -E2BIG;
	if (reserve_row(p, c->label[0] != '\0') != 0)
		return -ENOMEM;
	memset(&row, 0, sizeof(row));
	tc_strlcpy(row.pupil, c->pupil, sizeof(row.pupil));
	n_before = p->n_platforms;
	for (i = 0; i < c->n_platforms; i++) {
		if ((k = platform_index(p, c->platforms[i])) < 0) {
			p->n_platforms = n_before;	/* the row is refused whole */
			return k;
		}
		row.platforms |= UINT32_C(1) << k;
	}
	if (p->labels != NULL)
		tc_strlcpy(p->labels[p->n_pupils], c->label, sizeof(*p->labels));
	p->pupils[p->n_pupils++] = row;
	return 0;
}

void
tc_policy_consent_get(const struct tc_policy *p, size_t i, struct tc_policy_consent *c)
{
	unsigned k;

	memset(c, 0, sizeof(*c));
	if (p == NULL || i >= p->n_pupils)
		return;
	tc_strlcpy(c->pupil, p->pupils[i].pupil, sizeof(c->pupil));
	for (k = 0; k < p->n_platforms && c->n_platforms < TC_META_MAX_PLATFORMS; k++)
		if (p->pupils[i].platforms & (UINT32_C(1) << k))
			memcpy(c->platforms[c->n_platforms++], p->platform[k], TC_META_ID_MAX);
	if (p->labels != NULL)
		tc_strlcpy(c->label, p->labels[i], sizeof(c->label));
}

void
tc_policy_roster_clear(struct tc_policy *p)
{
	if (p == NULL)
		return;
	/* Pupil refs: not secrets, but nothing to leave in the heap; labels are personal. */
	if (p->pupils != NULL)
		tc_zeroize(p->pupils, p->n_pupils * sizeof(*p->pupils));
	tc_free(p->pupils);
	p->pupils = NULL;
	if (p->labels != NULL)
		tc_zeroize(p->labels, p->n_pupils * sizeof(*p->labels));
	tc_free(p->labels);
	p->labels = NULL;
	p->n_pupils = p->cap_pupils = 0;
	p->n_platforms = 0;
	memset(p->platform, 0, sizeof(p->platform));
}

static const struct tc_policy_pupil *
find_pupil(const struct tc_policy *p, const char *pupil)
{
	size_t i;

	for (i = 0; i < p->n_pupils; i++)
		if (policy_id_eq(p->pupils[i].pupil, pupil, TC_META_ID_MAX))
			return &p->pupils[i];
	return NULL;
}

void
tc_policy_platforms(const struct tc_policy *p, const char (*pupils)[TC_META_ID_MAX],
		    unsigned n_pupils, char (*out)[TC_META_ID_MAX], unsigned *n_out)
{
	const struct tc_policy_pupil *row;
	uint32_t allowed = UINT32_MAX;
	unsigned k, n = 0;

	if (n_out == NULL)
		return;
	*n_out = 0;
	if (p == NULL || pupils == NULL || out == NULL || n_pupils == 0)
		return;
	/* Any unknown pupil empties the set. */
	for (k = 0; k < n_pupils; k++) {
		if ((row = find_pupil(p, pupils[k])) == NULL)
			return;
		allowed &= row->platforms;
	}
	for (k = 0; k < p->n_platforms && n < TC_META_MAX_PLATFORMS; k++)
		if (allowed & (UINT32_C(1) << k))
			memcpy(out[n++], p->platform[k], TC_META_ID_MAX);
	*n_out = n;
}
