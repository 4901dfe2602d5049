/*
 * meta.c - the sealed metadata record: JSON through jansson.
 *
 *   {"v":1,"event":"...","staff":"...","pupils":["..."],"platforms":["..."],
 *    "capture_time_us":N,"frame":N,"width":N,"height":N,"sensor_mode":"..."}
 *
 * The record travels inside the encrypted payload, so only the Trust
 * reads it; its decoder still trusts nothing: every key must be present
 * with its exact type, no other key may be, strings must fit struct
 * tc_photo_meta and hold no control character, pupil refs and platforms
 * must not repeat, and counts must be within the limits.  And the record
 * must be canonical: byte for byte what seal_meta_encode() writes for
 * the values it holds (README.md, "Metadata record"), so that one photo's
 * metadata has one encoding and two readers can never disagree on
 * whitespace, key order, escapes, number forms or a byte order mark.
 * A later record version bumps "v" rather than adding optional keys.
 */
#include <errno.h>
#include <string.h>

#include <jansson.h>

#include "seal_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define META_VERSION 1
#define META_NKEYS 10

/*
 * No C0 control character (U+0000..U+001F) and no DEL: nothing the
 * device names needs one, and without them a canonical string's only
 * escapes are \" and \\ (jansson writes every other character as is).
 */
static bool
no_controls(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] == 0x7f)
			return false;
	return true;
}

/* A NUL-terminated field of struct tc_photo_meta that fits; non-empty if required. */
static bool
field_ok(const char *s, bool required)
{
	size_t n = strnlen(s, TC_META_ID_MAX);

	return n < TC_META_ID_MAX && (!required || n > 0) && no_controls(s, n);
}

/* A list in which no item appears twice (a ref or platform means one thing once). */
static bool
distinct(const char (*items)[TC_META_ID_MAX], unsigned n)
{
	unsigned i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(items[i], items[j]) == 0)
				return false;
	return true;
}

static bool
meta_ok(const struct tc_photo_meta *m)
{
	unsigned i;

	if (!field_ok(m->event_id, false) || !field_ok(m->staff_id, true) ||
	    !field_ok(m->sensor_mode, false) || m->n_pupils > TC_META_MAX_PUPILS ||
	    m->n_platforms > TC_META_MAX_PLATFORMS ||
	    m->capture_time_us > (uint64_t)INT64_MAX ||	/* jansson integers are signed */
	    m->frame_seq > (uint64_t)INT64_MAX)
		return false;
	for (i = 0; i < m->n_pupils; i++)
		if (!field_ok(m->pupil_refs[i], true))
			return false;
	for (i = 0; i < m->n_platforms; i++)
		if (!field_ok(m->platforms[i], true))
			return false;
	return distinct(m->pupil_refs, m->n_pupils) && distinct(m->platforms, m->n_platforms);
}

/* Steals v into obj[key]; false on failure (v may be NULL: jansson then fails). */
static bool
put(json_t *obj, const char *key, json_t *v)
{
	return json_object_set_new(obj, key, v) == 0;
}

static json_t *
string_array(const char (*items)[TC_META_ID_MAX], unsigned n)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a && i < n; i++) {
		if (json_array_append_new(a, json_string(items[i])) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

int
seal_meta_encode(const struct tc_photo_meta *m, uint8_t *out, size_t cap, size_t *len)
{
	json_t *o;
	size_t n;
	int rc;

	*len = 0;
	if (!meta_ok(m))
		return TC_E_BAD_METADATA;
	if (!(o = json_object()))
		return -ENOMEM;
	/* json_string() refuses invalid UTF-8, which then fails the put. */
	if (!put(o, "v", json_integer(META_VERSION)) ||
	    !put(o, "event", json_string(m->event_id)) ||
	    !put(o, "staff", json_string(m->staff_id)) ||
	    !put(o, "pupils", string_array(m->pupil_refs, m->n_pupils)) ||
	    !put(o, "platforms", string_array(m->platforms, m->n_platforms)) ||
	    !put(o, "capture_time_us", json_integer((json_int_t)m->capture_time_us)) ||
	    !put(o, "frame", json_integer((json_int_t)m->frame_seq)) ||
	    !put(o, "width", json_integer(m->width)) ||
	    !put(o, "height", json_integer(m->height)) ||
	    !put(o, "sensor_mode", json_string(m->sensor_mode))) {
		rc = TC_E_BAD_METADATA;
		goto out;
	}
	n = json_dumpb(o, (char *)out, cap, JSON_COMPACT);
	if (n == 0 || n > cap) {
		rc = TC_E_BAD_METADATA;
		goto out;
	}
	*len = n;
	rc = 0;
out:
	json_decref(o);
	return rc;
}

/* Copies a string value that fits a meta field; false otherwise. */
static bool
get_string(json_t *v, char dst[TC_META_ID_MAX], bool required)
{
	size_t n;

	if (!json_is_string(v))
		return false;
	n = json_string_length(v);
	/* An embedded NUL would make the C string shorter than the JSON one. */
	if (n >= TC_META_ID_MAX || (required && n == 0) || strlen(json_string_value(v)) != n ||
	    !no_controls(json_string_value(v), n))
		return false;
	memcpy(dst, json_string_value(v), n + 1);
	return true;
}

static bool
get_uint(json_t *v, uint64_t max, uint64_t *out)
{
	json_int_t i;

	if (!json_is_integer(v))
		return false;
	i = json_integer_value(v);
	if (i < 0 || (uint64_t)i > max)
		return false;
	*out = (uint64_t)i;
	return true;
}

static bool
get_strings(json_t *v, char (*dst)[TC_META_ID_MAX], unsigned max, unsigned *n)
{
	size_t i;

	if (!json_is_array(v) || json_array_size(v) > max)
		return false;
	for (i = 0; i < json_array_size(v); i++)
		if (!get_string(json_array_get(v, i), dst[i], true))
			return false;
	*n = (unsigned)json_array_size(v);
	return distinct((const char (*)[TC_META_ID_MAX])dst, *n);
}

static bool
decode_obj(json_t *o, struct tc_photo_meta *m)
{
	uint64_t ver, t, w, h, f;

	if (!json_is_object(o) || json_object_size(o) != META_NKEYS)
		return false;
	if (!get_uint(json_object_get(o, "v"), UINT32_MAX, &ver) || ver != META_VERSION ||
	    !get_string(json_object_get(o, "event"), m->event_id, false) ||
	    !get_string(json_object_get(o, "staff"), m->staff_id, true) ||
	    !get_strings(json_object_get(o, "pupils"), m->pupil_refs, TC_META_MAX_PUPILS,
			 &m->n_pupils) ||
	    !get_strings(json_object_get(o, "platforms"), m->platforms,
			 TC_META_MAX_PLATFORMS, &m->n_platforms) ||
	    !get_uint(json_object_get(o, "capture_time_us"), INT64_MAX, &t) ||
	    !get_uint(json_object_get(o, "frame"), INT64_MAX, &f) ||
	    !get_uint(json_object_get(o, "width"), UINT32_MAX, &w) ||
	    !get_uint(json_object_get(o, "height"), UINT32_MAX, &h) ||
	    !get_string(json_object_get(o, "sensor_mode"), m->sensor_mode, false))
		return false;
	m->capture_time_us = t;
	m->frame_seq = f;
	m->width = (uint32_t)w;
	m->height = (uint32_t)h;
	return true;
}

/*
 * The canonical-form rule: encode the decoded values again and require
 * the very bytes received.  0, TC_E_BAD_METADATA or -ENOMEM.
 */
static int
same_as_encoded(const uint8_t *json, size_t len, const struct tc_photo_meta *m)
{
	uint8_t *again = tc_malloc(len);
	size_t n = 0;
	int rc;

	if (!again)
		return -ENOMEM;
	rc = seal_meta_encode(m, again, len, &n);
	if (rc == 0 && (n != len || memcmp(again, json, len) != 0))
		rc = TC_E_BAD_METADATA;
	tc_zeroize(again, len);	/* pupil refs: pseudonymous, still not left in the heap */
	tc_free(again);
	return rc;
}

int
seal_meta_decode(const uint8_t *json, size_t len, struct tc_photo_meta *m)
{
	json_error_t jerr;
	json_t *o;
	int rc;

	memset(m, 0, sizeof(*m));
	if (len == 0 || len > SEAL_META_MAX)
		return TC_E_BAD_METADATA;
	/* Duplicate keys could make two readers see two different records. */
	o = json_loadb((const char *)json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o)
		return json_error_code(&jerr) == json_error_out_of_memory ? -ENOMEM
									   : TC_E_BAD_METADATA;
	rc = decode_obj(o, m) ? 0 : TC_E_BAD_METADATA;
	json_decref(o);
	if (rc == 0)
		rc = same_as_encoded(json, len, m);
	if (rc != 0)
		memset(m, 0, sizeof(*m));
	return rc;
}
