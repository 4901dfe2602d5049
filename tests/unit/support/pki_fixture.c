/*
 * pki_fixture.c - the in-memory Trust PKI and policy of pki_fixture.h.
 *
 * Kept small because it is linked into every unit test: no main, no
 * constructors, every helper prefixed pki_, everything else static.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "pki_fixture.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define PKI_BUF 4096
#define DAY 86400

static char *
dup_str(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);

	if (d != NULL)
		memcpy(d, s, n);
	return d;
}

static int
parse_key(mbedtls_pk_context *pk, const char *pem)
{
	return tc_pk_parse_key(pk, (const unsigned char *)pem, strlen(pem) + 1, NULL, 0) == 0
		       ? 0 : -EINVAL;
}

int
pki_make_key(char **key_pem)
{
	mbedtls_pk_context pk;
	unsigned char buf[PKI_BUF];
	int ret = TC_E_CRYPTO;

	*key_pem = NULL;
	mbedtls_pk_init(&pk);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), tc_random_rng,
				NULL) != 0 ||
	    mbedtls_pk_write_key_pem(&pk, buf, sizeof(buf)) != 0)
		goto out;
	*key_pem = dup_str((const char *)buf);
	ret = *key_pem ? 0 : -ENOMEM;
out:
	tc_zeroize(buf, sizeof(buf));
	mbedtls_pk_free(&pk);
	return ret;
}

/* "YYYYMMDDhhmmss" in UTC, as x509write wants. */
static void
x509_time(time_t t, char out[16])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 16, "%Y%m%d%H%M%S", &tm);
}

/* extendedKeyUsage ::= SEQUENCE OF KeyPurposeId, here with one member. */
static int
set_eku(mbedtls_x509write_cert *w, enum pki_eku eku)
{
	static const char client[] = MBEDTLS_OID_CLIENT_AUTH;
	static const char server[] = MBEDTLS_OID_SERVER_AUTH;
	static const char policy[] = TC_POLICY_SIGNER_EKU_OID;
	unsigned char der[64];
	const char *oid;
	size_t n;

	switch (eku) {
	case PKI_EKU_CLIENT: oid = client; n = sizeof(client) - 1; break;
	case PKI_EKU_SERVER: oid = server; n = sizeof(server) - 1; break;
	case PKI_EKU_POLICY: oid = policy; n = sizeof(policy) - 1; break;
	default: return 0;
	}
	der[0] = 0x30;
	der[1] = (unsigned char)(n + 2);
	der[2] = 0x06;
	der[3] = (unsigned char)n;
	memcpy(der + 4, oid, n);
	return mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						   MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE),
						   0, der, n + 4);
}

int
pki_issue(const struct pki_spec *s, struct pki_pair *out)
{
	mbedtls_pk_context subj, iss;
	mbedtls_x509write_cert w;
	unsigned char buf[PKI_BUF], serial[16];
	char from[16], to[16];
	time_t now = time(NULL);
	int ret = TC_E_CRYPTO;

	memset(out, 0, sizeof(*out));
	mbedtls_pk_init(&subj);
	mbedtls_pk_init(&iss);
	mbedtls_x509write_crt_init(&w);
	if (tc_strlcpy(out->subject, s->subject, sizeof(out->subject)) >= sizeof(out->subject)) {
		ret = -EINVAL;
		goto out;
	}
	if (s->key_pem != NULL) {
		out->key_pem = dup_str(s->key_pem);
		ret = out->key_pem ? 0 : -ENOMEM;
	} else {
		ret = pki_make_key(&out->key_pem);
	}
	if (ret != 0)
		goto out;
	ret = parse_key(&subj, out->key_pem);
	if (ret == 0)
		ret = parse_key(&iss, s->issuer ? s->issuer->key_pem : out->key_pem);
	if (ret == 0)
		ret = tc_random_bytes(serial, sizeof(serial));
	if (ret != 0)
		goto out;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x01);
	x509_time(s->not_before ? s->not_before : now - DAY, from);
	x509_time(s->not_after ? s->not_after : now + 5 * 365 * DAY, to);

	ret = TC_E_CRYPTO;
	mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&w, &subj);
	mbedtls_x509write_crt_set_issuer_key(&w, &iss);
	if (tc_x509write_crt_set_serial(&w, serial, sizeof(serial)) != 0 ||
	    mbedtls_x509write_crt_set_validity(&w, from, to) != 0 ||
	    mbedtls_x509write_crt_set_subject_name(&w, s->subject) != 0 ||
	    mbedtls_x509write_crt_set_issuer_name(&w, s->issuer ? s->issuer->subject
								: s->subject) != 0 ||
	    mbedtls_x509write_crt_set_basic_constraints(&w, s->ca, -1) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&w) != 0 ||
	    mbedtls_x509write_crt_set_authority_key_identifier(&w) != 0 ||
	    (s->key_usage && mbedtls_x509write_crt_set_key_usage(&w, s->key_usage) != 0) ||
	    set_eku(&w, s->eku) != 0 ||
	    mbedtls_x509write_crt_pem(&w, buf, sizeof(buf), tc_random_rng, NULL) != 0)
		goto out;
	out->crt_pem = dup_str((const char *)buf);
	ret = out->crt_pem ? 0 : -ENOMEM;
out:
	mbedtls_x509write_crt_free(&w);
	mbedtls_pk_free(&subj);
	mbedtls_pk_free(&iss);
	if (ret != 0)
		pki_pair_free(out);
	return ret;
}

int
pki_make_ca(const char *cn, struct pki_pair *out)
{
	char subject[128];
	struct pki_spec s = {
		.subject = subject,
		.not_before = time(NULL) - 2 * 365 * DAY,
		.not_after = time(NULL) + 10 * 365 * DAY,
		.ca = true,
		.key_usage = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN,
	};

	snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", cn);
	return pki_issue(&s, out);
}

int
pki_make_signer(const struct pki_pair *ca, time_t not_before, time_t not_after,
		struct pki_pair *out)
{
	struct pki_spec s = {
		.subject = "CN=" TC_POLICY_SIGNER_CN ",O=trustcam",
		.issuer = ca,
		.not_before = not_before,
		.not_after = not_after,
		.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
		.eku = PKI_EKU_POLICY,
	};

	return pki_issue(&s, out);
}

int
pki_make_device(const struct pki_pair *ca, const char *key_pem, struct pki_pair *out,
		char id[TC_POLICY_ID_MAX])
{
	char *key = NULL, did[TC_POLICY_ID_MAX], subject[128];
	struct pki_spec s = {
		.subject = subject,
		.issuer = ca,
		.key_usage = MBEDTLS_X509_KU_DIGITAL_SIGNATURE,
		.eku = PKI_EKU_CLIENT,
	};
	int ret = 0;

	if (key_pem == NULL)
		ret = pki_make_key(&key);
	if (ret == 0)
		ret = pki_key_device_id(key_pem ? key_pem : key, did);
	if (ret == 0) {
		snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", did);
		s.key_pem = key_pem ? key_pem : key;
		ret = pki_issue(&s, out);
	}
	if (ret == 0 && id != NULL)
		memcpy(id, did, sizeof(did));
	if (key != NULL) {
		tc_zeroize(key, strlen(key));
		free(key);
	}
	return ret;
}

void
pki_pair_free(struct pki_pair *p)
{
	if (p == NULL)
		return;
	if (p->key_pem != NULL)
		tc_zeroize(p->key_pem, strlen(p->key_pem));
	free(p->key_pem);
	free(p->crt_pem);
	memset(p, 0, sizeof(*p));
}

int
pki_init(struct pki *k)
{
	time_t now = time(NULL);
	int ret;

	memset(k, 0, sizeof(*k));
	ret = pki_make_ca(PKI_CA_CN, &k->ca);
	if (ret == 0)
		ret = pki_make_signer(&k->ca, 0, 0, &k->signer);
	if (ret == 0)
		ret = pki_make_device(&k->ca, NULL, &k->device, k->device_id);
	if (ret == 0)
		ret = pki_make_ca(PKI_OTHER_CA_CN, &k->other_ca);
	if (ret == 0)
		ret = pki_make_signer(&k->other_ca, 0, 0, &k->other_signer);
	if (ret == 0)
		ret = pki_make_signer(&k->ca, now - 365 * DAY, now - DAY, &k->expired_signer);
	if (ret != 0)
		pki_free(k);
	return ret;
}

void
pki_free(struct pki *k)
{
	pki_pair_free(&k->ca);
	pki_pair_free(&k->signer);
	pki_pair_free(&k->device);
	pki_pair_free(&k->other_ca);
	pki_pair_free(&k->other_signer);
	pki_pair_free(&k->expired_signer);
	memset(k, 0, sizeof(*k));
}

int
pki_crt_der(const char *crt_pem, uint8_t **der, size_t *len)
{
	mbedtls_x509_crt crt;
	int ret = -EINVAL;

	*der = NULL;
	*len = 0;
	mbedtls_x509_crt_init(&crt);
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)crt_pem,
				   strlen(crt_pem) + 1) != 0)
		goto out;
	ret = -ENOMEM;
	*der = malloc(crt.raw.len);
	if (*der == NULL)
		goto out;
	memcpy(*der, crt.raw.p, crt.raw.len);
	*len = crt.raw.len;
	ret = 0;
out:
	mbedtls_x509_crt_free(&crt);
	return ret;
}

int
pki_key_spki(const char *key_pem, uint8_t **der, size_t *len)
{
	mbedtls_pk_context pk;
	unsigned char buf[512];
	int n, ret;

	*der = NULL;
	*len = 0;
	mbedtls_pk_init(&pk);
	ret = parse_key(&pk, key_pem);
	if (ret != 0)
		goto out;
	/* pk_write_*_der writes at the end of the buffer. */
	n = mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf));
	ret = TC_E_CRYPTO;
	if (n <= 0)
		goto out;
	ret = -ENOMEM;
	*der = malloc((size_t)n);
	if (*der == NULL)
		goto out;
	memcpy(*der, buf + sizeof(buf) - (size_t)n, (size_t)n);
	*len = (size_t)n;
	ret = 0;
out:
	mbedtls_pk_free(&pk);
	return ret;
}

int
pki_key_device_id(const char *key_pem, char id[TC_POLICY_ID_MAX])
{
	uint8_t *der;
	size_t len;
	int ret = pki_key_spki(key_pem, &der, &len);

	if (ret != 0)
		return ret;
	ret = tc_device_id(der, len, id);
	free(der);
	return ret;
}

int
pki_trust_keys(struct pki_trust_keys *k)
{
	int ret = tc_p256_keygen(k->photo_priv, k->photo_pub);

	return ret ? ret : tc_p256_keygen(k->receipt_priv, k->receipt_pub);
}

/* The two PIN hashes, computed once per process (Argon2id is slow by design). */
static int
pin_hashes(const char **a, const char **b)
{
	static char ha[TC_POLICY_PIN_HASH_MAX], hb[TC_POLICY_PIN_HASH_MAX];
	static bool done;
	int ret;

	if (!done) {
		ret = tc_policy_hash_pin(PKI_PIN_A, ha);
		if (ret == 0)
			ret = tc_policy_hash_pin(PKI_PIN_B, hb);
		if (ret != 0)
			return ret;
		done = true;
	}
	*a = ha;
	*b = hb;
	return 0;
}

static int
consent(struct tc_policy *p, const char *pupil, const char *const *platforms)
{
	struct tc_policy_consent c = { 0 };

	tc_strlcpy(c.pupil, pupil, sizeof(c.pupil));
	for (c.n_platforms = 0; platforms[c.n_platforms] != NULL; c.n_platforms++)
		tc_strlcpy(c.platforms[c.n_platforms], platforms[c.n_platforms],
			   sizeof(c.platforms[0]));
	return tc_policy_add_consent(p, &c);
}

int
pki_policy_new(const char *device_id, const char *trust_ca_pem,
	       const struct pki_trust_keys *keys, struct tc_policy **out)
{
	static const char *const p1[] = { "website", "newsletter", "facebook", NULL };
	static const char *const p2[] = { "newsletter", "website", NULL };
	static const char *const p3[] = { "instagram", NULL };
	static const char *const none[] = { NULL };
	struct pki_trust_keys fresh;
	struct tc_policy *p;
	const char *ha, *hb;
	time_t now = time(NULL);
	int ret;

	*out = NULL;
	ret = pin_hashes(&ha, &hb);
	if (ret == 0 && keys == NULL) {
		ret = pki_trust_keys(&fresh);
		keys = &fresh;
	}
	if (ret != 0)
		return ret;
	p = tc_calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->n_staff = 2;
	p->n_events = 2;
	p->staff = tc_calloc(p->n_staff, sizeof(*p->staff));
	p->events = tc_calloc(p->n_events, sizeof(*p->events));
	p->trust_ca_pem = tc_malloc(strlen(trust_ca_pem) + 1);
	if (!p->staff || !p->events || !p->trust_ca_pem ||
	    consent(p, PKI_PUPIL_1, p1) != 0 || consent(p, PKI_PUPIL_2, p2) != 0 ||
	    consent(p, PKI_PUPIL_3, p3) != 0 || consent(p, PKI_PUPIL_NONE, none) != 0) {
		tc_policy_free(p);
		return -ENOMEM;
	}
	memcpy(p->trust_ca_pem, trust_ca_pem, strlen(trust_ca_pem) + 1);
	p->version = 1;
	p->issued = (int64_t)now - 3600;
	p->expires = (int64_t)now + 30 * DAY;
	tc_strlcpy(p->device_id, device_id, sizeof(p->device_id));
	p->device_class = TC_CLASS_TRUST_OWNED;
	tc_strlcpy(p->server_url, "https://127.0.0.1:8443", sizeof(p->server_url));
	tc_strlcpy(p->server_name, "trust-server.local", sizeof(p->server_name));
	memcpy(p->photo_pub, keys->photo_pub, TC_P256_PUB_LEN);
	memcpy(p->receipt_pub, keys->receipt_pub, TC_P256_PUB_LEN);
	tc_strlcpy(p->staff[0].id, PKI_STAFF_A, sizeof(p->staff[0].id));
	tc_strlcpy(p->staff[0].pin_hash, ha, sizeof(p->staff[0].pin_hash));
	tc_strlcpy(p->staff[1].id, PKI_STAFF_B, sizeof(p->staff[1].id));
	tc_strlcpy(p->staff[1].pin_hash, hb, sizeof(p->staff[1].pin_hash));
	tc_strlcpy(p->events[0].id, PKI_EVENT_A, sizeof(p->events[0].id));
	tc_strlcpy(p->events[0].name, "Sports day", sizeof(p->events[0].name));
	tc_strlcpy(p->events[0].date, "2026-06-25", sizeof(p->events[0].date));
	tc_strlcpy(p->events[1].id, PKI_EVENT_B, sizeof(p->events[1].id));
	tc_strlcpy(p->events[1].name, "Winter concert \xe2\x99\xab", sizeof(p->events[1].name));
	tc_strlcpy(p->events[1].date, "2026-12-10", sizeof(p->events[1].date));
	p->rules.max_unsynced = 500;
	p->rules.max_hours_since_sync = 72;
	p->rules.delete_grace_hours = 0;
	p->rules.require_event = true;
	tc_zeroize(&fresh, sizeof(fresh));
	*out = p;
	return 0;
}

int
pki_policy_bundle(const struct tc_policy *p, const struct pki_pair *signer, uint8_t **bundle,
		  size_t *len)
{
	uint8_t *json = NULL;
	size_t jlen = 0;
	int ret = tc_policy_encode(p, &json, &jlen);

	if (ret == 0)
		ret = tc_policy_sign(json, jlen, signer->key_pem, signer->crt_pem, bundle, len);
	tc_free(json);
	return ret;
}

static int
fixture_ecdh(void *ctx, const uint8_t peer[TC_P256_PUB_LEN], uint8_t x[32])
{
	return tc_p256_ecdh(((struct pki_device_ctx *)ctx)->priv, peer, x);
}

static int
fixture_pin_mac(void *ctx, const uint8_t *in, size_t len, uint8_t out[TC_POLICY_PIN_MAC_LEN])
{
	const struct pki_device_ctx *c = ctx;

	return mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), c->pin_secret,
			       sizeof(c->pin_secret), in, len, out) == 0 ? 0 : TC_E_CRYPTO;
}

int
pki_device(const char *key_pem, const uint8_t *pin_secret, struct pki_device_ctx *ctx,
	   struct tc_policy_device *dev)
{
	mbedtls_pk_context pk;
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	memset(dev, 0, sizeof(*dev));
	if (pin_secret)
		memcpy(ctx->pin_secret, pin_secret, sizeof(ctx->pin_secret));
	else
		memset(ctx->pin_secret, 0x5a, sizeof(ctx->pin_secret));
	mbedtls_pk_init(&pk);
	ret = parse_key(&pk, key_pem);
	if (ret == 0 && mbedtls_mpi_write_binary(tc_ec_d(mbedtls_pk_ec(pk)), ctx->priv,
						 sizeof(ctx->priv)) != 0)
		ret = TC_E_CRYPTO;
	mbedtls_pk_free(&pk);
	if (ret == 0)
		ret = tc_p256_public(ctx->priv, dev->pub);
	dev->ecdh = fixture_ecdh;
	dev->pin_mac = fixture_pin_mac;
	dev->ctx = ctx;
	return ret;
}
