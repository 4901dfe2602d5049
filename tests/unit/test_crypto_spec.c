/*
 * test_crypto_spec.c - firmware/crypto: the rules of the object format
 * that an outside reader of README.md found unstated or ambiguous, one
 * test each: which wrap record a key uses when several carry its id,
 * reordering however many chunks were dropped, what the opener's second
 * look checks after the last-flagged frame, the size and chunk limits,
 * ephemeral point validation and the key text form.  (The metadata's
 * canonical form is tested in test_crypto_meta.c.)
 *
 * Objects the sealer would never write (two records for one key, more
 * chunks than the limit) are built here from the module's own codec
 * pieces (seal_int.h), so the opener sees exactly the bytes a forger or
 * a buggy sealer could produce.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "tc_sha256.h"
#include "test_crypto_util.h"

/* Write buf to a file under TC_TEST_TMP and run the device-side check. */
static int
try_verify(const uint8_t *buf, size_t len, off_t extend_to)
{
	const char *tmp = getenv("TC_TEST_TMP");
	uint8_t digest[TC_SHA256_LEN];
	struct tc_obj_info info;
	char path[512];
	int fd, rc;

	assert_non_null(tmp);
	snprintf(path, sizeof(path), "%s/spec-obj", tmp);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(tc_write_all(fd, buf, len), 0);
	if (extend_to > 0)
		assert_int_equal(ftruncate(fd, extend_to), 0);	/* sparse: no 64 MiB write */
	rc = tc_obj_verify_device(fd, t_k.mac_key, &info, digest);
	close(fd);
	unlink(path);
	return rc;
}

/*
 * Build a version-1 object by hand: one wrap record per entry of
 * recips (the same key may appear twice), payload = record ‖ jpeg.
 * damage_rec >= 0 flips a byte of that record's wrapped key before the
 * header tag is computed, so only that record fails to open.
 */
static size_t
build(const uint8_t *const *recips, unsigned n_wraps, int damage_rec, const uint8_t *jpeg,
      size_t jlen, uint8_t **out)
{
	const enum tc_aead aead = TC_AEAD_CHACHA20_POLY1305;
	uint8_t cek[SEAL_KEY_LEN], prefix[SEAL_NONCE_PREFIX_LEN], id[TC_PHOTO_ID_LEN];
	uint8_t nonce[SEAL_NONCE_LEN], hhash[TC_SHA256_LEN], pre[TC_SHA256_LEN], *o, *pl;
	size_t hlen = SEAL_HEADER_LEN(n_wraps), rec_len, plen, off, i, n, cap;
	struct seal_aead a = { 0 };
	struct seal_wrap_prep w;
	struct tc_photo_meta m;
	unsigned r;

	assert_int_equal(tc_random_bytes(cek, sizeof(cek)), 0);
	assert_int_equal(tc_random_bytes(prefix, sizeof(prefix)), 0);
	assert_int_equal(tc_random_bytes(id, sizeof(id)), 0);
	t_meta(&m);
	pl = malloc(4 + SEAL_META_MAX + jlen);
	assert_non_null(pl);
	assert_int_equal(seal_meta_encode(&m, pl + 4, SEAL_META_MAX, &rec_len), 0);
	tc_put_be32(pl, (uint32_t)rec_len);
	memcpy(pl + 4 + rec_len, jpeg, jlen);
	plen = 4 + rec_len + jlen;
	n = (plen + TC_SEAL_CHUNK - 1) / TC_SEAL_CHUNK;
	cap = hlen + n * SEAL_FRAME_OVERHEAD + plen + SEAL_FOOTER_LEN;
	o = malloc(cap);
	assert_non_null(o);

	seal_fixed_encode(o, aead, n_wraps, id, 1760000000000000ull, prefix);
	for (r = 0; r < n_wraps; r++) {
		uint8_t *rec = o + SEAL_FIXED_LEN + r * SEAL_WRAP_LEN;

		assert_int_equal(seal_wrap_prepare(recips[r], id, &w), 0);
		assert_int_equal(seal_wrap_seal(aead, &w, o, cek, rec), 0);
		if ((int)r == damage_rec)
			rec[SEAL_KEYID_LEN + TC_P256_PUB_LEN] ^= 0x01;
	}
	assert_int_equal(seal_aead_init(&a, aead, cek), 0);
	seal_nonce(nonce, prefix, 0, SEAL_NONCE_FLAG_HEADER);
	assert_int_equal(seal_aead_encrypt(&a, nonce, o, hlen - SEAL_TAG_LEN, o, 0, o,
					   o + hlen - SEAL_TAG_LEN), 0);
	tc_sha256(o, hlen, hhash);
	off = hlen;
	for (i = 0; i < n; i++) {
		size_t clen = i + 1 < n ? TC_SEAL_CHUNK : plen - i * TC_SEAL_CHUNK;
		uint8_t flag = i + 1 < n ? 0 : SEAL_FLAG_LAST;

		seal_frame_encode(o + off, (uint32_t)clen, flag, id);
		seal_nonce(nonce, prefix, (uint32_t)i, flag);
		assert_int_equal(seal_aead_encrypt(&a, nonce, hhash, sizeof(hhash),
						   pl + i * TC_SEAL_CHUNK, clen,
						   o + off + SEAL_FRAME_HDR,
						   o + off + SEAL_FRAME_HDR + clen), 0);
		off += SEAL_FRAME_OVERHEAD + clen;
	}
	tc_sha256(o, off, pre);
	assert_int_equal(seal_footer_mac(t_k.mac_key, pre, o + off), 0);
	seal_aead_free(&a);
	tc_zeroize(cek, sizeof(cek));
	free(pl);
	*out = o;
	return off + SEAL_FOOTER_LEN;
}

/*
 * Rule 2: exactly one record may carry the opener's key id.  Two records
 * for one key make the header invalid whichever of them would open; the
 * old opener tried each in turn and opened the object.
 */
static void
test_two_records_one_key(void **state)
{
	const uint8_t *trust_twice[] = { t_k.trust_pub, t_k.trust_pub };
	const uint8_t *trust_other[] = { t_k.trust_pub, t_k.other_pub };
	const uint8_t *other_trust_trust[] = { t_k.other_pub, t_k.trust_pub, t_k.trust_pub };
	uint8_t *jpeg = t_jpeg(5000, 3), *o;
	size_t len;

	(void)state;
	assert_non_null(jpeg);
	/* The builder makes objects that open: one record per key. */
	len = build(trust_other, 2, -1, jpeg, 5000, &o);
	assert_int_equal(t_try_open(o, len, t_k.trust_priv), 0);
	assert_int_equal(t_try_open(o, len, t_k.other_priv), 0);
	assert_int_equal(try_verify(o, len, 0), 0);
	free(o);
	/* Both records good. */
	len = build(trust_twice, 2, -1, jpeg, 5000, &o);
	assert_int_equal(t_try_open(o, len, t_k.trust_priv), TC_E_BAD_HEADER);
	/* A key that has one record of its own is not concerned: it still opens. */
	free(o);
	len = build(other_trust_trust, 3, -1, jpeg, 5000, &o);
	assert_int_equal(t_try_open(o, len, t_k.trust_priv), TC_E_BAD_HEADER);
	assert_int_equal(t_try_open(o, len, t_k.other_priv), 0);
	assert_int_equal(t_try_open(o, len, t_k.review_priv), TC_E_WRONG_KEY);
	free(o);
	/* The first damaged, the second good: no falling back to the second. */
	len = build(trust_twice, 2, 0, jpeg, 5000, &o);
	assert_int_equal(t_try_open(o, len, t_k.trust_priv), TC_E_BAD_HEADER);
	free(o);
	free(jpeg);
}

/* The sealer never writes two records for one recipient. */
static void
test_sealer_one_record_per_key(void **state)
{
	struct tc_seal_prep *k = (struct tc_seal_prep *)&k;
	struct tc_seal_params p;

	(void)state;
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 1);
	p.review_pub = p.trust_pub;
	assert_int_equal(tc_seal_prepare(&k, &p), TC_E_INVAL_INPUT);
	assert_null(k);
}

/* Rebuild obj from the frames listed in keep (frame offsets in fo). */
static size_t
splice(const struct t_sink *obj, size_t hlen, const size_t *fo, size_t nf, const size_t *keep,
       size_t nk, uint8_t *out)
{
	size_t len = hlen, i, fs, fe;

	memcpy(out, obj->p, hlen);
	for (i = 0; i < nk; i++) {
		fs = fo[keep[i]];
		fe = keep[i] + 1 < nf ? fo[keep[i] + 1] : obj->len - SEAL_FOOTER_LEN;
		memcpy(out + len, obj->p + fs, fe - fs);
		len += fe - fs;
	}
	memcpy(out + len, obj->p + obj->len - SEAL_FOOTER_LEN, SEAL_FOOTER_LEN);
	return len + SEAL_FOOTER_LEN;
}

#define MANY 20

/*
 * Rule 5: chunks dropped from the middle read as reordered, however many.
 * The old opener tried indexes up to n+7 only, so dropping 9 or more
 * (k with 2k > N+6 here) read as a damaged chunk.  Damage in the same
 * object still reads as damage.
 */
static void
test_drop_many_middle(void **state)
{
	size_t jlen = (MANY - 1) * TC_SEAL_CHUNK + 100, fo[MANY + 1], keep[MANY], nf, k, s, i, nk;
	uint8_t *jpeg = t_jpeg(jlen, 21), *buf;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;
	struct t_sink obj = { 0 };
	size_t len;

	(void)state;
	assert_non_null(jpeg);
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	assert_int_equal(t_seal(&p, &m, jpeg, jlen, 0, &obj, NULL, NULL, NULL), 0);
	assert_int_equal(tc_obj_parse_header(obj.p, obj.len, &info), 0);
	nf = t_frames(obj.p, obj.len, fo, MANY + 1);
	assert_int_equal(nf, MANY);
	buf = malloc(obj.len);
	assert_non_null(buf);
	/* Drop k chunks starting at s: every k from 1 to all the middle ones. */
	for (k = 1; k <= MANY - 2; k++) {
		for (s = 1; s + k <= MANY - 1; s += (k > 9 ? 1 : 4)) {
			for (i = 0, nk = 0; i < MANY; i++)
				if (i < s || i >= s + k)
					keep[nk++] = i;
			len = splice(&obj, info.header_len, fo, nf, keep, nk, buf);
			if (t_try_open(buf, len, t_k.trust_priv) != TC_E_REORDERED)
				fail_msg("%zu chunks dropped from %zu: not TC_E_REORDERED", k, s);
		}
	}
	/*
	 * 17 dropped, frames 0, 18, 19 left.  The first frame that fails
	 * decides: frame 18 at position 1 is misplaced even when the last
	 * frame is damaged too (no bound from it: all 1023 indexes tried)...
	 */
	keep[0] = 0;
	keep[1] = MANY - 2;
	keep[2] = MANY - 1;
	len = splice(&obj, info.header_len, fo, nf, keep, 3, buf);
	buf[len - SEAL_FOOTER_LEN - 200] ^= 0x01;	/* the last frame's ciphertext */
	assert_int_equal(t_try_open(buf, len, t_k.trust_priv), TC_E_REORDERED);
	/* ...and it is damage when frame 18 itself is damaged, with or without the last. */
	buf[fo[1] + 100] ^= 0x01;	/* position 1's ciphertext (frame 0 did not move) */
	assert_int_equal(t_try_open(buf, len, t_k.trust_priv), TC_E_BAD_CHUNK);
	buf[len - SEAL_FOOTER_LEN - 200] ^= 0x01;
	assert_int_equal(t_try_open(buf, len, t_k.trust_priv), TC_E_BAD_CHUNK);
	/* A middle chunk damaged in the whole object. */
	memcpy(buf, obj.p, obj.len);
	buf[fo[7] + SEAL_FRAME_HDR + 5] ^= 0x80;
	assert_int_equal(t_try_open(buf, obj.len, t_k.trust_priv), TC_E_BAD_CHUNK);
	free(buf);
	free(jpeg);
	t_sink_free(&obj);
}

/*
 * Rule 4, the second look: after the first last-flagged frame, a frame
 * must carry this photo's id tag, pass the flag and length checks and end
 * at least a footer before the end; whatever fails there is
 * TC_E_TRAILING (never BAD_CHUNK or TRUNCATED, which describe the stream
 * before it).
 */
static void
test_second_look(void **state)
{
	size_t jlen = 3 * TC_SEAL_CHUNK, fo[8], nf, n, flen;
	uint8_t *jpeg = t_jpeg(jlen, 8), *c;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct t_sink a = { 0 };
	const size_t foot = SEAL_FOOTER_LEN;

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_AES256_GCM, 0);
	assert_int_equal(t_seal(&p, &m, jpeg, jlen, 0, &a, NULL, NULL, NULL), 0);
	nf = t_frames(a.p, a.len, fo, 8);
	assert_int_equal(nf, 4);
	flen = fo[2] - fo[1];
	c = malloc(a.len + 3 * flen);
	assert_non_null(c);
#define APPEND(off_, len_)                                                     \
	do {                                                                   \
		memcpy(c, a.p, a.len - foot);                                  \
		n = a.len - foot;                                              \
		memcpy(c + n, a.p + (off_), (len_));                           \
		n += (len_);                                                   \
		memcpy(c + n, a.p + a.len - foot, foot);                       \
		n += foot;                                                     \
	} while (0)
	/* Our own full chunk after the last: the look passes, then rule 5 says TRAILING. */
	APPEND(fo[1], flen);
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* The same with unknown flag bits: would be BAD_CHUNK before the last frame. */
	c[a.len - foot + 4] |= 0x40;
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* A wrong length: likewise. */
	APPEND(fo[1], flen);
	c[a.len - foot + 3] ^= 0x01;
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* Cut inside it: would be TRUNCATED before the last frame. */
	APPEND(fo[1], flen - 100);
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* Fewer bytes after it than a frame header. */
	APPEND(fo[1], 5);
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* Another id tag. */
	APPEND(fo[1], flen);
	c[a.len - foot + 5] ^= 0x01;
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* A second last-flagged frame of ours after the first passes the look too. */
	APPEND(fo[3], a.len - foot - fo[3]);
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_TRAILING);
	/* The last chunk moved forward: the look passes and rule 5 sees it moved. */
	memcpy(c, a.p, fo[1]);
	n = fo[1];
	memcpy(c + n, a.p + fo[3], a.len - foot - fo[3]);
	n += a.len - foot - fo[3];
	memcpy(c + n, a.p + fo[1], fo[3] - fo[1]);
	n += fo[3] - fo[1];
	memcpy(c + n, a.p + a.len - foot, foot);
	n += foot;
	assert_int_equal(t_try_open(c, n, t_k.trust_priv), TC_E_REORDERED);
#undef APPEND
	free(c);
	free(jpeg);
	t_sink_free(&a);
}

/*
 * Limits: 1023 chunks and 64 MiB.  The sealer stops at the 1024th chunk;
 * the opener and the device check refuse an object over either limit
 * with -EFBIG before reading its chunks.  The old code accepted up to
 * 2^32 chunks and any size.
 */
static void
test_limits(void **state)
{
	size_t max_payload = (size_t)SEAL_MAX_CHUNKS * TC_SEAL_CHUNK, rec_len, n, off, i;
	uint8_t rec[SEAL_META_MAX], *big, *buf;
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;
	struct tc_seal *s = NULL;
	struct t_sink obj = { 0 };
	uint8_t digest[TC_SHA256_LEN];
	uint64_t sl;

	(void)state;
	t_meta(&m);
	assert_int_equal(seal_meta_encode(&m, rec, sizeof(rec), &rec_len), 0);
	n = max_payload - 4 - rec_len;	/* JPEG bytes that fill exactly 1023 chunks */
	big = calloc(1, n + 1);
	assert_non_null(big);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	/* One byte more than 1023 chunks hold: refused. */
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &obj), 0);
	assert_int_equal(tc_seal_write(s, big, n + 1), -EFBIG);
	tc_seal_abort(s);
	t_sink_free(&obj);
	/* Exactly 1023: sealed, opened, verified, under 64 MiB. */
	assert_int_equal(tc_seal_begin(&s, &p, &m, t_sink_fn, &obj), 0);
	assert_int_equal(tc_seal_write(s, big, n), 0);
	assert_int_equal(tc_seal_finish(s, digest, &sl), 0);
	assert_true(obj.len <= SEAL_MAX_OBJECT);
	assert_int_equal(t_try_open(obj.p, obj.len, t_k.trust_priv), 0);
	assert_int_equal(try_verify(obj.p, obj.len, 0), 0);
	free(big);

	/*
	 * 1024 frames: the 1023rd turned into a full one and a last frame
	 * after it.  Only the framing is walked before the limit stops it.
	 */
	assert_int_equal(tc_obj_parse_header(obj.p, obj.len, &info), 0);
	buf = malloc(SEAL_MAX_OBJECT);
	assert_non_null(buf);
	memcpy(buf, obj.p, info.header_len);
	off = info.header_len;
	for (i = 0; i < SEAL_MAX_CHUNKS + 1; i++) {
		uint32_t flen = i < SEAL_MAX_CHUNKS ? TC_SEAL_CHUNK : 1;

		seal_frame_encode(buf + off, flen, i < SEAL_MAX_CHUNKS ? 0 : SEAL_FLAG_LAST,
				  info.photo_id);
		memset(buf + off + SEAL_FRAME_HDR, 0, flen + SEAL_TAG_LEN);
		off += SEAL_FRAME_OVERHEAD + flen;
	}
	memset(buf + off, 0, SEAL_FOOTER_LEN);
	off += SEAL_FOOTER_LEN;
	assert_true(off <= SEAL_MAX_OBJECT);
	assert_int_equal(t_try_open(buf, off, t_k.trust_priv), -EFBIG);
	assert_int_equal(try_verify(buf, off, 0), -EFBIG);

	/* One byte over 64 MiB: refused whatever it holds (a sound object, then zeros). */
	free(buf);
	buf = calloc(1, SEAL_MAX_OBJECT + 1);
	assert_non_null(buf);
	memcpy(buf, obj.p, obj.len);
	assert_int_equal(t_try_open(buf, SEAL_MAX_OBJECT + 1, t_k.trust_priv), -EFBIG);
	assert_int_equal(t_try_open(buf, SEAL_MAX_OBJECT, t_k.trust_priv), TC_E_TRAILING);
	assert_int_equal(try_verify(obj.p, obj.len, SEAL_MAX_OBJECT + 1), -EFBIG);
	assert_int_equal(try_verify(obj.p, obj.len, SEAL_MAX_OBJECT), TC_E_TRAILING);
	free(buf);
	t_sink_free(&obj);
}

/*
 * Ephemeral points: uncompressed, on the curve, not the point at
 * infinity; anything else is a record that does not open (BAD_HEADER),
 * never a crash or a different key.
 */
static void
test_ephemeral_points(void **state)
{
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct t_sink a = { 0 };
	uint8_t jpeg[100] = { 0 }, *c, *eph;

	(void)state;
	t_meta(&m);
	t_params(&p, TC_AEAD_CHACHA20_POLY1305, 0);
	assert_int_equal(t_seal(&p, &m, jpeg, sizeof(jpeg), 0, &a, NULL, NULL, NULL), 0);
	c = malloc(a.len);
	assert_non_null(c);
	eph = c + SEAL_FIXED_LEN + SEAL_KEYID_LEN;
	/* Compressed form of the same point (02/03 ‖ X): refused, one encoding per key. */
	memcpy(c, a.p, a.len);
	eph[0] = (uint8_t)(0x02 | (eph[TC_P256_PUB_LEN - 1] & 1));
	assert_int_equal(t_try_open(c, a.len, t_k.trust_priv), TC_E_BAD_HEADER);
	/* The point at infinity (a lone 00, zero padded). */
	memcpy(c, a.p, a.len);
	memset(eph, 0, TC_P256_PUB_LEN);
	assert_int_equal(t_try_open(c, a.len, t_k.trust_priv), TC_E_BAD_HEADER);
	/* Off the curve: Y changed. */
	memcpy(c, a.p, a.len);
	eph[TC_P256_PUB_LEN - 1] ^= 0x01;
	assert_int_equal(t_try_open(c, a.len, t_k.trust_priv), TC_E_BAD_HEADER);
	/* X = p (a coordinate not reduced mod p). */
	memcpy(c, a.p, a.len);
	memset(eph + 1, 0xff, 4);
	memset(eph + 5, 0, 4);
	eph[8] = 1;
	memset(eph + 9, 0, 12);
	memset(eph + 21, 0xff, 12);
	assert_int_equal(t_try_open(c, a.len, t_k.trust_priv), TC_E_BAD_HEADER);
	free(c);
	t_sink_free(&a);
}

/*
 * Key text: 2L hex digits, either case, optionally one "\n", nothing
 * else; the scalar in 1..n-1, the point uncompressed and on the curve.
 * tc_verify used to read the first 64 bytes and ignore the rest; trustadm
 * stripped any run of CR and LF.
 */
static void
test_key_text(void **state)
{
	/* n, the order of P-256: the first scalar that is not a key. */
	static const char order[] =
		"ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
	char priv_hex[2 * TC_P256_PRIV_LEN + 8], pub_hex[2 * TC_P256_PUB_LEN + 8], t[300];
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN];
	size_t i;

	(void)state;
	tc_hex_encode(t_k.trust_priv, TC_P256_PRIV_LEN, priv_hex);
	tc_hex_encode(t_k.trust_pub, TC_P256_PUB_LEN, pub_hex);
	/* Accepted: bare, with one newline, upper case. */
	assert_int_equal(tc_p256_key_decode(priv_hex, 64, priv, sizeof(priv)), 0);
	assert_memory_equal(priv, t_k.trust_priv, sizeof(priv));
	snprintf(t, sizeof(t), "%s\n", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 65, priv, sizeof(priv)), 0);
	for (i = 0; i < 64; i++)
		t[i] = (char)(t[i] >= 'a' ? t[i] - 32 : t[i]);
	assert_int_equal(tc_p256_key_decode(t, 64, priv, sizeof(priv)), 0);
	assert_memory_equal(priv, t_k.trust_priv, sizeof(priv));
	snprintf(t, sizeof(t), "%s\n", pub_hex);
	assert_int_equal(tc_p256_key_decode(t, 131, pub, sizeof(pub)), 0);
	assert_memory_equal(pub, t_k.trust_pub, sizeof(pub));
	/* Refused: other line ends, spaces, a prefix, trailing bytes, short or long. */
	snprintf(t, sizeof(t), "%s\r\n", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 66, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "%s\n\n", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 66, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), " %s", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 65, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "0x%s", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 66, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "%sx", priv_hex);
	assert_int_equal(tc_p256_key_decode(t, 65, priv, sizeof(priv)), TC_E_KEYFILE);
	assert_int_equal(tc_p256_key_decode(priv_hex, 63, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "%s", priv_hex);
	t[10] = 'g';
	assert_int_equal(tc_p256_key_decode(t, 64, priv, sizeof(priv)), TC_E_KEYFILE);
	t[10] = '\0';
	assert_int_equal(tc_p256_key_decode(t, 64, priv, sizeof(priv)), TC_E_KEYFILE);
	/* Refused: scalars 0 and n; a public key off the curve or compressed. */
	memset(t, '0', 64);
	assert_int_equal(tc_p256_key_decode(t, 64, priv, sizeof(priv)), TC_E_KEYFILE);
	assert_int_equal(tc_p256_key_decode(order, 64, priv, sizeof(priv)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "%s", pub_hex);
	t[129] = t[129] == '0' ? '1' : '0';
	assert_int_equal(tc_p256_key_decode(t, 130, pub, sizeof(pub)), TC_E_KEYFILE);
	snprintf(t, sizeof(t), "02%.64s", pub_hex + 2);
	assert_int_equal(tc_p256_key_decode(t, 66, pub, 33), -EINVAL);
	snprintf(t, sizeof(t), "%s", pub_hex);
	t[1] = '2';
	assert_int_equal(tc_p256_key_decode(t, 130, pub, sizeof(pub)), TC_E_KEYFILE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_records_one_key),
		cmocka_unit_test(test_sealer_one_record_per_key),
		cmocka_unit_test(test_drop_many_middle),
		cmocka_unit_test(test_second_look),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_ephemeral_points),
		cmocka_unit_test(test_key_text),
	};

	return cmocka_run_group_tests_name("crypto_spec", tests, t_keys_setup, NULL);
}
