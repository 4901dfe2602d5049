/*
 * seal_common.c - seal throughput against the raw AEAD (see seal_common.h).
 *
 * Linked into every benchmark (tests/bench/ helpers are), so it defines
 * only seal_bench_run().  What one "seal" run times: tc_seal_begin (key
 * generation, one ECDH wrap, header), one tc_seal_write of 5 MB,
 * tc_seal_finish (last chunk, footer, digest) - the whole cost of sealing
 * one photo.  The baseline times the same cipher's one-shot encrypt of
 * the same 5 MB, with the key schedule set up outside the timing.  The two
 * are interleaved so drift in clock speed hits both alike.
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
#define RUNS 9

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

/* One whole seal of in; returns seconds or a negative value on error. */
static double
seal_once(const struct tc_seal_params *p, const struct tc_photo_meta *m,
	  const unsigned char *in)
{
	uint8_t digest[TC_SHA256_LEN];
	struct tc_seal *s;
	uint64_t len;
	double t0 = bench_now();

	if (tc_seal_begin(&s, p, m, discard, NULL) != 0)
		return -1;
	if (tc_seal_write(s, in, PAYLOAD) != 0) {
		tc_seal_abort(s);
		return -1;
	}
	if (tc_seal_finish(s, digest, &len) != 0)
		return -1;
	return bench_now() - t0;
}

int
seal_bench_run(const char *name, enum tc_aead aead)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN], mac[TC_DEVICE_MAC_KEY_LEN];
	double seal_mbs[RUNS], raw_mbs[RUNS], sha_mbs[RUNS], t, aead_v, sha_v, seal_v, bound;
	unsigned char *in = malloc(PAYLOAD), *out = malloc(PAYLOAD);
	struct tc_seal_params p;
	struct tc_photo_meta m;
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
	if (raw_aead(aead, in, out) < 0 || seal_once(&p, &m, in) < 0)
		goto fail;
	for (r = 0; r < RUNS; r++) {
		if ((t = raw_aead(aead, in, out)) <= 0)
			goto fail;
		raw_mbs[r] = PAYLOAD / t / 1e6;
		if ((t = seal_once(&p, &m, in)) <= 0)
			goto fail;
		seal_mbs[r] = PAYLOAD / t / 1e6;
		if ((t = raw_sha256(in)) <= 0)
			goto fail;
		sha_mbs[r] = PAYLOAD / t / 1e6;
	}
	seal_v = bench_median(seal_mbs, RUNS);
	aead_v = bench_median(raw_mbs, RUNS);
	sha_v = bench_median(sha_mbs, RUNS);
	/*
	 * Context on stderr (stdout keeps the one BENCH line): sealing must
	 * also SHA-256 every output byte, so one core cannot beat
	 * 1 / (1/aead + 1/sha) whatever the sealer does.
	 */
	bound = 1.0 / (1.0 / aead_v + 1.0 / sha_v);
	fprintf(stderr, "%s: raw aead %.0f MB/s, raw sha256 %.0f MB/s, aead+sha256 bound %.0f "
		"MB/s, seal %.0f MB/s = %.2f of the bound\n", name, aead_v, sha_v, bound, seal_v,
		seal_v / bound);
	bench_report(name, seal_v, "MB/s", aead_v, ">=", 0.90);
	free(in);
	free(out);
	return 0;
fail:
	fprintf(stderr, "%s: a run failed\n", name);
	free(in);
	free(out);
	return 1;
}
