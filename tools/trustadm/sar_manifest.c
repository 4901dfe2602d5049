/*
 * sar_manifest.c - the JSON a reviewer or a data subject receives (rule
 * R9): a photo's metadata record and the subject access manifest, built
 * with jansson (see tc_review.h).
 *
 * Every string comes from the sealed metadata or the ledger, already
 * validated on the way in; jansson escapes it, so nothing a device wrote
 * can break the JSON.
 */
#include <errno.h>
#include <string.h>

#include "tc_io.h"
#include "tc_review.h"

static bool
put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

static json_t *
str_array(const char (*names)[TC_META_ID_MAX], unsigned n)
{
	json_t *a = json_array();
	unsigned i;

	for (i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_stringn(names[i], strnlen(names[i],
							     TC_META_ID_MAX))) != 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *
iso(int64_t t)
{
	char buf[32];

	tc_review_iso_time(t, buf, sizeof(buf));
	return json_string(buf);
}

static json_t *
str(const char *s, size_t cap)
{
	return json_stringn(s, strnlen(s, cap));
}

json_t *
tc_review_meta_json(const struct tc_review_photo *p, const struct tc_photo_meta *m,
		    const char *state, json_t *history)
{
	json_t *o = json_object();
	bool ok = o != NULL;

	ok = ok && put(o, "photo_id", json_string(p->photo_id)) &&
	     put(o, "device", json_string(p->device)) &&
	     put(o, "state", json_string(state)) &&
	     put(o, "received", iso(p->received)) &&
	     put(o, "ledger_seq", json_integer(p->ledger_seq)) &&
	     put(o, "object_sha256", json_string(p->digest)) &&
	     put(o, "object_bytes", json_integer((json_int_t)p->size)) &&
	     put(o, "captured", iso((int64_t)(m->capture_time_us / 1000000))) &&
	     put(o, "capture_time_us", json_integer((json_int_t)m->capture_time_us)) &&
	     put(o, "event", str(m->event_id, sizeof(m->event_id))) &&
	     put(o, "staff", str(m->staff_id, sizeof(m->staff_id))) &&
	     put(o, "pupils", str_array((const char (*)[TC_META_ID_MAX])m->pupil_refs,
					m->n_pupils)) &&
	     put(o, "permitted_platforms",
		 str_array((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms)) &&
	     put(o, "needs_tagging", json_boolean(m->n_pupils == 0)) &&
	     put(o, "width", json_integer(m->width)) &&
	     put(o, "height", json_integer(m->height)) &&
	     put(o, "sensor_mode", str(m->sensor_mode, sizeof(m->sensor_mode)));
	if (ok && history)
		ok = put(o, "review_history", history);
	else
		json_decref(history);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
tc_sar_manifest_new(const char *pupil, int64_t now)
{
	json_t *o = json_object();

	if (o && put(o, "format", json_string("trustcam-sar-1")) &&
	    put(o, "pupil", json_string(pupil)) && put(o, "created", iso(now)) &&
	    put(o, "photos", json_array()))
		return o;
	json_decref(o);
	return NULL;
}

int
tc_sar_manifest_roster(json_t *manifest, const struct tc_policy_consent *row)
{
	json_t *o;

	if (!row)
		return json_object_set_new(manifest, "roster", json_null()) == 0 ? 0 : -ENOMEM;
	o = json_object();
	if (o && put(o, "consented_platforms",
		     str_array((const char (*)[TC_META_ID_MAX])row->platforms, row->n_platforms)) &&
	    put(o, "label", row->label[0] ? str(row->label, sizeof(row->label)) : json_null()) &&
	    json_object_set_new(manifest, "roster", o) == 0)
		return 0;
	json_decref(o);
	return -ENOMEM;
}

int
tc_sar_manifest_add(json_t *manifest, const struct tc_review_photo *p,
		    const struct tc_photo_meta *m, const char *state,
		    const struct tc_sar_file *files, size_t n_files)
{
	json_t *photos = json_object_get(manifest, "photos"), *o = json_object(), *fa = json_array();
	char hex[2 * TC_SHA256_LEN + 1];
	bool ok = photos && o && fa;
	size_t i;

	for (i = 0; ok && i < n_files; i++) {
		json_t *f = json_object();

		tc_hex_encode(files[i].sha256, TC_SHA256_LEN, hex);
		ok = f && put(f, "name", json_string(files[i].name)) &&
		     put(f, "sha256", json_string(hex)) &&
		     put(f, "bytes", json_integer((json_int_t)files[i].size));
		if (!ok) {
			json_decref(f);
			break;
		}
		ok = json_array_append_new(fa, f) == 0;	/* takes f, on failure too */
	}
	if (ok) {
		ok = put(o, "files", fa);	/* fa is the object's now, even on failure */
		fa = NULL;
	}
	ok = ok && put(o, "photo_id", json_string(p->photo_id)) &&
	     put(o, "device", json_string(p->device)) &&
	     put(o, "captured", iso((int64_t)(m->capture_time_us / 1000000))) &&
	     put(o, "received", iso(p->received)) && put(o, "state", json_string(state));
	json_decref(fa);
	if (!ok) {
		json_decref(o);
		return -ENOMEM;
	}
	/* Appending takes o, on failure too. */
	if (json_array_append_new(photos, o) != 0)
		return -ENOMEM;
	return 0;
}
