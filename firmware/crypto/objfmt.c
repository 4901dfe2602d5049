/*
 * objfmt.c - the byte layout of a sealed photo object, version 1.
 *
 * Encodes the fixed header and chunk frames, and parses them back with
 * the rules every reader shares (the Trust-side opener, the device-side
 * verifier, the store's crypto-erase).  Nothing here needs a key: this is
 * only what can be checked from the bytes themselves.  README.md draws
 * the layout; keep the two in step, and never change the meaning of a
 * version-1 byte: add a version instead.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>

#include "seal_int.h"
#include "tc_io.h"

/* The largest object the chunk limit allows still fits the size limit. */
_Static_assert(SEAL_HEADER_MAX + (uint64_t)SEAL_MAX_CHUNKS * SEAL_FRAME_MAX + SEAL_FOOTER_LEN <=
	       SEAL_MAX_OBJECT, "SEAL_MAX_CHUNKS full chunks must fit SEAL_MAX_OBJECT");

void
seal_nonce(uint8_t nonce[SEAL_NONCE_LEN], const uint8_t prefix[SEAL_NONCE_PREFIX_LEN],
	   uint32_t counter, uint8_t flag)
{
	memcpy(nonce, prefix, SEAL_NONCE_PREFIX_LEN);
	tc_put_be32(nonce + SEAL_NONCE_PREFIX_LEN, counter);
	nonce[SEAL_NONCE_LEN - 1] = flag;
}

void
seal_fixed_encode(uint8_t out[SEAL_FIXED_LEN], enum tc_aead aead, unsigned n_wraps,
		  const uint8_t photo_id[TC_PHOTO_ID_LEN], uint64_t created_us,
		  const uint8_t nonce_prefix[SEAL_NONCE_PREFIX_LEN])
{
	memset(out, 0, SEAL_FIXED_LEN);
	memcpy(out, SEAL_MAGIC, SEAL_MAGIC_LEN);	/* includes the NUL */
	tc_put_be16(out + SEAL_OFF_VERSION, SEAL_VERSION);
	tc_put_be16(out + SEAL_OFF_HDRLEN, (uint16_t)SEAL_HEADER_LEN(n_wraps));
	out[SEAL_OFF_AEAD] = (uint8_t)aead;
	out[SEAL_OFF_KEM] = SEAL_KEM_P256_HKDF;
	out[SEAL_OFF_NWRAPS] = (uint8_t)n_wraps;
	out[SEAL_OFF_CHUNKLOG] = SEAL_CHUNK_LOG2;
	memcpy(out + SEAL_OFF_PHOTO_ID, photo_id, TC_PHOTO_ID_LEN);
	tc_put_be64(out + SEAL_OFF_CREATED, created_us);
	memcpy(out + SEAL_OFF_NONCE, nonce_prefix, SEAL_NONCE_PREFIX_LEN);
	out[SEAL_OFF_RESERVED] = 0;
}

/*
 * Checks run in this order so that an object from a later firmware (new
 * version) is told apart from a damaged one, and so the fields a later
 * version may change are only read once the version is known.
 */
int
tc_obj_parse_header(const uint8_t *buf, size_t len, struct tc_obj_info *info)
{
	size_t n_magic = len < SEAL_MAGIC_LEN ? len : SEAL_MAGIC_LEN;
	unsigned n_wraps;
	size_t hlen;

	memset(info, 0, sizeof(*info));
	if (n_magic > 0 && memcmp(buf, SEAL_MAGIC, n_magic) != 0)
		return TC_E_BAD_MAGIC;
	if (len < SEAL_OFF_VERSION + 2)
		return TC_E_TRUNCATED;
	if (tc_get_be16(buf + SEAL_OFF_VERSION) != SEAL_VERSION)
		return TC_E_BAD_VERSION;
	if (len < SEAL_FIXED_LEN)
		return TC_E_TRUNCATED;
	if (!seal_aead_known((enum tc_aead)buf[SEAL_OFF_AEAD]) ||
	    buf[SEAL_OFF_KEM] != SEAL_KEM_P256_HKDF)
		return TC_E_BAD_ALGORITHM;
	n_wraps = buf[SEAL_OFF_NWRAPS];
	hlen = tc_get_be16(buf + SEAL_OFF_HDRLEN);
	if (n_wraps < 1 || n_wraps > SEAL_MAX_WRAPS || hlen != SEAL_HEADER_LEN(n_wraps) ||
	    buf[SEAL_OFF_CHUNKLOG] != SEAL_CHUNK_LOG2 || buf[SEAL_OFF_RESERVED] != 0)
		return TC_E_BAD_HEADER;
	if (len < hlen)
		return TC_E_TRUNCATED;

	info->version = SEAL_VERSION;
	info->aead = (enum tc_aead)buf[SEAL_OFF_AEAD];
	memcpy(info->photo_id, buf + SEAL_OFF_PHOTO_ID, TC_PHOTO_ID_LEN);
	info->created_us = tc_get_be64(buf + SEAL_OFF_CREATED);
	info->n_wraps = n_wraps;
	info->header_len = hlen;
	info->wraps_off = SEAL_FIXED_LEN;
	info->wraps_len = (size_t)n_wraps * SEAL_WRAP_LEN;
	return 0;
}

void
seal_frame_encode(uint8_t hdr[SEAL_FRAME_HDR], uint32_t len, uint8_t flags,
		  const uint8_t idtag[SEAL_IDTAG_LEN])
{
	tc_put_be32(hdr, len);
	hdr[4] = flags;
	memcpy(hdr + 5, idtag, SEAL_IDTAG_LEN);
}

int
seal_frame_room(uint64_t off, uint64_t total)
{
	/* A complete object still needs one non-empty frame and the footer. */
	if (off > total || total - off < SEAL_MIN_TAIL)
		return TC_E_TRUNCATED;
	return 0;
}

int
seal_frame_decode(const uint8_t hdr[SEAL_FRAME_HDR], uint64_t off, uint64_t total,
		  bool lenient, struct seal_frame *f)
{
	int rc;

	if ((rc = seal_frame_room(off, total)) != 0)
		return rc;
	f->off = off;
	f->len = tc_get_be32(hdr);
	f->flags = hdr[4];
	memcpy(f->idtag, hdr + 5, SEAL_IDTAG_LEN);
	/* Every chunk but the last is exactly full; the last holds 1..CHUNK bytes. */
	if (f->flags & ~SEAL_FLAG_LAST)
		return TC_E_BAD_CHUNK;
	if (f->flags & SEAL_FLAG_LAST) {
		if (f->len == 0 || f->len > TC_SEAL_CHUNK)
			return TC_E_BAD_CHUNK;
	} else if (f->len != TC_SEAL_CHUNK) {
		return TC_E_BAD_CHUNK;
	}
	f->end = off + SEAL_FRAME_OVERHEAD + f->len;
	if (f->end > total || total - f->end < SEAL_FOOTER_LEN)
		return TC_E_TRUNCATED;
	if (!lenient && (f->flags & SEAL_FLAG_LAST) && total - f->end > SEAL_FOOTER_LEN)
		return TC_E_TRAILING;
	return 0;
}

int
seal_footer_mac(const uint8_t key[TC_DEVICE_MAC_KEY_LEN], const uint8_t pre_hash[TC_SHA256_LEN],
		uint8_t out[SEAL_FOOTER_LEN])
{
	uint8_t in[sizeof(SEAL_FOOTER_LABEL) - 1 + TC_SHA256_LEN];
	int mrc;

	memcpy(in, SEAL_FOOTER_LABEL, sizeof(SEAL_FOOTER_LABEL) - 1);
	memcpy(in + sizeof(SEAL_FOOTER_LABEL) - 1, pre_hash, TC_SHA256_LEN);
	mrc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key,
			      TC_DEVICE_MAC_KEY_LEN, in, sizeof(in), out);
	if (mrc == 0)
		return 0;
	return mrc == MBEDTLS_ERR_MD_ALLOC_FAILED ? -ENOMEM : TC_E_CRYPTO;
}
