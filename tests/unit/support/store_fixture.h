/*
 * store_fixture.h - helpers for the test_store_*.c programs: a store and
 * its audit log in a fresh directory under TC_TEST_TMP, Trust keys, and
 * captures of synthetic JPEG-like payloads through the real sealer.
 *
 * Payloads start like a JFIF file and carry the ASCII marker
 * SFX_MARKER, so the suite's plaintext scanner finds any leak.  Store
 * directories are left in TC_TEST_TMP on purpose: the scanner reads them.
 * Functions return 0 or a negative code and never call cmocka, so a
 * forked child may use them too.
 */
#ifndef TC_STORE_FIXTURE_H
#define TC_STORE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_audit.h"
#include "tc_seal.h"
#include "tc_store.h"

#define SFX_MARKER "TRUSTCAM-TEST-PLAINTEXT"
#define SFX_PATH 512

struct sfx {
	char root[SFX_PATH];		/* <TC_TEST_TMP>/<tag>XXXXXX */
	char store_dir[SFX_PATH];	/* root/store */
	char audit_dir[SFX_PATH];	/* root/audit */
	uint8_t trust_priv[TC_P256_PRIV_LEN], trust_pub[TC_P256_PUB_LEN];
	uint8_t mac_key[TC_DEVICE_MAC_KEY_LEN];
	uint8_t audit_key[TC_AUDIT_KEY_LEN];
	uint64_t quota_bytes, quota_photos;	/* passed to tc_store_open */
	struct tc_audit *audit;
	struct tc_store *s;
};

/* Fresh directory and keys; opens nothing. */
int sfx_init(struct sfx *f, const char *tag);
/* Open the audit log and the store (reconciling). */
int sfx_open(struct sfx *f);
void sfx_close(struct sfx *f);

/* A JPEG-like payload: FF D8 FF E0 00 10 "JFIF" 00 ..., SFX_MARKER, seeded filler. */
void sfx_make_jpeg(uint8_t *buf, size_t len, unsigned seed);
/* Metadata with one pupil ref, an event and a staff id (any may be NULL). */
void sfx_meta(struct tc_photo_meta *m, const char *pupil, const char *event, const char *staff);

/* Seal jpeg (meta may be NULL) into the store; the new id in id. */
int sfx_capture_meta(struct sfx *f, const uint8_t *jpeg, size_t len,
		     const struct tc_photo_meta *meta, uint8_t id[TC_PHOTO_ID_LEN]);
/* A payload of len bytes from seed. */
int sfx_capture(struct sfx *f, size_t len, unsigned seed, uint8_t id[TC_PHOTO_ID_LEN]);
/* Drive a captured photo to receipted with a plausible receipt. */
int sfx_receipt(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN]);
/* The same, recording the delete intent with the receipt if delete_now (syncd under R2). */
int sfx_receipt_delete_now(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], bool delete_now);
/* The receipt alone, for a photo already uploading. */
int sfx_record_receipt(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], bool delete_now);

/*
 * Read the object through tc_store_open_object and open it with the
 * Trust's private key; 0 if it decrypts to the payload of (len, seed).
 */
int sfx_check_photo(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], size_t len, unsigned seed);

/*
 * Catalog and files agree: no .tmp- file; every object file has a live
 * row; every live row has its file with the row's size and SHA-256;
 * tombstones have no file; no row is left in an intent state.
 * Returns 0, or -1 with a reason in why.
 */
int sfx_check_consistent(struct sfx *f, char *why, size_t whylen);

/* Number of files under dir (recursive) whose bytes contain needle. */
int sfx_grep_tree(const char *dir, const void *needle, size_t n);
/* Number of entries in f's audit log with action (and object, if not NULL). */
int sfx_audit_count(struct sfx *f, const char *action, const char *object);
/* The copy of an object's key-wrap records (for "key material gone" checks). */
int sfx_read_wraps(struct sfx *f, const uint8_t id[TC_PHOTO_ID_LEN], uint8_t *out,
		   size_t cap, size_t *len);
/* Whole file into a malloc'd buffer. */
int sfx_slurp(const char *path, uint8_t **buf, size_t *len);
/* Make SQLite's allocations pass the ALLOC fault site; call first in main(). */
int sfx_sqlite_fault_malloc(void);

#endif /* TC_STORE_FIXTURE_H */
