/*
 * policy_int.h - what the files of firmware/policy share and nobody else
 * needs: the envelope's constants and framing, the signer check, the JSON
 * payload's limits, decoder and field validators.
 *
 * Tuned for a verifier that is strict first and helpful second: every
 * rule in the README has exactly one function here, and the encoder
 * (Trust side) runs the same decoder on its own output so trustadm can
 * never sign a payload the device would refuse as malformed.
 */
#ifndef TC_POLICY_INT_H
#define TC_POLICY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "tc_policy.h"

/* Envelope (README "Bundle envelope"). */
#define POLICY_MAGIC "TCPB"
#define POLICY_FORMAT 1
/* The payload's "format": 2 since the staff table travels sealed. */
#define POLICY_PAYLOAD_FORMAT 2
/* Sealed personal data: the box's HKDF label (README "Sealed personal data"). */
#define POLICY_SEALED_LABEL "trustcam-policy-personal-v1"
#define POLICY_SEALED_MAX POLICY_PAYLOAD_MAX	/* bytes of box, before base64 */
#define POLICY_HDR_LEN 8		/* magic, format, 3 zero bytes */
#define POLICY_PAYLOAD_MAX (1024 * 1024)
#define POLICY_CERT_MAX (16 * 1024)
#define POLICY_SIG_MAX 72		/* DER ECDSA P-256: SEQUENCE of two <=33-byte INTEGERs */
/* The smallest possible bundle: header, three length fields, one byte each. */
#define POLICY_MIN_LEN (POLICY_HDR_LEN + 4 + 1 + 4 + 1 + 2 + 1)

/* Payload limits (README "Payload"). */
#define POLICY_MAX_STAFF 1000
#define POLICY_MAX_EVENTS 1000
#define POLICY_MAX_CONSENT 20000
#define POLICY_PLATFORM_LEN_MAX 32
#define POLICY_CA_PEM_MAX (16 * 1024)
#define POLICY_PUB_HEX_LEN (2 * TC_P256_PUB_LEN)

/* A fixed-size string field holds its NUL. */
static inline bool
policy_term(const char *s, size_t cap)
{
	return strnlen(s, cap) < cap;
}

/* argon2id cost bounds a device accepts in a staff PIN hash. */
#define POLICY_ARGON2_M_MIN 8192	/* KiB */
#define POLICY_ARGON2_M_MAX 65536
#define POLICY_ARGON2_T_MAX 16
#define POLICY_ARGON2_P_MAX 4

/* The spans of a bundle whose framing is sound; pointers into the bundle. */
struct policy_frame {
	const uint8_t *payload;
	size_t payload_len;
	const uint8_t *cert;
	size_t cert_len;
	const uint8_t *sig;
	size_t sig_len;
	size_t signed_len;		/* offset 0 up to the end of the certificate */
};

/*
 * Framing only: magic, format, zero bytes, three length fields within
 * their bounds, and nothing after the signature.  Reads nothing but the
 * header and the lengths.  0 or TC_E_POLICY_FORMAT.
 */
int policy_frame_parse(const uint8_t *b, size_t len, struct policy_frame *f) TC_MUST_CHECK;

/*
 * Parse the signer certificate (DER, exactly der_len bytes) into signer
 * (initialised by the caller, who frees it) and check that it may sign
 * policies for the Trust whose CA is ca (README "Signer certificate"),
 * validity judged at now.  0 or TC_E_POLICY_SIGNER.
 */
int policy_signer_check(const uint8_t *der, size_t der_len, mbedtls_x509_crt *ca,
			int64_t now, mbedtls_x509_crt *signer) TC_MUST_CHECK;

/*
 * Strict decode of a payload into a fresh struct (free with
 * tc_policy_free).  0, TC_E_POLICY_FORMAT, or -ENOMEM.
 */
int policy_payload_decode(const uint8_t *json, size_t len, struct tc_policy **out) TC_MUST_CHECK;

/* Field rules shared by the decoder and the encoder's pre-checks. */
bool policy_id_ok(const char *s, size_t len);		/* 1..63 bytes of 0x21..0x7e */
bool policy_platform_ok(const char *s, size_t len);	/* [a-z0-9-]{1,32} */
bool policy_name_ok(const char *s, size_t len);		/* 1..127 bytes, no control characters */
bool policy_label_ok(const char *s, size_t len);	/* 1..47 bytes, no control characters */
bool policy_date_ok(const char *s, size_t len);		/* a real YYYY-MM-DD */
bool policy_device_id_ok(const char *s, size_t len);	/* "D-" + 16 lower-case hex */
bool policy_url_ok(const char *s, size_t len);		/* "https://" + printable, < 256 bytes */
bool policy_host_ok(const char *s, size_t len);		/* [A-Za-z0-9.:-]{1,127} */
bool policy_pin_hash_ok(const char *s, size_t len);	/* argon2id, v=19, costs in bounds */
/* The same, and where its parts are (salt and hash still unpadded base64). */
struct policy_pin_parts {
	uint32_t m_kib, t_cost, lanes;
	const char *salt, *hash;
	size_t salt_len, hash_len;
};
bool policy_pin_hash_parse(const char *s, size_t len, struct policy_pin_parts *parts);

/*
 * The personal data inside the sealed box: a JSON object,
 * {"staff":[...]} and optionally "labels":[...], one string per roster
 * row (README "Sealed personal data").  decode: strict, into p->staff and
 * p->labels (p has neither yet); n_pupils is the roster's length the
 * labels must match; 0, TC_E_POLICY_FORMAT, -ENOMEM.  encode: p's staff
 * table and labels as that JSON, *json from tc_malloc (wipe it); 0,
 * -EINVAL, -ENOMEM.
 */
int policy_personal_decode(const uint8_t *json, size_t len, size_t n_pupils,
			   struct tc_policy *p) TC_MUST_CHECK;
int policy_personal_encode(const struct tc_policy *p, uint8_t **json, size_t *len)
	TC_MUST_CHECK;
/*
 * sealed.c: the payload's "sealed" member.  decode: the JSON value into
 * p->sealed; 0, TC_E_POLICY_FORMAT, -ENOMEM.  encode: p->sealed as it is
 * (re-signing a decoded policy), or else p's staff table sealed to
 * p->device_pub; NULL for lack of memory or on a bad device_pub (*err).
 */
struct json_t;
int policy_sealed_decode(const struct json_t *v, struct tc_policy *p) TC_MUST_CHECK;
struct json_t *policy_sealed_encode(const struct tc_policy *p, int *err);
/* pin.c: key the Argon2id hash of s to the device (dev->pin_mac); the hash is wiped. */
int policy_pin_key(struct tc_policy_staff *s, const struct tc_policy_device *dev) TC_MUST_CHECK;
/* 130 lower-case hex digits of an uncompressed P-256 point on the curve. */
bool policy_pub_decode(const char *hex, size_t len, uint8_t out[TC_P256_PUB_LEN]);
/* The CA PEM: one or more certificates mbedtls parses, < 16 KiB. */
bool policy_ca_pem_ok(const char *s, size_t len);
/* Bounded equality of two ids held in fixed arrays of cap bytes. */
bool policy_id_eq(const char *a, const char *b, size_t cap);

#endif /* TC_POLICY_INT_H */
