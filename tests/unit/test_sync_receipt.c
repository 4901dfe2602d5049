/*
 * test_sync_receipt.c - firmware/sync: the signed receipt.  Round trip,
 * the documented byte layout, each error kept apart (format, signature,
 * field mismatch), every truncation and every single-byte change of a
 * real receipt, random garbage, and the signer's own refusals.  Buffers
 * are exact-size heap copies so ASan catches any overread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_receipt.h"
#include "tc_seal.h"

static uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN];
static uint8_t other_priv[TC_P256_PRIV_LEN], other_pub[TC_P256_PUB_LEN];
static struct tc_receipt base;

static int
group_setup(void **state)
{
	(void)state;
	if (tc_p256_keygen(priv, pub) != 0 || tc_p256_keygen(other_priv, other_pub) != 0)
		return -1;
	memset(&base, 0, sizeof(base));
	tc_strlcpy(base.device_id, "D-0123456789abcdef", sizeof(base.device_id));
	if (tc_random_bytes(base.photo_id, sizeof(base.photo_id)) != 0 ||
	    tc_random_bytes(base.digest, sizeof(base.digest)) != 0)
		return -1;
	base.size = 5242880 + 123;
	base.ledger_seq = 42;
	base.server_time_us = 1764000000123456ULL;
	return 0;
}

static uint8_t *
copy(const uint8_t *p, size_t len)
{
	uint8_t *q = malloc(len ? len : 1);

	assert_non_null(q);
	if (len)
		memcpy(q, p, len);
	return q;
}

static size_t
sign_base(uint8_t out[TC_RECEIPT_MAX])
{
	size_t len = 0;

	assert_int_equal(tc_receipt_sign(&base, priv, out, &len), 0);
	assert_true(len > 0 && len <= TC_RECEIPT_MAX);
	return len;
}

static int
verify(const uint8_t *buf, size_t len, struct tc_receipt *out)
{
	uint8_t *c = copy(buf, len);
	int rc = tc_receipt_verify(c, len, pub, base.device_id, base.photo_id, base.digest,
				   base.size, out);

	free(c);
	return rc;
}

static void
test_roundtrip(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX];
	struct tc_receipt out;
	size_t len;

	(void)state;
	len = sign_base(buf);
	assert_int_equal(verify(buf, len, &out), 0);
	assert_string_equal(out.device_id, base.device_id);
	assert_memory_equal(out.photo_id, base.photo_id, TC_PHOTO_ID_LEN);
	assert_memory_equal(out.digest, base.digest, TC_SHA256_LEN);
	assert_true(out.size == base.size);
	assert_true(out.ledger_seq == 42);
	assert_true(out.server_time_us == base.server_time_us);
	/* out may be NULL */
	assert_int_equal(verify(buf, len, NULL), 0);
	/* parse: same fields without a key */
	memset(&out, 0xaa, sizeof(out));
	assert_int_equal(tc_receipt_parse(buf, len, &out), 0);
	assert_true(out.ledger_seq == 42);
	assert_string_equal(out.device_id, base.device_id);
}

/* The layout README.md documents, byte by byte. */
static void
test_layout(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX];
	size_t len, idlen = strlen(base.device_id), off;

	(void)state;
	len = sign_base(buf);
	assert_memory_equal(buf, "TCRC", 4);
	assert_int_equal(buf[4], 1);
	assert_int_equal(buf[5], idlen);
	assert_memory_equal(buf + 6, base.device_id, idlen);
	off = 6 + idlen;
	assert_memory_equal(buf + off, base.photo_id, 16);
	assert_memory_equal(buf + off + 16, base.digest, 32);
	assert_true(tc_get_be64(buf + off + 48) == base.size);
	assert_true(tc_get_be64(buf + off + 56) == base.ledger_seq);
	assert_true(tc_get_be64(buf + off + 64) == base.server_time_us);
	assert_int_equal(tc_get_be16(buf + off + 72), len - (off + 74));
	assert_int_equal(buf[off + 74], 0x30);	/* a DER SEQUENCE */
	assert_true(len - (off + 74) >= 8 && len - (off + 74) <= 72);
}

static void
test_wrong_key(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX], junk[TC_P256_PUB_LEN];
	struct tc_receipt out;
	size_t len;

	(void)state;
	len = sign_base(buf);
	memset(&out, 0xaa, sizeof(out));
	assert_int_equal(tc_receipt_verify(buf, len, other_pub, base.device_id, base.photo_id,
					   base.digest, base.size, &out),
			 TC_E_RECEIPT_SIGNATURE);
	assert_true(out.ledger_seq == 0 && out.device_id[0] == '\0');	/* zeroed on failure */
	/* a public key that is no point on the curve */
	memset(junk, 0, sizeof(junk));
	junk[0] = 4;
	assert_int_equal(tc_receipt_verify(buf, len, junk, base.device_id, base.photo_id,
					   base.digest, base.size, NULL),
			 TC_E_RECEIPT_SIGNATURE);
	/* signed by another key, verified with ours */
	assert_int_equal(tc_receipt_sign(&base, other_priv, buf, &len), 0);
	assert_int_equal(verify(buf, len, NULL), TC_E_RECEIPT_SIGNATURE);
}

/*
 * One loaded key for a pass's receipts: its cached curve table must give
 * the same verdicts as a fresh key, receipt after receipt, good ones
 * after bad ones included.
 */
static void
test_loaded_key(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX], junk[TC_P256_PUB_LEN], *c;
	struct tc_receipt_key *k = NULL, *bad = (struct tc_receipt_key *)1;
	struct tc_receipt r = base, out;
	size_t len, i;

	(void)state;
	memset(junk, 0, sizeof(junk));
	junk[0] = 4;
	assert_int_equal(tc_receipt_key_load(&bad, junk), TC_E_RECEIPT_SIGNATURE);
	assert_null(bad);
	assert_int_equal(tc_receipt_key_load(&k, pub), 0);
	for (i = 0; i < 8; i++) {
		r.ledger_seq = 100 + i;
		r.photo_id[0] = (uint8_t)i;
		assert_int_equal(tc_receipt_sign(&r, i % 3 == 2 ? other_priv : priv, buf, &len), 0);
		if (i % 4 == 1)
			buf[len - 5] ^= 0x10;	/* inside the signature's s */
		c = copy(buf, len);
		memset(&out, 0xaa, sizeof(out));
		assert_int_equal(tc_receipt_verify_key(k, c, len, r.device_id, r.photo_id, r.digest,
						       r.size, &out),
				 tc_receipt_verify(c, len, pub, r.device_id, r.photo_id, r.digest,
						   r.size, NULL));
		if (i % 4 == 1 || i % 3 == 2) {
			assert_true(out.ledger_seq == 0);	/* zeroed on failure */
		} else {
			assert_true(out.ledger_seq == 100 + i);
			assert_int_equal(tc_receipt_verify_key(k, c, len, r.device_id, r.photo_id,
							       r.digest, r.size + 1, NULL),
					 TC_E_RECEIPT_MISMATCH);
		}
		free(c);
	}
	assert_int_equal(tc_receipt_verify_key(NULL, buf, len, r.device_id, r.photo_id, r.digest,
					       r.size, NULL), -EINVAL);
	tc_receipt_key_free(k);
	tc_receipt_key_free(NULL);
}

static void
test_field_mismatch(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX], id[TC_PHOTO_ID_LEN], dg[TC_SHA256_LEN];
	size_t len;

	(void)state;
	len = sign_base(buf);
	memcpy(id, base.photo_id, sizeof(id));
	id[15] ^= 1;
	memcpy(dg, base.digest, sizeof(dg));
	dg[0] ^= 0x80;
	assert_int_equal(tc_receipt_verify(buf, len, pub, "D-0123456789abcdee", base.photo_id,
					   base.digest, base.size, NULL),
			 TC_E_RECEIPT_MISMATCH);
	assert_int_equal(tc_receipt_verify(buf, len, pub, "D-0123456789abcdef0", base.photo_id,
					   base.digest, base.size, NULL),
			 TC_E_RECEIPT_MISMATCH);
	assert_int_equal(tc_receipt_verify(buf, len, pub, base.device_id, id, base.digest,
					   base.size, NULL),
			 TC_E_RECEIPT_MISMATCH);
	assert_int_equal(tc_receipt_verify(buf, len, pub, base.device_id, base.photo_id, dg,
					   base.size, NULL),
			 TC_E_RECEIPT_MISMATCH);
	assert_int_equal(tc_receipt_verify(buf, len, pub, base.device_id, base.photo_id,
					   base.digest, base.size - 1, NULL),
			 TC_E_RECEIPT_MISMATCH);
	assert_int_equal(tc_receipt_verify(buf, len, pub, base.device_id, base.photo_id,
					   base.digest, base.size + (1ULL << 32), NULL),
			 TC_E_RECEIPT_MISMATCH);
}

/* Every prefix, and one byte too many, is a format error. */
static void
test_truncations(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX + 1];
	size_t len, n;

	(void)state;
	len = sign_base(buf);
	for (n = 0; n < len; n++)
		assert_int_equal(verify(buf, n, NULL), TC_E_RECEIPT_FORMAT);
	buf[len] = 0;
	assert_int_equal(verify(buf, len + 1, NULL), TC_E_RECEIPT_FORMAT);
	assert_int_equal(tc_receipt_parse(buf, len + 1, NULL), TC_E_RECEIPT_FORMAT);
}

/*
 * Every single-bit change of every byte is refused.  Changes to the
 * signed fields that keep the framing are signature failures (never a
 * mismatch: the signature is checked before the fields).
 */
static void
test_every_byte(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX], t[TC_RECEIPT_MAX];
	size_t len, i, idlen = strlen(base.device_id), fields_end = 6 + idlen + 72;
	int bit, rc;

	(void)state;
	len = sign_base(buf);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(t, buf, len);
			t[i] ^= (uint8_t)(1u << bit);
			rc = verify(t, len, NULL);
			assert_int_not_equal(rc, 0);
			if (i >= 6 + idlen && i < fields_end)
				assert_int_equal(rc, TC_E_RECEIPT_SIGNATURE);
			else
				assert_true(rc == TC_E_RECEIPT_FORMAT || rc == TC_E_RECEIPT_SIGNATURE);
			if (i < 5)
				assert_int_equal(rc, TC_E_RECEIPT_FORMAT);	/* magic, version */
		}
	}
}

static void
test_garbage(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX + 64], good[TC_RECEIPT_MAX];
	size_t len, glen;
	int i;

	(void)state;
	glen = sign_base(good);
	for (i = 0; i < 3000; i++) {
		assert_int_equal(tc_random_bytes(buf, sizeof(buf)), 0);
		len = buf[0] % sizeof(buf);
		if (i % 3 == 0) {
			/* a plausible start, so parsing goes deeper */
			memcpy(buf, good, len < glen ? len : glen);
			buf[len > 20 ? 20 : 0] ^= (uint8_t)(1 + i % 255);
		}
		assert_int_not_equal(verify(buf, len, NULL), 0);
	}
}

static void
test_sign_refusals(void **state)
{
	uint8_t buf[TC_RECEIPT_MAX], zero[TC_P256_PRIV_LEN], ff[TC_P256_PRIV_LEN];
	struct tc_receipt r = base;
	size_t len;

	(void)state;
	r.device_id[0] = '\0';
	assert_int_equal(tc_receipt_sign(&r, priv, buf, &len), -EINVAL);
	r = base;
	tc_strlcpy(r.device_id, "D-01 space", sizeof(r.device_id));
	assert_int_equal(tc_receipt_sign(&r, priv, buf, &len), -EINVAL);
	r = base;
	memset(r.device_id, 'x', sizeof(r.device_id));	/* no NUL within 64 bytes */
	assert_int_equal(tc_receipt_sign(&r, priv, buf, &len), -EINVAL);
	r = base;
	r.ledger_seq = 0;
	assert_int_equal(tc_receipt_sign(&r, priv, buf, &len), -EINVAL);
	memset(zero, 0, sizeof(zero));
	memset(ff, 0xff, sizeof(ff));	/* above the group order */
	assert_int_equal(tc_receipt_sign(&base, zero, buf, &len), TC_E_CRYPTO);
	assert_int_equal(tc_receipt_sign(&base, ff, buf, &len), TC_E_CRYPTO);
	/* the longest id fits TC_RECEIPT_MAX */
	r = base;
	memset(r.device_id, 'Z', TC_RECEIPT_ID_MAX - 1);
	r.device_id[TC_RECEIPT_ID_MAX - 1] = '\0';
	assert_int_equal(tc_receipt_sign(&r, priv, buf, &len), 0);
	assert_true(len <= TC_RECEIPT_MAX);
	assert_int_equal(tc_receipt_verify(buf, len, pub, r.device_id, r.photo_id, r.digest,
					   r.size, NULL), 0);
}

static void
test_pubkey(void **state)
{
	uint8_t p[TC_P256_PUB_LEN], zero[TC_P256_PRIV_LEN];

	(void)state;
	assert_int_equal(tc_receipt_pubkey(priv, p), 0);
	assert_memory_equal(p, pub, sizeof(p));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(tc_receipt_pubkey(zero, p), TC_E_CRYPTO);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wrong_key),
		cmocka_unit_test(test_loaded_key),
		cmocka_unit_test(test_field_mismatch),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_sign_refusals),
		cmocka_unit_test(test_pubkey),
	};
	return cmocka_run_group_tests_name("sync_receipt", tests, group_setup, NULL);
}
