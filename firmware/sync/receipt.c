/*
 * receipt.c - encoding, signing, parsing and verifying receipts
 * (tc_receipt.h; the byte layout is in README.md).
 *
 * Tuned for being obviously right rather than fast: a receipt is ~200
 * bytes and one is checked per photo.  The parser walks a cursor that
 * checks the bytes left before every read, so a short, long or hostile
 * buffer reads as TC_E_RECEIPT_FORMAT and never as an overread.
 */
#include <errno.h>
#include <string.h>

#include <mbedtls/ecdsa.h>
#include <mbedtls/md.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_receipt.h"

#define MAGIC_LEN 4
/* Bytes after the device id up to the signature length: photo id, digest, 3 x be64. */
#define FIXED_TAIL (TC_PHOTO_ID_LEN + TC_SHA256_LEN + 3 * 8)

struct cursor {
	const uint8_t *p;
	size_t left;
};

static int
take(struct cursor *c, size_t n, const uint8_t **out)
{
	if (c->left < n)
		return TC_E_RECEIPT_FORMAT;
	*out = c->p;
	c->p += n;
	c->left -= n;
	return 0;
}

/* Device ids as the Trust issues them: printable ASCII, no space. */
static int
id_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 1 || n > TC_RECEIPT_ID_MAX - 1)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return 0;
	return 1;
}

static int
sha256(const uint8_t *buf, size_t len, uint8_t out[TC_SHA256_LEN])
{
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, len, out) == 0 ?
		       0 : TC_E_CRYPTO;
}

/*
 * Split buf into fields.  *signed_len: bytes the signature covers (all
 * before the signature length); *sig, *sig_len: the DER signature.
 */
static int
parse(const uint8_t *buf, size_t len, struct tc_receipt *r, size_t *signed_len,
      const uint8_t **sig, size_t *sig_len)
{
	struct cursor c = { buf, len };
	const uint8_t *p;
	size_t idlen;

	memset(r, 0, sizeof(*r));
	if (!buf || take(&c, MAGIC_LEN + 2, &p) != 0 || memcmp(p, TC_RECEIPT_MAGIC, MAGIC_LEN) != 0 ||
	    p[MAGIC_LEN] != TC_RECEIPT_VERSION)
		return TC_E_RECEIPT_FORMAT;
	idlen = p[MAGIC_LEN + 1];
	if (take(&c, idlen, &p) != 0 || !id_ok((const char *)p, idlen))
		return TC_E_RECEIPT_FORMAT;
	memcpy(r->device_id, p, idlen);
	r->device_id[idlen] = '\0';
	if (take(&c, FIXED_TAIL, &p) != 0)
		return TC_E_RECEIPT_FORMAT;
	memcpy(r->photo_id, p, TC_PHOTO_ID_LEN);
	p += TC_PHOTO_ID_LEN;
	memcpy(r->digest, p, TC_SHA256_LEN);
	p += TC_SHA256_LEN;
	r->size = tc_get_be64(p);
	r->ledger_seq = tc_get_be64(p + 8);
	r->server_time_us = tc_get_be64(p + 16);
	*signed_len = len - c.left;
	if (take(&c, 2, &p) != 0)
		return TC_E_RECEIPT_FORMAT;
	*sig_len = tc_get_be16(p);
	/* The signature runs exactly to the end: nothing may follow it. */
	if (*sig_len < TC_RECEIPT_SIG_MIN || *sig_len > TC_RECEIPT_SIG_MAX || c.left != *sig_len ||
	    r->ledger_seq == 0)
		return TC_E_RECEIPT_FORMAT;
	*sig = c.p;
	return 0;
}

int
tc_receipt_parse(const uint8_t *buf, size_t len, struct tc_receipt *out)
{
	struct tc_receipt r;
	const uint8_t *sig;
	size_t signed_len, sig_len;
	int rc = parse(buf, len, &r, &signed_len, &sig, &sig_len);

	if (out)
		*out = rc == 0 ? r : (struct tc_receipt){ 0 };
	return rc;
}

/* ctx gets the P-256 group and the scalar key; TC_E_CRYPTO if it is not a valid one. */
static int
load_private(mbedtls_ecdsa_context *ctx, const uint8_t key[TC_P256_PRIV_LEN])
{
	if (mbedtls_ecp_group_load(tc_ec_grp(ctx), MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_mpi_read_binary(tc_ec_d(ctx), key, TC_P256_PRIV_LEN) != 0 ||
	    mbedtls_ecp_check_privkey(tc_ec_grp(ctx), tc_ec_d(ctx)) != 0)
		return TC_E_CRYPTO;
	return 0;
}

int
tc_receipt_sign(const struct tc_receipt *r, const uint8_t key[TC_P256_PRIV_LEN],
		uint8_t out[TC_RECEIPT_MAX], size_t *len)
{
	mbedtls_ecdsa_context ctx;
	uint8_t hash[TC_SHA256_LEN], *p = out;
	size_t idlen, sig_len = 0;
	int rc;

	if (!r || !key || !out || !len)
		return -EINVAL;
	*len = 0;
	idlen = strnlen(r->device_id, TC_RECEIPT_ID_MAX);
	if (!id_ok(r->device_id, idlen) || r->ledger_seq == 0)
		return -EINVAL;
	memcpy(p, TC_RECEIPT_MAGIC, MAGIC_LEN);
	p[MAGIC_LEN] = TC_RECEIPT_VERSION;
	p[MAGIC_LEN + 1] = (uint8_t)idlen;
	p += MAGIC_LEN + 2;
	memcpy(p, r->device_id, idlen);
	p += idlen;
	memcpy(p, r->photo_id, TC_PHOTO_ID_LEN);
	p += TC_PHOTO_ID_LEN;
	memcpy(p, r->digest, TC_SHA256_LEN);
	p += TC_SHA256_LEN;
	tc_put_be64(p, r->size);
	tc_put_be64(p + 8, r->ledger_seq);
	tc_put_be64(p + 16, r->server_time_us);
	p += 24;

	mbedtls_ecdsa_init(&ctx);
	if ((rc = load_private(&ctx, key)) != 0 || (rc = sha256(out, (size_t)(p - out), hash)) != 0)
		goto out;
	if (tc_ecdsa_write_signature(&ctx, MBEDTLS_MD_SHA256, hash, sizeof(hash), p + 2,
				     TC_RECEIPT_SIG_MAX, &sig_len) != 0 ||
	    sig_len < TC_RECEIPT_SIG_MIN || sig_len > TC_RECEIPT_SIG_MAX) {
		rc = TC_E_CRYPTO;
		goto out;
	}
	tc_put_be16(p, (uint16_t)sig_len);
	*len = (size_t)(p - out) + 2 + sig_len;
out:
	mbedtls_ecdsa_free(&ctx);	/* wipes the scalar */
	return rc;
}

struct tc_receipt_key {
	mbedtls_ecdsa_context ctx;	/* Q = the receipt key; grp keeps G's comb table */
};

int
tc_receipt_key_load(struct tc_receipt_key **out, const uint8_t pub[TC_P256_PUB_LEN])
{
	struct tc_receipt_key *k;

	if (!out || !pub)
		return -EINVAL;
	*out = NULL;
	if (!(k = tc_calloc(1, sizeof(*k))))
		return -ENOMEM;
	mbedtls_ecdsa_init(&k->ctx);
	if (mbedtls_ecp_group_load(tc_ec_grp(&k->ctx), MBEDTLS_ECP_DP_SECP256R1) != 0 ||
	    mbedtls_ecp_point_read_binary(tc_ec_grp(&k->ctx), tc_ec_Q(&k->ctx), pub,
					  TC_P256_PUB_LEN) != 0 ||
	    mbedtls_ecp_check_pubkey(tc_ec_grp(&k->ctx), tc_ec_Q(&k->ctx)) != 0) {
		tc_receipt_key_free(k);
		return TC_E_RECEIPT_SIGNATURE;
	}
	*out = k;
	return 0;
}

void
tc_receipt_key_free(struct tc_receipt_key *k)
{
	if (!k)
		return;
	mbedtls_ecdsa_free(&k->ctx);
	tc_free(k);
}

static int
check_signature(struct tc_receipt_key *k, const uint8_t *buf, size_t signed_len,
		const uint8_t *sig, size_t sig_len)
{
	uint8_t hash[TC_SHA256_LEN];

	if (sha256(buf, signed_len, hash) != 0)
		return TC_E_CRYPTO;
	if (mbedtls_ecdsa_read_signature(&k->ctx, hash, sizeof(hash), sig, sig_len) != 0)
		return TC_E_RECEIPT_SIGNATURE;
	return 0;
}

/*
 * tc_receipt_verify's checks in order, with key k, or (k NULL) with a key
 * loaded from pub for this one receipt, after the framing so that a
 * malformed receipt is a format error whatever the key.  Both NULL:
 * -EINVAL.
 */
static int
verify(struct tc_receipt_key *k, const uint8_t *pub, const uint8_t *buf, size_t len,
       const char *device_id, const uint8_t photo_id[TC_PHOTO_ID_LEN],
       const uint8_t digest[TC_SHA256_LEN], uint64_t size, struct tc_receipt *out)
{
	struct tc_receipt_key *own = NULL;
	struct tc_receipt r;
	const uint8_t *sig = NULL;
	size_t signed_len = 0, sig_len = 0;
	int rc;

	if (out)
		memset(out, 0, sizeof(*out));
	if ((!k && !pub) || !buf || !device_id || !photo_id || !digest)
		return -EINVAL;
	if ((rc = parse(buf, len, &r, &signed_len, &sig, &sig_len)) != 0)
		return rc;
	if (!k && (rc = tc_receipt_key_load(&own, pub)) != 0)
		return rc;
	rc = check_signature(k ? k : own, buf, signed_len, sig, sig_len);
	tc_receipt_key_free(own);
	if (rc != 0)
		return rc;
	if (strcmp(r.device_id, device_id) != 0 ||
	    memcmp(r.photo_id, photo_id, TC_PHOTO_ID_LEN) != 0 ||
	    memcmp(r.digest, digest, TC_SHA256_LEN) != 0 || r.size != size)
		return TC_E_RECEIPT_MISMATCH;
	if (out)
		*out = r;
	return 0;
}

int
tc_receipt_verify_key(struct tc_receipt_key *k, const uint8_t *buf, size_t len,
		      const char *device_id, const uint8_t photo_id[TC_PHOTO_ID_LEN],
		      const uint8_t digest[TC_SHA256_LEN], uint64_t size, struct tc_receipt *out)
{
	return verify(k, NULL, buf, len, device_id, photo_id, digest, size, out);
}

int
tc_receipt_verify(const uint8_t *buf, size_t len, const uint8_t pub[TC_P256_PUB_LEN],
		  const char *device_id, const uint8_t photo_id[TC_PHOTO_ID_LEN],
		  const uint8_t digest[TC_SHA256_LEN], uint64_t size, struct tc_receipt *out)
{
	return verify(NULL, pub, buf, len, device_id, photo_id, digest, size, out);
}

int
tc_receipt_pubkey(const uint8_t key[TC_P256_PRIV_LEN], uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_ecdsa_context ctx;
	size_t olen = 0;
	int rc;

	mbedtls_ecdsa_init(&ctx);
	if ((rc = load_private(&ctx, key)) != 0)
		goto out;
	if (mbedtls_ecp_mul(tc_ec_grp(&ctx), tc_ec_Q(&ctx), tc_ec_d(&ctx), &tc_ec_grp(&ctx)->G,
			    tc_random_rng, NULL) != 0 ||
	    mbedtls_ecp_point_write_binary(tc_ec_grp(&ctx), tc_ec_Q(&ctx),
					   MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, pub,
					   TC_P256_PUB_LEN) != 0 ||
	    olen != TC_P256_PUB_LEN)
		rc = TC_E_CRYPTO;
out:
	mbedtls_ecdsa_free(&ctx);
	return rc;
}
