/*
 * seal.c - streaming seal of one photo (the device side).
 *
 * tc_seal_begin_prepared() turns a prepared key set (prep.c) into the
 * header; tc_seal_write() takes JPEG bytes in any pieces; tc_seal_finish()
 * seals the last chunk and the device footer.  Tuned for a 5 MB JPEG
 * handed over in a few large writes: whole chunks are encrypted straight
 * from the caller's buffer into a frame buffer, only a partial chunk is
 * copied (into locked memory, the one place plaintext is held), and each
 * sealed byte is hashed once, by the SHA-256 that yields both the object
 * digest and the footer's input.  The content key exists only inside the
 * AEAD context (and, before begin, the prep), both in locked memory.
 *
 * The hash runs on a helper thread (hasher.c) from the first full chunk
 * on, so it overlaps the cipher: frames are encrypted into one of two
 * batch buffers, and each full batch is hashed on the thread while the
 * next is encrypted into the other.  Objects of one chunk never start a
 * thread.  The sink is still called on the caller's thread, in order,
 * before the next chunk is encrypted.
 *
 * A full chunk is held back until more bytes arrive because only
 * tc_seal_finish() knows which chunk is the last (STREAM sets a flag in
 * its nonce).
 */
#include <errno.h>
#include <string.h>

#include "seal_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

/*
 * Frames per hash job.  Waking the hasher thread costs a few microseconds
 * (an IPI when its core idles, as it mostly does: the hash is 3-6 times
 * faster than the cipher), so it is woken once per SEAL_HASH_BATCH frames
 * rather than once per frame: 4 cuts that cost from about 6% of a 5 MB
 * ChaCha20 seal to under 2% (bench VM), for two 256 KiB batch buffers.
 */
#define SEAL_HASH_BATCH 4
#define BATCH_LEN (SEAL_HASH_BATCH * SEAL_FRAME_MAX)

struct tc_seal {
	struct seal_aead aead;		/* holds the content key */
	uint8_t mac_key[TC_DEVICE_MAC_KEY_LEN];
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	uint8_t nonce_prefix[SEAL_NONCE_PREFIX_LEN];
	uint8_t hhash[TC_SHA256_LEN];	/* SHA-256(header): every chunk's AD */
	uint32_t counter;		/* index of the next chunk */
	uint8_t *chunk;			/* TC_SEAL_CHUNK bytes, tc_secure_alloc */
	size_t fill;
	/*
	 * Frame batches: BATCH_LEN bytes each, ciphertext only; batch[1] only
	 * once the hasher thread runs.  Frames are packed (every frame but the
	 * last fills SEAL_FRAME_MAX), so a batch is one contiguous hash job.
	 */
	uint8_t *batch[2];
	unsigned cur;			/* the batch the next frame goes to */
	unsigned nframes;		/* frames in it so far */
	size_t blen;			/* their bytes */
	bool hasher_tried;
	struct seal_hasher hash;	/* over every byte passed to sink */
	tc_seal_sink_fn sink;
	void *sink_ctx;
	uint64_t sealed_len;
	int err;			/* sticky: once set, only finish/abort remain */
};

static void
seal_free(struct tc_seal *s)
{
	if (!s)
		return;
	seal_hasher_free(&s->hash);	/* joins the thread before its buffers go */
	seal_aead_free(&s->aead);
	tc_secure_free(s->chunk);
	tc_free(s->batch[0]);
	tc_free(s->batch[1]);
	tc_secure_free(s);	/* wipes the MAC key and the rest */
}

/* Hand sealed bytes to sink; the caller sees to their hash. */
static int
to_sink(struct tc_seal *s, const uint8_t *buf, size_t len)
{
	int rc;

	if ((rc = s->sink(s->sink_ctx, buf, len)) != 0)
		return rc < 0 ? rc : -EIO;
	s->sealed_len += len;
	return 0;
}

/*
 * Post the current batch to the hash.  With the hasher thread running it
 * is hashed while the caller goes on, so the next frames go to the other
 * batch; posting waits for that one's job, so it is free to overwrite.
 */
static void
flush(struct tc_seal *s)
{
	if (s->nframes == 0)
		return;
	seal_hasher_post(&s->hash, s->batch[s->cur], s->blen);
	if (s->batch[1])
		s->cur ^= 1;
	s->nframes = 0;
	s->blen = 0;
}

/*
 * At the first full chunk: a second batch buffer and the hasher thread.
 * -ENOMEM if the buffer cannot be had; a thread that cannot be started is
 * no error, the hash then stays on the caller's thread.
 */
static int
hasher_start(struct tc_seal *s)
{
	s->hasher_tried = true;
	if (!(s->batch[1] = tc_malloc(BATCH_LEN)))
		return -ENOMEM;
	if (!seal_hasher_start(&s->hash)) {
		tc_free(s->batch[1]);
		s->batch[1] = NULL;
	}
	return 0;
}

/* Encrypt one chunk of plaintext (len <= TC_SEAL_CHUNK) as chunk s->counter. */
static int
emit(struct tc_seal *s, const uint8_t *pt, size_t len, bool last)
{
	uint8_t nonce[SEAL_NONCE_LEN], flag = last ? SEAL_FLAG_LAST : 0, *frame, *ct;
	int rc;

	/* A full chunk with more to come: the payload needs one chunk more than this. */
	if (!last && s->counter + 1 >= SEAL_MAX_CHUNKS)
		return -EFBIG;
	if (!last && !s->hasher_tried && (rc = hasher_start(s)) != 0)
		return rc;
	/* Only full frames precede this one in the batch: it packs after them. */
	frame = s->batch[s->cur] + s->blen;
	ct = frame + SEAL_FRAME_HDR;
	seal_frame_encode(frame, (uint32_t)len, flag, s->photo_id);
	seal_nonce(nonce, s->nonce_prefix, s->counter, flag);
	if ((rc = seal_aead_encrypt(&s->aead, nonce, s->hhash, sizeof(s->hhash), pt, len, ct,
				    ct + len)) != 0)
		return rc;
	s->blen += SEAL_FRAME_OVERHEAD + len;
	if (++s->nframes == SEAL_HASH_BATCH || last)
		flush(s);
	if ((rc = to_sink(s, frame, SEAL_FRAME_OVERHEAD + len)) != 0)
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

/*
 * Header = fixed ‖ wrap records ‖ tag; the tag is the AEAD of nothing with
 * the rest as AD.  The creation time enters here, in the fixed part that
 * every wrap's AEAD and the tag authenticate.
 */
static int
build_header(struct tc_seal *s, const struct tc_seal_prep *k, uint64_t created, uint8_t *hdr,
	     size_t *hlen)
{
	uint8_t nonce[SEAL_NONCE_LEN];
	size_t len = SEAL_HEADER_LEN(k->n_wraps);
	unsigned i;
	int rc;

	seal_fixed_encode(hdr, k->aead, k->n_wraps, k->photo_id, created, k->nonce_prefix);
	for (i = 0; i < k->n_wraps; i++)
		if ((rc = seal_wrap_seal(k->aead, &k->wraps[i], hdr, k->cek,
					 hdr + SEAL_FIXED_LEN + i * SEAL_WRAP_LEN)) != 0)
			return rc;
	seal_nonce(nonce, k->nonce_prefix, 0, SEAL_NONCE_FLAG_HEADER);
	if ((rc = seal_aead_encrypt(&s->aead, nonce, hdr, len - SEAL_TAG_LEN, hdr, 0, hdr,
				    hdr + len - SEAL_TAG_LEN)) != 0)
		return rc;
	*hlen = len;
	return 0;
}

/*
 * The body of tc_seal_begin_prepared() and seal_begin_raw(): exactly one
 * of meta and rec is given.  The record goes straight into chunk 0 after
 * its be32 length.  Frees k whatever happens.
 */
static int
seal_start(struct tc_seal **outp, struct tc_seal_prep *k, const struct tc_photo_meta *meta,
	   const uint8_t *rec, size_t rec_len, uint64_t created_us, tc_seal_sink_fn sink,
	   void *sink_ctx)
{
	uint8_t hdr[SEAL_HEADER_MAX];
	struct tc_seal *s = NULL;
	size_t hlen = 0;
	int rc;

	if (!k || !sink) {
		rc = -EINVAL;
		goto err;
	}
	if (!meta && rec_len > SEAL_META_MAX) {
		rc = TC_E_BAD_METADATA;
		goto err;
	}
	if (!(s = tc_secure_alloc(sizeof(*s)))) {
		rc = -ENOMEM;
		goto err;
	}
	s->sink = sink;
	s->sink_ctx = sink_ctx;
	if ((rc = seal_hasher_init(&s->hash)) != 0)
		goto err;
	if (!(s->chunk = tc_secure_alloc(TC_SEAL_CHUNK)) ||
	    !(s->batch[0] = tc_malloc(BATCH_LEN))) {
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

	memcpy(s->photo_id, k->photo_id, TC_PHOTO_ID_LEN);
	memcpy(s->nonce_prefix, k->nonce_prefix, SEAL_NONCE_PREFIX_LEN);
	memcpy(s->mac_key, k->mac_key, TC_DEVICE_MAC_KEY_LEN);
	if ((rc = seal_aead_init(&s->aead, k->aead, k->cek)) != 0 ||
	    (rc = build_header(s, k, created_us ? created_us : tc_time_wall_us(), hdr,
			       &hlen)) != 0)
		goto err;
	/* From here on only the AEAD context holds the content key. */
	tc_seal_prep_free(k);
	k = NULL;

	tc_sha256(hdr, hlen, s->hhash);
	seal_hasher_post(&s->hash, hdr, hlen);	/* no thread yet: hashed inline */
	if ((rc = to_sink(s, hdr, hlen)) != 0)
		goto err;
	*outp = s;
	return 0;
err:
	tc_seal_prep_free(k);
	seal_free(s);
	return rc;
}

int
tc_seal_begin_prepared(struct tc_seal **out, struct tc_seal_prep *prep,
		       const struct tc_photo_meta *meta, uint64_t created_us,
		       tc_seal_sink_fn sink, void *sink_ctx)
{
	if (!out) {
		tc_seal_prep_free(prep);
		return -EINVAL;
	}
	*out = NULL;
	if (!meta) {
		tc_seal_prep_free(prep);
		return -EINVAL;
	}
	return seal_start(out, prep, meta, NULL, 0, created_us, sink, sink_ctx);
}

/* prepare + begin_prepared, with the creation time from p. */
static int
begin_now(struct tc_seal **out, const struct tc_seal_params *p,
	  const struct tc_photo_meta *meta, const uint8_t *rec, size_t rec_len,
	  tc_seal_sink_fn sink, void *sink_ctx)
{
	struct tc_seal_prep *k;
	int rc;

	*out = NULL;
	if (!sink)
		return -EINVAL;
	if ((rc = tc_seal_prepare(&k, p)) != 0)
		return rc;
	return seal_start(out, k, meta, rec, rec_len, p->created_us, sink, sink_ctx);
}

int
tc_seal_begin(struct tc_seal **out, const struct tc_seal_params *p,
	      const struct tc_photo_meta *meta, tc_seal_sink_fn sink, void *sink_ctx)
{
	if (!meta) {
		*out = NULL;
		return -EINVAL;
	}
	return begin_now(out, p, meta, NULL, 0, sink, sink_ctx);
}

int
seal_begin_raw(struct tc_seal **out, const struct tc_seal_params *p, const uint8_t *rec,
	       size_t rec_len, tc_seal_sink_fn sink, void *sink_ctx)
{
	if (!rec && rec_len > 0) {
		*out = NULL;
		return -EINVAL;
	}
	return begin_now(out, p, NULL, rec, rec_len, sink, sink_ctx);
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
	uint8_t pre[TC_SHA256_LEN];

	/* Waits for the hasher: every frame must be in the hash first. */
	seal_hasher_peek(&s->hash, pre);
	return seal_footer_mac(s->mac_key, pre, foot);
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
	if ((rc = emit(s, s->chunk, s->fill, true)) != 0 || (rc = footer(s, foot)) != 0)
		goto out;
	seal_hasher_post(&s->hash, foot, sizeof(foot));	/* joined below, before foot goes */
	if ((rc = to_sink(s, foot, sizeof(foot))) != 0)
		goto out;
	if ((rc = seal_hasher_finish(&s->hash, digest)) != 0)
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

bool
seal_threaded(const struct tc_seal *s)
{
	return s->hash.running;
}

void
tc_seal_photo_id(const struct tc_seal *s, uint8_t id[TC_PHOTO_ID_LEN])
{
	memcpy(id, s->photo_id, TC_PHOTO_ID_LEN);
}
