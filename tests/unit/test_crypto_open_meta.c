/*
 * test_crypto_open_meta.c - firmware/crypto: tc_obj_open_meta, the
 * metadata of an object from its first TC_OBJ_META_PREFIX bytes (what
 * trustadm's review list and sar read for every photo).  It gives the
 * sealed record exactly, for a one-chunk and a many-chunk object and
 * both ciphers; it refuses what tc_obj_open refuses in the part it reads
 * (header, key, chunk 0, foreign chunk 0, a cut before chunk 0 ends) and
 * a prefix shorter than the contract asks; and damage past chunk 0,
 * which only tc_obj_open sees, does not stop it.
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

#define T_BIG (3 * TC_SEAL_CHUNK + 500)

struct fixture {
	struct tc_photo_meta meta;
	struct t_sink small, big, other;	/* other: a second big photo, same keys */
	uint8_t *jpeg;
};

static int
setup(void **state, enum tc_aead aead)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct tc_seal_params p;

	if (!f || !(f->jpeg = t_jpeg(T_BIG, 5)))
		return -1;
	t_meta(&f->meta);
	t_params(&p, aead, 0);
	if (t_seal(&p, &f->meta, f->jpeg, 2000, 0, &f->small, NULL, NULL, NULL) != 0 ||
	    t_seal(&p, &f->meta, f->jpeg, T_BIG, 0, &f->big, NULL, NULL, NULL) != 0 ||
	    t_seal(&p, &f->meta, f->jpeg, T_BIG, 0, &f->other, NULL, NULL, NULL) != 0)
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

	t_sink_free(&f->small);
	t_sink_free(&f->big);
	t_sink_free(&f->other);
	free(f->jpeg);
	free(f);
	return 0;
}

static size_t
prefix_of(const struct t_sink *s)
{
	return s->len < TC_OBJ_META_PREFIX ? s->len : TC_OBJ_META_PREFIX;
}

/* Open the metadata of buf (total bytes) from its prefix; on success it must be f->meta. */
static int
meta_of(const struct fixture *f, const uint8_t *buf, size_t head, size_t total)
{
	struct tc_photo_meta got;
	int rc = tc_obj_open_meta(buf, head, total, t_k.trust_priv, NULL, &got);

	if (rc == 0) {
		assert_memory_equal(&got, &f->meta, sizeof(got));
		/* The same with the public key given. */
		assert_int_equal(tc_obj_open_meta(buf, head, total, t_k.trust_priv, t_k.trust_pub,
						  &got), 0);
	}

	if (rc == 0)
		assert_memory_equal(&got, &f->meta, sizeof(got));
	return rc;
}

static void
test_reads_the_record(void **state)
{
	struct fixture *f = *state;

	assert_true(f->big.len > TC_OBJ_META_PREFIX + TC_SEAL_CHUNK);
	assert_int_equal(meta_of(f, f->small.p, f->small.len, f->small.len), 0);
	assert_int_equal(meta_of(f, f->big.p, prefix_of(&f->big), f->big.len), 0);
	/* More than the prefix is fine too. */
	assert_int_equal(meta_of(f, f->big.p, f->big.len, f->big.len), 0);
}

static void
test_refusals(void **state)
{
	struct fixture *f = *state;
	size_t n = prefix_of(&f->big), hlen;
	struct tc_obj_info info;
	struct tc_photo_meta m;
	uint8_t *c = malloc(f->big.len);

	assert_non_null(c);
	assert_int_equal(tc_obj_parse_header(f->big.p, f->big.len, &info), 0);
	hlen = info.header_len;
	assert_int_equal(tc_obj_open_meta(f->big.p, n, f->big.len, t_k.other_priv, NULL, &m),
			 TC_E_WRONG_KEY);
	/* A public key that is not the private key's. */
	assert_int_not_equal(tc_obj_open_meta(f->big.p, n, f->big.len, t_k.trust_priv, t_k.other_pub,
					      &m), 0);
	assert_int_not_equal(tc_obj_open_meta(f->big.p, n, f->big.len, t_k.other_priv,
					      t_k.trust_pub, &m), 0);
	/* A prefix shorter than the contract asks is the caller's error. */
	assert_int_equal(meta_of(f, f->big.p, 1000, f->big.len), -EINVAL);
	assert_int_equal(meta_of(f, f->big.p, n, n - 1), -EINVAL);
	/* An object cut inside chunk 0. */
	assert_int_equal(meta_of(f, f->big.p, 1000, 1000), TC_E_TRUNCATED);
	assert_int_equal(meta_of(f, f->small.p, f->small.len - 40, f->small.len - 40),
			 TC_E_TRUNCATED);
	/* Header and chunk 0 bytes, as tc_obj_open reads them. */
	memcpy(c, f->big.p, f->big.len);
	c[SEAL_OFF_CREATED] ^= 1;
	assert_int_equal(meta_of(f, c, n, f->big.len), TC_E_BAD_HEADER);
	memcpy(c, f->big.p, f->big.len);
	c[hlen + SEAL_FRAME_HDR + 10] ^= 0x40;
	assert_int_equal(meta_of(f, c, n, f->big.len), TC_E_BAD_CHUNK);
	assert_int_equal(t_try_open(c, f->big.len, t_k.trust_priv), TC_E_BAD_CHUNK);
	memcpy(c, f->big.p, f->big.len);
	c[hlen + 4] = SEAL_FLAG_LAST;	/* a forged last flag: the nonce differs */
	assert_int_not_equal(meta_of(f, c, n, f->big.len), 0);
	/* Chunk 0 of another photo under this photo's header. */
	memcpy(c, f->big.p, f->big.len);
	memcpy(c + hlen, f->other.p + hlen, SEAL_FRAME_MAX);
	assert_int_equal(meta_of(f, c, n, f->big.len), TC_E_FOREIGN_CHUNK);
	free(c);
}

static void
test_damage_past_chunk0(void **state)
{
	struct fixture *f = *state;
	uint8_t *c = malloc(f->big.len);

	assert_non_null(c);
	memcpy(c, f->big.p, f->big.len);
	c[TC_OBJ_META_PREFIX + 100] ^= 0x01;
	/* Not read here; tc_obj_open, which every JPEG export uses, refuses it. */
	assert_int_equal(meta_of(f, c, prefix_of(&f->big), f->big.len), 0);
	assert_int_not_equal(t_try_open(c, f->big.len, t_k.trust_priv), 0);
	free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define BOTH(t) { #t "/chacha20-poly1305", t, setup_chacha, teardown, NULL }, \
		{ #t "/aes-256-gcm", t, setup_gcm, teardown, NULL }
		BOTH(test_reads_the_record),
		BOTH(test_refusals),
		BOTH(test_damage_past_chunk0),
#undef BOTH
	};

	return cmocka_run_group_tests_name("crypto_open_meta", tests, t_keys_setup, NULL);
}
