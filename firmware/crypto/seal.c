/*
 * seal.c - streaming seal of one photo (the device side).
 *
 * tc_seal_begin() draws a content key, writes the header; tc_seal_write()
 * takes JPEG bytes in any pieces; tc_seal_finish() seals the last chunk
 * and the device footer.  Tuned for a 5 MB JPEG handed over in a few
 * large writes: whole chunks are encrypted straight from the caller's
 * buffer into one frame buffer, only a partial chunk is copied (into
 * locked memory, the one place plaintext is held), and each sealed byte is
 * hashed once, by the SHA-256 that yields both the object digest and the
 * footer's input.  The content key exists only inside the AEAD context,
 * itself in locked memory, and dies with it.
 *
 * A full chunk is held back until more bytes arrive because only
 * tc_seal_finish() knows which chunk is the last (STREAM sets a flag in
 * its nonce).
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>

#include "seal_int.h"
#include "tc_sha256.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"

struct tc_seal {
	struct seal_aead aead;		/* holds the content key */
	uint8_t mac_key[TC_DEVICE_MAC_KEY_LEN];
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	uint8_t nonce_prefix[SEAL_NONCE_PREFIX_LEN];
	uint8_t hhash[TC_SHA256_LEN];	/* SHA-256(header): every chunk's AD */
	uint32_t counter;		/* index of the next chunk */
	uint8_t *chunk;			/* TC_SEAL_CHUNK bytes, tc_secure_alloc */
	size_t fill;
	uint8_t *frame;			/* SEAL_FRAME_MAX bytes: ciphertext only */
	struct tc_sha256 sha;		/* over every byte passed to sink */
	tc_seal_sink_fn sink;
	void *sink_ctx;
	uint64_t sealed_len;
	int err;			/* sticky: once set, only finish/abort remain */
};

static int
md_err(int mrc)
{
	return mrc == MBEDTLS_ERR_MD_ALLOC_FAILED ? -ENOMEM : TC_E_CRYPTO;
}

static void
seal_free(struct tc_seal *s)
{
	if (!s)
		return;
	seal_aead_free(&s->aead);
	tc_sha256_free(&s->sha);
	tc_secure_free(s->chunk);
	tc_free(s->frame);
	tc_secure_free(s);	/* wipes the MAC key and the rest */
}

/* Hash and hand over sealed bytes. */
static int
out(struct tc_seal *s, const uint8_t *buf, size_t len)
{
	int rc;

	tc_sha256_update(&s->sha, buf, len);
	if ((rc = s->sink(s->sink_ctx, buf, len)) != 0)
		return rc < 0 ? rc : -EIO;
	s->sealed_len += len;
	return 0;
}

/* Encrypt one chunk of plaintext (len <= TC_SEAL_CHUNK) as chunk s->counter. */
static int
emit(struct tc_seal *s, const uint8_t *pt, size_t len, bool last)
{
	uint8_t nonce[SEAL_NONCE_LEN], flag = last ? SEAL_FLAG_LAST : 0;
	uint8_t *ct = s->frame + SEAL_FRAME_HDR;
	int rc;

	if (s->counter == UINT32_MAX && !last)
		return -EFBIG;	/* 256 TiB: the counter would wrap */
	seal_frame_encode(s->frame, (uint32_t)len, flag, s->photo_id);
	seal_nonce(nonce, s->nonce_prefix, s->counter, flag);
	if ((rc = seal_aead_encrypt(&s->aead, nonce, s->hhash, sizeof(s->hhash), pt, len, ct,
				    ct + len)) != 0)
		return rc;
	if ((rc = out(s, s->frame, SEAL_FRAME_OVERHEAD + len)) != 0)
		return rc;
	s->counter++;
	return 0;
}

/* Record the first error: from then on the object is abandoned. */
static int
seal_fail(struct tc_seal *s, int rc)
{
	s->err = rc;
	s->fill = 0;
	tc_zeroize(s->chunk, TC_SEAL_CHUNK);
	return rc;
}

/* Header = fixed ‖ wrap records ‖ tag; the tag is the AEAD of nothing with the rest as AD. */
static int
build_header(struct tc_seal *s, const struct tc_seal_params *p, enum tc_aead aead,
	     const uint8_t cek[SEAL_KEY_LEN], uint64_t created, uint8_t *hdr, size_t *hlen)
{
	const uint8_t *recip[2] = { p->trust_pub, p->review_pub };
	unsigned n = p->review_pub ? 2 : 1, i;
	uint8_t nonce[SEAL_NONCE_LEN];
	size_t len = SEAL_HEADER_LEN(n);
	int rc;

	seal_fixed_encode(hdr, aead, n, s->photo_id, created, s->nonce_prefix);
	for (i = 0; i < n; i++)
		if ((rc = seal_wrap_create(aead, recip[i], hdr, cek,
					   hdr + SEAL_FIXED_LEN + i * SEAL_WRAP_LEN)) != 0)
			return rc;
	seal_nonce(nonce, s->nonce_prefix, 0, SEAL_NONCE_FLAG_HEADER);
	if ((rc = seal_aead_encrypt(&s->aead, nonce, hdr, len - SEAL_TAG_LEN, hdr, 0, hdr,
				    hdr + len - SEAL_TAG_LEN)) != 0)
		return rc;
	*hlen = len;
	return 0;
}

/*
 * The body of tc_seal_begin() and seal_begin_raw(): exactly one of meta
 * and rec is given.  The record goes straight into chunk 0 after its
 * be32 length.
 */
static int
seal_start(struct tc_seal **outp, const struct tc_seal_params *p,
	   const struct tc_photo_meta *meta, const uint8_t *rec, size_t rec_len,
	   tc_seal_sink_fn sink, void *sink_ctx)
{
	uint8_t cek[SEAL_KEY_LEN], hdr[SEAL_HEADER_MAX];
	enum tc_aead aead;
	struct tc_seal *s = NULL;
	uint64_t created;
	size_t hlen = 0;
	int rc;

	*outp = NULL;
	if (!p || !p->trust_pub || !p->device_mac_key || !sink)
		return -EINVAL;
	aead = seal_aead_resolve(p->aead);
	if (!seal_aead_known(aead))
		return TC_E_BAD_ALGORITHM;
	if (!meta && rec_len > SEAL_META_MAX)
		return TC_E_BAD_METADATA;
	if (!(s = tc_secure_alloc(sizeof(*s))))
		return -ENOMEM;
	s->sink = sink;
	s->sink_ctx = sink_ctx;
	if (!(s->chunk = tc_secure_alloc(TC_SEAL_CHUNK)) ||
	    !(s->frame = tc_malloc(SEAL_FRAME_MAX))) {
		rc = -ENOMEM;
		goto err;
	}
	if (meta) {
		rc = seal_meta_encode(meta, s->chunk + 4, SEAL_META_MAX, &rec_len);
		if (rc != 0)
			goto err;
	} else if (rec_len > 0) {
		memcpy(s->chunk + 4, rec, rec_len);
	}
	tc_put_be32(s->chunk, (uint32_t)rec_len);
	s->fill = 4 + rec_len;

	if (p->photo_id)
		memcpy(s->photo_id, p->photo_id, TC_PHOTO_ID_LEN);
	else if ((rc = tc_random_bytes(s->photo_id, TC_PHOTO_ID_LEN)) != 0)
		goto err;
	created = p->created_us ? p->created_us : tc_time_wall_us();
	if ((rc = tc_random_bytes(cek, sizeof(cek))) != 0 ||
	    (rc = tc_random_bytes(s->nonce_prefix, sizeof(s->nonce_prefix))) != 0 ||
	    (rc = seal_aead_init(&s->aead, aead, cek)) != 0 ||
	    (rc = build_header(s, p, aead, cek, created, hdr, &hlen)) != 0)
		goto err;
	tc_zeroize(cek, sizeof(cek));	/* from here on only the AEAD context holds it */

	tc_sha256(hdr, hlen, s->hhash);
	if ((rc = tc_sha256_init(&s->sha)) != 0)
		goto err;
	memcpy(s->mac_key, p->device_mac_key, TC_DEVICE_MAC_KEY_LEN);
	if ((rc = out(s, hdr, hlen)) != 0)
		goto err;
	*outp = s;
	return 0;
err:
	tc_zeroize(cek, sizeof(cek));
	seal_free(s);
	return rc;
}

int
tc_seal_begin(struct tc_seal **out, const struct tc_seal_params *p,
	      const struct tc_photo_meta *meta, tc_seal_sink_fn sink, void *sink_ctx)
{
	if (!meta) {
		*out = NULL;
		return -EINVAL;
	}
	return seal_start(out, p, meta, NULL, 0, sink, sink_ctx);
}

int
seal_begin_raw(struct tc_seal **out, const struct tc_seal_params *p, const uint8_t *rec,
	       size_t rec_len, tc_seal_sink_fn sink, void *sink_ctx)
{
	if (!rec && rec_len > 0) {
		*out = NULL;
		return -EINVAL;
	}
	return seal_start(out, p, NULL, rec, rec_len, sink, sink_ctx);
}

int
tc_seal_write(struct tc_seal *s, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t n;
	int rc;

	if (!s || (!buf && len > 0))
		return -EINVAL;
	if (s->err)
		return s->err;
	while (len > 0) {
		if (s->fill == TC_SEAL_CHUNK) {
			/* More bytes follow, so the held chunk is not the last. */
			if ((rc = emit(s, s->chunk, TC_SEAL_CHUNK, false)) != 0)
				return seal_fail(s, rc);
			s->fill = 0;
		}
		if (s->fill == 0 && len > TC_SEAL_CHUNK) {
			if ((rc = emit(s, p, TC_SEAL_CHUNK, false)) != 0)
				return seal_fail(s, rc);
			p += TC_SEAL_CHUNK;
			len -= TC_SEAL_CHUNK;
			continue;
		}
		n = TC_SEAL_CHUNK - s->fill;
		if (n > len)
			n = len;
		memcpy(s->chunk + s->fill, p, n);
		s->fill += n;
		p += n;
		len -= n;
	}
	return 0;
}

/*
 * Footer = HMAC-SHA256(device key, label ‖ SHA-256(every byte before it)).
 * The SHA-256 is the running object hash at this point, so the sealed
 * bytes are hashed once for both the footer and the object digest.
 */
static int
footer(struct tc_seal *s, uint8_t foot[SEAL_FOOTER_LEN])
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
	uint8_t in[sizeof(SEAL_FOOTER_LABEL) - 1 + TC_SHA256_LEN];
	int mrc;

	memcpy(in, SEAL_FOOTER_LABEL, sizeof(SEAL_FOOTER_LABEL) - 1);
	tc_sha256_peek(&s->sha, in + sizeof(SEAL_FOOTER_LABEL) - 1);
	mrc = mbedtls_md_hmac(md, s->mac_key, sizeof(s->mac_key), in, sizeof(in), foot);
	return mrc == 0 ? 0 : md_err(mrc);
}

int
tc_seal_finish(struct tc_seal *s, uint8_t digest[TC_SHA256_LEN], uint64_t *sealed_len)
{
	uint8_t foot[SEAL_FOOTER_LEN];
	int rc;

	if (!s)
		return -EINVAL;
	rc = digest ? s->err : -EINVAL;
	if (rc != 0)
		goto out;
	/* fill >= 1 here: chunk 0 starts with the record length, and write never leaves 0. */
	if ((rc = emit(s, s->chunk, s->fill, true)) != 0 || (rc = footer(s, foot)) != 0 ||
	    (rc = out(s, foot, sizeof(foot))) != 0)
		goto out;
	if ((rc = tc_sha256_finish(&s->sha, digest)) != 0)
		goto out;
	if (sealed_len)
		*sealed_len = s->sealed_len;
out:
	seal_free(s);
	return rc;
}

void
tc_seal_abort(struct tc_seal *s)
{
	seal_free(s);
}

void
tc_seal_photo_id(const struct tc_seal *s, uint8_t id[TC_PHOTO_ID_LEN])
{
	memcpy(id, s->photo_id, TC_PHOTO_ID_LEN);
}
