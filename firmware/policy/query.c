/*
 * query.c - what photod asks of a verified policy: an event by id, the
 * platforms a photo of some pupils may go to (R5), the device id of a
 * public key; and freeing the policy.
 *
 * Tuned for the device's sizes (<= 20,000 consent rows, <= 64 pupils in a
 * photo): plain linear scans, no index to keep in step with the struct.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_policy.h"
#include "tc_secmem.h"

void
tc_policy_free(struct tc_policy *p)
{
	if (p == NULL)
		return;
	/* PIN hashes and pupil refs: not secrets, but nothing to leave in the heap. */
	if (p->staff != NULL)
		tc_zeroize(p->staff, p->n_staff * sizeof(*p->staff));
	if (p->consent != NULL)
		tc_zeroize(p->consent, p->n_consent * sizeof(*p->consent));
	tc_free(p->staff);
	tc_free(p->events);
	tc_free(p->consent);
	tc_free(p->trust_ca_pem);
	tc_zeroize(p, sizeof(*p));
	tc_free(p);
}

const struct tc_policy_event *
tc_policy_find_event(const struct tc_policy *p, const char *id)
{
	size_t i;

	if (p == NULL || id == NULL)
		return NULL;
	for (i = 0; i < p->n_events; i++)
		if (policy_id_eq(p->events[i].id, id, TC_POLICY_ID_MAX))
			return &p->events[i];
	return NULL;
}

static const struct tc_policy_consent *
find_consent(const struct tc_policy *p, const char *pupil)
{
	size_t i;

	for (i = 0; i < p->n_consent; i++)
		if (policy_id_eq(p->consent[i].pupil, pupil, TC_META_ID_MAX))
			return &p->consent[i];
	return NULL;
}

static bool
allows(const struct tc_policy_consent *c, const char *platform)
{
	unsigned i;

	for (i = 0; i < c->n_platforms && i < TC_META_MAX_PLATFORMS; i++)
		if (policy_id_eq(c->platforms[i], platform, TC_META_ID_MAX))
			return true;
	return false;
}

void
tc_policy_platforms(const struct tc_policy *p, const char (*pupils)[TC_META_ID_MAX],
		    unsigned n_pupils, char (*out)[TC_META_ID_MAX], unsigned *n_out)
{
	const struct tc_policy_consent *first;
	unsigned i, k, n = 0;
	bool all;

	if (n_out == NULL)
		return;
	*n_out = 0;
	if (p == NULL || pupils == NULL || out == NULL || n_pupils == 0)
		return;
	first = find_consent(p, pupils[0]);
	if (first == NULL)
		return;
	/* Any unknown pupil empties the set, even one whose turn never comes below. */
	for (k = 1; k < n_pupils; k++)
		if (find_consent(p, pupils[k]) == NULL)
			return;
	for (i = 0; i < first->n_platforms && i < TC_META_MAX_PLATFORMS; i++) {
		all = true;
		for (k = 1; k < n_pupils && all; k++)
			all = allows(find_consent(p, pupils[k]), first->platforms[i]);
		if (all)
			memcpy(out[n++], first->platforms[i], TC_META_ID_MAX);
	}
	*n_out = n;
}

int
tc_device_id(const uint8_t *spki_der, size_t len, char out[TC_POLICY_ID_MAX])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t h[TC_SHA256_LEN];
	char hex[2 * TC_SHA256_LEN + 1];

	if (spki_der == NULL || len == 0 || out == NULL)
		return -EINVAL;
	if (md == NULL || mbedtls_md(md, spki_der, len, h) != 0)
		return TC_E_CRYPTO;
	tc_hex_encode(h, 8, hex);
	out[0] = 'D';
	out[1] = '-';
	memcpy(out + 2, hex, 16);
	out[18] = '\0';
	return 0;
}
