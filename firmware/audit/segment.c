/*
 * segment.c - parse and verify audit segments (the Trust side's half).
 *
 * A segment arrives from a device the Trust does not trust with its
 * parser, so every offset is checked against the remaining length before
 * it is read, every field is decoded strictly (record.c), and an error is
 * sticky in the iterator.  No allocation, no file access: the same code
 * runs inside trust-server and in camctl.  Tuned for obviousness.
 */
#include <errno.h>
#include <string.h>

#include "audit_int.h"
#include "tc_io.h"

static const uint8_t seg_magic[4] = { 'T', 'C', 'A', 'S' };
static const uint8_t genesis[TC_AUDIT_HASH_LEN];

static int
begin(struct tc_audit_iter *it, const uint8_t *seg, size_t len)
{
	const uint8_t *p = seg;

	if (len < AUDIT_SEG_HDR_LEN || memcmp(p, seg_magic, 4) != 0 ||
	    p[4] != AUDIT_SEG_VERSION || (p[5] & ~AUDIT_SEG_FLAG_HEAD) || p[6] || p[7])
		return TC_E_AUDIT_FORMAT;
	it->flags = p[5];
	it->first_seq = tc_get_be64(p + 8);
	it->count = tc_get_be32(p + 16);
	memcpy(it->prev, p + 20, TC_AUDIT_HASH_LEN);
	if (it->first_seq == 0 || it->count == 0 ||
	    it->first_seq - 1 > UINT64_MAX - it->count)
		return TC_E_AUDIT_FORMAT;
	/* Cheap early refusal of a count the bytes cannot possibly hold. */
	if (it->count > (len - AUDIT_SEG_HDR_LEN) / AUDIT_REC_FIXED)
		return TC_E_AUDIT_FORMAT;
	/* Entry 1 follows the genesis value and nothing else. */
	if (it->first_seq == 1 && memcmp(it->prev, genesis, TC_AUDIT_HASH_LEN) != 0)
		return TC_E_AUDIT_CHAIN;
	it->next_seq = it->first_seq;
	memcpy(it->last, it->prev, TC_AUDIT_HASH_LEN);
	it->off = AUDIT_SEG_HDR_LEN;
	return 0;
}

int
tc_audit_segment_begin(struct tc_audit_iter *it, const uint8_t *seg, size_t len)
{
	if (!it)
		return -EINVAL;
	memset(it, 0, sizeof(*it));
	it->seg = seg;
	it->len = len;
	it->err = seg ? begin(it, seg, len) : -EINVAL;
	return it->err;
}

/* After the last entry: exactly one head record if the flag says so, else nothing. */
static int
trailer(const struct tc_audit_iter *it)
{
	struct audit_head h;
	size_t rest = it->len - it->off;

	if (!(it->flags & AUDIT_SEG_FLAG_HEAD))
		return rest == 0 ? 0 : TC_E_AUDIT_FORMAT;
	if (rest != TC_AUDIT_HEAD_LEN)
		return TC_E_AUDIT_FORMAT;
	return tc_audit_head_decode(it->seg + it->off, rest, NULL, &h);
}

static int
next(struct tc_audit_iter *it, struct tc_audit_entry *e)
{
	size_t rest = it->len - it->off, rec_len;
	int ret;

	if (it->done == it->count)
		return trailer(it);
	if (rest < AUDIT_REC_PREFIX)
		return TC_E_AUDIT_FORMAT;
	if ((ret = tc_audit_rec_prefix(it->seg + it->off, &rec_len)) != 0)
		return ret;
	if (rest < rec_len)
		return TC_E_AUDIT_FORMAT;
	if ((ret = tc_audit_rec_decode(it->seg + it->off, rec_len, e)) != 0)
		return ret;
	if (e->seq != it->next_seq)
		return TC_E_AUDIT_SEQUENCE;
	if (memcmp(e->prev, it->last, TC_AUDIT_HASH_LEN) != 0)
		return TC_E_AUDIT_CHAIN;
	memcpy(it->last, e->hash, TC_AUDIT_HASH_LEN);
	it->off += rec_len;
	it->done++;
	it->next_seq++;
	return 1;
}

int
tc_audit_segment_next(struct tc_audit_iter *it, struct tc_audit_entry *e)
{
	int ret;

	if (!it || !e)
		return -EINVAL;
	if (it->err)
		return it->err;
	if ((ret = next(it, e)) < 0)
		it->err = ret;
	return ret;
}

int
tc_audit_verify_segment(const uint8_t *seg, size_t len,
			const uint8_t *expected_prev, uint64_t expected_first_seq,
			const uint8_t *key, struct tc_audit_verify_result *out)
{
	struct tc_audit_verify_result res;
	struct tc_audit_entry e;
	struct tc_audit_iter it;
	struct audit_head h;
	int ret;

	memset(&res, 0, sizeof(res));
	if ((ret = tc_audit_segment_begin(&it, seg, len)) != 0)
		goto out;
	res.first_seq = it.first_seq;
	memcpy(res.prev, it.prev, TC_AUDIT_HASH_LEN);
	if (expected_first_seq && it.first_seq != expected_first_seq) {
		ret = TC_E_AUDIT_SEQUENCE;
		goto out;
	}
	if (expected_prev && memcmp(it.prev, expected_prev, TC_AUDIT_HASH_LEN) != 0) {
		ret = TC_E_AUDIT_CHAIN;
		goto out;
	}
	while ((ret = tc_audit_segment_next(&it, &e)) == 1) {
		res.count++;
		res.last_seq = e.seq;
		memcpy(res.last_hash, e.hash, TC_AUDIT_HASH_LEN);
	}
	if (ret < 0 || !(it.flags & AUDIT_SEG_FLAG_HEAD))
		goto out;
	/* The trailer was checked for structure; now what it says. */
	if ((ret = tc_audit_head_decode(seg + it.off, TC_AUDIT_HEAD_LEN, key, &h)) != 0)
		goto out;
	res.head_present = true;
	res.head_mac_ok = key != NULL;
	res.head_seq = h.seq;
	memcpy(res.head_hash, h.hash, TC_AUDIT_HASH_LEN);
	/* Entries past the MAC'd head were never acknowledged: no export holds them. */
	if (h.seq < res.last_seq)
		ret = TC_E_AUDIT_FORMAT;
	else if (h.seq == res.last_seq &&
		 memcmp(h.hash, res.last_hash, TC_AUDIT_HASH_LEN) != 0)
		ret = TC_E_AUDIT_CHAIN;
out:
	if (ret)
		res.bad_offset = it.off;
	if (out)
		*out = res;
	return ret;
}
