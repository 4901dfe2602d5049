/*
 * tc_audit.h - the device's append-only, hash-chained audit log (rule R8).
 *
 * Each entry records sequence, wall and monotonic time, actor, action,
 * object id, result and the hash of the previous entry; the head (the
 * newest entry's hash and sequence) is MAC'd with the device audit key,
 * so editing, deleting, reordering or truncating entries is detected.
 * The on-disk format is in this module's README.  Entries hold ids and
 * codes only: never a secret, a PIN, a pupil ref or a photo byte.
 *
 * Two halves: the device side (open/append/export, tuned for a few
 * appends a minute that must each survive a power cut) and the verifier
 * side (verify_segment and the segment iterator, pure functions over
 * bytes from an untrusted device, reused by trust-server).
 */
#ifndef TC_AUDIT_H
#define TC_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_AUDIT_KEY_LEN 32
#define TC_AUDIT_HASH_LEN 32
#define TC_AUDIT_FIELD_MAX 64	/* actor, action, object: bytes incl. NUL */
#define TC_AUDIT_DETAIL_MAX 256	/* detail: bytes incl. NUL */
#define TC_AUDIT_HEAD_LEN 88		/* the MAC'd head record */
#define TC_AUDIT_SEQ_HEAD UINT64_MAX	/* tc_audit_export: "up to the head" */

struct tc_audit_entry {
	uint64_t seq;			/* 1, 2, 3, ... */
	uint64_t wall_us, mono_us;
	char actor[TC_AUDIT_FIELD_MAX];	/* "photod", "staff:S123", "camctl:uid=1000" */
	char action[TC_AUDIT_FIELD_MAX];	/* "capture", "delete", "refuse.export", ... */
	char object[TC_AUDIT_FIELD_MAX];	/* photo id in hex, or "" */
	int32_t result;			/* 0 or a negative code (tc_err.h) */
	char detail[TC_AUDIT_DETAIL_MAX];	/* short free text, no secrets */
	uint8_t prev[TC_AUDIT_HASH_LEN];
	uint8_t hash[TC_AUDIT_HASH_LEN];
};

struct tc_audit;

/*
 * Open (creating if missing) the log in directory dir, which must be a
 * private directory (tc_open_private_dir; created 0700 if missing).  key:
 * TC_AUDIT_KEY_LEN bytes, copied into locked memory.  Verifies the
 * existing chain and head MAC first and refuses to append to a log that
 * fails (returns its error: TC_E_AUDIT_*).  A torn or unacknowledged
 * record past the MAC'd head (a crash mid-append) is discarded and an
 * "audit.recover" entry records how many bytes went.  Other errors:
 * -EINVAL, -ENOMEM, TC_E_UNSAFE_PATH, negative errno from I/O.
 */
int tc_audit_open(struct tc_audit **out, const char *dir, const uint8_t *key) TC_MUST_CHECK;
/* Wipe the key copy and release a; NULL is a no-op. */
void tc_audit_close(struct tc_audit *a);

/*
 * Append one entry durably (written and fsynced, head MAC'd and renamed
 * into place, directory fsynced) before return.  actor and action:
 * 1..TC_AUDIT_FIELD_MAX-1 printable ASCII bytes; object: 0..FIELD_MAX-1
 * (NULL = ""); detail: 0..TC_AUDIT_DETAIL_MAX-1 (NULL = "").  Callers pass
 * ids and codes only, never secrets.  -EINVAL for a field that does not
 * fit or holds a control or non-ASCII byte.  After a verification failure
 * (the files changed under us) every append returns that TC_E_AUDIT_*
 * error.  An I/O error (-ENOSPC, -EIO, ...) leaves the log verifiable;
 * if it struck after the head was renamed the entry may still be there.
 * Bytes a failed or crashed append left past the head are cut first and
 * noted in an "audit.recover" entry.
 * Thread-safe; several processes may append to one directory (flock).
 */
int tc_audit_append(struct tc_audit *a, const char *actor, const char *action,
		    const char *object, int result, const char *detail) TC_MUST_CHECK;

/* One entry of a batch: the fields of tc_audit_append. */
struct tc_audit_item {
	const char *actor, *action, *object;
	int result;
	const char *detail;
};

#define TC_AUDIT_BATCH_MAX 256

/*
 * Append n (1..TC_AUDIT_BATCH_MAX) entries in order as one durable write:
 * one fsync and one head for all, so after a crash either every entry is
 * in the log or none is.  Fields and errors as tc_audit_append (any bad
 * field refuses the whole batch with -EINVAL).
 */
int tc_audit_append_many(struct tc_audit *a, const struct tc_audit_item *items, size_t n)
	TC_MUST_CHECK;

/* The newest sequence number this handle knows (0 for an empty log). */
uint64_t tc_audit_head_seq(const struct tc_audit *a);

/*
 * Export entries from_seq..to_seq (to_seq TC_AUDIT_SEQ_HEAD = up to the
 * head) as a segment for upload: the segment header with the hash of entry
 * from_seq-1, the entries in their on-disk encoding, then the current MAC'd
 * head record.  Re-verifies the whole chain while reading.  *buf comes from
 * tc_malloc: release with tc_free.  -ERANGE if the range is empty or past
 * the head, TC_E_AUDIT_* if the log fails verification.
 */
int tc_audit_export(struct tc_audit *a, uint64_t from_seq, uint64_t to_seq,
		    uint8_t **buf, size_t *len) TC_MUST_CHECK;

/*
 * The same from a directory, read-only: no lock, no repair, no handle (for
 * camctl and tools that list entries while photod holds the log).  A torn
 * tail past the head is ignored.  -ENOENT if there is no log; an empty log
 * (head seq 0) gives -ERANGE.
 */
int tc_audit_export_dir(const char *dir, const uint8_t *key, uint64_t from_seq,
			uint64_t to_seq, uint8_t **buf, size_t *len) TC_MUST_CHECK;

struct tc_audit_verify_result {
	uint64_t first_seq, last_seq;	/* entries verified; 0 and 0 if none */
	uint64_t count;
	uint8_t prev[TC_AUDIT_HASH_LEN];	/* the hash the first entry follows */
	uint8_t last_hash[TC_AUDIT_HASH_LEN];	/* the hash to expect next time */
	bool head_present;		/* a head record was there */
	bool head_mac_ok;		/* its MAC was checked with a key and matched */
	uint64_t head_seq;
	uint8_t head_hash[TC_AUDIT_HASH_LEN];
	uint64_t tail_bytes;		/* verify_dir: unacknowledged bytes past the head */
	uint64_t bad_offset;		/* on failure: byte offset of the bad record */
};

/*
 * Verify a segment from tc_audit_export (untrusted bytes: never overreads).
 * expected_prev: the hash of the last entry the receiver holds (32 zero
 * bytes before entry 1), NULL = do not check; expected_first_seq: the seq
 * that must come first, 0 = do not check.  key: the device audit key if
 * the receiver has it (checks the head MAC), else NULL (head structure and
 * consistency only).  out may be NULL.  0 or: TC_E_AUDIT_FORMAT
 * (malformed), TC_E_AUDIT_CHAIN (an entry edited, or prev is not
 * expected_prev), TC_E_AUDIT_SEQUENCE (a gap, a duplicate, or not starting
 * at expected_first_seq), TC_E_AUDIT_MAC, -EINVAL.
 */
int tc_audit_verify_segment(const uint8_t *seg, size_t len,
			    const uint8_t *expected_prev, uint64_t expected_first_seq,
			    const uint8_t *key, struct tc_audit_verify_result *out) TC_MUST_CHECK;

/*
 * Verify a device's audit directory read-only, without locking or
 * repairing anything: head MAC under key, then every entry up to the
 * head.  Bytes past the head are counted in out->tail_bytes, not an
 * error.  Same errors as tc_audit_open; -ENOENT if there is no log.
 */
int tc_audit_verify_dir(const char *dir, const uint8_t *key,
			struct tc_audit_verify_result *out) TC_MUST_CHECK;

/* Iterate a segment's entries (the Trust prints them, camctl lists them). */
struct tc_audit_iter {
	const uint8_t *seg;		/* private: use the functions below */
	size_t len, off;
	uint64_t first_seq, next_seq;
	uint32_t count, done;
	uint8_t flags;
	uint8_t prev[TC_AUDIT_HASH_LEN];	/* from the segment header */
	uint8_t last[TC_AUDIT_HASH_LEN];	/* hash of the last entry returned */
	int err;			/* sticky */
};

/*
 * Parse a segment's header.  0 or TC_E_AUDIT_FORMAT / TC_E_AUDIT_CHAIN
 * (first_seq 1 with a non-genesis prev).  seg must outlive it.
 */
int tc_audit_segment_begin(struct tc_audit_iter *it, const uint8_t *seg, size_t len) TC_MUST_CHECK;

/*
 * The next entry into *e, decoded strictly and checked against its own
 * hash, its predecessor's hash and sequence.  1 = an entry, 0 = end (the
 * trailer was checked too), negative = error (sticky).
 */
int tc_audit_segment_next(struct tc_audit_iter *it, struct tc_audit_entry *e) TC_MUST_CHECK;

#endif /* TC_AUDIT_H */
