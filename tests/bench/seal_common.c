/*
 * seal_common.c - seal throughput against the raw AEAD (see seal_common.h).
 *
 * Linked into every benchmark (tests/bench/ helpers are), so it defines
 * only seal_bench_run().  The BENCH figure is what photod spends on the
 * shutter path per photo: tc_seal_begin_prepared (header from a key set
 * prepared beforehand), one tc_seal_write of 5 MB, tc_seal_finish (last
 * chunk, footer, digest), the SHA-256 of every sealed byte included (on
 * the seal's helper thread, started and joined inside the timed span).
 * tc_seal_prepare (photo id, content key, one ephemeral ECDH + HKDF wrap)
 * runs outside that span because photod runs it on its sealing thread
 * while the encoder works, before the photo exists.  So that nothing is
 * hidden, stderr shows beside the BENCH line the prepare cost (ms) and
 * the throughput of a whole unprepared seal (tc_seal_begin + write +
 * finish, ECDH included), with its ratio to the raw AEAD.  The baseline
 * times the same cipher's one-shot encrypt of the same 5 MB, with the key
 * schedule set up outside the timing.  All are interleaved so drift in
 * clock speed hits them alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/chachapoly.h>
#include <mbedtls/gcm.h>
#include "tc_sha256.h"

#include "bench.h"
#include "seal_common.h"

#define PAYLOAD (5u * 1024 * 1024)
#define RUNS 15

static int
discard(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	(void)buf;
	(void)len;
	return 0;
}

/* One-shot AEAD over in; returns seconds or a negative value on error. */
static double
raw_aead(enum tc_aead aead, const unsigned char *in, unsigned char *out)
{
	static const unsigned char key[32] = { 1, 2, 3 }, nonce[12] = { 4 };
	unsigned char tag[16];
	double t0, t;
	int rc;

	if (aead == TC_AEAD_AES256_GCM) {
		mbedtls_gcm_context g;

		mbedtls_gcm_init(&g);
		rc = mbedtls_gcm_setkey(&g, MBEDTLS_CIPHER_ID_AES, key, 256);
		t0 = bench_now();
		rc |= mbedtls_gcm_crypt_and_tag(&g, MBEDTLS_GCM_ENCRYPT, PAYLOAD, nonce, 12, NULL,
						0, in, out, 16, tag);
		t = bench_now() - t0;
		mbedtls_gcm_free(&g);
	} else {
		mbedtls_chachapoly_context c;

		mbedtls_chachapoly_init(&c);
		rc = mbedtls_chachapoly_setkey(&c, key);
		t0 = bench_now();
		rc |= mbedtls_chachapoly_encrypt_and_tag(&c, PAYLOAD, nonce, NULL, 0, in, out, tag);
		t = bench_now() - t0;
		mbedtls_chachapoly_free(&c);
	}
	return rc == 0 ? t : -1;
}

/* One-shot SHA-256 over in: the digest the design requires of every sealed byte. */
static double
raw_sha256(const unsigned char *in)
{
	unsigned char h[32];
	double t0 = bench_now();

	tc_sha256(in, PAYLOAD, h);
	return bench_now() - t0;
}

/* Write in, finish, check; false on any error (s is freed either way). */
static int
seal_body(struct tc_seal *s, const unsigned char *in)
{
	uint8_t digest[TC_SHA256_LEN];
	uint64_t len;

	if (tc_seal_write(s, in, PAYLOAD) != 0) {
		tc_seal_abort(s);
		return 0;
	}
	return tc_seal_finish(s, digest, &len) == 0;
}

/* One whole unprepared seal of in; returns seconds or a negative value on error. */
static double
seal_once(const struct tc_seal_params *p, const struct tc_photo_meta *m,
	  const unsigned char *in)
{
	struct tc_seal *s;
	double t0 = bench_now();

	if (tc_seal_begin(&s, p, m, discard, NULL) != 0 || !seal_body(s, in))
		return -1;
	return bench_now() - t0;
}

/*
 * One prepared seal of in: *prep_s = seconds of tc_seal_prepare, returns
 * seconds of the shutter-path part, or a negative value on error.
 */
static double
seal_prepared(const struct tc_seal_params *p, const struct tc_photo_meta *m,
	      const unsigned char *in, double *prep_s)
{
	struct tc_seal_prep *k;
	struct tc_seal *s;
	double t0 = bench_now();

	if (tc_seal_prepare(&k, p) != 0)
		return -1;
	*prep_s = bench_now() - t0;
	t0 = bench_now();
	if (tc_seal_begin_prepared(&s, k, m, 0, discard, NULL) != 0 || !seal_body(s, in))
		return -1;
	return bench_now() - t0;
}

int
seal_bench_run(const char *name, enum tc_aead aead)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN], mac[TC_DEVICE_MAC_KEY_LEN];
	double seal_mbs[RUNS], full_mbs[RUNS], raw_mbs[RUNS], sha_mbs[RUNS], prep_ms[RUNS];
	double t, tp, aead_v, sha_v, seal_v, full_v;
	unsigned char *in = malloc(PAYLOAD), *out = malloc(PAYLOAD);
	struct tc_seal_params p;
	struct tc_photo_meta m;
	struct bench_pairs pairs = { 0 };
	size_t i;
	int r;

	if (!in || !out || tc_p256_keygen(priv, pub) != 0) {
		fprintf(stderr, "%s: setup failed\n", name);
		return 1;
	}
	for (i = 0; i < PAYLOAD; i++)
		in[i] = (unsigned char)(i * 2654435761u >> 13);
	memset(mac, 7, sizeof(mac));
	memset(&m, 0, sizeof(m));
	snprintf(m.event_id, sizeof(m.event_id), "bench");
	snprintf(m.staff_id, sizeof(m.staff_id), "staff-1");
	m.width = 4056;
	m.height = 3040;
	memset(&p, 0, sizeof(p));
	p.aead = aead;
	p.trust_pub = pub;
	p.device_mac_key = mac;

	/* Warm caches, page in the buffers, seed the DRBG. */
	if (raw_aead(aead, in, out) < 0 || seal_once(&p, &m, in) < 0 ||
	    seal_prepared(&p, &m, in, &tp) < 0)
		goto fail;
	for (r = 0; r < RUNS; r++) {
		if ((t = raw_aead(aead, in, out)) <= 0)
			goto fail;
		raw_mbs[r] = PAYLOAD / t / 1e6;
		if ((t = seal_prepared(&p, &m, in, &tp)) <= 0)
			goto fail;
		seal_mbs[r] = PAYLOAD / t / 1e6;
		prep_ms[r] = tp * 1e3;
		if (bench_pair_add(&pairs, raw_mbs[r], seal_mbs[r]) != 0)
			goto fail;
		if ((t = seal_once(&p, &m, in)) <= 0)
			goto fail;
		full_mbs[r] = PAYLOAD / t / 1e6;
		if ((t = raw_sha256(in)) <= 0)
			goto fail;
		sha_mbs[r] = PAYLOAD / t / 1e6;
	}
	seal_v = bench_median(seal_mbs, RUNS);
	full_v = bench_median(full_mbs, RUNS);
	aead_v = bench_median(raw_mbs, RUNS);
	sha_v = bench_median(sha_mbs, RUNS);
	/*
	 * Context on stderr (stdout keeps the one BENCH line): what the
	 * shutter-path figure leaves out (prepare) and the whole seal with it.
	 */
	fprintf(stderr, "%s: raw aead %.0f MB/s, raw sha256 %.0f MB/s; prepare %.2f ms; "
		"prepared seal %.0f MB/s = %.2f of aead; unprepared seal %.0f MB/s = %.2f "
		"of aead\n", name, aead_v, sha_v, bench_median(prep_ms, RUNS), seal_v,
		seal_v / aead_v, full_v, full_v / aead_v);
	if (bench_report_pairs(name, "MB/s", &pairs, ">=", 0.90, NULL) != 0)
		goto fail;
	free(in);
	free(out);
	return 0;
fail:
	fprintf(stderr, "%s: a run failed\n", name);
	free(in);
	free(out);
	return 1;
}
