/*
 * open.c - opening a sealed object with a private key (the Trust side:
 * no key on the device opens one).
 *
 * Tuned for telling a reviewer exactly what is wrong with a damaged or
 * tampered object rather than for speed: the whole object is in memory,
 * the framing is checked before anything is decrypted, and when a chunk
 * fails, a bounded search says whether it belongs elsewhere in this
 * photo (reordered), to another photo (foreign) or nowhere (damaged).
 * The rules, in the order they are applied, are in README.md under
 * "What each kind of damage reads as".  Plaintext only ever lands in
 * tc_secure_alloc memory.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/md.h>

#include "seal_int.h"
#include "tc_io.h"
#include "tc_secmem.h"

_Static_assert(TC_OBJ_META_PREFIX == SEAL_HEADER_MAX + SEAL_FRAME_MAX,
	       "tc_seal.h states the prefix tc_obj_open_meta needs");

/* Everything secret of one open, in one locked allocation. */
struct open_ctx {
	struct seal_aead aead;
	uint8_t cek[SEAL_KEY_LEN];
	uint8_t first[TC_SEAL_CHUNK];	/* chunk 0: record length, record, JPEG start */
	uint8_t trial[TC_SEAL_CHUNK];	/* scratch for trying a chunk at other indices */
	uint8_t hhash[TC_SHA256_LEN];
	uint8_t prefix[SEAL_NONCE_PREFIX_LEN];
};

/*
 * Find the wrap record for priv and unwrap the content key into o->cek.
 * Exactly one record may carry this key's id (README.md, rule 2):
 * TC_E_WRONG_KEY when none does; TC_E_BAD_HEADER when two or more do
 * (refused rather than tried in turn, so that every reader unwraps the
 * same record or none) or when the one record fails to open (damaged).
 */
static int
unwrap(struct open_ctx *o, const uint8_t *obj, const struct tc_obj_info *info,
       const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t *known_pub)
{
	uint8_t pub[TC_P256_PUB_LEN], id[SEAL_KEYID_LEN];
	const uint8_t *rec, *mine = NULL;
	unsigned i;
	int rc;

	/* priv's public key costs a scalar multiplication: a caller may give it. */
	if (known_pub)
		memcpy(pub, known_pub, sizeof(pub));
	else if ((rc = seal_pub_from_priv(priv, pub)) != 0)
		return rc;
	if ((rc = seal_key_id(pub, id)) != 0)
		return rc;
	for (i = 0; i < info->n_wraps; i++) {
		rec = obj + info->wraps_off + (size_t)i * SEAL_WRAP_LEN;
		if (memcmp(rec, id, SEAL_KEYID_LEN) != 0)
			continue;
		if (mine)
			return TC_E_BAD_HEADER;
		mine = rec;
	}
	if (!mine)
		return TC_E_WRONG_KEY;
	rc = seal_wrap_open(info->aead, mine, priv, pub, obj, o->cek);
	return rc == SEAL_AUTH_FAILED ? TC_E_BAD_HEADER : rc;
}

/* The header tag proves every header byte, including the other wrap records. */
static int
check_header(struct open_ctx *o, const uint8_t *obj, size_t hlen)
{
	uint8_t nonce[SEAL_NONCE_LEN];
	int rc;

	memcpy(o->prefix, obj + SEAL_OFF_NONCE, SEAL_NONCE_PREFIX_LEN);
	seal_nonce(nonce, o->prefix, 0, SEAL_NONCE_FLAG_HEADER);
	rc = seal_aead_decrypt(&o->aead, nonce, obj, hlen - SEAL_TAG_LEN, obj, 0,
			       obj + hlen - SEAL_TAG_LEN, o->trial);
	if (rc == SEAL_AUTH_FAILED)
		return TC_E_BAD_HEADER;
	if (rc != 0)
		return rc;
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), obj, hlen, o->hhash) == 0
		? 0 : TC_E_CRYPTO;
}

/* Rules 2 and 3: unwrap the content key, key the AEAD, check the header tag. */
static int
open_keys(struct open_ctx *o, const uint8_t *obj, const struct tc_obj_info *info,
	  const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t *pub)
{
	int rc;

	if ((rc = unwrap(o, obj, info, priv, pub)) != 0 ||
	    (rc = seal_aead_init(&o->aead, info->aead, o->cek)) != 0)
		return rc;
	tc_zeroize(o->cek, sizeof(o->cek));
	return check_header(o, obj, info->header_len);
}

/*
 * Walk the framing from the end of the header: count frames and payload
 * bytes, and note the first last-flagged frame (*last).  Strict: the
 * stream ends at the first last-flagged chunk, then the footer.  Lenient
 * (the second look, tried only when strict says TC_E_TRAILING): after
 * the first last-flagged frame, more frames may follow as long as each
 * carries this photo's id tag and passes the flag and length checks, and
 * the walk succeeds only where exactly the footer is left; whatever
 * fails after that frame is TC_E_TRAILING, the first walk's answer.
 * More than SEAL_MAX_CHUNKS frames: -EFBIG.
 */
static int
walk(const uint8_t *obj, size_t len, size_t hlen, const uint8_t *idtag, bool lenient,
     uint64_t *n_frames, uint64_t *payload, struct seal_frame *last)
{
	struct seal_frame f;
	bool seen_last = false;
	uint64_t off = hlen;
	int rc;

	*n_frames = *payload = 0;
	for (;;) {
		if (seen_last && len - off == SEAL_FOOTER_LEN)
			return 0;
		rc = seal_frame_decode(obj + off, off, len, lenient, &f);
		if (rc != 0)
			return seen_last ? TC_E_TRAILING : rc;
		if (seen_last && memcmp(f.idtag, idtag, SEAL_IDTAG_LEN) != 0)
			return TC_E_TRAILING;
		if (++*n_frames > SEAL_MAX_CHUNKS)
			return seen_last ? TC_E_TRAILING : -EFBIG;
		*payload += f.len;
		off = f.end;
		if ((f.flags & SEAL_FLAG_LAST) && !seen_last) {
			*last = f;
			seen_last = true;
		}
	}
}

static int
open_chunk(struct open_ctx *o, const uint8_t *obj, const struct seal_frame *f, uint64_t idx,
	   uint8_t *dst)
{
	uint8_t nonce[SEAL_NONCE_LEN];
	const uint8_t *ct = obj + f->off + SEAL_FRAME_HDR;

	seal_nonce(nonce, o->prefix, (uint32_t)idx, f->flags);
	return seal_aead_decrypt(&o->aead, nonce, o->hhash, sizeof(o->hhash), ct, f->len,
				 ct + f->len, dst);
}

/*
 * The one index in 0..SEAL_MAX_CHUNKS-1 at which frame f authenticates,
 * tried from first upward, then below first.  0 (found, *idx set),
 * SEAL_AUTH_FAILED (nowhere), or an error.
 */
static int
find_index(struct open_ctx *o, const uint8_t *obj, const struct seal_frame *f, uint64_t first,
	   uint64_t *idx)
{
	uint64_t k, j;
	int rc;

	for (k = 0; k < SEAL_MAX_CHUNKS; k++) {
		j = (first + k) % SEAL_MAX_CHUNKS;
		rc = open_chunk(o, obj, f, j, o->trial);
		if (rc != SEAL_AUTH_FAILED) {
			*idx = j;
			return rc;
		}
	}
	return SEAL_AUTH_FAILED;
}

/*
 * Chunk at position i failed to authenticate, or carries another photo's
 * id tag (foreign set).  Say why.  The rule (README.md, rule 5) tries it
 * at every other index below SEAL_MAX_CHUNKS, however many chunks were
 * dropped before it.  Searched in that order, a damaged chunk would cost
 * 1022 trial decryptions, so the search is first bounded by the stream's
 * first last-flagged frame (last): a last chunk authenticates only at its
 * own index, the photo's highest, so where it does (m), no chunk of this
 * photo authenticates above m, and trying 0..m gives the rule's answer.
 * Usually m is found at once (n-1), and a damaged chunk costs n trials.
 */
static int
classify(struct open_ctx *o, const uint8_t *obj, const struct seal_frame *f, uint64_t i,
	 uint64_t n, bool foreign, const struct seal_frame *last)
{
	uint64_t hi = SEAL_MAX_CHUNKS - 1, j;
	int rc;

	if (foreign) {
		/* Ours after all, at the right place: only its id tag was damaged. */
		rc = open_chunk(o, obj, f, i, o->trial);
		if (rc == 0)
			return TC_E_BAD_CHUNK;
		return rc == SEAL_AUTH_FAILED ? TC_E_FOREIGN_CHUNK : rc;
	}
	if (last->off != f->off) {
		rc = find_index(o, obj, last, n - 1, &j);
		if (rc == 0)
			hi = j;
		else if (rc != SEAL_AUTH_FAILED)
			return rc;
	}
	for (j = 0; j <= hi; j++) {
		if (j == i)
			continue;
		rc = open_chunk(o, obj, f, j, o->trial);
		if (rc == 0)
			return TC_E_REORDERED;
		if (rc != SEAL_AUTH_FAILED)
			return rc;
	}
	return TC_E_BAD_CHUNK;
}

/*
 * Decrypt every frame in order.  Chunk 0 goes to o->first; the JPEG part
 * of the payload goes to a fresh locked buffer at its payload offset.
 */
static int
decrypt_all(struct open_ctx *o, const uint8_t *obj, size_t len, size_t hlen, bool lenient,
	    uint64_t n, uint64_t payload, const struct seal_frame *last, uint32_t *rec_len,
	    uint8_t **jpeg, size_t *jpeg_len)
{
	const uint8_t *idtag = obj + SEAL_OFF_PHOTO_ID;
	uint64_t i, off = hlen, pos = 0, jlen = 0, skip = 0;
	struct seal_frame f = { 0 };
	uint8_t *dst;
	int rc;

	*jpeg = NULL;
	for (i = 0; i < n; i++) {
		if ((rc = seal_frame_decode(obj + off, off, len, lenient, &f)) != 0)
			return rc;	/* walk() already passed this frame */
		if (memcmp(f.idtag, idtag, SEAL_IDTAG_LEN) != 0)
			return classify(o, obj, &f, i, n, true, last);
		dst = i == 0 ? o->first : *jpeg + (pos - skip);
		rc = open_chunk(o, obj, &f, i, dst);
		if (rc == SEAL_AUTH_FAILED)
			return classify(o, obj, &f, i, n, false, last);
		if (rc != 0)
			return rc;
		if ((f.flags & SEAL_FLAG_LAST) && i != n - 1)
			return TC_E_TRAILING;	/* a genuine last chunk, then more */
		if (i == 0) {
			/* The record sits wholly in chunk 0 (the sealer guarantees it). */
			*rec_len = f.len >= 4 ? tc_get_be32(o->first) : UINT32_MAX;
			if (*rec_len > f.len - 4 || *rec_len == 0)
				return TC_E_BAD_METADATA;
			skip = 4 + (uint64_t)*rec_len;
			jlen = payload - skip;
			if (jlen > SIZE_MAX)
				return -EFBIG;
			/* tc_secure_alloc() refuses 0 bytes; an empty JPEG still gets a buffer. */
			if (!(*jpeg = tc_secure_alloc(jlen ? (size_t)jlen : 1)))
				return -ENOMEM;
			memcpy(*jpeg, o->first + skip, f.len - skip);
		}
		pos += f.len;
		off = f.end;
	}
	if (n == 0 || !(f.flags & SEAL_FLAG_LAST))
		return TC_E_TRUNCATED;
	*jpeg_len = (size_t)jlen;
	return 0;
}

int
tc_obj_open(const uint8_t *obj, size_t len, const uint8_t priv[TC_P256_PRIV_LEN],
	    struct tc_photo_meta *meta, uint8_t **jpeg, size_t *jpeg_len)
{
	struct open_ctx *o = NULL;
	struct seal_frame last = { 0 };
	struct tc_obj_info info;
	uint64_t n = 0, payload = 0;
	uint32_t rec_len = 0;
	bool lenient = false;
	uint8_t *out = NULL;
	size_t out_len = 0;
	int rc;

	if (!obj || !priv || !meta || !jpeg || !jpeg_len)
		return -EINVAL;
	*jpeg = NULL;
	*jpeg_len = 0;
	memset(meta, 0, sizeof(*meta));
	if (len > SEAL_MAX_OBJECT)
		return -EFBIG;	/* rule 0: over the format's limit, not read at all */
	if ((rc = tc_obj_parse_header(obj, len, &info)) != 0)
		return rc;
	if (!(o = tc_secure_alloc(sizeof(*o))))
		return -ENOMEM;
	if ((rc = open_keys(o, obj, &info, priv, NULL)) != 0)
		goto out;
	rc = walk(obj, len, info.header_len, obj + SEAL_OFF_PHOTO_ID, false, &n, &payload, &last);
	if (rc == TC_E_TRAILING &&
	    walk(obj, len, info.header_len, obj + SEAL_OFF_PHOTO_ID, true, &n, &payload,
		 &last) == 0) {
		lenient = true;
		rc = 0;
	}
	if (rc != 0)
		goto out;
	if ((rc = decrypt_all(o, obj, len, info.header_len, lenient, n, payload, &last, &rec_len,
			      &out, &out_len)) != 0)
		goto out;
	/* Content is judged only once the whole stream has authenticated. */
	if ((rc = seal_meta_decode(o->first + 4, rec_len, meta)) != 0)
		goto out;
	*jpeg = out;
	*jpeg_len = out_len;
	out = NULL;
out:
	tc_secure_free(out);
	if (o)
		seal_aead_free(&o->aead);
	tc_secure_free(o);
	if (rc != 0)
		memset(meta, 0, sizeof(*meta));
	return rc;
}

/*
 * The metadata alone, from the object's first bytes (see tc_seal.h).
 * Rules 0-3 as tc_obj_open applies them (so a wrong key wins over damage
 * further on), then chunk 0's frame is decoded
 * against the whole object's length and authenticated at index 0 (its
 * flag, id tag and length are bound by the AEAD); rule 6 judges the
 * record.  Later chunks are not read: what they hold is not vouched for.
 */
int
tc_obj_open_meta(const uint8_t *head, size_t head_len, uint64_t total_len,
		 const uint8_t priv[TC_P256_PRIV_LEN], const uint8_t *pub,
		 struct tc_photo_meta *meta)
{
	struct open_ctx *o = NULL;
	struct seal_frame f = { 0 };
	struct tc_obj_info info;
	uint32_t rec_len;
	int rc;

	if (!head || !priv || !meta || head_len > total_len)
		return -EINVAL;
	memset(meta, 0, sizeof(*meta));
	if (total_len > SEAL_MAX_OBJECT)
		return -EFBIG;
	if ((rc = tc_obj_parse_header(head, head_len, &info)) != 0)
		return rc;
	if (head_len - info.header_len < SEAL_FRAME_HDR)
		return head_len == total_len ? TC_E_TRUNCATED : -EINVAL;
	if (!(o = tc_secure_alloc(sizeof(*o))))
		return -ENOMEM;
	if ((rc = open_keys(o, head, &info, priv, pub)) != 0 ||
	    (rc = seal_frame_decode(head + info.header_len, info.header_len, total_len, true,
				    &f)) != 0)
		goto out;
	if (f.end > head_len) {
		rc = -EINVAL;	/* the caller gave less than TC_OBJ_META_PREFIX */
		goto out;
	}
	if (memcmp(f.idtag, head + SEAL_OFF_PHOTO_ID, SEAL_IDTAG_LEN) != 0) {
		rc = TC_E_FOREIGN_CHUNK;
		goto out;
	}
	rc = open_chunk(o, head, &f, 0, o->first);
	if (rc == SEAL_AUTH_FAILED)
		rc = TC_E_BAD_CHUNK;
	if (rc != 0)
		goto out;
	rec_len = f.len >= 4 ? tc_get_be32(o->first) : UINT32_MAX;
	if (rec_len > f.len - 4 || rec_len == 0)
		rc = TC_E_BAD_METADATA;
	else
		rc = seal_meta_decode(o->first + 4, rec_len, meta);
out:
	if (o)
		seal_aead_free(&o->aead);
	tc_secure_free(o);
	if (rc != 0)
		memset(meta, 0, sizeof(*meta));
	return rc;
}
