/*
 * query.c - what photod asks of a verified policy: an event by id, the
 * device id of a public key; and freeing the policy.  (The consent
 * roster's questions are in roster.c.)
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
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
	if (p->sealed.box != NULL)
		tc_zeroize(p->sealed.box, p->sealed.box_len);
	tc_free(p->sealed.box);
	tc_policy_roster_clear(p);
	tc_free(p->staff);
	tc_free(p->events);
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

int
tc_device_pub(const uint8_t *spki_der, size_t len, uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_pk_context pk;
	const mbedtls_ecp_keypair *kp;
	size_t olen = 0;
	int rc = -EINVAL;

	if (spki_der == NULL || len == 0 || pub == NULL)
		return -EINVAL;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_key(&pk, spki_der, len) != 0 ||
	    mbedtls_pk_get_type(&pk) != MBEDTLS_PK_ECKEY)
		goto out;
	kp = mbedtls_pk_ec(pk);
	if (tc_ec_grp(kp)->id == MBEDTLS_ECP_DP_SECP256R1 &&
	    mbedtls_ecp_point_write_binary(tc_ec_grp(kp), tc_ec_Q(kp), MBEDTLS_ECP_PF_UNCOMPRESSED,
					   &olen, pub, TC_P256_PUB_LEN) == 0 &&
	    olen == TC_P256_PUB_LEN)
		rc = 0;
out:
	mbedtls_pk_free(&pk);
	return rc;
}
