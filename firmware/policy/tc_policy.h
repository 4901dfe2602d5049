/*
 * tc_policy.h - the signed policy bundle: what the Trust tells one device.
 *
 * trustadm fills a struct tc_policy, encodes it (tc_policy_encode, JSON
 * through jansson) and signs the exact bytes (tc_policy_sign) with the
 * policy-signing key, whose certificate from the Trust CA travels in the
 * bundle.  The device verifies (tc_policy_verify): envelope framing, the
 * signer certificate against its pinned Trust CA, the signature over the
 * exact bytes, and only then parses the JSON, then checks device id,
 * validity period, anti-rollback and the device-class rules.  Format in
 * this module's README.
 */
#ifndef TC_POLICY_H
#define TC_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"
#include "tc_seal.h"

#define TC_POLICY_ID_MAX 64		/* ids, bytes incl. NUL (= TC_META_ID_MAX) */
#define TC_POLICY_NAME_MAX 128
/* A roster display label ("7B Amelia"), bytes incl. NUL (README "Sealed personal data"). */
#define TC_POLICY_LABEL_MAX 48
#define TC_POLICY_PIN_HASH_MAX 160	/* an encoded argon2id hash */
#define TC_POLICY_URL_MAX 256
#define TC_POLICY_BUNDLE_MAX (1024 * 1024)
/*
 * How far ahead of the device's clock a policy's issue time may be and
 * still be valid (seconds).  A bundle is often installed seconds after
 * trustadm issued it, on a device whose clock came from a 1-second RTC
 * or has drifted; an expiry is never stretched.
 */
#define TC_POLICY_CLOCK_SKEW 300

/*
 * The policy signer's certificate (README "Signer certificate"): exactly
 * this subject CN, and extendedKeyUsage either absent or listing this OID,
 * 2.25.222672179586388054986230572441004122972 (a UUID OID, X.667),
 * given here as the DER content octets mbedtls compares against.
 */
#define TC_POLICY_SIGNER_CN "trustcam policy signer"
#define TC_POLICY_SIGNER_EKU_OID \
	"\x69\x82\xcf\x85\x8d\x84\xcf\xf3\x92\x86\x89\x82\xeb\xba\x92\xf5\xcf\xce\xc6\x5c"

enum tc_device_class {
	TC_CLASS_TRUST_OWNED = 1,
	TC_CLASS_APPROVED = 2,		/* R2: delete on receipt, never a grace period */
};

#define TC_POLICY_PIN_SALT_MAX 48	/* bytes of Argon2id salt a device accepts */
#define TC_POLICY_PIN_TAG_MAX 64	/* bytes of Argon2id output */
#define TC_POLICY_PIN_MAC_LEN 32

/*
 * A staff PIN as the device keeps it (README "Staff PINs"): the Argon2id
 * parameters and salt of the Trust's hash, and in place of the hash
 * HMAC-SHA256(device PIN secret, hash), made when the sealed table is
 * opened.  Useless on any other device, and to an offline guesser who
 * does not also hold this device's keystore.
 */
struct tc_policy_pin {
	uint32_t m_kib, t_cost, lanes;
	uint32_t salt_len, tag_len;
	uint8_t salt[TC_POLICY_PIN_SALT_MAX];
	uint8_t verifier[TC_POLICY_PIN_MAC_LEN];
};

struct tc_policy_staff {
	char id[TC_POLICY_ID_MAX];
	/* Trust side: "$argon2id$v=19$m=...,t=...,p=...$salt$hash"; wiped on the device */
	char pin_hash[TC_POLICY_PIN_HASH_MAX];
	struct tc_policy_pin pin;		/* device side, once opened (tc_policy_open) */
};

/*
 * The bundle's personal data as it travels (README "Sealed personal
 * data"): a sealed box (firmware/crypto tc_box_seal) to the device's
 * identity key.  box is heap, NULL once opened or when there is none.
 */
struct tc_policy_sealed {
	uint8_t eph[TC_P256_PUB_LEN];
	uint8_t *box;				/* ciphertext ‖ tag */
	size_t box_len;
};

/*
 * What opening a bundle's personal data asks of the device, as callbacks
 * so this module does not depend on the keystore driver: ECDH with the
 * identity key (whose public half is pub) and the PIN secret's HMAC.
 * photod wires them to tc_keystore_identity_ecdh and tc_keystore_pin_mac.
 */
struct tc_policy_device {
	uint8_t pub[TC_P256_PUB_LEN];		/* the identity key, uncompressed */
	int (*ecdh)(void *ctx, const uint8_t peer[TC_P256_PUB_LEN], uint8_t x[32]);
	int (*pin_mac)(void *ctx, const uint8_t *in, size_t len,
		       uint8_t out[TC_POLICY_PIN_MAC_LEN]);
	void *ctx;
};

struct tc_policy_event {
	char id[TC_POLICY_ID_MAX];
	char name[TC_POLICY_NAME_MAX];
	char date[11];				/* YYYY-MM-DD */
};

/* One pupil's consent by name, as trustadm reads, stores and lists it. */
struct tc_policy_consent {
	char pupil[TC_POLICY_ID_MAX];		/* pseudonymous pupil ref */
	unsigned n_platforms;
	char platforms[TC_META_MAX_PLATFORMS][TC_META_ID_MAX];
	char label[TC_POLICY_LABEL_MAX];	/* "" = none; travels sealed, staff screen only */
};

/*
 * The same row as a policy holds it: 68 bytes rather than 1092, so a
 * 10,000-pupil roster costs photod 0.7 MB, not 11 MB.  Bit i of
 * platforms stands for the policy's platform[i].
 */
#define TC_POLICY_MAX_PLATFORMS 32		/* distinct platform names in one roster */
struct tc_policy_pupil {
	char pupil[TC_POLICY_ID_MAX];
	uint32_t platforms;
};

struct tc_policy_rules {
	uint32_t max_unsynced;			/* photos; capture refused at this many */
	uint32_t max_hours_since_sync;		/* capture refused when the last sync is older */
	uint32_t delete_grace_hours;		/* after receipt; must be 0 on an approved device */
	bool require_event;
	/* "on_revoked": the Trust server refused the device as revoked: false
	 * ("block", or absent) refuses capture, true ("warn") warns. */
	bool revoked_warn;
};

struct tc_policy {
	uint64_t version;			/* monotonic per device, from 1 */
	int64_t issued, expires;		/* unix seconds */
	char device_id[TC_POLICY_ID_MAX];	/* "D-" + 16 hex digits, see tc_device_id() */
	enum tc_device_class device_class;
	char server_url[TC_POLICY_URL_MAX];	/* "https://host:port" */
	char server_name[TC_POLICY_NAME_MAX];	/* name pinned on the server certificate */
	char *trust_ca_pem;			/* heap, NUL-terminated */
	uint8_t photo_pub[TC_P256_PUB_LEN];
	uint8_t receipt_pub[TC_P256_PUB_LEN];
	size_t n_staff, n_events, n_pupils;
	struct tc_policy_staff *staff;		/* heap arrays */
	struct tc_policy_event *events;
	struct tc_policy_pupil *pupils;		/* the consent roster: tc_policy_add_consent */
	size_t cap_pupils;
	/*
	 * Display labels, row for row with pupils ("" = none), or NULL when
	 * no pupil has one.  Sealed like the staff table: NULL on the device
	 * until tc_policy_open.
	 */
	char (*labels)[TC_POLICY_LABEL_MAX];
	unsigned n_platforms;			/* the names the roster uses, first seen first */
	char platform[TC_POLICY_MAX_PLATFORMS][TC_META_ID_MAX];
	struct tc_policy_rules rules;
	/* Trust side: the device identity key the personal data is sealed to. */
	uint8_t device_pub[TC_P256_PUB_LEN];
	/* As decoded: the staff table still sealed (n_staff 0) until tc_policy_open. */
	struct tc_policy_sealed sealed;
};

/*
 * Device side.  Verify bundle against the pinned Trust CA (PEM) and
 * parse it.  Checks in this order, each with its own error:
 *   framing (TC_E_POLICY_FORMAT), signer certificate chains to ca_pem and
 *   may sign policies (TC_E_POLICY_SIGNER), signature over the exact bytes
 *   (TC_E_POLICY_SIGNATURE) -- no JSON is parsed before this point --
 *   payload (TC_E_POLICY_FORMAT), device_id matches (TC_E_POLICY_DEVICE;
 *   NULL skips, for trustadm's own checks; a payload asking for the removed
 *   on-device review key is TC_E_POLICY_REVIEW_KEY), issued <= now
 *   (TC_E_POLICY_NOT_YET), now < expires (TC_E_POLICY_EXPIRED), version >
 *   min_version (TC_E_POLICY_ROLLBACK; pass installed_version, or
 *   installed_version - 1 to accept a re-install of the same bundle), class
 *   rules (TC_E_POLICY_CLASS: an approved device with a deletion grace
 *   period, against R2).
 * On success *out is heap-allocated; free with tc_policy_free.
 */
int tc_policy_verify(const uint8_t *bundle, size_t len, const char *ca_pem,
		     const char *device_id, uint64_t min_version, int64_t now,
		     struct tc_policy **out) TC_MUST_CHECK;
void tc_policy_free(struct tc_policy *p);
/*
 * The same, run in a child process that hands back the decoded policy
 * (isolate.c), so decoding's transient memory never reaches the
 * caller's heap (photod).  Same results and errors; -EPIPE/-EPROTO if
 * the child died or its answer was not whole.
 */
int tc_policy_verify_isolated(const uint8_t *bundle, size_t len, const char *ca_pem,
			      const char *device_id, uint64_t min_version, int64_t now,
			      const struct tc_policy_device *dev, struct tc_policy **out)
	TC_MUST_CHECK;
/*
 * The last check (README check 9): open the sealed personal data with
 * the device's identity key, decode the staff table and key each PIN
 * hash to this device (dev->pin_mac); the hashes are wiped.  With dev,
 * tc_policy_verify_isolated does this in its child, so the hashes never
 * reach the caller.  0, TC_E_POLICY_SEALED (not sealed to this key, or
 * altered), TC_E_POLICY_FORMAT (the opened table breaks the payload
 * rules), -EINVAL (already open, or no dev), -ENOMEM, or a callback's
 * error.  On error p is left sealed.
 */
int tc_policy_open(struct tc_policy *p, const struct tc_policy_device *dev) TC_MUST_CHECK;

/*
 * The staff member's PIN against an opened policy: Argon2id with the
 * hash's parameters and salt, then dev->pin_mac, compared in constant
 * time with the verifier.  0, TC_E_BAD_PIN (wrong PIN, unknown id,
 * malformed PIN, NULL argument: all after one Argon2id run), -ENOMEM
 * when libargon2 cannot get its memory, or pin_mac's error (neither is
 * the user's fault: do not count them toward lockout).
 */
int tc_policy_check_pin(const struct tc_policy *p, const struct tc_policy_device *dev,
			const char *staff_id, const char *pin) TC_MUST_CHECK;
const struct tc_policy_event *tc_policy_find_event(const struct tc_policy *p, const char *id);

/*
 * Rule R5: the platforms a photo of these pupils may go to, the
 * intersection of their consents.  An unknown pupil, or one with no
 * consent, makes the set empty (internal use only).  No pupils: empty,
 * and the photo needs tagging at review.  Writes at most
 * TC_META_MAX_PLATFORMS names.
 */
void tc_policy_platforms(const struct tc_policy *p, const char (*pupils)[TC_META_ID_MAX],
			 unsigned n_pupils, char (*out)[TC_META_ID_MAX], unsigned *n_out);

/*
 * The roster (roster.c).  Append one pupil's row, naming its platforms
 * in the policy's table: -EINVAL for a row that is not NUL-terminated or
 * has more than TC_META_MAX_PLATFORMS names, -E2BIG past 20,000 rows or
 * TC_POLICY_MAX_PLATFORMS distinct names in all, -ENOMEM.  A name
 * repeated within the row counts once.  Duplicate pupils are the
 * caller's to refuse.  A non-empty c->label (1..47 bytes, no control
 * characters, else -EINVAL) is kept beside the row in p->labels.
 */
int tc_policy_add_consent(struct tc_policy *p, const struct tc_policy_consent *c)
	TC_MUST_CHECK;
/* Row i by name, its platforms in the table's order, its label if any. */
void tc_policy_consent_get(const struct tc_policy *p, size_t i, struct tc_policy_consent *c);
/* Wipe and free the roster (tc_policy_free does it too). */
void tc_policy_roster_clear(struct tc_policy *p);

/* Trust side (trustadm).  JSON payload of p; *json from tc_malloc. */
int tc_policy_encode(const struct tc_policy *p, uint8_t **json, size_t *len) TC_MUST_CHECK;
/*
 * The bundle: envelope + payload + signer certificate (DER from PEM) +
 * ECDSA-P256/SHA-256 signature over every byte before it, with the
 * signing key (PEM, unencrypted: trustadm decrypts it first).
 */
int tc_policy_sign(const uint8_t *json, size_t len, const char *signer_key_pem,
		   const char *signer_cert_pem, uint8_t **bundle, size_t *blen) TC_MUST_CHECK;

/* A PIN hash for trustadm: argon2id, random salt, fixed parameters (README). */
int tc_policy_hash_pin(const char *pin, char out[TC_POLICY_PIN_HASH_MAX]) TC_MUST_CHECK;

/*
 * The device id of a public key: "D-" + the first 16 hex digits of
 * SHA-256 over its SubjectPublicKeyInfo DER.  Both trustadm (from the
 * CSR) and the device (from its key) compute it; it is the CN of the
 * device certificate.
 */
int tc_device_id(const uint8_t *spki_der, size_t len, char out[TC_POLICY_ID_MAX]) TC_MUST_CHECK;
/*
 * The P-256 public key in a SubjectPublicKeyInfo DER as an uncompressed
 * point (what personal data is sealed to).  0, -EINVAL (NULL, not a
 * P-256 key).
 */
int tc_device_pub(const uint8_t *spki_der, size_t len, uint8_t pub[TC_P256_PUB_LEN]) TC_MUST_CHECK;

#endif /* TC_POLICY_H */
