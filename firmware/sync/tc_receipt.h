/*
 * tc_receipt.h - the Trust server's signed receipt for one photo (rule R4).
 *
 * trust-server signs a receipt with the Trust's receipt key once the
 * object and its ledger row are durable; the device (syncd) checks the
 * signature against the receipt public key pinned in its policy and every
 * field against its own record before it deletes anything.  The byte
 * layout (format version 1) is in this module's README; it is binary,
 * strictly framed, and never overread by the parser.
 *
 * Keys are raw P-256 values as everywhere in trustcam: the private key a
 * 32-byte big-endian scalar, the public key a 65-byte uncompressed point.
 */
#ifndef TC_RECEIPT_H
#define TC_RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"
#include "tc_seal.h"

#define TC_RECEIPT_MAGIC "TCRC"
#define TC_RECEIPT_VERSION 1
#define TC_RECEIPT_ID_MAX 64		/* device id, bytes incl. NUL (1..63 printable, no space) */
#define TC_RECEIPT_SIG_MAX 72		/* DER ECDSA P-256 signature */
#define TC_RECEIPT_SIG_MIN 8
/* magic, version, id length, id, photo id, digest, size, seq, time, sig length, sig */
#define TC_RECEIPT_MAX (4 + 1 + 1 + (TC_RECEIPT_ID_MAX - 1) + TC_PHOTO_ID_LEN + \
			TC_SHA256_LEN + 3 * 8 + 2 + TC_RECEIPT_SIG_MAX)
#define TC_RECEIPT_CONTENT_TYPE "application/vnd.trustcam.receipt"

struct tc_receipt {
	char device_id[TC_RECEIPT_ID_MAX];	/* the certificate CN, "D-" + 16 hex */
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	uint8_t digest[TC_SHA256_LEN];	/* SHA-256 of the whole sealed object */
	uint64_t size;			/* bytes of the sealed object */
	uint64_t ledger_seq;		/* the server ledger's row number (>= 1) */
	uint64_t server_time_us;	/* when the row was committed, µs since the epoch */
};

/*
 * Encode r and sign it with key (32-byte scalar).  out must hold
 * TC_RECEIPT_MAX bytes; *len gets the receipt's length.  -EINVAL for a
 * device id that is empty, too long, or not printable ASCII without
 * spaces, or a zero ledger_seq; TC_E_CRYPTO if the key is not a valid
 * P-256 scalar or signing fails.
 */
int tc_receipt_sign(const struct tc_receipt *r, const uint8_t key[TC_P256_PRIV_LEN],
		    uint8_t out[TC_RECEIPT_MAX], size_t *len) TC_MUST_CHECK;

/*
 * Check buf (untrusted) in this order, each with its own error:
 *   framing and field syntax (TC_E_RECEIPT_FORMAT: bad magic, unknown
 *   version, lengths, trailing bytes),
 *   the signature under pub (TC_E_RECEIPT_SIGNATURE; also for a pub that
 *   is not a P-256 point),
 *   the fields against what the caller expects (TC_E_RECEIPT_MISMATCH):
 *   device_id, photo_id, digest and size.
 * On success *out (may be NULL) holds the fields, seq and server time
 * included; on failure *out is zeroed.  -EINVAL for NULL arguments.
 */
int tc_receipt_verify(const uint8_t *buf, size_t len, const uint8_t pub[TC_P256_PUB_LEN],
		      const char *device_id, const uint8_t photo_id[TC_PHOTO_ID_LEN],
		      const uint8_t digest[TC_SHA256_LEN], uint64_t size,
		      struct tc_receipt *out) TC_MUST_CHECK;

/*
 * A receipt public key loaded once for many receipts (a sync pass): the
 * point is parsed and checked once, and the curve's precomputed table
 * for the generator, which every verification needs and which mbedtls
 * keeps in the group, is computed once instead of per receipt.  The
 * checks are tc_receipt_verify's, in the same order, with the same
 * errors.  A key is used by one thread at a time (the table is filled
 * on first use).  tc_receipt_key_load: 0, TC_E_RECEIPT_SIGNATURE for a
 * pub that is not a P-256 point, -ENOMEM, -EINVAL for NULL.
 */
struct tc_receipt_key;

int tc_receipt_key_load(struct tc_receipt_key **out, const uint8_t pub[TC_P256_PUB_LEN])
	TC_MUST_CHECK;
/* NULL is a no-op. */
void tc_receipt_key_free(struct tc_receipt_key *k);
int tc_receipt_verify_key(struct tc_receipt_key *k, const uint8_t *buf, size_t len,
			  const char *device_id, const uint8_t photo_id[TC_PHOTO_ID_LEN],
			  const uint8_t digest[TC_SHA256_LEN], uint64_t size,
			  struct tc_receipt *out) TC_MUST_CHECK;

/*
 * Framing only, no signature check: for listing receipts already
 * verified (trustadm, tests).  TC_E_RECEIPT_FORMAT or 0.
 */
int tc_receipt_parse(const uint8_t *buf, size_t len, struct tc_receipt *out) TC_MUST_CHECK;

/*
 * The public point of a receipt key, to check that receipt.key and
 * receipt.pub belong together.  TC_E_CRYPTO for an invalid scalar.
 */
int tc_receipt_pubkey(const uint8_t key[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
	TC_MUST_CHECK;

#endif /* TC_RECEIPT_H */
