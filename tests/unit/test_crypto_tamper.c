/*
 * test_crypto_tamper.c - firmware/crypto: every kind of damage to a
 * sealed object reads as its own error on open (README.md, "What each
 * kind of damage reads as"): header bytes, chunk ciphertext and tags,
 * frame fields, truncation, reordering, chunks from another photo,
 * trailing bytes, wrong keys.  Run for both ciphers.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tc_secmem.h"
#include "test_crypto_util.h"

/* 4 full chunks and a short last one (the record spills into it). */
#define T_JPEG_LEN (4 * TC_SEAL_CHUNK + 1000)
#define T_MAX_FRAMES 16

struct fixture {
	enum tc_aead aead;
	struct t_sink a, b;	/* two photos, same keys */
	size_t fa[T_MAX_FRAMES], na, fb[T_MAX_FRAMES], nb;
	size_t hlen;
	uint8_t *jpeg;
};

static int
setup(void **state, enum tc_aead aead)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct tc_obj_info info;

	if (!f || !(f->jpeg = t_jpeg(T_JPEG_LEN, 11)))
		return -1;
	f->aead = aead;
	t_meta(&m);
	t_params(&p, aead, 1);
	if (t_seal(&p, &m, f->jpeg, T_JPEG_LEN, 0, &f->a, NULL, NULL, NULL) != 0 ||
	    t_seal(&p, &m, f->jpeg, T_JPEG_LEN, 0, &f->b, NULL, NULL, NULL) != 0 ||
	    tc_obj_parse_header(f->a.p, f->a.len, &info) != 0)
		return -1;
	f->hlen = info.header_len;
	f->na = t_frames(f->a.p, f->a.len, f->fa, T_MAX_FRAMES);
	f->nb = t_frames(f->b.p, f->b.len, f->fb, T_MAX_FRAMES);
	if (f->na != 5 || f->nb != 5)
		return -1;
	*state = f;
	return 0;
}

static int setup_chacha(void **state) { return setup(state, TC_AEAD_CHACHA20_POLY1305); }
static int setup_gcm(void **state) { return setup(state, TC_AEAD_AES256_GCM); }

static int
teardown(void **state)
{
	struct fixture *f = *state;

	t_sink_free(&f->a);
	t_sink_free(&f->b);
	free(f->jpeg);
	free(f);
	return 0;
}

static uint8_t *
copy(const struct t_sink *s)
{
	uint8_t *c = malloc(s->len + 1);

	assert_non_null(c);
	memcpy(c, s->p, s->len);
	return c;
}

/* Flip bits of one byte of a copy of photo a; return the open result. */
static int
flip_open(const struct fixture *f, size_t off, uint8_t mask, const uint8_t *priv)
{
	uint8_t *c = copy(&f->a);
	int rc;

	c[off] ^= mask;
	rc = t_try_open(c, f->a.len, priv);
	free(c);
	return rc;
}

static void
test_intact_opens(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(t_try_open(f->a.p, f->a.len, t_k.trust_priv), 0);
	assert_int_equal(t_try_open(f->b.p, f->b.len, t_k.review_priv), 0);
	assert_int_equal(t_try_open(f->a.p, f->a.len, t_k.other_priv), TC_E_WRONG_KEY);
}

/* The error each header byte gives, by field (README.md draws the layout). */
static int
header_expect(size_t off, uint8_t mask, int using_trust)
{
	size_t rec_off;

	if (off < 8)
		return TC_E_BAD_MAGIC;
	if (off < 10)
		return TC_E_BAD_VERSION;
	if ((off == SEAL_OFF_AEAD || off == SEAL_OFF_KEM) && (mask == 0xff || mask == 0x01))
		return TC_E_BAD_ALGORITHM;	/* 1 or 2 becomes an id nobody knows */
	if (off >= SEAL_FIXED_LEN && off < SEAL_FIXED_LEN + 2 * SEAL_WRAP_LEN) {
		rec_off = (off - SEAL_FIXED_LEN) % SEAL_WRAP_LEN;
		/* The key id of the record for this key: no record names the key. */
		if (rec_off < SEAL_KEYID_LEN &&
		    (off - SEAL_FIXED_LEN) / SEAL_WRAP_LEN == (using_trust ? 0u : 1u))
			return TC_E_WRONG_KEY;
	}
	return TC_E_BAD_HEADER;
}

static void
test_header_every_byte(void **state)
{
	struct fixture *f = *state;
	size_t off;

	for (off = 0; off < f->hlen; off++) {
		int rc = flip_open(f, off, 0xff, t_k.trust_priv);

		if (rc != header_expect(off, 0xff, 1))
			fail_msg("header byte %zu: got %d (%s), expected %d", off, rc,
				 tc_strerror(rc), header_expect(off, 0xff, 1));
		if (off % 7 == 0) {
			rc = flip_open(f, off, 0x01, t_k.review_priv);
			if (rc != header_expect(off, 0x01, 0))
				fail_msg("header byte %zu (review key): got %d (%s)", off, rc,
					 tc_strerror(rc));
		}
	}
	/* Naming the other (known) cipher: the wrap no longer opens. */
	assert_int_equal(flip_open(f, SEAL_OFF_AEAD, 0x03, t_k.trust_priv), TC_E_BAD_HEADER);
}

static void
test_chunk_bytes(void **state)
{
	struct fixture *f = *state;
	size_t i, off;

	for (i = 0; i < f->na; i++) {
		size_t ct = f->fa[i] + SEAL_FRAME_HDR;
		size_t end = i + 1 < f->na ? f->fa[i + 1] : f->a.len - SEAL_FOOTER_LEN;

		/* Ciphertext: first, middle and last byte. */
		assert_int_equal(flip_open(f, ct, 0x01, t_k.trust_priv), TC_E_BAD_CHUNK);
		assert_int_equal(flip_open(f, ct + (end - SEAL_TAG_LEN - ct) / 2, 0x80,
					   t_k.trust_priv), TC_E_BAD_CHUNK);
		assert_int_equal(flip_open(f, end - SEAL_TAG_LEN - 1, 0x10, t_k.trust_priv),
				 TC_E_BAD_CHUNK);
		/* Every byte of the tag. */
		for (off = end - SEAL_TAG_LEN; off < end; off++)
			assert_int_equal(flip_open(f, off, 0x04, t_k.trust_priv), TC_E_BAD_CHUNK);
		/* The frame's photo id tag: the chunk is still ours, only damaged. */
		assert_int_equal(flip_open(f, f->fa[i] + 5, 0x01, t_k.trust_priv),
				 TC_E_BAD_CHUNK);
		assert_int_equal(flip_open(f, f->fa[i] + 12, 0x01, t_k.trust_priv),
				 TC_E_BAD_CHUNK);
		/* Unknown flag bits. */
		assert_int_equal(flip_open(f, f->fa[i] + 4, 0x80, t_k.trust_priv),
				 TC_E_BAD_CHUNK);
	}
	/* A full chunk's length must be exactly 64 KiB. */
	assert_int_equal(flip_open(f, f->fa[1] + 3, 0x01, t_k.trust_priv), TC_E_BAD_CHUNK);
	assert_int_equal(flip_open(f, f->fa[1] + 1, 0x01, t_k.trust_priv), TC_E_BAD_CHUNK);
	/* The last one's may not exceed it. */
	assert_int_equal(flip_open(f, f->fa[4] + 1, 0x02, t_k.trust_priv), TC_E_BAD_CHUNK);
	/* The footer is the device's: open does not judge its bytes. */
	assert_int_equal(flip_open(f, f->a.len - 1, 0x01, t_k.trust_priv), 0);
}

static void
test_truncation(void **state)
{
	struct fixture *f = *state;
	size_t i, cut;

	/* At every frame boundary: the stream ends before its last chunk. */
	for (i = 0; i < f->na; i++)
		assert_int_equal(t_try_open(f->a.p, f->fa[i], t_k.trust_priv), TC_E_TRUNCATED);
	/* Mid-chunk, inside frame headers, inside the footer, mid-header. */
	for (cut = 0; cut < f->a.len; cut += 4099)
		if (t_try_open(f->a.p, cut, t_k.trust_priv) != TC_E_TRUNCATED)
			fail_msg("cut at %zu: not TC_E_TRUNCATED", cut);
	for (i = 1; i < SEAL_FOOTER_LEN; i++)
		assert_int_equal(t_try_open(f->a.p, f->a.len - i, t_k.trust_priv), TC_E_TRUNCATED);
	assert_int_equal(t_try_open(f->a.p, f->fa[2] + 5, t_k.trust_priv), TC_E_TRUNCATED);
	assert_int_equal(t_try_open(f->a.p, f->hlen - 1, t_k.trust_priv), TC_E_TRUNCATED);
	assert_int_equal(t_try_open(f->a.p, 3, t_k.trust_priv), TC_E_TRUNCATED);
	assert_int_equal(t_try_open(f->a.p, 0, t_k.trust_priv), TC_E_TRUNCATED);
	/* The last frame dropped but the footer kept. */
	{
		uint8_t *c = copy(&f->a);
		size_t n = f->fa[4];

		memcpy(c + n, f->a.p + f->a.len - SEAL_FOOTER_LEN, SEAL_FOOTER_LEN);
		assert_int_equal(t_try_open(c, n + SEAL_FOOTER_LEN, t_k.trust_priv),
				 TC_E_TRUNCATED);
		free(c);
	}
}

/* Rebuild photo a from a list of frames (index k = frame k of a; 100+k = of b). */
static size_t
splice(const struct fixture *f, const int *order, size_t n, uint8_t *out)
{
	size_t len = f->hlen, i, fs, fe;

	memcpy(out, f->a.p, f->hlen);
	for (i = 0; i < n; i++) {
		const struct t_sink *src = order[i] >= 100 ? &f->b : &f->a;
		const size_t *fo = order[i] >= 100 ? f->fb : f->fa;
		size_t k = (size_t)(order[i] % 100);

		fs = fo[k];
		fe = k + 1 < 5 ? fo[k + 1] : src->len - SEAL_FOOTER_LEN;
		memcpy(out + len, src->p + fs, fe - fs);
		len += fe - fs;
	}
	memcpy(out + len, f->a.p + f->a.len - SEAL_FOOTER_LEN, SEAL_FOOTER_LEN);
	return len + SEAL_FOOTER_LEN;
}

static int
splice_open(const struct fixture *f, const int *order, size_t n)
{
	uint8_t *buf = malloc(f->a.len + f->b.len);
	size_t len;
	int rc;

	assert_non_null(buf);
	len = splice(f, order, n, buf);
	rc = t_try_open(buf, len, t_k.trust_priv);
	free(buf);
	return rc;
}

static void
test_reordering(void **state)
{
	struct fixture *f = *state;
	static const int same[] = { 0, 1, 2, 3, 4 };
	static const int swap12[] = { 0, 2, 1, 3, 4 };
	static const int swap03[] = { 3, 1, 2, 0, 4 };
	static const int last_first[] = { 4, 0, 1, 2, 3 };
	static const int last_moved[] = { 0, 1, 4, 2, 3 };
	static const int dropped[] = { 0, 1, 3, 4 };
	static const int dropped_before_last[] = { 0, 1, 2, 4 };
	static const int duplicated[] = { 0, 1, 1, 2, 3, 4 };

	(void)state;
	assert_int_equal(splice_open(f, same, 5), 0);
	assert_int_equal(splice_open(f, swap12, 5), TC_E_REORDERED);
	assert_int_equal(splice_open(f, swap03, 5), TC_E_REORDERED);
	assert_int_equal(splice_open(f, last_first, 5), TC_E_REORDERED);
	assert_int_equal(splice_open(f, last_moved, 5), TC_E_REORDERED);
	assert_int_equal(splice_open(f, dropped, 4), TC_E_REORDERED);
	assert_int_equal(splice_open(f, dropped_before_last, 4), TC_E_REORDERED);
	assert_int_equal(splice_open(f, duplicated, 6), TC_E_REORDERED);
}

static void
test_foreign_chunks(void **state)
{
	struct fixture *f = *state;
	static const int b2[] = { 0, 1, 102, 3, 4 };
	static const int b0[] = { 100, 1, 2, 3, 4 };
	static const int b4[] = { 0, 1, 2, 3, 104 };
	static const int all_b[] = { 100, 101, 102, 103, 104 };

	assert_int_equal(splice_open(f, b2, 5), TC_E_FOREIGN_CHUNK);
	assert_int_equal(splice_open(f, b0, 5), TC_E_FOREIGN_CHUNK);
	assert_int_equal(splice_open(f, b4, 5), TC_E_FOREIGN_CHUNK);
	assert_int_equal(splice_open(f, all_b, 5), TC_E_FOREIGN_CHUNK);
	/* A foreign chunk whose id tag was rewritten to ours is just a bad chunk. */
	{
		uint8_t *buf = malloc(f->a.len + f->b.len);
		size_t len = splice(f, b2, 5, buf);

		memcpy(buf + f->fa[2] + 5, f->a.p + SEAL_OFF_PHOTO_ID, SEAL_IDTAG_LEN);
		assert_int_equal(t_try_open(buf, len, t_k.trust_priv), TC_E_BAD_CHUNK);
		free(buf);
	}
	/* Photo b's header on photo a's chunks: every chunk is foreign. */
	{
		uint8_t *c = copy(&f->a);

		memcpy(c, f->b.p, f->hlen);
		assert_int_equal(t_try_open(c, f->a.len, t_k.trust_priv), TC_E_FOREIGN_CHUNK);
		free(c);
	}
}

static void
test_trailing(void **state)
{
	struct fixture *f = *state;
	uint8_t *c = malloc(2 * f->a.len + 100);
	size_t n;

	assert_non_null(c);
	memcpy(c, f->a.p, f->a.len);
	c[f->a.len] = 0;
	assert_int_equal(t_try_open(c, f->a.len + 1, t_k.trust_priv), TC_E_TRAILING);
	memset(c + f->a.len, 0xee, 100);
	assert_int_equal(t_try_open(c, f->a.len + 100, t_k.trust_priv), TC_E_TRAILING);
	/* A second whole object after the first. */
	memcpy(c + f->a.len, f->a.p, f->a.len);
	assert_int_equal(t_try_open(c, 2 * f->a.len, t_k.trust_priv), TC_E_TRAILING);
	/* A copy of one of our own chunks after the genuine last chunk. */
	n = f->a.len - SEAL_FOOTER_LEN;
	memcpy(c + n, f->a.p + f->fa[1], f->fa[2] - f->fa[1]);
	n += f->fa[2] - f->fa[1];
	memcpy(c + n, f->a.p + f->a.len - SEAL_FOOTER_LEN, SEAL_FOOTER_LEN);
	assert_int_equal(t_try_open(c, n + SEAL_FOOTER_LEN, t_k.trust_priv), TC_E_TRAILING);
	/* Photo b's chunk after the last chunk. */
	n = f->a.len - SEAL_FOOTER_LEN;
	memcpy(c + n, f->b.p + f->fb[1], f->fb[2] - f->fb[1]);
	n += f->fb[2] - f->fb[1];
	memcpy(c + n, f->a.p + f->a.len - SEAL_FOOTER_LEN, SEAL_FOOTER_LEN);
	assert_int_equal(t_try_open(c, n + SEAL_FOOTER_LEN, t_k.trust_priv), TC_E_TRAILING);
	free(c);
}

static void
test_wrong_key(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(t_try_open(f->a.p, f->a.len, t_k.other_priv), TC_E_WRONG_KEY);
	/* The wrong key wins over damage further on: it is checked first. */
	assert_int_equal(t_try_open(f->a.p, f->a.len - 100, t_k.other_priv), TC_E_WRONG_KEY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define BOTH(t) { #t "/chacha20-poly1305", t, setup_chacha, teardown, NULL }, \
		{ #t "/aes-256-gcm", t, setup_gcm, teardown, NULL }
		BOTH(test_intact_opens),
		BOTH(test_header_every_byte),
		BOTH(test_chunk_bytes),
		BOTH(test_truncation),
		BOTH(test_reordering),
		BOTH(test_foreign_chunks),
		BOTH(test_trailing),
		BOTH(test_wrong_key),
#undef BOTH
	};

	return cmocka_run_group_tests_name("crypto_tamper", tests, t_keys_setup, NULL);
}
