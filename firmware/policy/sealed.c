/*
 * sealed.c - the personal data a bundle carries, sealed to the one
 * device it is issued for (README "Sealed personal data").
 *
 * The payload's "sealed" member is a sealed box (firmware/crypto
 * tc_box_seal: ephemeral ECDH P-256 with the device's identity key,
 * HKDF-SHA256, ChaCha20-Poly1305) around a small JSON object of personal
 * data: the staff table with its PIN hashes and the roster's display
 * labels.  The signature covers the box like any other byte, so
 * it cannot be swapped; the box's associated data is the device id, and
 * its key depends on the device's public key, so a bundle for device A
 * does not open on device B.  Trust side: policy_sealed_encode seals.
 * Device side: tc_policy_verify only checks the box's shape;
 * tc_policy_open opens it, in photod's policy child (isolate.c), and
 * keys each PIN hash to the device before anything leaves that child.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>
#include <mbedtls/base64.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_secmem.h"


static bool
b64_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

int
policy_sealed_decode(const json_t *v, struct tc_policy *p)
{
	const json_t *eph = json_object_get(v, "eph"), *box = json_object_get(v, "box");
	const char *s;
	size_t i, n, got = 0;

	if (!json_is_object(v) || json_object_size(v) != 2 || !eph || !box ||
	    !json_is_string(eph) || !json_is_string(box) ||
	    !policy_pub_decode(json_string_value(eph), json_string_length(eph), p->sealed.eph))
		return TC_E_POLICY_FORMAT;
	s = json_string_value(box);
	n = json_string_length(box);
	/* Canonical base64 only: padded, no whitespace, within the bound. */
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > POLICY_SEALED_MAX)
		return TC_E_POLICY_FORMAT;
	for (i = 0; i < n; i++) {
		char c = s[i];

		/* '=' only as the last one or two characters */
		if (!b64_char(c) || (c == '=' && i + 2 < n))
			return TC_E_POLICY_FORMAT;
	}
	if ((p->sealed.box = tc_malloc(n / 4 * 3)) == NULL)
		return -ENOMEM;
	if (mbedtls_base64_decode(p->sealed.box, n / 4 * 3, &got, (const unsigned char *)s, n) !=
	    0 || got <= TC_BOX_TAG_LEN) {
		tc_free(p->sealed.box);
		p->sealed.box = NULL;
		return TC_E_POLICY_FORMAT;
	}
	p->sealed.box_len = got;
	return 0;
}

/* {"eph": hex, "box": base64} of s. */
static json_t *
sealed_json(const struct tc_policy_sealed *s)
{
	char hex[2 * TC_P256_PUB_LEN + 1];
	unsigned char *b64 = NULL;
	size_t cap = 4 * ((s->box_len + 2) / 3) + 1, olen = 0;
	json_t *o = NULL;

	tc_hex_encode(s->eph, TC_P256_PUB_LEN, hex);
	if ((b64 = tc_malloc(cap)) != NULL &&
	    mbedtls_base64_encode(b64, cap, &olen, s->box, s->box_len) == 0 &&
	    (o = json_object()) != NULL &&
	    (json_object_set_new_nocheck(o, "eph", json_string_nocheck(hex)) != 0 ||
	     json_object_set_new_nocheck(o, "box", json_stringn_nocheck((char *)b64, olen)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	tc_free(b64);
	return o;
}

json_t *
policy_sealed_encode(const struct tc_policy *p, int *err)
{
	struct tc_policy_sealed s = { { 0 }, NULL, 0 };
	struct tc_policy *check = NULL;
	uint8_t *plain = NULL;
	size_t len = 0;
	json_t *o = NULL;
	int rc;

	if (p->sealed.box != NULL)
		return sealed_json(&p->sealed);
	/* What the device will decode once it has opened the box, checked here first. */
	if ((rc = policy_personal_encode(p, &plain, &len)) != 0)
		goto out;
	if ((check = tc_calloc(1, sizeof(*check))) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = policy_personal_decode(plain, len, p->n_pupils, check);
	/* check has no roster of its own: its labels are wiped here, by p's count */
	if (check->labels != NULL)
		tc_zeroize(check->labels, p->n_pupils * sizeof(*check->labels));
	if (rc == TC_E_POLICY_FORMAT)
		rc = -EINVAL;
	if (rc != 0)
		goto out;
	s.box_len = len + TC_BOX_TAG_LEN;
	if ((s.box = tc_malloc(s.box_len)) == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = tc_box_seal(p->device_pub, POLICY_SEALED_LABEL, (const uint8_t *)p->device_id,
			 strnlen(p->device_id, sizeof(p->device_id)), plain, len, s.eph, s.box);
	if (rc == TC_E_INVAL_INPUT)
		rc = -EINVAL;	/* no device key, or not a P-256 point */
	if (rc == 0 && (o = sealed_json(&s)) == NULL)
		rc = -ENOMEM;
out:
	if (plain != NULL)
		tc_zeroize(plain, len);
	tc_free(plain);
	tc_free(s.box);
	tc_policy_free(check);
	if (rc != 0)
		*err = rc;
	return o;
}

int
tc_policy_open(struct tc_policy *p, const struct tc_policy_device *dev)
{
	uint8_t *plain = NULL;
	size_t len, i;
	int rc;

	if (p == NULL || dev == NULL || dev->ecdh == NULL || dev->pin_mac == NULL ||
	    p->sealed.box == NULL || p->n_staff != 0 || p->labels != NULL ||
	    p->sealed.box_len <= TC_BOX_TAG_LEN)
		return -EINVAL;
	len = p->sealed.box_len - TC_BOX_TAG_LEN;
	if ((plain = tc_malloc(len)) == NULL)
		return -ENOMEM;
	rc = tc_box_open(dev->ecdh, dev->ctx, dev->pub, POLICY_SEALED_LABEL,
			 (const uint8_t *)p->device_id, strnlen(p->device_id, sizeof(p->device_id)),
			 p->sealed.eph, p->sealed.box, p->sealed.box_len, plain);
	if (rc == TC_E_WRONG_KEY)
		rc = TC_E_POLICY_SEALED;
	if (rc == 0)
		rc = policy_personal_decode(plain, len, p->n_pupils, p);
	for (i = 0; rc == 0 && i < p->n_staff; i++)
		rc = policy_pin_key(&p->staff[i], dev);
	tc_zeroize(plain, len);
	tc_free(plain);
	if (rc != 0) {
		/* Back to sealed: nothing half-opened stays behind. */
		if (p->staff != NULL)
			tc_zeroize(p->staff, p->n_staff * sizeof(*p->staff));
		tc_free(p->staff);
		p->staff = NULL;
		p->n_staff = 0;
		if (p->labels != NULL)
			tc_zeroize(p->labels, p->n_pupils * sizeof(*p->labels));
		tc_free(p->labels);
		p->labels = NULL;
		return rc;
	}
	tc_zeroize(p->sealed.box, p->sealed.box_len);
	tc_free(p->sealed.box);
	p->sealed.box = NULL;
	p->sealed.box_len = 0;
	return 0;
}
