/*
 * record.c - the audit log's byte formats: entry records and the MAC'd head.
 *
 * Pure functions over memory, shared by the device (which writes and
 * re-reads its own files) and the Trust side (which parses segments from
 * devices it does not trust).  Tuned for strictness, not speed: every
 * length, reserved byte and text byte is checked, so exactly one byte
 * string decodes to a given entry and a hash covers an unambiguous
 * encoding.  Layouts are documented byte by byte in README.md.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>

#include "audit_int.h"
#include "tc_io.h"

static const uint8_t rec_magic[4] = { 'T', 'C', 'A', 'E' };
static const uint8_t head_magic[4] = { 'T', 'C', 'A', 'H' };

static bool
text_bytes_ok(const uint8_t *p, size_t n)
{
	size_t i;

	/* Printable ASCII only: no control bytes, no UTF-8 (no bidi tricks in a viewer). */
	for (i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7e)
			return false;
	return true;
}

bool
tc_audit_text_ok(const char *s, size_t max)
{
	size_t n;

	if (!s)
		return false;
	n = strnlen(s, max + 1);
	return n <= max && text_bytes_ok((const uint8_t *)s, n);
}

static int
sha256(const uint8_t *in, size_t len, uint8_t *out)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!md || mbedtls_md(md, in, len, out) != 0)
		return TC_E_CRYPTO;
	return 0;
}

static size_t
put_text(uint8_t *p, const char *s, size_t lenbytes)
{
	size_t n = strlen(s);

	if (lenbytes == 1)
		p[0] = (uint8_t)n;
	else
		tc_put_be16(p, (uint16_t)n);
	memcpy(p + lenbytes, s, n);
	return lenbytes + n;
}

int
tc_audit_rec_encode(struct tc_audit_entry *e, uint8_t *out)
{
	size_t off = AUDIT_REC_PREFIX, len;
	int ret;

	if (!tc_audit_text_ok(e->actor, AUDIT_TEXT_MAX) ||
	    !tc_audit_text_ok(e->action, AUDIT_TEXT_MAX) ||
	    !tc_audit_text_ok(e->object, AUDIT_TEXT_MAX) ||
	    !tc_audit_text_ok(e->detail, AUDIT_DETAIL_LEN_MAX))
		return -EINVAL;
	memcpy(out, rec_magic, 4);
	out[4] = AUDIT_REC_VERSION;
	out[5] = 0;
	tc_put_be64(out + off, e->seq);
	tc_put_be64(out + off + 8, e->wall_us);
	tc_put_be64(out + off + 16, e->mono_us);
	tc_put_be32(out + off + 24, (uint32_t)e->result);
	off += 28;
	off += put_text(out + off, e->actor, 1);
	off += put_text(out + off, e->action, 1);
	off += put_text(out + off, e->object, 1);
	off += put_text(out + off, e->detail, 2);
	memcpy(out + off, e->prev, TC_AUDIT_HASH_LEN);
	off += TC_AUDIT_HASH_LEN;
	len = off + TC_AUDIT_HASH_LEN;
	tc_put_be16(out + 6, (uint16_t)len);
	if ((ret = sha256(out, off, e->hash)) != 0)
		return ret;
	memcpy(out + off, e->hash, TC_AUDIT_HASH_LEN);
	return (int)len;
}

int
tc_audit_rec_prefix(const uint8_t *p, size_t *rec_len)
{
	size_t n;

	if (memcmp(p, rec_magic, 4) != 0 || p[4] != AUDIT_REC_VERSION || p[5] != 0)
		return TC_E_AUDIT_FORMAT;
	n = tc_get_be16(p + 6);
	if (n < AUDIT_REC_FIXED || n > AUDIT_REC_MAX)
		return TC_E_AUDIT_FORMAT;
	*rec_len = n;
	return 0;
}

/*
 * Take one length-prefixed text field at *off from a record of len bytes
 * into dst (max bytes of text plus NUL).  Never reads past len.
 */
static int
get_text(const uint8_t *p, size_t len, size_t *off, size_t lenbytes, size_t max, char *dst)
{
	size_t n;

	if (len - *off < lenbytes)
		return TC_E_AUDIT_FORMAT;
	n = lenbytes == 1 ? p[*off] : tc_get_be16(p + *off);
	*off += lenbytes;
	if (n > max || len - *off < n || !text_bytes_ok(p + *off, n))
		return TC_E_AUDIT_FORMAT;
	memcpy(dst, p + *off, n);
	dst[n] = '\0';
	*off += n;
	return 0;
}

int
tc_audit_rec_decode(const uint8_t *p, size_t len, struct tc_audit_entry *e)
{
	uint8_t h[TC_AUDIT_HASH_LEN];
	size_t rec_len, off = AUDIT_REC_PREFIX;
	int ret;

	memset(e, 0, sizeof(*e));
	if (len < AUDIT_REC_PREFIX || (ret = tc_audit_rec_prefix(p, &rec_len)) != 0)
		return TC_E_AUDIT_FORMAT;
	if (rec_len != len)
		return TC_E_AUDIT_FORMAT;
	e->seq = tc_get_be64(p + off);
	e->wall_us = tc_get_be64(p + off + 8);
	e->mono_us = tc_get_be64(p + off + 16);
	e->result = (int32_t)tc_get_be32(p + off + 24);
	off += 28;
	if ((ret = get_text(p, len, &off, 1, AUDIT_TEXT_MAX, e->actor)) != 0 ||
	    (ret = get_text(p, len, &off, 1, AUDIT_TEXT_MAX, e->action)) != 0 ||
	    (ret = get_text(p, len, &off, 1, AUDIT_TEXT_MAX, e->object)) != 0 ||
	    (ret = get_text(p, len, &off, 2, AUDIT_DETAIL_LEN_MAX, e->detail)) != 0)
		return ret;
	/* The two hashes must end the record exactly: no slack bytes anywhere. */
	if (len - off != 2 * TC_AUDIT_HASH_LEN)
		return TC_E_AUDIT_FORMAT;
	if (e->seq == 0 || e->actor[0] == '\0' || e->action[0] == '\0')
		return TC_E_AUDIT_FORMAT;
	memcpy(e->prev, p + off, TC_AUDIT_HASH_LEN);
	memcpy(e->hash, p + off + TC_AUDIT_HASH_LEN, TC_AUDIT_HASH_LEN);
	if ((ret = sha256(p, off + TC_AUDIT_HASH_LEN, h)) != 0)
		return ret;
	if (memcmp(h, e->hash, TC_AUDIT_HASH_LEN) != 0)
		return TC_E_AUDIT_CHAIN;
	return 0;
}

static int
head_mac(const uint8_t *rec, const uint8_t *key, uint8_t *mac)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (!md || mbedtls_md_hmac(md, key, TC_AUDIT_KEY_LEN, rec, AUDIT_HEAD_MACED, mac) != 0)
		return TC_E_CRYPTO;
	return 0;
}

int
tc_audit_head_encode(const struct audit_head *h, const uint8_t *key, uint8_t *out)
{
	memcpy(out, head_magic, 4);
	out[4] = AUDIT_HEAD_VERSION;
	memset(out + 5, 0, 3);
	tc_put_be64(out + 8, h->seq);
	tc_put_be64(out + 16, h->log_len);
	memcpy(out + 24, h->hash, TC_AUDIT_HASH_LEN);
	return head_mac(out, key, out + AUDIT_HEAD_MACED);
}

int
tc_audit_head_decode(const uint8_t *in, size_t len, const uint8_t *key, struct audit_head *h)
{
	static const uint8_t zero[TC_AUDIT_HASH_LEN];
	uint8_t mac[TC_AUDIT_HASH_LEN];
	int ret;

	if (len != TC_AUDIT_HEAD_LEN || memcmp(in, head_magic, 4) != 0 ||
	    in[4] != AUDIT_HEAD_VERSION || in[5] || in[6] || in[7])
		return TC_E_AUDIT_FORMAT;
	h->seq = tc_get_be64(in + 8);
	h->log_len = tc_get_be64(in + 16);
	memcpy(h->hash, in + 24, TC_AUDIT_HASH_LEN);
	if (key) {
		if ((ret = head_mac(in, key, mac)) != 0)
			return ret;
		if (mbedtls_ct_memcmp(mac, in + AUDIT_HEAD_MACED, TC_AUDIT_HASH_LEN) != 0)
			return TC_E_AUDIT_MAC;
	}
	/* Every record is FIXED..MAX bytes: log_len must be possible for seq. */
	if (h->seq == 0)
		return h->log_len == 0 && memcmp(h->hash, zero, sizeof(zero)) == 0 ?
			0 : TC_E_AUDIT_FORMAT;
	if (h->seq > UINT64_MAX / AUDIT_REC_MAX ||
	    h->log_len < h->seq * AUDIT_REC_FIXED || h->log_len > h->seq * AUDIT_REC_MAX)
		return TC_E_AUDIT_FORMAT;
	return 0;
}
