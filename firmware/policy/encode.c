/*
 * encode.c - struct tc_policy to the JSON payload (Trust side).
 *
 * The output is compact JSON with keys in the README's order.  Before
 * handing it back, the encoder runs the device's own decoder over it, so
 * trustadm learns at issue time (-EINVAL) of anything a device would
 * refuse as malformed; the device-specific checks (device id, validity
 * period, version, class rules) stay with tc_policy_verify.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "policy_int.h"
#include "tc_io.h"

/* A string held in a fixed array of cap bytes (precheck: terminated). */
static json_t *
str(const char *s, size_t cap)
{
	/* UTF-8 is checked by the decoder run over the output. */
	return json_stringn_nocheck(s, strnlen(s, cap));
}

/* Steals v.  False if v is NULL or the object cannot take it. */
static bool
put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new_nocheck(o, key, v) == 0;
}

static bool
append(json_t *a, json_t *v)
{
	return v != NULL && json_array_append_new(a, v) == 0;
}

static json_t *
pub_hex(const uint8_t pub[TC_P256_PUB_LEN])
{
	char hex[POLICY_PUB_HEX_LEN + 1];

	tc_hex_encode(pub, TC_P256_PUB_LEN, hex);
	return json_string_nocheck(hex);
}

/*
 * What must hold before the struct can be read safely at all: counts
 * within bounds, arrays present, every fixed-size string terminated.
 * After this, a failure to build the JSON can only be a lack of memory.
 */
static int
precheck(const struct tc_policy *p)
{
	size_t i;

	/* A decoded policy still sealed is re-signed as it is; an opened one is not. */
	if (p->sealed.box != NULL && (p->n_staff != 0 || p->sealed.box_len <= TC_BOX_TAG_LEN ||
				      p->sealed.box_len > POLICY_SEALED_MAX))
		return -EINVAL;
	if (p->trust_ca_pem == NULL || p->version == 0 || p->version > INT64_MAX ||
	    p->issued < 0 || (p->device_class != TC_CLASS_TRUST_OWNED &&
			      p->device_class != TC_CLASS_APPROVED))
		return -EINVAL;
	if (!policy_term(p->device_id, sizeof(p->device_id)) ||
	    !policy_term(p->server_url, sizeof(p->server_url)) ||
	    !policy_term(p->server_name, sizeof(p->server_name)))
		return -EINVAL;
	if (p->n_staff > POLICY_MAX_STAFF || p->n_events > POLICY_MAX_EVENTS ||
	    p->n_pupils > POLICY_MAX_CONSENT || p->n_platforms > TC_POLICY_MAX_PLATFORMS)
		return -EINVAL;
	if ((p->n_staff && !p->staff) || (p->n_events && !p->events) ||
	    (p->n_pupils && !p->pupils))
		return -EINVAL;
	for (i = 0; i < p->n_staff; i++)
		if (!policy_term(p->staff[i].id, sizeof(p->staff[i].id)) ||
		    !policy_term(p->staff[i].pin_hash, sizeof(p->staff[i].pin_hash)))
			return -EINVAL;
	for (i = 0; i < p->n_events; i++)
		if (!policy_term(p->events[i].id, sizeof(p->events[i].id)) ||
		    !policy_term(p->events[i].name, sizeof(p->events[i].name)) ||
		    !policy_term(p->events[i].date, sizeof(p->events[i].date)))
			return -EINVAL;
	for (i = 0; i < p->n_platforms; i++)
		if (!policy_term(p->platform[i], sizeof(p->platform[i])))
			return -EINVAL;
	for (i = 0; i < p->n_pupils; i++) {
		const struct tc_policy_pupil *c = &p->pupils[i];

		/* a bit past the table, or more names than a photo can carry */
		if (!policy_term(c->pupil, sizeof(c->pupil)) ||
		    (p->n_platforms < 32 && c->platforms >> p->n_platforms) ||
		    (unsigned)__builtin_popcount(c->platforms) > TC_META_MAX_PLATFORMS)
			return -EINVAL;
	}
	return 0;
}

static json_t *
staff_json(const struct tc_policy_staff *s)
{
	json_t *e = json_object();

	if (e == NULL || !put(e, "id", str(s->id, sizeof(s->id))) ||
	    !put(e, "pin", str(s->pin_hash, sizeof(s->pin_hash)))) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* "labels": one string per roster row ("" = none); false if one is refused. */
static bool
put_labels(json_t *root, const struct tc_policy *p)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < p->n_pupils; i++)
		if (!append(a, json_stringn(p->labels[i], strnlen(p->labels[i],
								   sizeof(p->labels[i]))))) {
			json_decref(a);
			return false;
		}
	return a != NULL && put(root, "labels", a);
}

int
policy_personal_encode(const struct tc_policy *p, uint8_t **json, size_t *len)
{
	json_t *root = json_object(), *staff = json_array();
	uint8_t *buf = NULL;
	size_t i, n;
	int ret = -ENOMEM;

	*json = NULL;
	*len = 0;
	if (!root || !staff)
		goto out;
	for (i = 0; i < p->n_staff; i++)
		if (!append(staff, staff_json(&p->staff[i])))
			goto out;
	if (!put(root, "staff", json_incref(staff)))
		goto out;
	if (p->labels != NULL && !put_labels(root, p)) {
		ret = -EINVAL;	/* a label jansson refuses (not UTF-8) */
		goto out;
	}
	n = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (n == 0 || n > POLICY_SEALED_MAX - TC_BOX_TAG_LEN) {
		ret = n == 0 ? -EINVAL : -EFBIG;
		goto out;
	}
	if ((buf = tc_malloc(n)) == NULL)
		goto out;
	if (json_dumpb(root, (char *)buf, n, JSON_COMPACT) != n)
		goto out;
	*json = buf;
	*len = n;
	buf = NULL;
	ret = 0;
out:
	tc_free(buf);
	json_decref(staff);
	json_decref(root);
	return ret;
}

static json_t *
event_json(const struct tc_policy_event *ev)
{
	json_t *e = json_object();

	if (e == NULL || !put(e, "id", str(ev->id, sizeof(ev->id))) ||
	    !put(e, "name", str(ev->name, sizeof(ev->name))) ||
	    !put(e, "date", str(ev->date, sizeof(ev->date)))) {
		json_decref(e);
		return NULL;
	}
	return e;
}

static json_t *
consent_json(const struct tc_policy *p, size_t row)
{
	json_t *e = json_object(), *a = json_array();
	struct tc_policy_consent cr, *c = &cr;
	unsigned i;

	tc_policy_consent_get(p, row, c);
	if (e == NULL || a == NULL)
		goto fail;
	for (i = 0; i < c->n_platforms; i++)
		if (!append(a, str(c->platforms[i], sizeof(c->platforms[i]))))
			goto fail;
	if (!put(e, "pupil", str(c->pupil, sizeof(c->pupil))))
		goto fail;
	if (!put(e, "platforms", a)) {
		a = NULL;	/* put() released it */
		goto fail;
	}
	return e;
fail:
	json_decref(a);
	json_decref(e);
	return NULL;
}

static json_t *
rules_json(const struct tc_policy_rules *r)
{
	json_t *e = json_object();

	if (e == NULL || !put(e, "max_unsynced", json_integer(r->max_unsynced)) ||
	    !put(e, "max_hours_since_sync", json_integer(r->max_hours_since_sync)) ||
	    !put(e, "delete_grace_hours", json_integer(r->delete_grace_hours)) ||
	    !put(e, "require_event", json_boolean(r->require_event)) ||
	    (r->revoked_warn && !put(e, "on_revoked", json_string("warn")))) {
		json_decref(e);
		return NULL;
	}
	return e;
}

/* The payload's top-level object, or NULL: lack of memory, or *err. */
static json_t *
build(const struct tc_policy *p, int *err)
{
	json_t *root = json_object(), *dev = json_object(), *srv = json_object();
	json_t *events = json_array(), *consent = json_array();
	size_t i;

	if (!root || !dev || !srv || !events || !consent)
		goto fail;
	for (i = 0; i < p->n_events; i++)
		if (!append(events, event_json(&p->events[i])))
			goto fail;
	for (i = 0; i < p->n_pupils; i++)
		if (!append(consent, consent_json(p, i)))
			goto fail;
	if (!put(dev, "id", str(p->device_id, sizeof(p->device_id))) ||
	    !put(dev, "class", json_string(p->device_class == TC_CLASS_APPROVED ?
					   "approved" : "trust-owned")) ||
	    !put(srv, "url", str(p->server_url, sizeof(p->server_url))) ||
	    !put(srv, "name", str(p->server_name, sizeof(p->server_name))))
		goto fail;
	if (!put(root, "format", json_integer(POLICY_PAYLOAD_FORMAT)) ||
	    !put(root, "version", json_integer((json_int_t)p->version)) ||
	    !put(root, "issued", json_integer(p->issued)) ||
	    !put(root, "expires", json_integer(p->expires)))
		goto fail;
	/* Each put() below steals its container, even when it fails. */
	if (!put(root, "device", json_incref(dev)) || !put(root, "server", json_incref(srv)) ||
	    !put(root, "trust_ca", json_string_nocheck(p->trust_ca_pem)) ||
	    !put(root, "photo_pub", pub_hex(p->photo_pub)) ||
	    !put(root, "receipt_pub", pub_hex(p->receipt_pub)) ||
	    !put(root, "sealed", policy_sealed_encode(p, err)) ||
	    !put(root, "events", json_incref(events)) ||
	    !put(root, "consent", json_incref(consent)) ||
	    !put(root, "rules", rules_json(&p->rules)))
		goto fail;
	json_decref(dev);
	json_decref(srv);
	json_decref(events);
	json_decref(consent);
	return root;
fail:
	json_decref(dev);
	json_decref(srv);
	json_decref(events);
	json_decref(consent);
	json_decref(root);
	return NULL;
}

int
tc_policy_encode(const struct tc_policy *p, uint8_t **json, size_t *len)
{
	struct tc_policy *check = NULL;
	json_t *root = NULL;
	uint8_t *buf = NULL;
	size_t n;
	int ret;

	if (json == NULL || len == NULL)
		return -EINVAL;
	*json = NULL;
	*len = 0;
	if (p == NULL)
		return -EINVAL;
	ret = precheck(p);
	if (ret != 0)
		goto out;
	ret = -ENOMEM;
	root = build(p, &ret);
	if (root == NULL)
		goto out;
	/* Counting allocates nothing: failure here is a string that is not UTF-8. */
	n = json_dumpb(root, NULL, 0, JSON_COMPACT);
	if (n == 0) {
		ret = -EINVAL;
		goto out;
	}
	if (n > POLICY_PAYLOAD_MAX) {
		ret = -EFBIG;
		goto out;
	}
	buf = tc_malloc(n);
	if (buf == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (json_dumpb(root, (char *)buf, n, JSON_COMPACT) != n) {
		ret = -ENOMEM;
		goto out;
	}
	ret = policy_payload_decode(buf, n, &check);
	if (ret == TC_E_POLICY_FORMAT)
		ret = -EINVAL;
	if (ret != 0)
		goto out;
	*json = buf;
	*len = n;
	buf = NULL;
out:
	tc_policy_free(check);
	tc_free(buf);
	json_decref(root);
	return ret;
}
