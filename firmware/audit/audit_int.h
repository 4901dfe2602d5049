/*
 * audit_int.h - what the audit module's files share and nobody else uses.
 *
 * record.c: the entry record and head record codecs (byte layouts in
 * README.md); scan.c: the streaming log walker that verifies a log file
 * against a MAC'd head; audit.c, export.c and segment.c build on both.
 * Not installed on the include path of other modules' public headers:
 * nothing outside firmware/audit/ should include it.
 */
#ifndef TC_AUDIT_INT_H
#define TC_AUDIT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_audit.h"
#include "tc_err.h"

/* File names inside the audit directory. */
#define AUDIT_LOG_NAME "audit.log"
#define AUDIT_HEAD_NAME "audit.head"
#define AUDIT_HEAD_TMP "audit.head.tmp"
#define AUDIT_LOCK_NAME "audit.lock"

/* Entry record, version 1. */
#define AUDIT_REC_VERSION 1
#define AUDIT_REC_PREFIX 8		/* magic, version, reserved, rec_len */
#define AUDIT_REC_FIXED 105		/* a record with every text field empty */
#define AUDIT_TEXT_MAX (TC_AUDIT_FIELD_MAX - 1)
#define AUDIT_DETAIL_LEN_MAX (TC_AUDIT_DETAIL_MAX - 1)
#define AUDIT_REC_MAX (AUDIT_REC_FIXED + 3 * AUDIT_TEXT_MAX + AUDIT_DETAIL_LEN_MAX)

/* Head record, version 1. */
#define AUDIT_HEAD_VERSION 1
#define AUDIT_HEAD_MACED 56		/* bytes covered by the MAC */

/* Segment header, version 1. */
#define AUDIT_SEG_VERSION 1
#define AUDIT_SEG_HDR_LEN 52
#define AUDIT_SEG_FLAG_HEAD 0x01

struct audit_head {
	uint64_t seq;		/* newest acknowledged entry, 0 = empty log */
	uint64_t log_len;	/* audit.log bytes up to the end of entry seq */
	uint8_t hash[TC_AUDIT_HASH_LEN];	/* entry seq's hash, zeros if seq == 0 */
};

/*
 * An open log.  mu serialises this process's threads; the flock on lockfd
 * serialises processes (photod and syncd both append).  seq/log_len/hash
 * are the head this handle has verified: a cache of audit.head, which is
 * re-read (and anything another process appended re-verified) under the
 * flock before every append.
 */
struct tc_audit {
	pthread_mutex_t mu;
	int dirfd, lockfd, logfd;
	uint8_t *key;			/* TC_AUDIT_KEY_LEN bytes, tc_secure_alloc */
	uint64_t seq;			/* atomic: tc_audit_head_seq reads it unlocked */
	uint64_t log_len;
	uint8_t hash[TC_AUDIT_HASH_LEN];
	uint8_t head_raw[TC_AUDIT_HEAD_LEN];	/* audit.head as last verified */
	int failed;			/* sticky TC_E_AUDIT_* once verification fails */
};

/* ---- audit.c ---- */

/* Whether err is one of the TC_E_AUDIT_* verification failures. */
bool tc_audit_is_verify_err(int err);
/* Remember a verification failure: every later append returns it. */
void tc_audit_fail(struct tc_audit *a, int err);

/* ---- record.c ---- */

/* Whether s is 0..max printable ASCII bytes (0x20-0x7e) and NUL-terminated. */
bool tc_audit_text_ok(const char *s, size_t max);

/*
 * Encode e (seq, times, text, result, prev) into out (AUDIT_REC_MAX bytes)
 * and set e->hash.  The text fields must already satisfy tc_audit_text_ok.
 * Returns the record length, or a negative code.
 */
int tc_audit_rec_encode(struct tc_audit_entry *e, uint8_t *out) TC_MUST_CHECK;

/*
 * Check a record's first AUDIT_REC_PREFIX bytes; on success *rec_len is the
 * whole record's length (AUDIT_REC_FIXED..AUDIT_REC_MAX).  TC_E_AUDIT_FORMAT
 * otherwise.
 */
int tc_audit_rec_prefix(const uint8_t *p, size_t *rec_len) TC_MUST_CHECK;

/*
 * Decode exactly len bytes (a whole record) into e, strictly: every length,
 * reserved byte and text byte is checked, and the stored hash must equal
 * the recomputed one.  0, TC_E_AUDIT_FORMAT or TC_E_AUDIT_CHAIN (the record
 * does not hash to its stored hash: it was edited).  Does not check seq or
 * prev against anything: that is the caller's chain.
 */
int tc_audit_rec_decode(const uint8_t *p, size_t len, struct tc_audit_entry *e) TC_MUST_CHECK;

/* Encode h with its MAC under key into out (TC_AUDIT_HEAD_LEN bytes). */
int tc_audit_head_encode(const struct audit_head *h, const uint8_t *key,
			 uint8_t *out) TC_MUST_CHECK;

/*
 * Decode a head record of len bytes.  key NULL: structure only; otherwise
 * the MAC is checked too.  0, TC_E_AUDIT_FORMAT or TC_E_AUDIT_MAC.
 */
int tc_audit_head_decode(const uint8_t *in, size_t len, const uint8_t *key,
			 struct audit_head *h) TC_MUST_CHECK;

/* ---- scan.c ---- */

/* Called for each verified record; a non-zero return stops the scan with it. */
typedef int (*audit_sink_fn)(void *arg, const uint8_t *rec, size_t len,
			     const struct tc_audit_entry *e);

/*
 * Verify the log open at fd from byte off (entry seq+1 follows the entry
 * whose hash is hash) up to h->log_len, which must end exactly with entry
 * h->seq hashing to h->hash.  Moves fd's file offset.  On failure
 * *bad_off (if not NULL) is the offset of the record that failed.
 * 0, TC_E_AUDIT_* (TRUNCATED when the file ends before h->log_len), or a
 * negative errno from reading.
 */
int tc_audit_scan(int fd, const struct audit_head *h, uint64_t off, uint64_t seq,
		  const uint8_t hash[TC_AUDIT_HASH_LEN], audit_sink_fn sink, void *arg,
		  uint64_t *bad_off) TC_MUST_CHECK;

/*
 * Read the head file in dirfd into raw (TC_AUDIT_HEAD_LEN bytes).  0,
 * -ENOENT, TC_E_AUDIT_FORMAT (wrong size), TC_E_UNSAFE_PATH (not a regular
 * file) or a negative errno.
 */
int tc_audit_head_read(int dirfd, uint8_t *raw) TC_MUST_CHECK;

/*
 * What a missing audit.head means: TC_E_AUDIT_MAC if audit.log holds
 * entries (the head that authenticated them was removed), else -ENOENT.
 */
int tc_audit_head_missing(int dirfd) TC_MUST_CHECK;

/* Open name in dirfd (O_NONBLOCK while opening); refuses anything but a regular file. */
int tc_audit_open_file(int dirfd, const char *name, int flags) TC_MUST_CHECK;

#endif /* TC_AUDIT_INT_H */
