/*
 * test_policy_sealed.c - the staff table travels sealed to one device
 * (firmware/policy sealed.c, README "Sealed personal data") and its PIN
 * hashes become verifiers keyed to that device's PIN secret (pin.c).
 *
 * What must hold: no PIN hash in a bundle's bytes; a bundle issued for
 * device A does not open on device B (nor when its box or ephemeral key
 * is altered, even re-signed by the Trust); an opened policy keeps no
 * hash, and its verifiers are useless under another device's PIN secret;
 * the isolated verify opens in its child and hands back only verifiers.
 * The roster's display labels travel in the same box: not one of them is
 * readable in the bundle, none exists before the open, they come back
 * from the isolated child row for row, and a malformed list is refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "test_policy_util.h"

/* Whether needle occurs in the len bytes at hay. */
static bool
contains(const uint8_t *hay, size_t len, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return true;
	return false;
}

static void
test_no_hash_in_the_bundle(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *o = NULL;

	/* The salt ‖ hash part of each PHC string: what an offline guesser needs. */
	assert_false(contains(f->bundle, f->len, "$argon2id$"));
	assert_false(contains(f->bundle, f->len, strrchr(f->p->staff[0].pin_hash, '$') + 1));
	assert_false(contains(f->bundle, f->len, PKI_STAFF_A));
	/* Verified but not opened: the staff table is still a box. */
	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now, &o), 0);
	assert_int_equal(o->n_staff, 0);
	assert_non_null(o->sealed.box);
	tc_policy_free(o);
}

static void
test_other_device_cannot_open(void **state)
{
	struct pfx *f = *state;
	struct pki_device_ctx bctx;
	struct tc_policy_device b;
	struct tc_policy *o = NULL;
	char *key_b = NULL;

	assert_int_equal(pki_make_key(&key_b), 0);
	assert_int_equal(pki_device(key_b, NULL, &bctx, &b), 0);
	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, NULL, 0, f->now, &o),
			 0);
	/* Device B, even claiming A's public key, has not A's private key. */
	assert_int_equal(tc_policy_open(o, &b), TC_E_POLICY_SEALED);
	memcpy(b.pub, f->dev.pub, TC_P256_PUB_LEN);
	assert_int_equal(tc_policy_open(o, &b), TC_E_POLICY_SEALED);
	assert_int_equal(o->n_staff, 0);
	/* A failed open leaves it sealed; device A then opens it. */
	assert_int_equal(tc_policy_open(o, &f->dev), 0);
	assert_int_equal(o->n_staff, 2);
	assert_null(o->sealed.box);
	assert_int_equal(tc_policy_open(o, &f->dev), -EINVAL);	/* only once */
	tc_policy_free(o);
	free(key_b);
}

static void
test_isolated_opens_in_the_child(void **state)
{
	struct pfx *f = *state;
	struct pki_device_ctx bctx;
	struct tc_policy_device b;
	struct tc_policy *o = NULL;
	char *key_b = NULL;
	size_t i;

	assert_int_equal(tc_policy_verify_isolated(f->bundle, f->len, f->k.ca.crt_pem,
						   f->k.device_id, 0, f->now, &f->dev, &o), 0);
	assert_int_equal(o->n_staff, 2);
	assert_null(o->sealed.box);
	for (i = 0; i < o->n_staff; i++) {
		assert_string_equal(o->staff[i].pin_hash, "");	/* only the verifier came back */
		assert_int_equal(o->staff[i].pin.tag_len, 32);
	}
	assert_int_equal(tc_policy_check_pin(o, &f->dev, PKI_STAFF_B, PKI_PIN_B), 0);
	tc_policy_free(o);
	o = NULL;
	assert_int_equal(pki_make_key(&key_b), 0);
	assert_int_equal(pki_device(key_b, NULL, &bctx, &b), 0);
	assert_int_equal(tc_policy_verify_isolated(f->bundle, f->len, f->k.ca.crt_pem,
						   f->k.device_id, 0, f->now, &b, &o),
			 TC_E_POLICY_SEALED);
	assert_null(o);
	free(key_b);
}

static void
test_verifier_is_device_keyed(void **state)
{
	static const uint8_t other_secret[32] = { 1, 2, 3 };
	struct pfx *f = *state;
	struct pki_device_ctx c2;
	struct tc_policy_device d2;
	struct tc_policy *o = NULL;

	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now, &o), 0);
	assert_int_equal(tc_policy_open(o, &f->dev), 0);
	/* The same identity key with another PIN secret: the verifiers mean nothing. */
	assert_int_equal(pki_device(f->k.device.key_pem, other_secret, &c2, &d2), 0);
	assert_int_equal(tc_policy_check_pin(o, &d2, PKI_STAFF_A, PKI_PIN_A), TC_E_BAD_PIN);
	assert_int_equal(tc_policy_check_pin(o, &f->dev, PKI_STAFF_A, PKI_PIN_A), 0);
	/* The Trust's hash is not what the device keeps. */
	assert_string_equal(o->staff[0].pin_hash, "");
	tc_policy_free(o);
}

/* Re-sign the fixture's payload with "sealed" changed by fn: still the Trust's signature. */
static int
verify_changed_box(const struct pfx *f, void (*fn)(json_t *sealed))
{
	uint8_t *j = NULL;
	size_t n = 0;
	json_t *root;
	char *text;
	int rc;

	assert_int_equal(tc_policy_encode(f->p, &j, &n), 0);
	root = json_loadb((const char *)j, n, 0, NULL);
	assert_non_null(root);
	tc_free(j);
	fn(json_object_get(root, "sealed"));
	text = json_dumps(root, JSON_COMPACT);
	assert_non_null(text);
	rc = verify_text(f, text);
	free(text);
	json_decref(root);
	return rc;
}

static void
flip_box(json_t *sealed)
{
	char *b = strdup(json_string_value(json_object_get(sealed, "box")));

	b[10] = b[10] == 'A' ? 'B' : 'A';
	json_object_set_new(sealed, "box", json_string(b));
	free(b);
}

static void
other_eph(json_t *sealed)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN];
	char hex[2 * TC_P256_PUB_LEN + 1];

	assert_int_equal(tc_p256_keygen(priv, pub), 0);
	tc_hex_encode(pub, sizeof(pub), hex);
	json_object_set_new(sealed, "eph", json_string(hex));
}

static void
not_base64(json_t *sealed)
{
	json_object_set_new(sealed, "box", json_string("QUJD\nREVG"));
}

static void
test_altered_box_is_refused(void **state)
{
	struct pfx *f = *state;

	assert_int_equal(verify_changed_box(f, flip_box), TC_E_POLICY_SEALED);
	assert_int_equal(verify_changed_box(f, other_eph), TC_E_POLICY_SEALED);
	assert_int_equal(verify_changed_box(f, not_base64), TC_E_POLICY_FORMAT);
}

static void
test_encode_needs_the_device_key(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *c = pfx_copy(f->p);
	uint8_t *j = NULL;
	size_t n = 0;

	memset(c->device_pub, 0, sizeof(c->device_pub));
	c->sealed.box = NULL;
	assert_int_equal(tc_policy_encode(c, &j, &n), -EINVAL);
	assert_null(j);
	tc_policy_free(c);
}

/* The fixture's roster labelled as trustadm would (P-0004 has none), in a fresh policy. */
static const char *const labels[] = { "7B Amelia", "7B Oliver", "5C Zo\xc3\xab", "" };

static struct tc_policy *
labelled(const struct pfx *f)
{
	struct tc_policy *c = pfx_copy(f->p);
	struct tc_policy_consent row;
	size_t i, n = c->n_pupils;

	assert_int_equal(n, N(labels));
	c->n_pupils = 0;
	for (i = 0; i < n; i++) {
		tc_policy_consent_get(f->p, i, &row);
		tc_strlcpy(row.label, labels[i], sizeof(row.label));
		assert_int_equal(tc_policy_add_consent(c, &row), 0);
	}
	c->sealed.box = NULL;
	return c;
}

static void
check_labels(const struct tc_policy *o)
{
	struct tc_policy_consent row;
	size_t i;

	assert_non_null(o->labels);
	for (i = 0; i < N(labels); i++) {
		tc_policy_consent_get(o, i, &row);
		assert_string_equal(row.label, labels[i]);
	}
}

static void
test_labels_sealed(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *c = labelled(f), *o = NULL;
	struct tc_policy_consent row;
	uint8_t *b = NULL;
	size_t len = 0, i;

	assert_int_equal(pki_policy_bundle(c, &f->k.signer, &b, &len), 0);
	/* Not one label, nor a part of one, can be read from the bundle. */
	for (i = 0; i < N(labels) - 1; i++)
		assert_false(contains(b, len, strchr(labels[i], ' ') + 1));
	assert_false(contains(b, len, "Zo\\u00eb"));
	/* Verified but not opened: no labels, the refs stand alone. */
	assert_int_equal(tc_policy_verify(b, len, f->k.ca.crt_pem, f->k.device_id, 0, f->now, &o),
			 0);
	assert_null(o->labels);
	tc_policy_consent_get(o, 0, &row);
	assert_string_equal(row.label, "");
	assert_int_equal(tc_policy_open(o, &f->dev), 0);
	check_labels(o);
	tc_policy_free(o);
	o = NULL;
	/* photod's way: opened in the child, the labels sent back row for row. */
	assert_int_equal(tc_policy_verify_isolated(b, len, f->k.ca.crt_pem, f->k.device_id, 0,
						   f->now, &f->dev, &o), 0);
	check_labels(o);
	tc_policy_free(o);
	tc_free(b);
	tc_policy_free(c);
}

static void
test_labels_other_device(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *c = labelled(f), *o = NULL;
	struct pki_device_ctx bctx;
	struct tc_policy_device dev_b;
	char *key_b = NULL;
	uint8_t *b = NULL;
	size_t len = 0;

	assert_int_equal(pki_policy_bundle(c, &f->k.signer, &b, &len), 0);
	assert_int_equal(pki_make_key(&key_b), 0);
	assert_int_equal(pki_device(key_b, NULL, &bctx, &dev_b), 0);
	assert_int_equal(tc_policy_verify(b, len, f->k.ca.crt_pem, NULL, 0, f->now, &o), 0);
	assert_int_equal(tc_policy_open(o, &dev_b), TC_E_POLICY_SEALED);
	assert_null(o->labels);
	tc_policy_free(o);
	tc_free(b);
	tc_policy_free(c);
	free(key_b);
}

/* The opened box's "labels" follows the payload's rules, or the policy is refused. */
static void
test_labels_format(void **state)
{
	static const char *const bad[] = {
		"[\"a\",\"b\",\"c\"]",				/* one short of the roster */
		"[\"a\",\"b\",\"c\",\"d\",\"e\"]",			/* one too many */
		"[\"a\",\"b\",\"c\\u0009d\",\"\"]",			/* a control character */
		"[\"a\",\"b\",\"c\\u007f\",\"\"]",
		"[\"a\",\"b\",1,\"\"]",					/* not a string */
		"[\"a\",\"b\",\"012345678901234567890123456789012345678901234567\",\"\"]",
		"{}",
	};
	json_t *root;
	size_t i;

	root = base_tree(*state);
	json_object_set_new(root, "labels", json_loads("[\"a\",\"\",\"c\",\"d\"]", 0, NULL));
	assert_int_equal(verify_tree(*state, root), 0);
	for (i = 0; i < N(bad); i++) {
		json_object_set_new(root, "labels", json_loads(bad[i], 0, NULL));
		assert_non_null(json_object_get(root, "labels"));
		if (verify_tree(*state, root) != TC_E_POLICY_FORMAT)
			fail_msg("labels %s: expected TC_E_POLICY_FORMAT", bad[i]);
	}
	json_decref(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_hash_in_the_bundle),
		cmocka_unit_test(test_other_device_cannot_open),
		cmocka_unit_test(test_isolated_opens_in_the_child),
		cmocka_unit_test(test_verifier_is_device_keyed),
		cmocka_unit_test(test_altered_box_is_refused),
		cmocka_unit_test(test_encode_needs_the_device_key),
		cmocka_unit_test(test_labels_sealed),
		cmocka_unit_test(test_labels_other_device),
		cmocka_unit_test(test_labels_format),
	};

	return cmocka_run_group_tests_name("policy_sealed", tests, pfx_setup, pfx_teardown);
}
