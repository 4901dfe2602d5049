/*
 * metaidx_row.c - one entry of the metadata index (see tadm_metaidx.h):
 * when it may stand for the object, and the metadata in and out of it.
 *
 * An entry is keyed by (device, photo id) and used only while all of
 * these still hold: the ledger row's SHA-256 and size (a photo the
 * server received again, or a ledger that changed, makes a new entry)
 * and the object file's inode, size, mtime and ctime (an object replaced
 * or written in place on disk, behind the ledger's back, is read again:
 * any write moves ctime, which no user can set).  Each row carries a
 * SHA-256 of all its fields, so a damaged row is found rather than
 * trusted.  Pupil refs and platforms are stored joined with "\n", which
 * no valid ref holds; metadata that does not fit that is not indexed
 * (it is read from the object every time, as before the index).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#include <mbedtls/md.h>
#include <sqlite3.h>

#include "metaidx_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define LIST_MAX (TC_META_MAX_PUPILS * TC_META_ID_MAX)

/* An entry's fields, as stored. */
struct row {
	const char *device, *photo_id, *digest, *event, *staff, *pupils, *platforms, *sensor;
	int64_t size, ino, mtime_ns, ctime_ns, capture_us, frame_seq, width, height;
};

static void
sum_text(mbedtls_md_context_t *c, const char *s)
{
	uint32_t n = (uint32_t)strlen(s);
	uint8_t len[4] = { (uint8_t)n, (uint8_t)(n >> 8), (uint8_t)(n >> 16), (uint8_t)(n >> 24) };

	mbedtls_md_update(c, len, sizeof(len));
	mbedtls_md_update(c, (const uint8_t *)s, n);
}

static void
sum_int(mbedtls_md_context_t *c, int64_t v)
{
	uint8_t b[8];
	int i;

	for (i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (8 * i));
	mbedtls_md_update(c, b, sizeof(b));
}

/* SHA-256 over every field, each text length-prefixed. */
static int
row_sum(const struct row *r, uint8_t out[TC_SHA256_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	const char *text[] = { r->device, r->photo_id, r->digest, r->event, r->staff, r->pupils,
			       r->platforms, r->sensor };
	const int64_t num[] = { r->size, r->ino, r->mtime_ns, r->ctime_ns, r->capture_us,
				r->frame_seq, r->width, r->height };
	mbedtls_md_context_t c;
	size_t i;
	int rc;

	mbedtls_md_init(&c);
	if (!md || mbedtls_md_setup(&c, md, 0) != 0 || mbedtls_md_starts(&c) != 0) {
		mbedtls_md_free(&c);
		return TC_E_CRYPTO;
	}
	for (i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		sum_text(&c, text[i]);
	for (i = 0; i < sizeof(num) / sizeof(num[0]); i++)
		sum_int(&c, num[i]);
	rc = mbedtls_md_finish(&c, out) == 0 ? 0 : TC_E_CRYPTO;
	mbedtls_md_free(&c);
	return rc;
}

static int64_t
ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* names[0..n) joined with "\n"; false when a name is empty, unterminated or holds "\n". */
static bool
join(const char (*names)[TC_META_ID_MAX], unsigned n, char *out)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		size_t l = strnlen(names[i], TC_META_ID_MAX);

		if (l == 0 || l == TC_META_ID_MAX || memchr(names[i], '\n', l))
			return false;
	}
	return tc_review_join(names, n, '\n', out, LIST_MAX) == 0;
}

/* The inverse of join, into out[0..*n) (at most max); false if it does not fit. */
static bool
split(const char *s, char (*out)[TC_META_ID_MAX], unsigned max, unsigned *n)
{
	const char *end;
	size_t l;

	*n = 0;
	while (*s) {
		end = strchr(s, '\n');
		l = end ? (size_t)(end - s) : strlen(s);
		if (l == 0 || l >= TC_META_ID_MAX || *n >= max)
			return false;
		memcpy(out[*n], s, l);
		out[(*n)++][l] = 0;
		if (!end)
			return true;
		s = end + 1;
	}
	return true;
}

static bool
copy_id(char out[TC_META_ID_MAX], const char *s)
{
	return tc_strlcpy(out, s, TC_META_ID_MAX) < TC_META_ID_MAX;
}

static const char *
col(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? (const char *)t : "";
}

/* The row get read (columns METAIDX_COLS from 0) into m; false if it is damaged. */
static bool
decode(sqlite3_stmt *st, const struct tc_review_photo *p, struct tc_photo_meta *m)
{
	struct row r = {
		.device = p->device, .photo_id = p->photo_id, .digest = col(st, 0),
		.size = sqlite3_column_int64(st, 1), .ino = sqlite3_column_int64(st, 2),
		.mtime_ns = sqlite3_column_int64(st, 3), .ctime_ns = sqlite3_column_int64(st, 4),
		.event = col(st, 5), .staff = col(st, 6), .pupils = col(st, 7),
		.platforms = col(st, 8), .capture_us = sqlite3_column_int64(st, 9),
		.frame_seq = sqlite3_column_int64(st, 10), .width = sqlite3_column_int64(st, 11),
		.height = sqlite3_column_int64(st, 12), .sensor = col(st, 13) };
	uint8_t sum[TC_SHA256_LEN];
	bool ok;

	ok = sqlite3_column_bytes(st, 14) == TC_SHA256_LEN && row_sum(&r, sum) == 0 &&
	     memcmp(sum, sqlite3_column_blob(st, 14), TC_SHA256_LEN) == 0 &&
	     copy_id(m->event_id, r.event) && copy_id(m->staff_id, r.staff) &&
	     copy_id(m->sensor_mode, r.sensor) &&
	     split(r.pupils, m->pupil_refs, TC_META_MAX_PUPILS, &m->n_pupils) &&
	     split(r.platforms, m->platforms, TC_META_MAX_PLATFORMS, &m->n_platforms) &&
	     r.width >= 0 && r.width <= UINT32_MAX && r.height >= 0 && r.height <= UINT32_MAX;
	m->capture_time_us = (uint64_t)r.capture_us;
	m->frame_seq = (uint64_t)r.frame_seq;
	m->width = (uint32_t)r.width;
	m->height = (uint32_t)r.height;
	return ok;
}

/* Whether the entry get read is for the ledger row p and the object file as st says. */
static bool
current(sqlite3_stmt *st, const struct tc_review_photo *p, const struct stat *os)
{
	return strcmp(col(st, 0), p->digest) == 0 &&
	       (uint64_t)sqlite3_column_int64(st, 1) == p->size &&
	       (uint64_t)os->st_size == p->size &&
	       sqlite3_column_int64(st, 2) == (int64_t)os->st_ino &&
	       sqlite3_column_int64(st, 3) == ns(&os->st_mtim) &&
	       sqlite3_column_int64(st, 4) == ns(&os->st_ctim);
}

static void
drop(struct tadm_metaidx *ix, const struct tc_review_photo *p)
{
	sqlite3_bind_text(ix->del, 1, p->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->del, 2, p->photo_id, -1, SQLITE_STATIC);
	(void)sqlite3_step(ix->del);
	sqlite3_reset(ix->del);
	sqlite3_clear_bindings(ix->del);
}

int
tadm_metaidx_get(struct tadm *a, const struct tc_review_photo *p, struct tc_photo_meta *m)
{
	struct tadm_metaidx *ix = metaidx_open(a);
	char name[TADM_OBJECT_NAME_MAX];
	struct stat os;
	int rc;

	if (!ix || tadm_srv_object_name(p, name, sizeof(name)) != 0)
		return TC_E_NOT_FOUND;
	if (fstatat(a->srvfd, name, &os, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(os.st_mode)) {
		if (errno == ENOENT)
			drop(ix, p);	/* gone from the store */
		return TC_E_NOT_FOUND;
	}
	sqlite3_bind_text(ix->get, 1, p->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(ix->get, 2, p->photo_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(ix->get);
	if (rc == SQLITE_ROW && current(ix->get, p, &os)) {
		if (decode(ix->get, p, m)) {
			rc = 0;
		} else {
			tc_zeroize(m, sizeof(*m));
			rc = METAIDX_DAMAGED;
		}
	} else if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
		rc = TC_E_NOT_FOUND;	/* new, or not the object it was made from */
	} else if (!metaidx_damage_rc(sqlite3_extended_errcode(ix->db))) {
		rc = TC_E_NOT_FOUND;	/* busy: read the object this time */
	} else {
		rc = METAIDX_DAMAGED;
	}
	sqlite3_reset(ix->get);
	sqlite3_clear_bindings(ix->get);
	if (rc == METAIDX_DAMAGED) {
		metaidx_rebuild(a, "an entry does not match its checksum, or the file is unreadable");
		return TC_E_NOT_FOUND;
	}
	return rc;
}

static int
bind_row(sqlite3_stmt *st, const struct row *r, const uint8_t sum[TC_SHA256_LEN])
{
	const char *text[] = { r->device, r->photo_id, r->digest };
	const int64_t key[] = { r->size, r->ino, r->mtime_ns, r->ctime_ns };
	const char *meta[] = { r->event, r->staff, r->pupils, r->platforms };
	const int64_t num[] = { r->capture_us, r->frame_seq, r->width, r->height };
	int i, n = 1;

	for (i = 0; i < 3; i++)
		sqlite3_bind_text(st, n++, text[i], -1, SQLITE_STATIC);
	for (i = 0; i < 4; i++)
		sqlite3_bind_int64(st, n++, key[i]);
	for (i = 0; i < 4; i++)
		sqlite3_bind_text(st, n++, meta[i], -1, SQLITE_STATIC);
	for (i = 0; i < 4; i++)
		sqlite3_bind_int64(st, n++, num[i]);
	sqlite3_bind_text(st, n++, r->sensor, -1, SQLITE_STATIC);
	return sqlite3_bind_blob(st, n, sum, TC_SHA256_LEN, SQLITE_STATIC);
}

void
tadm_metaidx_put(struct tadm *a, const struct tc_review_photo *p, const struct stat *os,
		 const struct tc_photo_meta *m)
{
	struct tadm_metaidx *ix = metaidx_open(a);
	char pupils[LIST_MAX], plats[LIST_MAX], why[256];
	uint8_t sum[TC_SHA256_LEN];
	bool flush = false;
	struct row r = {
		.device = p->device, .photo_id = p->photo_id, .digest = p->digest,
		.size = (int64_t)p->size, .ino = (int64_t)os->st_ino,
		.mtime_ns = ns(&os->st_mtim), .ctime_ns = ns(&os->st_ctim),
		.event = m->event_id, .staff = m->staff_id, .pupils = pupils, .platforms = plats,
		.sensor = m->sensor_mode, .capture_us = (int64_t)m->capture_time_us,
		.frame_seq = (int64_t)m->frame_seq, .width = m->width, .height = m->height };
	int rc;

	if (!ix)
		return;
	/* What the index cannot hold exactly is read from the object each time. */
	if (!join((const char (*)[TC_META_ID_MAX])m->pupil_refs, m->n_pupils, pupils) ||
	    !join((const char (*)[TC_META_ID_MAX])m->platforms, m->n_platforms, plats) ||
	    strnlen(m->event_id, TC_META_ID_MAX) == TC_META_ID_MAX ||
	    strnlen(m->staff_id, TC_META_ID_MAX) == TC_META_ID_MAX ||
	    strnlen(m->sensor_mode, TC_META_ID_MAX) == TC_META_ID_MAX || row_sum(&r, sum) != 0)
		goto out;
	rc = bind_row(ix->put, &r, sum) == SQLITE_OK ? sqlite3_step(ix->put) : SQLITE_MISUSE;
	if ((rc & 0xff) == SQLITE_BUSY && ix->batch) {
		/* Our snapshot is older than another trustadm's entries: take a new one. */
		sqlite3_reset(ix->put);
		metaidx_flush(ix);
		rc = sqlite3_step(ix->put);
	}
	if (rc == SQLITE_DONE) {
		rc = 0;
		tc_fault_point("metaidx.put");	/* written, in a batch not yet committed */
		if (ix->batch && ++ix->pending >= METAIDX_BATCH)
			flush = true;
	} else {
		rc = sqlite3_extended_errcode(ix->db);
		tc_strlcpy(why, sqlite3_errmsg(ix->db), sizeof(why));
	}
	sqlite3_reset(ix->put);
	sqlite3_clear_bindings(ix->put);
	if (flush)
		metaidx_flush(ix);
	if (rc != 0 && metaidx_damage_rc(rc))
		metaidx_rebuild(a, why);
	else if (rc != 0 && (rc & 0xff) != SQLITE_BUSY)
		metaidx_off(a, why);
out:
	tc_zeroize(pupils, sizeof(pupils));
	tc_zeroize(plats, sizeof(plats));
}
