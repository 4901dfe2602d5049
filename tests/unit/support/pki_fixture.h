/*
 * pki_fixture.h - an in-memory Trust PKI and policy for unit tests.
 *
 * Everything is made with mbedtls (x509write, pk_write) in memory: a
 * Trust CA, a policy signer it issued, a device identity, an unrelated
 * CA with its own "policy signer", certificates outside their validity,
 * and a valid struct tc_policy for a device.  ECDSA P-256 throughout.
 * Strings are heap copies (malloc) that the matching *_free wipes and
 * releases.  Functions return 0 or a negative code and never call
 * cmocka, so a forked child may use them too.
 *
 * Keys and certificates are cheap (about a millisecond each); PIN hashes
 * are not (Argon2id, ~50-100 ms), so pki_policy_new hashes the two test
 * PINs once per process and reuses them.
 */
#ifndef TC_PKI_FIXTURE_H
#define TC_PKI_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "tc_policy.h"
#include "tc_seal.h"

#define PKI_CA_CN "trustcam test Trust CA"
#define PKI_OTHER_CA_CN "some other CA"

/* The staff, PINs, events and pupils of pki_policy_new's policy. */
#define PKI_STAFF_A "S-ALICE"
#define PKI_PIN_A "271828"
#define PKI_STAFF_B "S-BOB"
#define PKI_PIN_B "98765432"
#define PKI_EVENT_A "EV-SPORTS"
#define PKI_EVENT_B "EV-CONCERT"
/* Consent roster, in this order:
 *   P-0001: website, newsletter, facebook
 *   P-0002: newsletter, website
 *   P-0003: instagram
 *   P-0004: (no platform: consent refused) */
#define PKI_PUPIL_1 "P-0001"
#define PKI_PUPIL_2 "P-0002"
#define PKI_PUPIL_3 "P-0003"
#define PKI_PUPIL_NONE "P-0004"

/* A private key and its certificate, both PEM, NUL-terminated, malloc'd. */
struct pki_pair {
	char *key_pem;		/* SEC1 "EC PRIVATE KEY" PEM */
	char *crt_pem;
	char subject[128];	/* the mbedtls name string it was issued with */
};

enum pki_eku {
	PKI_EKU_NONE,		/* no extendedKeyUsage extension */
	PKI_EKU_CLIENT,		/* id-kp-clientAuth (device certificates) */
	PKI_EKU_SERVER,		/* id-kp-serverAuth */
	PKI_EKU_POLICY,		/* TC_POLICY_SIGNER_EKU_OID */
};

/* What pki_issue puts in a certificate. */
struct pki_spec {
	const char *subject;		/* mbedtls name string: "CN=x,O=trustcam" */
	const char *key_pem;		/* subject key (PEM); NULL: a fresh key */
	const struct pki_pair *issuer;	/* NULL: self-signed with the subject key */
	time_t not_before, not_after;	/* 0: now - 1 day, now + 5 years */
	bool ca;			/* basicConstraints cA=TRUE */
	unsigned key_usage;		/* MBEDTLS_X509_KU_* bits; 0: no keyUsage extension */
	enum pki_eku eku;
};

/* A fresh ECDSA P-256 private key as PEM in *key_pem (malloc'd). */
int pki_make_key(char **key_pem);

/*
 * Issue a certificate as spec says: random 128-bit serial, SHA-256,
 * subject and authority key identifiers.  out->key_pem is a copy of
 * spec->key_pem or the fresh key; out->subject is spec->subject.
 */
int pki_issue(const struct pki_spec *spec, struct pki_pair *out);

/* A self-signed Trust-style CA "CN=<cn>,O=trustcam": cA, keyCertSign|cRLSign,
 * valid from 2 years ago to 10 years ahead. */
int pki_make_ca(const char *cn, struct pki_pair *out);

/*
 * A policy signer issued by ca: CN TC_POLICY_SIGNER_CN, digitalSignature,
 * extendedKeyUsage TC_POLICY_SIGNER_EKU_OID, valid [not_before, not_after]
 * (0, 0: now - 1 day .. now + 5 years).
 */
int pki_make_signer(const struct pki_pair *ca, time_t not_before, time_t not_after,
		    struct pki_pair *out);

/*
 * A device certificate issued by ca for key_pem (NULL: a fresh key):
 * CN = the key's device id (tc_device_id), O=trustcam, digitalSignature,
 * clientAuth, 5 years.  The id also goes to id if it is not NULL.
 */
int pki_make_device(const struct pki_pair *ca, const char *key_pem, struct pki_pair *out,
		    char id[TC_POLICY_ID_MAX]);

/* Wipe the key PEM, free both strings, zero the struct.  NULL-safe. */
void pki_pair_free(struct pki_pair *p);

/* The whole cast most tests need, made by pki_init. */
struct pki {
	struct pki_pair ca;		/* PKI_CA_CN */
	struct pki_pair signer;		/* policy signer issued by ca */
	struct pki_pair device;		/* device identity issued by ca, CN = device_id */
	char device_id[TC_POLICY_ID_MAX];
	struct pki_pair other_ca;	/* PKI_OTHER_CA_CN, unrelated to ca */
	struct pki_pair other_signer;	/* a perfect policy signer, but issued by other_ca */
	struct pki_pair expired_signer;	/* policy signer issued by ca, expired yesterday */
};

int pki_init(struct pki *k);
void pki_free(struct pki *k);

/* The DER of the (first) certificate in crt_pem; *der malloc'd. */
int pki_crt_der(const char *crt_pem, uint8_t **der, size_t *len);
/* The SubjectPublicKeyInfo DER of key_pem's public half; *der malloc'd. */
int pki_key_spki(const char *key_pem, uint8_t **der, size_t *len);
/* tc_device_id of key_pem's public key. */
int pki_key_device_id(const char *key_pem, char id[TC_POLICY_ID_MAX]);

/* The Trust's photo and receipt key pairs, as raw P-256 scalars and points. */
struct pki_trust_keys {
	uint8_t photo_priv[TC_P256_PRIV_LEN], photo_pub[TC_P256_PUB_LEN];
	uint8_t receipt_priv[TC_P256_PRIV_LEN], receipt_pub[TC_P256_PUB_LEN];
};
int pki_trust_keys(struct pki_trust_keys *k);

/*
 * A valid policy (heap, free with tc_policy_free) for device_id:
 * version 1, issued an hour ago, expires in 30 days, trust-owned,
 * https://127.0.0.1:8443 / trust-server.local, trust_ca_pem, the public
 * halves of keys (NULL: fresh ones), staff PKI_STAFF_A/B with hashes of
 * PKI_PIN_A/B, events PKI_EVENT_A/B, the consent roster above, and rules
 * max_unsynced 500, max_hours_since_sync 72, grace 0, no on-device
 * review, event required.  device_pub (what the staff table is sealed
 * to) is left zero: set it (pki_device's dev.pub) before encoding.
 */
int pki_policy_new(const char *device_id, const char *trust_ca_pem,
		   const struct pki_trust_keys *keys, struct tc_policy **out);

/* tc_policy_encode + tc_policy_sign with signer's key and certificate; *bundle from tc_malloc. */
int pki_policy_bundle(const struct tc_policy *p, const struct pki_pair *signer,
		      uint8_t **bundle, size_t *len);

/*
 * A stand-in for a device's keystore, for tc_policy_open and
 * tc_policy_check_pin: the identity key's scalar (from key_pem) for ECDH
 * and a fixed PIN secret for the HMAC.  pki_device fills ctx and dev
 * (dev->ctx = ctx); pin_secret NULL keeps a fixed default.
 */
struct pki_device_ctx {
	uint8_t priv[TC_P256_PRIV_LEN];
	uint8_t pin_secret[32];
};
int pki_device(const char *key_pem, const uint8_t *pin_secret, struct pki_device_ctx *ctx,
	       struct tc_policy_device *dev);

#endif /* TC_PKI_FIXTURE_H */
