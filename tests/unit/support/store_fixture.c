/*
 * store_fixture.c - see store_fixture.h.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <sqlite3.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"

static int
join(char *out, size_t size, const char *a, const char *b)
{
	int n = snprintf(out, size, "%s/%s", a, b);

	return (n < 0 || (size_t)n >= size) ? -ENAMETOOLONG : 0;
}

int
sfx_init(struct sfx *f, const char *tag)
{
	const char *base = getenv("TC_TEST_TMP");
	int n, rc;

	memset(f, 0, sizeof(*f));
	n = snprintf(f->root, sizeof(f->root), "%s/%sXXXXXX", base ? base : "/tmp", tag);
	if (n < 0 || (size_t)n >= sizeof(f->root))
		return -ENAMETOOLONG;
	if (!mkdtemp(f->root))
		return -errno;
	if ((rc = join(f->store_dir, sizeof(f->store_dir), f->root, "store")) ||
	    (rc = join(f->audit_dir, sizeof(f->audit_dir), f->root, "audit")))
		return rc;
	if ((rc = tc_p256_keygen(f->trust_priv, f->trust_pub)) != 0 ||
	    (rc = tc_random_bytes(f->mac_key, sizeof(f->mac_key))) != 0 ||
	    (rc = tc_random_bytes(f->audit_key, sizeof(f->audit_key))) != 0)
		return rc;
	return 0;
}

int
sfx_open(struct sfx *f)
{
	struct tc_store_config cfg = { 0 };
	int rc;

	if (f->s)
		return -EBUSY;	/* a second handle would leak: close first */
	if (!f->audit && (rc = tc_audit_open(&f->audit, f->audit_dir, f->audit_key)) != 0)
		return rc;
	cfg.dir = f->store_dir;
	cfg.device_mac_key = f->mac_key;
	cfg.audit = f->audit;
	cfg.quota_bytes = f->quota_bytes;
	cfg.quota_photos = f->quota_photos;
	cfg.actor = "photod";
	if ((rc = tc_store_open(&f->s, &cfg)) != 0) {
		tc_audit_close(f->audit);
		f->audit = NULL;
	}
	return rc;
}

void
sfx_close(struct sfx *f)
{
	tc_store_close(f->s);
	f->s = NULL;
	tc_audit_close(f->audit);
	f->audit = NULL;
}

void
sfx_make_jpeg(uint8_t *buf, size_t len, unsigned seed)
{
	static const uint8_t jfif[] = {
		0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01,
		0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
	};
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	/* The marker in every 4 KiB, so a leak of any chunk is found. */
	for (i = 0; i + sizeof(jfif) + sizeof(SFX_MARKER) <= len; i += 4096)
		memcpy(buf + i + sizeof(jfif), SFX_MARKER, sizeof(SFX_MARKER) - 1);
	memcpy(buf, jfif, len < sizeof(jfif) ? len : sizeof(jfif));
	if (len > 2 + sizeof(jfif)) {
		buf[len - 2] = 0xff;
		buf[len - 1] = 0xd9;
	}
}

void
sfx_meta(struct tc_photo_meta *m, const char *pupil, const char *event, const char *staff)
{
	memset(m, 0, sizeof(*m));
	tc_strlcpy(m->event_id, event ? event : "EVT-0001", sizeof(m->event_id));
	tc_strlcpy(m->staff_id, staff ? staff : "S-0001", sizeof(m->staff_id));
	m->n_pupils = 1;
	tc_strlcpy(m->pupil_refs[0], pupil ? pupil : "P-0001", sizeof(m->pupil_refs[0]));
	m->n_platforms = 1;
	tc_strlcpy(m->platforms[0], "website", sizeof(m->platforms[0]));
	m->capture_time_us = tc_time_wall_us();
	m->width = 640;
	m->height = 480;
	tc_strlcpy(m->sensor_mode, "640x480-synthetic", sizeof(m->sensor_mode));
}

int
sfx_capture_meta(struct sfx *f, const uint8_t *jpeg, size_t len,
		 const struct tc_photo_meta *meta, uint8_t id[TC_PHOTO_ID_LEN])
{
	struct tc_seal_params p = { 0 };
	struct tc_store_writer *w = NULL;
	uint8_t digest[TC_SHA256_LEN];
	struct tc_photo_meta m;
	struct tc_seal *seal = NULL;
	uint64_t sealed;
	int rc;

	if (!meta) {
		sfx_meta(&m, NULL, NULL, NULL);
		meta = &m;
	}
	p.aead = TC_AEAD_DEFAULT;
	p.trust_pub = f->trust_pub;
	p.device_mac_key = f->mac_key;
	p.created_us = tc_time_wall_us();
	if ((rc = tc_store_begin(f->s, &w)) != 0)
		return rc;
	if ((rc = tc_seal_begin(&seal, &p, meta, tc_store_sink, w)) != 0)
		goto abort;
	tc_seal_photo_id(seal, id);
	if ((rc = tc_seal_write(seal, jpeg, len)) != 0) {
		tc_seal_abort(seal);
		goto abort;
	}
	if ((rc = tc_seal_finish(seal, digest, &sealed)) != 0)
		goto abort;
	return tc_store_commit(f->s, w, id, digest, sealed, p.created_us);
abort:
	tc_store_abort(f->s, w);
	return rc;
}

int
sfx_capture(struct sfx *f, size_t len, unsigned seed, uint8_t id[TC_PHOTO_ID_LEN])
{
	uint8_t *jpeg = tc_secure_alloc(len);
	int rc;

	if (!jpeg)
		return -ENOMEM;
	sfx_make_jpeg(jpeg, len, seed);
	rc = sfx_capture_meta(f, jpeg, len, NULL, id);
	tc_secure_free(jpeg);
	return rc;
}

int
sfx_receipt(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN])
{
	return sfx_receipt_delete_now(f, id, false);
}

int
sfx_receipt_delete_now(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], bool delete_now)
{
	int rc = tc_store_mark_uploading(f->s, id);

	return rc ? rc : sfx_record_receipt(f, id, delete_now);
}

int
sfx_record_receipt(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], bool delete_now)
{
	static const uint8_t sig[72] = "receipt-signature-bytes-for-tests";
	struct tc_store_receipt r = { 0 };
	struct tc_store_rec rec;
	int rc;

	if ((rc = tc_store_get(f->s, id, &rec)) != 0)
		return rc;
	r.ledger_seq = 1000 + rec.stored_us % 1000;
	r.server_time_us = tc_time_wall_us();
	memcpy(r.digest, rec.digest, sizeof(r.digest));
	r.size = rec.size;
	r.blob = sig;
	r.blob_len = sizeof(sig);
	r.delete_now = delete_now;
	return tc_store_mark_receipted(f->s, id, &r);
}

static int
read_fd(int fd, uint64_t size, uint8_t **out)
{
	uint8_t *buf = malloc(size ? size : 1);
	size_t got;
	int rc;

	if (!buf)
		return -ENOMEM;
	if ((rc = tc_read_full(fd, buf, size, &got)) != 0 || got != size) {
		free(buf);
		return rc ? rc : -EIO;
	}
	*out = buf;
	return 0;
}

int
sfx_check_photo(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], size_t len, unsigned seed)
{
	uint8_t *obj = NULL, *jpeg = NULL, *want = NULL;
	struct tc_photo_meta meta;
	size_t jlen = 0;
	uint64_t size;
	int fd, rc;

	if ((rc = tc_store_open_object(f->s, id, &fd, &size)) != 0)
		return rc;
	rc = read_fd(fd, size, &obj);
	close(fd);
	if (rc)
		return rc;
	if ((rc = tc_obj_open(obj, size, f->trust_priv, &meta, &jpeg, &jlen)) != 0)
		goto out;
	if (!(want = tc_secure_alloc(len))) {
		rc = -ENOMEM;
		goto out;
	}
	sfx_make_jpeg(want, len, seed);
	rc = (jlen == len && memcmp(jpeg, want, len) == 0) ? 0 : -EBADMSG;
out:
	tc_secure_free(want);
	tc_secure_free(jpeg);
	free(obj);
	return rc;
}

static int
sha256_file(const char *path, uint8_t out[TC_SHA256_LEN], uint64_t *size)
{
	uint8_t *buf;
	size_t len;
	int rc;

	if ((rc = sfx_slurp(path, &buf, &len)) != 0)
		return rc;
	*size = len;
	rc = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, len, out) ? -EIO : 0;
	free(buf);
	return rc;
}

struct consist {
	struct sfx *f;
	char *why;
	size_t whylen;
};

static int
check_row(void *ctx, const struct tc_store_rec *r)
{
	struct consist *c = ctx;
	char hex[2 * TC_PHOTO_ID_LEN + 1], path[SFX_PATH + 64];
	uint8_t digest[TC_SHA256_LEN];
	uint64_t size;
	struct stat st;
	int exists;

	tc_hex_encode(r->id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", c->f->store_dir, hex);
	exists = lstat(path, &st) == 0;
	if (TC_STORE_BIT(r->state) & TC_STORE_LIVE) {
		if (!exists) {
			snprintf(c->why, c->whylen, "%s is %s but has no object", hex,
				 tc_store_state_name(r->state));
			return -1;
		}
		if (sha256_file(path, digest, &size) != 0 || size != r->size ||
		    memcmp(digest, r->digest, sizeof(digest)) != 0) {
			snprintf(c->why, c->whylen, "%s: object size/digest differ from the row", hex);
			return -1;
		}
		if ((st.st_mode & 0777) != 0600) {
			snprintf(c->why, c->whylen, "%s: object mode %o", hex, st.st_mode & 0777);
			return -1;
		}
	} else if (r->state == TC_PHOTO_DELETING || r->state == TC_PHOTO_DISCARDING) {
		snprintf(c->why, c->whylen, "%s left in intent state %s", hex,
			 tc_store_state_name(r->state));
		return -1;
	} else if (exists) {
		snprintf(c->why, c->whylen, "%s is a tombstone (%s) but its object exists", hex,
			 tc_store_state_name(r->state));
		return -1;
	}
	return 0;
}

int
sfx_check_consistent(struct sfx *f, char *why, size_t whylen)
{
	struct consist c = { f, why, whylen };
	char path[SFX_PATH + 16], hex[2 * TC_PHOTO_ID_LEN + 1];
	uint8_t id[TC_PHOTO_ID_LEN];
	struct tc_store_rec r;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	why[0] = '\0';
	snprintf(path, sizeof(path), "%s/objects", f->store_dir);
	if (!(d = opendir(path))) {
		snprintf(why, whylen, "cannot list objects/");
		return -1;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (strncmp(de->d_name, ".tmp-", 5) == 0) {
			snprintf(why, whylen, "temporary file %s remains", de->d_name);
			rc = -1;
		} else if (strncmp(de->d_name, ".free-", 6) == 0 && strlen(de->d_name) == 9) {
			continue;	/* a pool file; the tests grep every file for live wraps */
		} else if (strlen(de->d_name) != 36 || strcmp(de->d_name + 32, ".tco") != 0) {
			snprintf(why, whylen, "unexpected file %s", de->d_name);
			rc = -1;
		} else {
			memcpy(hex, de->d_name, 32);
			hex[32] = '\0';
			if (tc_hex_decode(hex, id, sizeof(id)) != 0 ||
			    tc_store_get(f->s, id, &r) != 0 ||
			    !(TC_STORE_BIT(r.state) & TC_STORE_LIVE)) {
				snprintf(why, whylen, "object %s has no live row", de->d_name);
				rc = -1;
			}
		}
	}
	closedir(d);
	if (rc == 0 && tc_store_list(f->s, check_row, &c) != 0)
		rc = -1;
	return rc;
}

int
sfx_slurp(const char *path, uint8_t **buf, size_t *len)
{
	struct stat st;
	size_t got;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!(*buf = malloc((size_t)st.st_size + 1))) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = tc_read_full(fd, *buf, (size_t)st.st_size, &got)) == 0)
		*len = got;
out:
	close(fd);
	if (rc) {
		free(*buf);
		*buf = NULL;
	}
	return rc;
}

int
sfx_grep_tree(const char *dir, const void *needle, size_t n)
{
	char path[1024];
	struct dirent *de;
	struct stat st;
	uint8_t *buf;
	size_t len;
	int hits = 0;
	DIR *d;

	if (!(d = opendir(dir)))
		return 0;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			hits += sfx_grep_tree(path, needle, n);
		} else if (S_ISREG(st.st_mode) && sfx_slurp(path, &buf, &len) == 0) {
			if (memmem(buf, len, needle, n))
				hits++;
			free(buf);
		}
	}
	closedir(d);
	return hits;
}

int
sfx_audit_count(struct sfx *f, const char *action, const char *object)
{
	struct tc_audit_entry e;
	struct tc_audit_iter it;
	uint8_t *seg = NULL;
	size_t len = 0;
	int rc, n = 0;

	rc = tc_audit_export(f->audit, 1, TC_AUDIT_SEQ_HEAD, &seg, &len);
	if (rc == -ERANGE)
		return 0;
	if (rc)
		return rc;
	if ((rc = tc_audit_segment_begin(&it, seg, len)) == 0) {
		while ((rc = tc_audit_segment_next(&it, &e)) == 1)
			if (!strcmp(e.action, action) && (!object || !strcmp(e.object, object)))
				n++;
	}
	tc_free(seg);
	return rc < 0 ? rc : n;
}

int
sfx_read_wraps(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], uint8_t *out, size_t cap,
	       size_t *len)
{
	char path[SFX_PATH + 64], hex[2 * TC_PHOTO_ID_LEN + 1];
	struct tc_obj_info info;
	uint8_t *buf;
	size_t n;
	int rc;

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(path, sizeof(path), "%s/objects/%s.tco", f->store_dir, hex);
	if ((rc = sfx_slurp(path, &buf, &n)) != 0)
		return rc;
	if ((rc = tc_obj_parse_header(buf, n, &info)) == 0) {
		if (info.wraps_len > cap || info.wraps_off + info.wraps_len > n) {
			rc = -ENOBUFS;
		} else {
			memcpy(out, buf + info.wraps_off, info.wraps_len);
			*len = info.wraps_len;
		}
	}
	free(buf);
	return rc;
}

static sqlite3_mem_methods sqlite_orig;

static void *
fault_malloc(int n)
{
	return tc_fault_hit(TC_FAULT_ALLOC) ? NULL : sqlite_orig.xMalloc(n);
}

static void *
fault_realloc(void *p, int n)
{
	return tc_fault_hit(TC_FAULT_ALLOC) ? NULL : sqlite_orig.xRealloc(p, n);
}

int
sfx_sqlite_fault_malloc(void)
{
	sqlite3_mem_methods m;

	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &sqlite_orig) != SQLITE_OK)
		return -EINVAL;
	m = sqlite_orig;
	m.xMalloc = fault_malloc;
	m.xRealloc = fault_realloc;
	return sqlite3_config(SQLITE_CONFIG_MALLOC, &m) == SQLITE_OK ? 0 : -EINVAL;
}
