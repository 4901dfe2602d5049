/*
 * decode.c - the policy payload, JSON to struct tc_policy, strictly.
 *
 * Runs only on bytes whose signature has verified, yet trusts nothing
 * about their shape: jansson parses (duplicate keys refused, no NUL in
 * strings, valid UTF-8, nothing after the value), and this file demands
 * exactly the README's key sets, JSON types, lengths and counts.  Any
 * departure is TC_E_POLICY_FORMAT; only a failed allocation is -ENOMEM.
 * Tuned for clarity over speed: a 20,000-pupil roster decodes in tens
 * of milliseconds, once per policy install or boot.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "policy_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

typedef bool (*field_rule)(const char *s, size_t len);

static const char *const top_keys[] = {
	"format", "version", "issued", "expires", "device", "server", "trust_ca",
	"photo_pub", "receipt_pub", "sealed", "events", "consent", "rules",
};
static const char *const personal_keys[] = { "staff" };
/* With labels: optional, so a roster without labels seals as before. */
static const char *const personal_keys_labels[] = { "staff", "labels" };
static const char *const device_keys[] = { "id", "class" };
static const char *const server_keys[] = { "url", "name" };
static const char *const staff_keys[] = { "id", "pin" };
static const char *const event_keys[] = { "id", "name", "date" };
static const char *const consent_keys[] = { "pupil", "platforms" };
static const char *const rules_keys[] = {
	"max_unsynced", "max_hours_since_sync", "delete_grace_hours", "require_event",
};
/*
 * Bundles issued before the on-device review key was removed carry
 * "review_on_device": false, still accepted; true asks the device to keep
 * a key that opens photos (against R3) and is refused.
 */
#define LEGACY_REVIEW_KEY "review_on_device"
/* Optional, "block" or "warn"; absent (bundles before it) is "block". */
#define ON_REVOKED_KEY "on_revoked"

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

/* o is an object with exactly these keys (duplicates were refused at load). */
static bool
exact_keys(const json_t *o, const char *const *keys, size_t n)
{
	size_t i;

	if (!json_is_object(o) || json_object_size(o) != n)
		return false;
	for (i = 0; i < n; i++)
		if (json_object_get(o, keys[i]) == NULL)
			return false;
	return true;
}

static bool
get_int(const json_t *o, const char *key, json_int_t min, json_int_t max, json_int_t *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
		return false;
	*out = json_integer_value(v);
	return true;
}

static bool
get_u32(const json_t *o, const char *key, uint32_t *out)
{
	json_int_t v;

	if (!get_int(o, key, 0, UINT32_MAX, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool
get_bool(const json_t *o, const char *key, bool *out)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v))
		return false;
	*out = json_is_true(v);
	return true;
}

/* A string value that passes rule, copied into dst[cap] with its NUL. */
static bool
copy_str(const json_t *v, field_rule rule, char *dst, size_t cap)
{
	size_t n;

	if (!json_is_string(v))
		return false;
	n = json_string_length(v);
	if (n >= cap || !rule(json_string_value(v), n))
		return false;
	memcpy(dst, json_string_value(v), n);
	dst[n] = '\0';
	return true;
}

static bool
get_str(const json_t *o, const char *key, field_rule rule, char *dst, size_t cap)
{
	return copy_str(json_object_get(o, key), rule, dst, cap);
}

static bool
get_pub(const json_t *o, const char *key, uint8_t out[TC_P256_PUB_LEN])
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) &&
	       policy_pub_decode(json_string_value(v), json_string_length(v), out);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Whether n ids, each at base + i * stride, are all different (sorted
 * pointers, so a 20,000-pupil roster costs n log n, not n squared).
 * 0, TC_E_POLICY_FORMAT on a repeat, or -ENOMEM.
 */
static int
unique_ids(const char *base, size_t stride, size_t n)
{
	const char **v;
	size_t i;
	int ret = 0;

	if (n < 2)
		return 0;
	v = tc_malloc(n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		v[i] = base + i * stride;
	qsort(v, n, sizeof(*v), cmp_str);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) == 0)
			ret = TC_E_POLICY_FORMAT;
	tc_free(v);
	return ret;
}

/* An array of at most max elements; its size in *n, and a zeroed array for them. */
static int
alloc_array(const json_t *a, size_t max, size_t elem, size_t *n, void **out)
{
	if (!json_is_array(a) || json_array_size(a) > max)
		return TC_E_POLICY_FORMAT;
	*n = json_array_size(a);
	*out = NULL;
	if (*n == 0)
		return 0;
	*out = tc_calloc(*n, elem);
	return *out == NULL ? -ENOMEM : 0;
}

static int
decode_scalars(const json_t *root, struct tc_policy *p)
{
	const json_t *dev = json_object_get(root, "device");
	const json_t *srv = json_object_get(root, "server");
	const json_t *ca = json_object_get(root, "trust_ca");
	const char *cls;
	json_int_t v;

	if (!get_int(root, "format", POLICY_PAYLOAD_FORMAT, POLICY_PAYLOAD_FORMAT, &v) || !get_int(root, "version", 1, INT64_MAX, &v))
		return TC_E_POLICY_FORMAT;
	p->version = (uint64_t)v;
	if (!get_int(root, "issued", 0, INT64_MAX - 1, &v))
		return TC_E_POLICY_FORMAT;
	p->issued = v;
	if (!get_int(root, "expires", p->issued + 1, INT64_MAX, &v))
		return TC_E_POLICY_FORMAT;
	p->expires = v;

	if (!exact_keys(dev, device_keys, NKEYS(device_keys)) ||
	    !get_str(dev, "id", policy_device_id_ok, p->device_id, sizeof(p->device_id)) ||
	    !json_is_string(json_object_get(dev, "class")))
		return TC_E_POLICY_FORMAT;
	cls = json_string_value(json_object_get(dev, "class"));
	if (strcmp(cls, "trust-owned") == 0)
		p->device_class = TC_CLASS_TRUST_OWNED;
	else if (strcmp(cls, "approved") == 0)
		p->device_class = TC_CLASS_APPROVED;
	else
		return TC_E_POLICY_FORMAT;

	if (!exact_keys(srv, server_keys, NKEYS(server_keys)) ||
	    !get_str(srv, "url", policy_url_ok, p->server_url, sizeof(p->server_url)) ||
	    !get_str(srv, "name", policy_host_ok, p->server_name, sizeof(p->server_name)))
		return TC_E_POLICY_FORMAT;

	if (!json_is_string(ca) ||
	    !policy_ca_pem_ok(json_string_value(ca), json_string_length(ca)))
		return TC_E_POLICY_FORMAT;
	p->trust_ca_pem = tc_malloc(json_string_length(ca) + 1);
	if (p->trust_ca_pem == NULL)
		return -ENOMEM;
	memcpy(p->trust_ca_pem, json_string_value(ca), json_string_length(ca) + 1);

	if (!get_pub(root, "photo_pub", p->photo_pub) ||
	    !get_pub(root, "receipt_pub", p->receipt_pub))
		return TC_E_POLICY_FORMAT;
	return 0;
}

static int
decode_rules(const json_t *r, struct tc_policy_rules *out)
{
	const json_t *review = json_object_get(r, LEGACY_REVIEW_KEY);
	const json_t *onrev = json_object_get(r, ON_REVOKED_KEY);
	json_t *rest;
	int rc = TC_E_POLICY_FORMAT;

	if (review && !json_is_boolean(review))
		return TC_E_POLICY_FORMAT;
	if (json_is_true(review))
		return TC_E_POLICY_REVIEW_KEY;
	if (onrev && (!json_is_string(onrev) || (strcmp(json_string_value(onrev), "block") != 0 &&
						 strcmp(json_string_value(onrev), "warn") != 0)))
		return TC_E_POLICY_FORMAT;
	out->revoked_warn = onrev && strcmp(json_string_value(onrev), "warn") == 0;
	/* The other keys, exactly, in a copy without the legacy one. */
	if (!json_is_object(r) || !(rest = json_copy((json_t *)r)))
		return json_is_object(r) ? -ENOMEM : TC_E_POLICY_FORMAT;
	json_object_del(rest, LEGACY_REVIEW_KEY);
	json_object_del(rest, ON_REVOKED_KEY);
	if (exact_keys(rest, rules_keys, NKEYS(rules_keys)) &&
	    get_u32(rest, "max_unsynced", &out->max_unsynced) &&
	    get_u32(rest, "max_hours_since_sync", &out->max_hours_since_sync) &&
	    get_u32(rest, "delete_grace_hours", &out->delete_grace_hours) &&
	    get_bool(rest, "require_event", &out->require_event))
		rc = 0;
	json_decref(rest);
	return rc;
}

static int
decode_staff(const json_t *a, struct tc_policy *p)
{
	void *arr;
	size_t i;
	int ret;

	ret = alloc_array(a, POLICY_MAX_STAFF, sizeof(*p->staff), &p->n_staff, &arr);
	if (ret != 0)
		return ret;
	p->staff = arr;
	for (i = 0; i < p->n_staff; i++) {
		const json_t *e = json_array_get(a, i);
		struct tc_policy_staff *s = &p->staff[i];

		if (!exact_keys(e, staff_keys, NKEYS(staff_keys)) ||
		    !get_str(e, "id", policy_id_ok, s->id, sizeof(s->id)) ||
		    !get_str(e, "pin", policy_pin_hash_ok, s->pin_hash, sizeof(s->pin_hash)))
			return TC_E_POLICY_FORMAT;
	}
	return unique_ids(p->staff ? p->staff->id : NULL, sizeof(*p->staff), p->n_staff);
}

static int
decode_events(const json_t *a, struct tc_policy *p)
{
	void *arr;
	size_t i;
	int ret;

	ret = alloc_array(a, POLICY_MAX_EVENTS, sizeof(*p->events), &p->n_events, &arr);
	if (ret != 0)
		return ret;
	p->events = arr;
	for (i = 0; i < p->n_events; i++) {
		const json_t *e = json_array_get(a, i);
		struct tc_policy_event *ev = &p->events[i];

		if (!exact_keys(e, event_keys, NKEYS(event_keys)) ||
		    !get_str(e, "id", policy_id_ok, ev->id, sizeof(ev->id)) ||
		    !get_str(e, "name", policy_name_ok, ev->name, sizeof(ev->name)) ||
		    !get_str(e, "date", policy_date_ok, ev->date, sizeof(ev->date)))
			return TC_E_POLICY_FORMAT;
	}
	return unique_ids(p->events ? p->events->id : NULL, sizeof(*p->events), p->n_events);
}

/* One pupil's platforms: at most TC_META_MAX_PLATFORMS names, no repeats. */
static int
decode_platforms(const json_t *a, struct tc_policy_consent *c)
{
	size_t i, j;

	if (!json_is_array(a) || json_array_size(a) > TC_META_MAX_PLATFORMS)
		return TC_E_POLICY_FORMAT;
	c->n_platforms = (unsigned)json_array_size(a);
	for (i = 0; i < c->n_platforms; i++) {
		if (!copy_str(json_array_get(a, i), policy_platform_ok, c->platforms[i],
			      sizeof(c->platforms[i])))
			return TC_E_POLICY_FORMAT;
		for (j = 0; j < i; j++)
			if (strcmp(c->platforms[j], c->platforms[i]) == 0)
				return TC_E_POLICY_FORMAT;
	}
	return 0;
}

/* Each row by name into the policy's compact roster (roster.c). */
static int
decode_consent(const json_t *a, struct tc_policy *p)
{
	struct tc_policy_consent c = { 0 };
	size_t i;
	int ret = 0;

	if (!json_is_array(a) || json_array_size(a) > POLICY_MAX_CONSENT)
		return TC_E_POLICY_FORMAT;
	for (i = 0; ret == 0 && i < json_array_size(a); i++) {
		const json_t *e = json_array_get(a, i);

		memset(&c, 0, sizeof(c));
		if (!exact_keys(e, consent_keys, NKEYS(consent_keys)) ||
		    !get_str(e, "pupil", policy_id_ok, c.pupil, sizeof(c.pupil)))
			ret = TC_E_POLICY_FORMAT;
		else if ((ret = decode_platforms(json_object_get(e, "platforms"), &c)) == 0)
			ret = tc_policy_add_consent(p, &c);
	}
	tc_zeroize(&c, sizeof(c));
	if (ret == -E2BIG || ret == -EINVAL)
		return TC_E_POLICY_FORMAT;	/* too many platform names in all */
	if (ret != 0)
		return ret;
	return unique_ids(p->pupils ? p->pupils->pupil : NULL, sizeof(*p->pupils),
			  p->n_pupils);
}

/* "" (no label) or a label */
static bool
label_or_empty(const char *s, size_t len)
{
	return len == 0 || policy_label_ok(s, len);
}

/* One string per roster row, in the roster's order, into p->labels. */
static int
decode_labels(const json_t *a, size_t n_pupils, struct tc_policy *p)
{
	size_t i;

	if (!json_is_array(a) || json_array_size(a) != n_pupils || n_pupils == 0)
		return TC_E_POLICY_FORMAT;
	if ((p->labels = tc_calloc(n_pupils, sizeof(*p->labels))) == NULL)
		return -ENOMEM;
	for (i = 0; i < n_pupils; i++)
		if (!copy_str(json_array_get(a, i), label_or_empty, p->labels[i],
			      sizeof(p->labels[i])))
			return TC_E_POLICY_FORMAT;
	return 0;
}

int
policy_personal_decode(const uint8_t *json, size_t len, size_t n_pupils, struct tc_policy *p)
{
	json_error_t err;
	json_t *root;
	int ret;

	if (p->staff != NULL || p->n_staff != 0 || p->labels != NULL)
		return -EINVAL;
	root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return json_error_code(&err) == json_error_out_of_memory ? -ENOMEM
									 : TC_E_POLICY_FORMAT;
	if (!exact_keys(root, personal_keys, NKEYS(personal_keys)) &&
	    !exact_keys(root, personal_keys_labels, NKEYS(personal_keys_labels)))
		ret = TC_E_POLICY_FORMAT;
	else if ((ret = decode_staff(json_object_get(root, "staff"), p)) == 0 &&
		 json_object_get(root, "labels") != NULL)
		ret = decode_labels(json_object_get(root, "labels"), n_pupils, p);
	/* jansson's copies of the PIN hashes and labels go with the tree. */
	json_decref(root);
	return ret;
}

int
policy_payload_decode(const uint8_t *json, size_t len, struct tc_policy **out)
{
	struct tc_policy *p = NULL;
	json_error_t err;
	json_t *root;
	int ret;

	*out = NULL;
	root = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &err);
	if (root == NULL)
		return json_error_code(&err) == json_error_out_of_memory ? -ENOMEM
									 : TC_E_POLICY_FORMAT;
	if (!exact_keys(root, top_keys, NKEYS(top_keys))) {
		ret = TC_E_POLICY_FORMAT;
		goto out;
	}
	p = tc_calloc(1, sizeof(*p));
	if (p == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	ret = decode_scalars(root, p);
	if (ret == 0)
		ret = decode_rules(json_object_get(root, "rules"), &p->rules);
	if (ret == 0)
		ret = policy_sealed_decode(json_object_get(root, "sealed"), p);
	if (ret == 0)
		ret = decode_events(json_object_get(root, "events"), p);
	if (ret == 0)
		ret = decode_consent(json_object_get(root, "consent"), p);
	if (ret != 0)
		goto out;
	*out = p;
	p = NULL;
out:
	tc_policy_free(p);
	json_decref(root);
	return ret;
}
