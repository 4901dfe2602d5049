/*
 * test_crypto_util.h - fixtures shared by the tests/unit/test_crypto_*.c
 * programs: keys, a memory sink, test payloads and a one-call seal.
 *
 * Header-only (static functions) because each test is its own program
 * and this folder's support/ belongs to every module.  Test payloads
 * start like a JFIF file and carry the TRUSTCAM-TEST-PLAINTEXT marker, so
 * the suite's plaintext scanner would catch one that reached the disk.
 */
#ifndef TEST_CRYPTO_UTIL_H
#define TEST_CRYPTO_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>

#include "seal_int.h"
#include "tc_secmem.h"
#include "tc_seal.h"

#define T_5MB (5u * 1024 * 1024)

struct t_keys {
	uint8_t trust_priv[TC_P256_PRIV_LEN], trust_pub[TC_P256_PUB_LEN];
	uint8_t review_priv[TC_P256_PRIV_LEN], review_pub[TC_P256_PUB_LEN];
	uint8_t other_priv[TC_P256_PRIV_LEN], other_pub[TC_P256_PUB_LEN];
	uint8_t mac_key[TC_DEVICE_MAC_KEY_LEN];
};

static struct t_keys t_k;

static __attribute__((unused)) int
t_keys_setup(void **state)
{
	(void)state;
	if (tc_p256_keygen(t_k.trust_priv, t_k.trust_pub) != 0 ||
	    tc_p256_keygen(t_k.review_priv, t_k.review_pub) != 0 ||
	    tc_p256_keygen(t_k.other_priv, t_k.other_pub) != 0)
		return -1;
	memset(t_k.mac_key, 0x5a, sizeof(t_k.mac_key));
	return 0;
}

/* A growing buffer that receives sealed bytes; fail_at = nth call fails. */
struct t_sink {
	uint8_t *p;
	size_t len, cap;
	unsigned calls, fail_at;
	int fail_rc;
};

static int
t_sink_fn(void *ctx, const void *buf, size_t len)
{
	struct t_sink *s = ctx;

	if (++s->calls == s->fail_at)
		return s->fail_rc;
	if (s->len + len > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		uint8_t *np;

		while (cap < s->len + len)
			cap *= 2;
		if (!(np = realloc(s->p, cap)))
			return -ENOMEM;
		s->p = np;
		s->cap = cap;
	}
	memcpy(s->p + s->len, buf, len);
	s->len += len;
	return 0;
}

static __attribute__((unused)) void
t_sink_free(struct t_sink *s)
{
	free(s->p);
	memset(s, 0, sizeof(*s));
}

/* Deterministic fake JPEG: JFIF start, the plaintext marker, then noise. */
static __attribute__((unused)) uint8_t *
t_jpeg(size_t len, uint32_t seed)
{
	static const uint8_t head[] = { 0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0 };
	static const char marker[] = "TRUSTCAM-TEST-PLAINTEXT";
	uint8_t *p = malloc(len ? len : 1);
	uint32_t x = seed * 2654435761u + 1;
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	memcpy(p, head, len < sizeof(head) ? len : sizeof(head));
	if (len > sizeof(head) + sizeof(marker))
		memcpy(p + sizeof(head), marker, sizeof(marker) - 1);
	return p;
}

static __attribute__((unused)) void
t_meta(struct tc_photo_meta *m)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->event_id, sizeof(m->event_id), "sports-day-2025");
	snprintf(m->staff_id, sizeof(m->staff_id), "staff-0042");
	m->n_pupils = 2;
	snprintf(m->pupil_refs[0], sizeof(m->pupil_refs[0]), "p-7f3a");
	snprintf(m->pupil_refs[1], sizeof(m->pupil_refs[1]), "p-19c2");
	m->n_platforms = 1;
	snprintf(m->platforms[0], sizeof(m->platforms[0]), "website");
	m->capture_time_us = 1760000000123456ull;
	m->width = 4056;
	m->height = 3040;
	snprintf(m->sensor_mode, sizeof(m->sensor_mode), "4056x3040-NV12");
}

static __attribute__((unused)) void
t_params(struct tc_seal_params *p, enum tc_aead aead, int review)
{
	memset(p, 0, sizeof(*p));
	p->aead = aead;
	p->trust_pub = t_k.trust_pub;
	p->review_pub = review ? t_k.review_pub : NULL;
	p->device_mac_key = t_k.mac_key;
}

/*
 * Seal jpeg[0..len) into sink, in pieces of step bytes (0: one write;
 * (size_t)-1: a cycle of odd sizes).  Returns the first error.
 */
/*
 * Write len bytes of jpeg to s in pieces of step (0: one write;
 * (size_t)-1: a cycle of odd sizes across chunk edges); aborts s on an
 * error and returns it.  *threaded (if not NULL): whether the seal's
 * hasher thread ran.
 */
static __attribute__((unused)) int
t_write_steps(struct tc_seal *s, const uint8_t *jpeg, size_t len, size_t step, int *threaded)
{
	static const size_t odd[] = { 1, 7, 4093, 65537, 13, 65535, 2, 100003, 65536, 3 };
	size_t off = 0, n, k = 0;
	int rc;

	if (threaded)
		*threaded = 0;
	while (off < len) {
		n = step == 0 ? len : step == (size_t)-1 ? odd[k++ % 10] : step;
		if (n > len - off)
			n = len - off;
		if ((rc = tc_seal_write(s, jpeg + off, n)) != 0) {
			tc_seal_abort(s);
			return rc;
		}
		if (threaded)
			*threaded |= seal_threaded(s);
		off += n;
	}
	return 0;
}

static __attribute__((unused)) int
t_seal(const struct tc_seal_params *p, const struct tc_photo_meta *m, const uint8_t *jpeg,
       size_t len, size_t step, struct t_sink *sink, uint8_t digest[TC_SHA256_LEN],
       uint64_t *sealed_len, uint8_t id[TC_PHOTO_ID_LEN])
{
	struct tc_seal *s = NULL;
	uint8_t dig[TC_SHA256_LEN];
	uint64_t sl;
	int rc;

	if ((rc = tc_seal_begin(&s, p, m, t_sink_fn, sink)) != 0)
		return rc;
	if (id)
		tc_seal_photo_id(s, id);
	if ((rc = t_write_steps(s, jpeg, len, step, NULL)) != 0)
		return rc;
	return tc_seal_finish(s, digest ? digest : dig, sealed_len ? sealed_len : &sl);
}

/* obj opens with priv to exactly jpeg and meta (include cmocka.h first). */
static __attribute__((unused)) void
t_expect_opens(const struct t_sink *obj, const uint8_t *priv, const struct tc_photo_meta *meta,
	       const uint8_t *jpeg, size_t len)
{
	struct tc_photo_meta got;
	uint8_t *out = NULL;
	size_t out_len = 0;

	assert_int_equal(tc_obj_open(obj->p, obj->len, priv, &got, &out, &out_len), 0);
	assert_non_null(out);
	assert_int_equal(out_len, len);
	if (len > 0)
		assert_memory_equal(out, jpeg, len);
	assert_memory_equal(&got, meta, sizeof(got));
	tc_secure_free(out);
}

/* Open buf with priv; return the code (freeing any result; include cmocka.h first). */
static __attribute__((unused)) int
t_try_open(const uint8_t *buf, size_t len, const uint8_t *priv)
{
	struct tc_photo_meta m;
	uint8_t *jpeg = NULL;
	size_t jl = 0;
	int rc = tc_obj_open(buf, len, priv, &m, &jpeg, &jl);

	if (rc == 0)
		tc_secure_free(jpeg);
	else
		assert_null(jpeg);
	return rc;
}

static __attribute__((unused)) void
t_sha256(const void *buf, size_t len, uint8_t out[TC_SHA256_LEN])
{
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, len, out) != 0)
		memset(out, 0, TC_SHA256_LEN);
}

/* Offsets of every frame of a well-formed object; returns the count. */
static __attribute__((unused)) size_t
t_frames(const uint8_t *obj, size_t len, size_t *offs, size_t max)
{
	struct tc_obj_info info;
	size_t off, n = 0;

	if (tc_obj_parse_header(obj, len, &info) != 0)
		return 0;
	off = info.header_len;
	while (off + SEAL_FRAME_HDR <= len && n < max) {
		uint32_t flen = ((uint32_t)obj[off] << 24) | ((uint32_t)obj[off + 1] << 16) |
				((uint32_t)obj[off + 2] << 8) | obj[off + 3];

		offs[n++] = off;
		if (obj[off + 4] & SEAL_FLAG_LAST)
			break;
		off += SEAL_FRAME_OVERHEAD + flen;
	}
	return n;
}

#endif /* TEST_CRYPTO_UTIL_H */
