/*
 * test_policy_bundle.c - firmware/policy: the bundle envelope.
 *
 * A policy survives encode -> sign -> verify unchanged; every byte of the
 * framing, the certificate and the signature, flipped, gives its own
 * error; a payload edited after signing is refused as a bad signature
 * without jansson ever being called; every truncation is refused as
 * malformed (under ASan in check-sanitize, so an overread would show);
 * bad arguments and failed allocations come back as clean errors.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <jansson.h>

#include "tc_fault.h"
#include "tc_io.h"
#include "test_policy_util.h"

/* Every allocation jansson makes in this process: nonzero means it parsed. */
static unsigned long jansson_allocs;

static void *
count_malloc(size_t n)
{
	jansson_allocs++;
	return malloc(n);
}

/* The envelope's spans, found the way the README describes them. */
struct spans {
	size_t plen_at, payload_at, plen;
	size_t clen_at, cert_at, clen;
	size_t slen_at, sig_at, slen;
};

static void
spans_of(const uint8_t *b, size_t len, struct spans *s)
{
	s->plen_at = 8;
	s->payload_at = 12;
	s->plen = tc_get_be32(b + 8);
	s->clen_at = s->payload_at + s->plen;
	s->cert_at = s->clen_at + 4;
	s->clen = tc_get_be32(b + s->clen_at);
	s->slen_at = s->cert_at + s->clen;
	s->sig_at = s->slen_at + 2;
	s->slen = tc_get_be16(b + s->slen_at);
	assert_int_equal(s->sig_at + s->slen, len);
}

/* An independent reading of the README's framing rules. */
static bool
framing_sound(const uint8_t *b, size_t len)
{
	uint64_t off = 12, n;

	if (len < 12 || memcmp(b, "TCPB\x01\0\0\0", 8) != 0)
		return false;
	n = tc_get_be32(b + 8);
	if (n < 1 || n > 1024 * 1024 || off + n + 4 > len)
		return false;
	off += n;
	n = tc_get_be32(b + off);
	off += 4;
	if (n < 1 || n > 16 * 1024 || off + n + 2 > len)
		return false;
	off += n;
	n = tc_get_be16(b + off);
	off += 2;
	return n >= 1 && n <= 72 && off + n == len;
}

/* rc of the fixture's bundle with byte i xor mask. */
static int
verify_flipped(const struct pfx *f, size_t i, uint8_t mask)
{
	uint8_t *b = malloc(f->len);
	int rc;

	assert_non_null(b);
	memcpy(b, f->bundle, f->len);
	b[i] ^= mask;
	rc = pfx_verify(f, b, f->len);
	if (rc == TC_E_POLICY_FORMAT)
		assert_false(framing_sound(b, f->len));
	free(b);
	return rc;
}

static void
test_round_trip(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out = NULL;
	uint8_t *j1 = NULL, *j2 = NULL;
	size_t l1 = 0, l2 = 0;

	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, f->k.device_id, 0,
					  f->now, &out), 0);
	assert_non_null(out);
	pfx_assert_equal(out, f->p);
	/*
	 * Encoding is deterministic: the decoded policy, its staff table still
	 * sealed, encodes to the very payload signed (sealing itself is not:
	 * each seal draws a fresh ephemeral key).
	 */
	assert_int_equal(tc_policy_encode(out, &j2, &l2), 0);
	assert_int_equal(tc_get_be32(f->bundle + 8), l2);
	assert_memory_equal(f->bundle + 12, j2, l2);
	assert_int_equal(tc_policy_encode(f->p, &j1, &l1), 0);
	assert_memory_not_equal(j1, j2, l1 < l2 ? l1 : l2);
	tc_free(j1);
	tc_free(j2);
	/* Opened, the staff table matches what the Trust sealed. */
	assert_int_equal(tc_policy_open(out, &f->dev), 0);
	pfx_assert_equal(out, f->p);
	tc_policy_free(out);

	/* trustadm's own check: no device id. */
	out = NULL;
	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, NULL, 0, f->now,
					  &out), 0);
	assert_string_equal(out->device_id, f->k.device_id);
	tc_policy_free(out);
}

static void
test_envelope_layout(void **state)
{
	struct pfx *f = *state;
	struct spans s;
	uint8_t *der = NULL;
	size_t dlen = 0;

	assert_memory_equal(f->bundle, "TCPB\x01\0\0\0", 8);
	spans_of(f->bundle, f->len, &s);
	assert_int_equal(f->bundle[s.payload_at], '{');
	assert_int_equal(pki_crt_der(f->k.signer.crt_pem, &der, &dlen), 0);
	assert_int_equal(s.clen, dlen);
	assert_memory_equal(f->bundle + s.cert_at, der, dlen);
	assert_true(s.slen >= 8 && s.slen <= 72);
	free(der);
}

static void
test_framing_flips(void **state)
{
	static const uint8_t masks[] = { 0x01, 0x80, 0xff };
	struct pfx *f = *state;
	size_t at[4][2];
	struct spans s;
	size_t r, i, m;
	int rc;

	spans_of(f->bundle, f->len, &s);
	at[0][0] = 0;				/* magic, format, zeros */
	at[0][1] = 8;
	at[1][0] = s.plen_at;
	at[1][1] = s.plen_at + 4;
	at[2][0] = s.clen_at;
	at[2][1] = s.clen_at + 4;
	at[3][0] = s.slen_at;
	at[3][1] = s.slen_at + 2;
	for (r = 0; r < 4; r++)
		for (i = at[r][0]; i < at[r][1]; i++)
			for (m = 0; m < sizeof(masks); m++) {
				rc = verify_flipped(f, i, masks[m]);
				/* A flipped length that happens to frame soundly must
				 * still fail, at the certificate or the signature. */
				if (rc != TC_E_POLICY_FORMAT)
					assert_true(rc == TC_E_POLICY_SIGNER ||
						    rc == TC_E_POLICY_SIGNATURE);
			}
	/* The header alone is never sound once flipped. */
	for (i = 0; i < 8; i++)
		assert_int_equal(verify_flipped(f, i, 0x01), TC_E_POLICY_FORMAT);
	assert_int_equal(verify_flipped(f, s.slen_at + 1, 0x01), TC_E_POLICY_FORMAT);
}

static void
test_cert_flips(void **state)
{
	struct pfx *f = *state;
	struct spans s;
	size_t i;

	spans_of(f->bundle, f->len, &s);
	for (i = s.cert_at; i < s.cert_at + s.clen; i++) {
		if (verify_flipped(f, i, 0x01) != TC_E_POLICY_SIGNER)
			fail_msg("flipping certificate byte %zu: expected TC_E_POLICY_SIGNER",
				 i - s.cert_at);
	}
}

static void
test_signature_flips(void **state)
{
	struct pfx *f = *state;
	struct spans s;
	size_t i;

	spans_of(f->bundle, f->len, &s);
	for (i = s.sig_at; i < s.sig_at + s.slen; i++) {
		if (verify_flipped(f, i, 0x01) != TC_E_POLICY_SIGNATURE ||
		    verify_flipped(f, i, 0xff) != TC_E_POLICY_SIGNATURE)
			fail_msg("flipping signature byte %zu: expected TC_E_POLICY_SIGNATURE",
				 i - s.sig_at);
	}
}

static void
test_payload_tampered_never_parsed(void **state)
{
	struct pfx *f = *state;
	unsigned long before;
	struct spans s;
	size_t i, step;
	uint8_t *b;
	char *v;

	spans_of(f->bundle, f->len, &s);
	step = s.plen / 97 + 1;
	for (i = s.payload_at; i < s.payload_at + s.plen; i += step) {
		before = jansson_allocs;
		if (verify_flipped(f, i, 0x01) != TC_E_POLICY_SIGNATURE)
			fail_msg("flipping payload byte %zu: expected TC_E_POLICY_SIGNATURE",
				 i - s.payload_at);
		assert_int_equal(jansson_allocs, before);
	}
	/* A meaningful edit: the version, 1 -> 9. */
	b = malloc(f->len);
	assert_non_null(b);
	memcpy(b, f->bundle, f->len);
	v = memmem(b + s.payload_at, s.plen, "\"version\":1,", 12);
	assert_non_null(v);
	v[10] = '9';
	before = jansson_allocs;
	assert_int_equal(pfx_verify(f, b, f->len), TC_E_POLICY_SIGNATURE);
	assert_int_equal(jansson_allocs, before);
	free(b);
	/* And the untouched bundle does reach jansson. */
	assert_int_equal(pfx_verify(f, f->bundle, f->len), 0);
	assert_true(jansson_allocs > before);
}

static void
test_signed_garbage_is_format(void **state)
{
	struct pfx *f = *state;
	uint8_t *b = NULL;
	size_t len = 0;

	/* Correctly signed, not JSON: the signature passes, the parse fails... */
	pfx_sign_json(f, "{\"format\":1,", &b, &len);
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_FORMAT);
	/* ...while the same bytes tampered with are a signature failure. */
	b[13] ^= 0x20;
	assert_int_equal(pfx_verify(f, b, len), TC_E_POLICY_SIGNATURE);
	tc_free(b);
}

static void
test_truncated_everywhere(void **state)
{
	struct pfx *f = *state;
	uint8_t *b;
	size_t cut;

	for (cut = 0; cut < f->len; cut++) {
		/* An exact-size copy, so ASan sees any read past the cut. */
		b = malloc(cut ? cut : 1);
		assert_non_null(b);
		memcpy(b, f->bundle, cut);
		if (pfx_verify(f, b, cut) != TC_E_POLICY_FORMAT)
			fail_msg("bundle cut at %zu of %zu: expected TC_E_POLICY_FORMAT", cut,
				 f->len);
		free(b);
	}
}

static void
test_trailing_and_oversize(void **state)
{
	struct pfx *f = *state;
	size_t big = TC_POLICY_BUNDLE_MAX + 1;
	uint8_t *b = calloc(1, big);

	assert_non_null(b);
	memcpy(b, f->bundle, f->len);
	assert_int_equal(pfx_verify(f, b, f->len + 1), TC_E_POLICY_FORMAT);
	assert_int_equal(pfx_verify(f, b, big), TC_E_POLICY_FORMAT);
	free(b);
}

static void
test_bad_arguments(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out = NULL;
	uint8_t *b = NULL, *huge;
	size_t len = 0;

	assert_int_equal(tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, NULL, 0, f->now,
					  NULL), -EINVAL);
	assert_int_equal(tc_policy_verify(NULL, f->len, f->k.ca.crt_pem, NULL, 0, f->now, &out),
			 -EINVAL);
	assert_int_equal(tc_policy_verify(f->bundle, f->len, NULL, NULL, 0, f->now, &out),
			 -EINVAL);
	assert_int_equal(tc_policy_verify(f->bundle, f->len, "not a certificate", NULL, 0,
					  f->now, &out), -EINVAL);
	assert_null(out);

	assert_int_equal(tc_policy_sign((const uint8_t *)"{}", 0, f->k.signer.key_pem,
					f->k.signer.crt_pem, &b, &len), -EINVAL);
	assert_int_equal(tc_policy_sign((const uint8_t *)"{}", 2, NULL, f->k.signer.crt_pem, &b,
					&len), -EINVAL);
	/* A key that does not belong to the certificate would make an unusable bundle. */
	assert_int_equal(tc_policy_sign((const uint8_t *)"{}", 2, f->k.ca.key_pem,
					f->k.signer.crt_pem, &b, &len), -EINVAL);
	assert_int_equal(tc_policy_sign((const uint8_t *)"{}", 2, f->k.signer.key_pem,
					"garbage", &b, &len), -EINVAL);
	assert_null(b);
	huge = calloc(1, TC_POLICY_BUNDLE_MAX);
	assert_non_null(huge);
	assert_int_equal(tc_policy_sign(huge, TC_POLICY_BUNDLE_MAX, f->k.signer.key_pem,
					f->k.signer.crt_pem, &b, &len), -EFBIG);
	free(huge);
	assert_null(b);
}

/* Fail each allocation of verify, sign and encode in turn: clean errors, no leaks. */
static void
test_alloc_faults(void **state)
{
	struct pfx *f = *state;
	struct tc_policy *out;
	uint8_t *b;
	size_t len;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		out = NULL;
		tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, false);
		rc = tc_policy_verify(f->bundle, f->len, f->k.ca.crt_pem, f->k.device_id, 0,
				      f->now, &out);
		tc_fault_disarm_all();
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(out);
	}
	assert_true(n > 1);
	tc_policy_free(out);

	for (n = 1;; n++) {
		b = NULL;
		tc_fault_arm(TC_FAULT_ALLOC, n, ENOMEM, false);
		rc = pki_policy_bundle(f->p, &f->k.signer, &b, &len);
		tc_fault_disarm_all();
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_null(b);
	}
	assert_int_equal(pfx_verify(f, b, len), 0);
	tc_free(b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_envelope_layout),
		cmocka_unit_test(test_framing_flips),
		cmocka_unit_test(test_cert_flips),
		cmocka_unit_test(test_signature_flips),
		cmocka_unit_test(test_payload_tampered_never_parsed),
		cmocka_unit_test(test_signed_garbage_is_format),
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_trailing_and_oversize),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_alloc_faults),
	};

	json_set_alloc_funcs(count_malloc, free);
	return cmocka_run_group_tests_name("policy_bundle", tests, pfx_setup, pfx_teardown);
}
