/*
 * srvdata.c - trustadm's read-only view of trust-server's data directory
 * (see tadm_srv.h): the ledger, sealed objects, audit segment rows; and
 * what review and SAR share: the photo key, the roster, review state,
 * private export directories.
 *
 * The ledger is opened read-only (SQLite "mode=ro" URI) while the server
 * may be writing it: WAL lets us read a consistent snapshot without
 * blocking the server.  Objects are read into memory and opened there;
 * the plaintext stays in tc_secure_alloc memory until a command writes
 * it to the reviewer's export directory, the only place it may land.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <sqlite3.h>

#include "tadm_metaidx.h"
#include "tc_daemon.h"
#include "tc_io.h"
#include "tc_secmem.h"

static int
sha256(const void *data, size_t len, uint8_t out[TC_SHA256_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	return md && mbedtls_md(md, data, len, out) == 0 ? 0 : TC_E_CRYPTO;
}

/* Whether the directory open on fd has no entry but . and .. */
static bool
dir_empty(int fd)
{
	int dup_fd = dup(fd);
	struct dirent *e;
	bool empty = true;
	DIR *d;

	if (dup_fd < 0)
		return false;
	d = fdopendir(dup_fd);
	if (!d) {
		close(dup_fd);
		return false;
	}
	while (empty && (e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = false;
	closedir(d);
	return empty;
}

#define OBJECT_MAX (256u * 1024 * 1024)
#define BUSY_MS 5000
/* The ledger schema this trustadm reads: LEDGER_VERSION of trust-server's
 * ledger.c, which upgrades the file when it starts. */
#define LEDGER_SCHEMA 3

/* Refuse a ledger of another schema with what to do, rather than with
 * SQLite's "no such column" at the first query. */
static int
ledger_schema_check(struct tadm *a)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(a->ledger, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (v == LEDGER_SCHEMA)
		return 0;
	if (v < 0)
		tadm_err(a, "%s/ledger.db: cannot read its schema version: %s", a->srvdir,
			 sqlite3_errmsg(a->ledger));
	else if (v < LEDGER_SCHEMA)
		tadm_err(a, "%s/ledger.db: schema version %d, older than this trustadm reads (%d): "
			 "start this release's trust-server once, which upgrades it", a->srvdir, v,
			 LEDGER_SCHEMA);
	else
		tadm_err(a, "%s/ledger.db: schema version %d, newer than this trustadm reads (%d): "
			 "use the trustadm of trust-server's release", a->srvdir, v, LEDGER_SCHEMA);
	return TC_E_CATALOG;
}

int
tadm_srv_need(struct tadm *a)
{
	if (a->srvdir)
		return TADM_OK;
	tadm_err(a, "name trust-server's data directory with -S DIR (or $%s)", TADM_SRV_ENV);
	return TADM_USAGE;
}

int
tadm_srv_open(struct tadm *a)
{
	char uri[4200];
	int rc;

	a->srvfd = open(a->srvdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (a->srvfd < 0) {
		rc = -errno;
		tadm_err(a, "server data directory %s: %s", a->srvdir, strerror(errno));
		return rc;
	}
	/* The file name goes into a URI: refuse what would need escaping. */
	if (strpbrk(a->srvdir, "?#%") ||
	    (size_t)snprintf(uri, sizeof(uri), "file:%s/ledger.db?mode=ro", a->srvdir) >=
		    sizeof(uri)) {
		tadm_err(a, "%s: unusable path for the ledger", a->srvdir);
		return -EINVAL;
	}
	rc = sqlite3_open_v2(uri, &a->ledger, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
			     SQLITE_OPEN_NOFOLLOW, NULL);
	if (rc != SQLITE_OK) {
		tadm_err(a, "%s/ledger.db: %s", a->srvdir,
			 a->ledger ? sqlite3_errmsg(a->ledger) : "cannot open");
		return TC_E_CATALOG;
	}
	sqlite3_busy_timeout(a->ledger, BUSY_MS);
	(void)sqlite3_db_config(a->ledger, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	return ledger_schema_check(a);
}

static int
ledger_fail(struct tadm *a, const char *what)
{
	tadm_err(a, "%s/ledger.db: %s: %s", a->srvdir, what, sqlite3_errmsg(a->ledger));
	return TC_E_CATALOG;
}

#define PHOTO_COLS "device, photo_id, digest, size, received_us, seq"

static void
photo_from(sqlite3_stmt *st, struct tc_review_photo *p)
{
	const unsigned char *t;

	memset(p, 0, sizeof(*p));
	t = sqlite3_column_text(st, 0);
	tc_strlcpy(p->device, t ? (const char *)t : "", sizeof(p->device));
	t = sqlite3_column_text(st, 1);
	tc_strlcpy(p->photo_id, t ? (const char *)t : "", sizeof(p->photo_id));
	t = sqlite3_column_text(st, 2);
	tc_strlcpy(p->digest, t ? (const char *)t : "", sizeof(p->digest));
	p->size = (uint64_t)sqlite3_column_int64(st, 3);
	p->received = sqlite3_column_int64(st, 4) / 1000000;
	p->ledger_seq = sqlite3_column_int64(st, 5);
}

int
tadm_srv_photos(struct tadm *a, const char *device, tadm_photo_fn fn, void *ctx)
{
	struct tc_review_photo p;
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(a->ledger, "SELECT " PHOTO_COLS " FROM photos WHERE ?1 IS NULL"
			       " OR device = ?1 ORDER BY seq", -1, &st, NULL) != SQLITE_OK)
		return ledger_fail(a, "photos");
	if (device)
		sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		photo_from(st, &p);
		if ((rc = fn(ctx, &p)) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ledger_fail(a, "photos");
}

int
tadm_srv_find(struct tadm *a, const char *photo_id, struct tc_review_photo *p)
{
	sqlite3_stmt *st;
	int rc, n = 0;

	if (sqlite3_prepare_v2(a->ledger, "SELECT " PHOTO_COLS " FROM photos WHERE photo_id = ?1"
			       " ORDER BY seq LIMIT 2", -1, &st, NULL) != SQLITE_OK)
		return ledger_fail(a, "photos");
	sqlite3_bind_text(st, 1, photo_id, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (n++ == 0)
			photo_from(st, p);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return ledger_fail(a, "photos");
	if (n == 0)
		return TC_E_NOT_FOUND;
	/* Ids are 128 random bits per device: two devices with one id is an attack. */
	if (n > 1) {
		tadm_err(a, "photo %s is in the ledger for two devices: refusing to guess",
			 photo_id);
		return TC_E_EXISTS;
	}
	return 0;
}

int
tadm_srv_device(struct tadm *a, const char *id, struct tadm_srv_dev *out)
{
	sqlite3_stmt *st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (sqlite3_prepare_v2(a->ledger, "SELECT photos, last_upload_us, audit_seq, firmware,"
			       " firmware_release FROM devices WHERE id = ?1", -1, &st,
			       NULL) != SQLITE_OK)
		return ledger_fail(a, "devices");
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->known = true;
		out->photos = sqlite3_column_int64(st, 0);
		out->last_upload = sqlite3_column_int64(st, 1) / 1000000;
		out->audit_seq = (uint64_t)sqlite3_column_int64(st, 2);
		if (sqlite3_column_type(st, 3) == SQLITE_TEXT)
			tc_strlcpy(out->firmware, (const char *)sqlite3_column_text(st, 3),
				   sizeof(out->firmware));
		out->release = (uint64_t)sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : ledger_fail(a, "devices");
}

int
tadm_srv_segments(struct tadm *a, const char *device, tadm_seg_fn fn, void *ctx)
{
	sqlite3_stmt *st;
	const unsigned char *f;
	int rc;

	if (sqlite3_prepare_v2(a->ledger, "SELECT first_seq, last_seq, file FROM audit_segments"
			       " WHERE device = ?1 ORDER BY first_seq", -1, &st, NULL) != SQLITE_OK)
		return ledger_fail(a, "audit_segments");
	sqlite3_bind_text(st, 1, device, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		f = sqlite3_column_text(st, 2);
		if ((rc = fn(ctx, (uint64_t)sqlite3_column_int64(st, 0),
			     (uint64_t)sqlite3_column_int64(st, 1), f ? (const char *)f : "")) != 0) {
			sqlite3_finalize(st);
			return rc;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : ledger_fail(a, "audit_segments");
}

int
tadm_photo_key(struct tadm *a, uint8_t **priv)
{
	uint8_t *text = NULL, *k = NULL;
	size_t len = 0;
	int rc;

	*priv = NULL;
	if ((rc = tadm_load_key(a, "photo.key", &text, &len)) != 0)
		return rc;
	k = tc_secure_alloc(TC_P256_PRIV_LEN);
	if (!k) {
		rc = -ENOMEM;
	} else if ((rc = tc_p256_key_decode((const char *)text, len, k, TC_P256_PRIV_LEN)) != 0) {
		/* The object format's key text, read as every opener reads it. */
		tadm_err(a, "%s/photo.key is not a photo key (64 hex digits, optionally a newline)",
			 a->dir);
	}
	tc_secure_free(text);
	if (rc != 0) {
		tc_secure_free(k);
		return rc;
	}
	*priv = k;
	return 0;
}

int
tadm_srv_object_name(const struct tc_review_photo *p, char *name, size_t cap)
{
	if (strchr(p->device, '/') || strchr(p->photo_id, '/') || p->device[0] == '.' ||
	    (size_t)snprintf(name, cap, "objects/%s/%s.tco", p->device, p->photo_id) >= cap)
		return -EINVAL;
	return 0;
}

int
tadm_srv_object_fd(struct tadm *a, const struct tc_review_photo *p)
{
	char name[TADM_OBJECT_NAME_MAX];
	struct stat st;
	int fd, rc;

	if ((rc = tadm_srv_object_name(p, name, sizeof(name))) != 0)
		return rc;
	fd = openat(a->srvfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
	} else if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != p->size ||
		   p->size > OBJECT_MAX || p->size == 0) {
		rc = TC_E_STORE_MISMATCH;
	} else {
		return fd;
	}
	close(fd);
	return rc;
}

/*
 * objects/<device>/<id>.tco into a tc_malloc buffer (ciphertext: no
 * secret); *st is its fstat, taken before reading, for the metadata index.
 */
static int
read_object(struct tadm *a, const struct tc_review_photo *p, uint8_t **buf, size_t *len,
	    struct stat *st)
{
	size_t got = 0;
	int fd, rc = 0;

	*buf = NULL;
	if ((fd = tadm_srv_object_fd(a, p)) < 0)
		return fd;
	if (fstat(fd, st) != 0) {
		rc = -errno;
	} else if (!(*buf = tc_malloc((size_t)p->size))) {
		rc = -ENOMEM;
	} else if ((rc = tc_read_full(fd, *buf, (size_t)p->size, &got)) == 0 && got != p->size) {
		rc = TC_E_STORE_MISMATCH;
	}
	close(fd);
	if (rc != 0) {
		tc_free(*buf);
		*buf = NULL;
		return rc;
	}
	*len = got;
	return 0;
}

int
tadm_srv_open_photo(struct tadm *a, const struct tc_review_photo *p, const uint8_t *priv,
		    struct tc_photo_meta *m, uint8_t **jpeg, size_t *jpeg_len)
{
	uint8_t *obj = NULL, *pix = NULL, digest[TC_SHA256_LEN];
	char hex[2 * TC_SHA256_LEN + 1], idhex[2 * TC_PHOTO_ID_LEN + 1];
	struct tc_obj_info info;
	struct stat st;
	size_t len = 0, plen = 0;
	int rc;

	if (jpeg)
		*jpeg = NULL;
	if ((rc = read_object(a, p, &obj, &len, &st)) != 0) {
		tadm_err(a, "photo %s: object objects/%s/%s.tco: %s", p->photo_id, p->device,
			 p->photo_id, rc == TC_E_STORE_MISMATCH ? "size differs from the ledger" :
			 tc_strerror(rc));
		goto out;
	}
	/* The ledger's digest is what the device was receipted for: the bytes must be those. */
	if (sha256(obj, len, digest) != 0) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	tc_hex_encode(digest, sizeof(digest), hex);
	if (strcmp(hex, p->digest) != 0) {
		tadm_err(a, "photo %s: the object's SHA-256 differs from the ledger's", p->photo_id);
		rc = TC_E_STORE_MISMATCH;
		goto out;
	}
	if ((rc = tc_obj_parse_header(obj, len, &info)) != 0)
		goto fail;
	tc_hex_encode(info.photo_id, TC_PHOTO_ID_LEN, idhex);
	if (strcmp(idhex, p->photo_id) != 0) {
		tadm_err(a, "photo %s: the object names another photo id", p->photo_id);
		rc = TC_E_STORE_MISMATCH;
		goto out;
	}
	if ((rc = tc_obj_open(obj, len, priv, m, &pix, &plen)) != 0)
		goto fail;
	tadm_metaidx_put(a, p, &st, m);	/* opened whole: the metadata is known now */
	if (jpeg) {
		*jpeg = pix;
		*jpeg_len = plen;
		pix = NULL;
	}
	goto out;
fail:
	tadm_err(a, "photo %s: cannot open the object: %s", p->photo_id, tc_strerror(rc));
out:
	tc_secure_free(pix);
	tc_free(obj);
	return rc;
}

int
tadm_roster(struct tadm *a, struct tc_policy **out)
{
	struct tc_policy *p = tc_calloc(1, sizeof(*p));
	int rc;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	if ((rc = tc_registry_roster(a->reg, p)) != 0) {
		tadm_err(a, "cannot read the consent roster: %s", tc_strerror(rc));
		tc_policy_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

int
tadm_review_state(struct tadm *a, const struct tc_review_photo *p, struct tc_reg_review *v,
		  const char **state)
{
	int rc = tc_registry_review_last(a->reg, p->device, p->photo_id, v);

	if (rc == TC_E_NOT_FOUND) {
		*state = "pending_review";
		return 0;
	}
	if (rc != 0) {
		tadm_err(a, "cannot read review state: %s", tc_strerror(rc));
		return rc;
	}
	*state = v->approved ? "approved" : "rejected";
	return 0;
}

int
tadm_export_dir(struct tadm *a, const char *dir)
{
	struct stat st;
	int fd, rc;

	/* trustadm runs as trustcam-admin under sudo: say whose rights failed. */
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		rc = -errno;
		tadm_err(a, "%s: %s as user %s", dir, strerror(-rc), tc_euser_name());
		return rc;
	}
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		tadm_err(a, "%s: %s", dir, errno == ELOOP || errno == ENOTDIR ?
			 "not a directory (a symlink is refused)" : strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		tadm_err(a, "%s: not owned by user %s, who writes the export", dir, tc_euser_name());
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	if (st.st_nlink > 2 || !dir_empty(fd)) {
		tadm_err(a, "%s: not empty: name a new or empty directory for the export", dir);
		close(fd);
		return TC_E_EXISTS;
	}
	if (fchmod(fd, 0700) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
tadm_export_file(struct tadm *a, int dfd, const char *name, const void *data, size_t len,
		 uint8_t digest[TC_SHA256_LEN])
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0) {
		rc = -errno;
		tadm_err(a, "%s: %s", name, strerror(errno));
		return rc;
	}
	if ((rc = tc_write_all(fd, data, len)) == 0)
		rc = tc_fsync(fd);
	close(fd);
	if (rc == 0 && digest && sha256(data, len, digest) != 0)
		rc = TC_E_CRYPTO;
	if (rc != 0)
		tadm_err(a, "%s: %s", name, tc_strerror(rc));
	return rc;
}
