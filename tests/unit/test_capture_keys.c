/*
 * test_capture_keys.c - firmware/capture/keys.c, the seal key prepared
 * ahead of the shutter: a key set taken under the settings it was made
 * for seals an object the Trust (and only the recipients of those
 * settings) can open; it is single use; a change of Trust key, footer
 * key or cipher discards it rather than sealing with stale
 * keys; clear wipes it; refilling on one thread while another takes is
 * safe (run under ASan/UBSan by make check-sanitize).
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tc_capture.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_secmem.h"
#include "tc_seal.h"

struct keyset {
	uint8_t trust_priv[TC_P256_PRIV_LEN], trust_pub[TC_P256_PUB_LEN];
	uint8_t other_priv[TC_P256_PRIV_LEN], other_pub[TC_P256_PUB_LEN];
	uint8_t mac[TC_DEVICE_MAC_KEY_LEN], mac2[TC_DEVICE_MAC_KEY_LEN];
	struct tc_capture_settings cs;
	struct tc_capture_keys *k;
};

struct membuf {
	uint8_t *p;
	size_t len, cap;
};

static int
mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > m->cap)
		return -ENOSPC;
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return 0;
}

static int
setup(void **state)
{
	struct keyset *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	assert_int_equal(tc_p256_keygen(s->trust_priv, s->trust_pub), 0);
	assert_int_equal(tc_p256_keygen(s->other_priv, s->other_pub), 0);
	assert_int_equal(tc_random_bytes(s->mac, sizeof(s->mac)), 0);
	assert_int_equal(tc_random_bytes(s->mac2, sizeof(s->mac2)), 0);
	s->cs.trust_pub = s->trust_pub;
	s->cs.device_mac_key = s->mac;
	assert_int_equal(tc_capture_keys_new(&s->k), 0);
	s->cs.keys = s->k;
	*state = s;
	return 0;
}

static int
teardown(void **state)
{
	struct keyset *s = *state;

	tc_capture_keys_free(s->k);
	tc_zeroize(s, sizeof(*s));
	free(s);
	return 0;
}

/* Seal a small JPEG-like payload with prep; 0 if priv opens it to the same bytes. */
static int
seal_and_open(struct tc_seal_prep *prep, const uint8_t *priv)
{
	static const uint8_t payload[] = "\xff\xd8 not really a jpeg \xff\xd9";
	struct membuf m = { .cap = 64 * 1024 };
	struct tc_photo_meta meta, back;
	uint8_t digest[TC_SHA256_LEN], *jpeg = NULL;
	struct tc_seal *seal;
	size_t jlen = 0;
	int rc;

	memset(&meta, 0, sizeof(meta));
	tc_strlcpy(meta.staff_id, "S042", sizeof(meta.staff_id));
	meta.width = meta.height = 8;
	m.p = malloc(m.cap);
	assert_non_null(m.p);
	assert_int_equal(tc_seal_begin_prepared(&seal, prep, &meta, 0, mem_sink, &m), 0);
	assert_int_equal(tc_seal_write(seal, payload, sizeof(payload)), 0);
	assert_int_equal(tc_seal_finish(seal, digest, NULL), 0);
	rc = tc_obj_open(m.p, m.len, priv, &back, &jpeg, &jlen);
	if (rc == 0) {
		assert_int_equal(jlen, sizeof(payload));
		assert_memory_equal(jpeg, payload, jlen);
		tc_secure_free(jpeg);
	}
	free(m.p);
	return rc;
}

static void
test_take_is_single_use(void **state)
{
	struct keyset *s = *state;
	struct tc_seal_prep *prep;

	assert_null(tc_capture_keys_take(s->k, &s->cs));	/* nothing prepared yet */
	assert_int_equal(tc_capture_keys_refill(s->k, &s->cs), 0);
	assert_int_equal(tc_capture_keys_refill(s->k, &s->cs), 0);	/* already ready: kept */
	assert_non_null(prep = tc_capture_keys_take(s->k, &s->cs));
	assert_null(tc_capture_keys_take(s->k, &s->cs));
	assert_int_equal(seal_and_open(prep, s->trust_priv), 0);
}

static void
test_sealed_for_the_trust_only(void **state)
{
	struct keyset *s = *state;
	struct tc_seal_prep *prep;

	assert_int_equal(tc_capture_keys_refill(s->k, &s->cs), 0);
	assert_non_null(prep = tc_capture_keys_take(s->k, &s->cs));
	assert_int_not_equal(seal_and_open(prep, s->other_priv), 0);
}

/* Refill under settings a, take under b: nothing, and the stale set is gone. */
static void
check_discarded(struct keyset *s, const struct tc_capture_settings *a,
		const struct tc_capture_settings *b)
{
	assert_int_equal(tc_capture_keys_refill(s->k, a), 0);
	assert_null(tc_capture_keys_take(s->k, b));
	assert_null(tc_capture_keys_take(s->k, a));
}

static void
test_settings_change_discards(void **state)
{
	struct keyset *s = *state;
	struct tc_capture_settings b;
	struct tc_seal_prep *prep;

	b = s->cs;
	b.trust_pub = s->other_pub;	/* a new Trust key in a new policy */
	check_discarded(s, &s->cs, &b);
	b = s->cs;
	b.device_mac_key = s->mac2;	/* a wipe's new store key */
	check_discarded(s, &s->cs, &b);
	b = s->cs;
	b.aead = TC_AEAD_AES256_GCM;
	s->cs.aead = TC_AEAD_CHACHA20_POLY1305;
	check_discarded(s, &s->cs, &b);
	/* A refill under new settings replaces the old set. */
	assert_int_equal(tc_capture_keys_refill(s->k, &s->cs), 0);
	assert_int_equal(tc_capture_keys_refill(s->k, &b), 0);
	assert_non_null(prep = tc_capture_keys_take(s->k, &b));
	tc_seal_prep_free(prep);
}

static void
test_clear_and_refusals(void **state)
{
	struct keyset *s = *state;
	struct tc_capture_settings bad;

	assert_int_equal(tc_capture_keys_refill(s->k, &s->cs), 0);
	tc_capture_keys_clear(s->k);
	assert_null(tc_capture_keys_take(s->k, &s->cs));
	bad = s->cs;
	bad.trust_pub = NULL;	/* unprovisioned: nothing to seal for */
	assert_int_equal(tc_capture_keys_refill(s->k, &bad), -EINVAL);
	assert_null(tc_capture_keys_take(s->k, &bad));
	assert_int_equal(tc_capture_keys_refill(NULL, &s->cs), -EINVAL);
	assert_null(tc_capture_keys_take(NULL, &s->cs));
	tc_capture_keys_clear(NULL);
	tc_capture_keys_free(NULL);
}

static void *
refiller(void *arg)
{
	struct keyset *s = arg;
	int i;

	for (i = 0; i < 60; i++)
		if (tc_capture_keys_refill(s->k, &s->cs) != 0)
			return (void *)1;
	return NULL;
}

static void
test_concurrent_refill_and_take(void **state)
{
	struct keyset *s = *state;
	struct tc_seal_prep *prep;
	pthread_t t;
	void *ret;
	int i, taken = 0;

	assert_int_equal(pthread_create(&t, NULL, refiller, s), 0);
	for (i = 0; i < 400; i++)
		if ((prep = tc_capture_keys_take(s->k, &s->cs)) != NULL) {
			taken++;
			tc_seal_prep_free(prep);
		}
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_null(ret);
	/* Whatever the interleaving, the last refill left a usable set or one was taken. */
	prep = tc_capture_keys_take(s->k, &s->cs);
	assert_true(prep != NULL || taken > 0);
	if (prep)
		assert_int_equal(seal_and_open(prep, s->trust_priv), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_take_is_single_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sealed_for_the_trust_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settings_change_discards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clear_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_refill_and_take, setup, teardown),
	};

	return cmocka_run_group_tests_name("capture_keys", tests, NULL, NULL);
}
