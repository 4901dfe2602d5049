/*
 * test_policy_util.h - what the test_policy_*.c programs share: a Trust
 * PKI (pki_fixture), a valid policy for its device, that policy's signed
 * bundle, helpers to sign hand-made payloads and compare policies, and a
 * small editor for payloads as jansson trees ("staff/0/id" paths).
 */
#ifndef TEST_POLICY_UTIL_H
#define TEST_POLICY_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <jansson.h>
#include <mbedtls/base64.h>

#include "pki_fixture.h"
#include "policy_int.h"
#include "tc_io.h"
#include "tc_policy.h"

struct pfx {
	struct pki k;
	struct pki_device_ctx dctx;
	struct tc_policy_device dev;	/* k.device's keystore, to open the staff table */
	struct tc_policy *p;	/* valid for k.device_id, trust CA k.ca */
	uint8_t *bundle;	/* p signed by k.signer */
	size_t len;
	int64_t now;
};

static inline int
pfx_setup(void **state)
{
	struct pfx *f = calloc(1, sizeof(*f));

	if (f == NULL || pki_init(&f->k) != 0)
		return -1;
	if (pki_device(f->k.device.key_pem, NULL, &f->dctx, &f->dev) != 0 ||
	    pki_policy_new(f->k.device_id, f->k.ca.crt_pem, NULL, &f->p) != 0)
		return -1;
	memcpy(f->p->device_pub, f->dev.pub, TC_P256_PUB_LEN);
	if (pki_policy_bundle(f->p, &f->k.signer, &f->bundle, &f->len) != 0)
		return -1;
	f->now = (int64_t)time(NULL);
	*state = f;
	return 0;
}

static inline int
pfx_teardown(void **state)
{
	struct pfx *f = *state;

	tc_free(f->bundle);
	tc_policy_free(f->p);
	pki_free(&f->k);
	free(f);
	return 0;
}

/* Verify as the fixture's device would, with no version installed yet, and open it. */
static inline int
pfx_verify(const struct pfx *f, const uint8_t *b, size_t len)
{
	struct tc_policy *out = (struct tc_policy *)(uintptr_t)1;
	int rc = tc_policy_verify(b, len, f->k.ca.crt_pem, f->k.device_id, 0, f->now, &out);

	if (rc != 0)
		assert_null(out);	/* a refused bundle yields no policy */
	if (rc == 0)
		rc = tc_policy_open(out, &f->dev);
	tc_policy_free(out);
	return rc;
}

/* Sign json (a NUL-terminated hand-made payload) with the fixture's signer. */
static inline void
pfx_sign_json(const struct pfx *f, const char *json, uint8_t **b, size_t *len)
{
	assert_int_equal(tc_policy_sign((const uint8_t *)json, strlen(json), f->k.signer.key_pem,
					f->k.signer.crt_pem, b, len), 0);
}

/* Encode and sign p with signer; the verify result at the fixture's time. */
static inline int
pfx_verify_policy(const struct pfx *f, const struct tc_policy *p, const struct pki_pair *signer)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	assert_int_equal(pki_policy_bundle(p, signer, &b, &len), 0);
	rc = pfx_verify(f, b, len);
	tc_free(b);
	return rc;
}

/* A deep copy of p (heap, tc_policy_free). */
static inline struct tc_policy *
pfx_copy(const struct tc_policy *p)
{
	struct tc_policy *c = tc_calloc(1, sizeof(*c));

	assert_non_null(c);
	*c = *p;
	c->staff = tc_calloc(p->n_staff + 1, sizeof(*c->staff));
	c->events = tc_calloc(p->n_events + 1, sizeof(*c->events));
	c->pupils = tc_calloc(p->n_pupils + 1, sizeof(*c->pupils));
	c->cap_pupils = p->n_pupils + 1;
	c->trust_ca_pem = tc_malloc(strlen(p->trust_ca_pem) + 1);
	assert_true(c->staff && c->events && c->pupils && c->trust_ca_pem);
	memcpy(c->staff, p->staff, p->n_staff * sizeof(*c->staff));
	memcpy(c->events, p->events, p->n_events * sizeof(*c->events));
	memcpy(c->pupils, p->pupils, p->n_pupils * sizeof(*c->pupils));
	memcpy(c->trust_ca_pem, p->trust_ca_pem, strlen(p->trust_ca_pem) + 1);
	c->labels = NULL;
	if (p->labels != NULL) {
		c->labels = tc_calloc(p->n_pupils + 1, sizeof(*c->labels));
		assert_non_null(c->labels);
		memcpy(c->labels, p->labels, p->n_pupils * sizeof(*c->labels));
	}
	return c;
}

/* c's name for platform, or NULL. */
static inline const char *
pfx_has_platform(const struct tc_policy_consent *c, const char *platform)
{
	unsigned i;

	for (i = 0; i < c->n_platforms; i++)
		if (strcmp(c->platforms[i], platform) == 0)
			return c->platforms[i];
	return NULL;
}

/* Field by field: every value a device acts on must survive the trip. */
static inline void
pfx_assert_equal(const struct tc_policy *a, const struct tc_policy *b)
{
	size_t i;
	unsigned j;

	assert_int_equal(a->version, b->version);
	assert_int_equal(a->issued, b->issued);
	assert_int_equal(a->expires, b->expires);
	assert_string_equal(a->device_id, b->device_id);
	assert_int_equal(a->device_class, b->device_class);
	assert_string_equal(a->server_url, b->server_url);
	assert_string_equal(a->server_name, b->server_name);
	assert_string_equal(a->trust_ca_pem, b->trust_ca_pem);
	assert_memory_equal(a->photo_pub, b->photo_pub, TC_P256_PUB_LEN);
	assert_memory_equal(a->receipt_pub, b->receipt_pub, TC_P256_PUB_LEN);
	/* A policy still sealed has no staff table to compare (tc_policy_open). */
	if (a->sealed.box == NULL && b->sealed.box == NULL)
		assert_int_equal(a->n_staff, b->n_staff);
	assert_int_equal(a->n_events, b->n_events);
	assert_int_equal(a->n_pupils, b->n_pupils);
	for (i = 0; a->sealed.box == NULL && b->sealed.box == NULL && i < a->n_staff; i++) {
		assert_string_equal(a->staff[i].id, b->staff[i].id);
		/* one side may be opened on a device: its hash is then a keyed verifier */
		if (a->staff[i].pin_hash[0] && b->staff[i].pin_hash[0])
			assert_string_equal(a->staff[i].pin_hash, b->staff[i].pin_hash);
		else
			assert_true(a->staff[i].pin.tag_len || b->staff[i].pin.tag_len);
	}
	for (i = 0; i < a->n_events; i++) {
		assert_string_equal(a->events[i].id, b->events[i].id);
		assert_string_equal(a->events[i].name, b->events[i].name);
		assert_string_equal(a->events[i].date, b->events[i].date);
	}
	for (i = 0; i < a->n_pupils; i++) {	/* by name: the table's order may differ */
		struct tc_policy_consent ca, cb;

		tc_policy_consent_get(a, i, &ca);
		tc_policy_consent_get(b, i, &cb);
		assert_string_equal(ca.pupil, cb.pupil);
		assert_int_equal(ca.n_platforms, cb.n_platforms);
		for (j = 0; j < ca.n_platforms; j++)
			assert_non_null(pfx_has_platform(&cb, ca.platforms[j]));
	}
	assert_int_equal(a->rules.max_unsynced, b->rules.max_unsynced);
	assert_int_equal(a->rules.max_hours_since_sync, b->rules.max_hours_since_sync);
	assert_int_equal(a->rules.delete_grace_hours, b->rules.delete_grace_hours);
	assert_int_equal(a->rules.require_event, b->rules.require_event);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * The fixture's payload as a jansson tree, to edit, in a clear view:
 * "staff" in place of "sealed" (verify_tree seals it again), so tests
 * can edit staff fields as any other.
 */
static inline json_t *
base_tree(const struct pfx *f)
{
	uint8_t *j = NULL;
	size_t n = 0;
	json_t *root, *inner;

	assert_int_equal(tc_policy_encode(f->p, &j, &n), 0);
	root = json_loadb((const char *)j, n, 0, NULL);
	assert_non_null(root);
	tc_free(j);
	assert_int_equal(policy_personal_encode(f->p, &j, &n), 0);
	inner = json_loadb((const char *)j, n, 0, NULL);
	assert_non_null(inner);
	tc_free(j);
	assert_int_equal(json_object_del(root, "sealed"), 0);
	assert_int_equal(json_object_set(root, "staff", json_object_get(inner, "staff")), 0);
	json_decref(inner);
	return root;
}

/*
 * A clear view's "staff" (if any) sealed as "sealed" to the fixture's
 * device, as trustadm would, whatever it holds, with the view's "labels"
 * if it has them; the tree is changed.
 */
static inline void
seal_staff(const struct pfx *f, json_t *root)
{
	json_t *staff = json_object_get(root, "staff"), *inner, *dev, *sealed;
	const char *id = f->k.device_id;
	uint8_t eph[TC_P256_PUB_LEN], *box;
	char hex[2 * TC_P256_PUB_LEN + 1], *text, *b64;
	size_t n, olen = 0;

	if (staff == NULL)
		return;
	dev = json_object_get(json_object_get(root, "device"), "id");
	if (json_is_string(dev))
		id = json_string_value(dev);
	inner = json_object();
	assert_int_equal(json_object_set(inner, "staff", staff), 0);
	if (json_object_get(root, "labels") != NULL) {
		assert_int_equal(json_object_set(inner, "labels", json_object_get(root, "labels")),
				 0);
		assert_int_equal(json_object_del(root, "labels"), 0);
	}
	text = json_dumps(inner, JSON_COMPACT);
	assert_non_null(text);
	n = strlen(text);
	box = malloc(n + TC_BOX_TAG_LEN);
	b64 = malloc(2 * (n + TC_BOX_TAG_LEN) + 8);
	assert_true(box && b64);
	assert_int_equal(tc_box_seal(f->dev.pub, POLICY_SEALED_LABEL, (const uint8_t *)id,
				     strlen(id), (const uint8_t *)text, n, eph, box), 0);
	assert_int_equal(mbedtls_base64_encode((unsigned char *)b64, 2 * (n + TC_BOX_TAG_LEN) + 8,
					       &olen, box, n + TC_BOX_TAG_LEN), 0);
	tc_hex_encode(eph, TC_P256_PUB_LEN, hex);
	sealed = json_pack("{s:s, s:s#}", "eph", hex, "box", b64, olen);
	assert_non_null(sealed);
	assert_int_equal(json_object_del(root, "staff"), 0);
	assert_int_equal(json_object_set_new(root, "sealed", sealed), 0);
	json_decref(inner);
	free(text);
	free(box);
	free(b64);
}

/* Sign text as it is and verify it as the fixture's device. */
static inline int
verify_text(const struct pfx *f, const char *text)
{
	uint8_t *b = NULL;
	size_t len = 0;
	int rc;

	pfx_sign_json(f, text, &b, &len);
	rc = pfx_verify(f, b, len);
	tc_free(b);
	return rc;
}

static inline int
verify_tree(const struct pfx *f, const json_t *root)
{
	json_t *copy = json_deep_copy(root);
	char *text;
	int rc;

	assert_non_null(copy);
	seal_staff(f, copy);
	text = json_dumps(copy, JSON_COMPACT);
	json_decref(copy);
	assert_non_null(text);
	rc = verify_text(f, text);
	free(text);
	return rc;
}

/* The node at a '/'-separated path of keys and array indices ("" is the root). */
static inline json_t *
node(json_t *root, const char *path, size_t n)
{
	json_t *cur = root;
	char seg[64];
	size_t i = 0, l;

	while (i < n && cur != NULL) {
		for (l = 0; i + l < n && path[i + l] != '/'; l++)
			;
		assert_true(l < sizeof(seg));
		memcpy(seg, path + i, l);
		seg[l] = '\0';
		cur = json_is_array(cur) ? json_array_get(cur, strtoul(seg, NULL, 10))
					 : json_object_get(cur, seg);
		i += l + 1;
	}
	assert_non_null(cur);
	return cur;
}

/* Set path to value (JSON text), or delete it if value is NULL. */
static inline void
edit(json_t *root, const char *path, const char *value)
{
	const char *slash = strrchr(path, '/');
	json_t *parent = slash ? node(root, path, (size_t)(slash - path)) : root;
	const char *key = slash ? slash + 1 : path;
	json_t *v = NULL;

	if (value != NULL) {
		v = json_loads(value, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		assert_non_null(v);
	}
	if (json_is_array(parent)) {
		size_t i = strtoul(key, NULL, 10);

		assert_int_equal(v ? json_array_set_new(parent, i, v) : json_array_remove(parent, i),
				 0);
	} else {
		assert_int_equal(v ? json_object_set_new(parent, key, v) : json_object_del(parent, key),
				 0);
	}
}

/* rc of the base payload with one edit. */
static inline int
verify_edit(const struct pfx *f, const char *path, const char *value)
{
	json_t *root = base_tree(f);
	int rc;

	edit(root, path, value);
	rc = verify_tree(f, root);
	json_decref(root);
	return rc;
}

struct edit_case {
	const char *path, *value;	/* value NULL: delete the key */
};

static inline void
expect_format(const struct pfx *f, const struct edit_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (verify_edit(f, c[i].path, c[i].value) != TC_E_POLICY_FORMAT)
			fail_msg("%s := %s: expected TC_E_POLICY_FORMAT", c[i].path,
				 c[i].value ? c[i].value : "(deleted)");
}

static inline void
expect_ok(const struct pfx *f, const struct edit_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (verify_edit(f, c[i].path, c[i].value) != 0)
			fail_msg("%s := %s: expected the payload to be accepted", c[i].path,
				 c[i].value ? c[i].value : "(deleted)");
}


#endif /* TEST_POLICY_UTIL_H */
