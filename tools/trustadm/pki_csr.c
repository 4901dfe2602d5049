/*
 * pki_csr.c - checking a device's certificate signing request before
 * the Trust CA certifies its key (see tc_pki.h).
 *
 * mbedtls_x509_csr_parse only parses: it does not check that the request
 * is signed by the key it carries, so that is done here over the exact
 * CertificationRequestInfo bytes.  The device id is never taken from the
 * CSR's text: it is recomputed from the public key, and the CN must
 * match it, so one device cannot ask for another's identity.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>

#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_pki.h"
#include "tc_trust_valid.h"

#define SPKI_MAX 256

/* Verify the CSR's self-signature over its CertificationRequestInfo. */
static int
csr_signed_by_own_key(mbedtls_x509_csr *csr)
{
	mbedtls_md_type_t md = csr->MBEDTLS_PRIVATE(sig_md);
	const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(md);
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];

	if (!mi || (md != MBEDTLS_MD_SHA256 && md != MBEDTLS_MD_SHA384 && md != MBEDTLS_MD_SHA512))
		return -1;
	if (mbedtls_md(mi, csr->cri.p, csr->cri.len, hash) != 0)
		return -1;
	return mbedtls_pk_verify_ext(csr->MBEDTLS_PRIVATE(sig_pk), csr->MBEDTLS_PRIVATE(sig_opts),
				     &csr->pk, md, hash, mbedtls_md_get_size(mi),
				     csr->MBEDTLS_PRIVATE(sig).p,
				     csr->MBEDTLS_PRIVATE(sig).len) == 0 ? 0 : -1;
}

/* The one CN of the subject; NULL if there is none or more than one. */
static const mbedtls_x509_buf *
subject_cn(const mbedtls_x509_csr *csr)
{
	const mbedtls_x509_name *n;
	const mbedtls_x509_buf *cn = NULL;

	for (n = &csr->subject; n; n = n->next) {
		if (n->oid.p == NULL || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		if (cn)
			return NULL;
		cn = &n->val;
	}
	return cn;
}

int
tc_pki_csr_load(mbedtls_x509_csr *csr, const uint8_t *buf, size_t len,
		char id[TC_POLICY_ID_MAX], char *why, size_t whylen)
{
	unsigned char spki[SPKI_MAX];
	const mbedtls_x509_buf *cn;
	char cn_text[TC_POLICY_ID_MAX], err[128];
	int n, rc;

	mbedtls_x509_csr_init(csr);
	id[0] = 0;
	why[0] = 0;
	/* PEM when it says so (the parser wants the NUL counted), else DER. */
	n = mbedtls_x509_csr_parse(csr, buf, memmem(buf, len, "-----BEGIN", 10) ? len + 1 : len);
	if (n != 0) {
		mbedtls_strerror(n, err, sizeof(err));
		snprintf(why, whylen, "not a certificate signing request (PEM or DER): %s", err);
		return TC_E_INVAL_INPUT;
	}
	if (mbedtls_pk_get_type(&csr->pk) != MBEDTLS_PK_ECKEY ||
	    tc_ec_grp(mbedtls_pk_ec(csr->pk))->id != MBEDTLS_ECP_DP_SECP256R1) {
		snprintf(why, whylen, "the CSR's key is not an ECDSA P-256 key");
		return TC_E_CERT;
	}
	if (csr_signed_by_own_key(csr) != 0) {
		snprintf(why, whylen, "the CSR's signature does not verify with its own key "
				      "(altered or corrupt request)");
		return TC_E_CERT;
	}
	/* mbedtls writes DER at the end of the buffer and returns its length. */
	n = mbedtls_pk_write_pubkey_der(&csr->pk, spki, sizeof(spki));
	if (n <= 0) {
		snprintf(why, whylen, "cannot encode the CSR's public key");
		return TC_E_CRYPTO;
	}
	if ((rc = tc_device_id(spki + sizeof(spki) - n, (size_t)n, id)) != 0) {
		snprintf(why, whylen, "cannot compute the device id");
		return rc;
	}
	cn = subject_cn(csr);
	if (!cn) {
		snprintf(why, whylen, "the CSR's subject must have exactly one CN, the device id %s",
			 id);
		goto mismatch;
	}
	if (cn->len != strlen(id) || memcmp(cn->p, id, cn->len) != 0) {
		/* Show the CN only if it is printable: it came from outside. */
		cn_text[0] = 0;
		if (cn->len < sizeof(cn_text)) {
			memcpy(cn_text, cn->p, cn->len);
			cn_text[cn->len] = 0;
		}
		if (!tc_trust_valid_id(cn_text))
			tc_strlcpy(cn_text, "(unprintable)", sizeof(cn_text));
		snprintf(why, whylen, "the CSR's CN %s is not the device id of its key, %s",
			 cn_text, id);
		goto mismatch;
	}
	return 0;
mismatch:
	id[0] = 0;
	return TC_E_CERT;
}
