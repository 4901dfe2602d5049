/*
 * tc_pki.h - the Trust's X.509 work for trustadm: P-256 keys, the CA,
 * the policy signer, the trust-server certificate and device
 * certificates, all written with mbedtls x509write, and the checks on a
 * device's certificate signing request.
 *
 * mbedtls 2.28 has no writer for subjectAltName or extendedKeyUsage, so
 * their DER is built here with mbedtls_asn1_write_* (tc_pki_san_der,
 * tc_pki_eku_der) and attached with mbedtls_x509write_crt_set_extension.
 * Profiles (README.md):
 *   CA              CA:true pathlen 0, keyCertSign|cRLSign, 20 years, self-signed
 *   policy signer   CA:false, digitalSignature, EKU TC_POLICY_SIGNER_EKU_OID, 10 years
 *   server          CA:false, digitalSignature, EKU serverAuth, SAN DNS + IP, 5 years
 *   device          CA:false, digitalSignature, EKU clientAuth, CN = device id, 5 years
 *   firmware signer CA:false, digitalSignature, EKU codeSigning, 10 years (RAUC bundles)
 * Every certificate: v3, random positive 128-bit serial, ECDSA-SHA256,
 * subject and authority key identifiers, notBefore one hour in the past
 * (clock skew).
 */
#ifndef TC_PKI_H
#define TC_PKI_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "tc_err.h"
#include "tc_policy.h"

#define TC_PKI_CA_SUBJECT "CN=trustcam Trust CA,O=trustcam"
#define TC_PKI_SIGNER_SUBJECT "CN=" TC_POLICY_SIGNER_CN ",O=trustcam"
#define TC_PKI_FIRMWARE_SUBJECT "CN=trustcam firmware signer,O=trustcam"
#define TC_PKI_CERT_MAX 4096		/* PEM of one of our certificates */
#define TC_PKI_SERIAL_LEN 16

enum tc_pki_profile {
	TC_PKI_CA = 1,
	TC_PKI_POLICY_SIGNER,
	TC_PKI_SERVER,
	TC_PKI_DEVICE,
	TC_PKI_FIRMWARE_SIGNER,
};

struct tc_pki_cert {
	enum tc_pki_profile profile;
	const char *subject;		/* "CN=...,O=..." */
	mbedtls_pk_context *subject_key;	/* only its public half is used */
	mbedtls_pk_context *issuer_key;	/* the CA's key (the CA's own for TC_PKI_CA) */
	int64_t now;			/* unix seconds */
	unsigned days;			/* validity from now */
	const char *dns_name;		/* TC_PKI_SERVER */
	const uint8_t *ip;		/* TC_PKI_SERVER: 4 (IPv4) or 16 (IPv6) bytes */
	size_t ip_len;
};

/* A fresh ECDSA P-256 key in pk (initialised by the caller). */
int tc_pki_keygen(mbedtls_pk_context *pk) TC_MUST_CHECK;
/* pk's private key as PEM in tc_secure_alloc memory (free with tc_secure_free). */
int tc_pki_key_pem(mbedtls_pk_context *pk, char **pem, size_t *len) TC_MUST_CHECK;
/* Parse a NUL-terminated PEM private key; must be P-256.  TC_E_KEYFILE. */
int tc_pki_key_parse(mbedtls_pk_context *pk, const uint8_t *pem, size_t len) TC_MUST_CHECK;

/*
 * Issue a certificate for c.  The issuer name is TC_PKI_CA_SUBJECT (the
 * CA's own subject).  *pem from tc_malloc; serial_hex gets the serial.
 */
int tc_pki_issue(const struct tc_pki_cert *c, char **pem,
		 char serial_hex[2 * TC_PKI_SERIAL_LEN + 1]) TC_MUST_CHECK;

/*
 * DER of a subjectAltName extension value (SEQUENCE OF GeneralName:
 * dNSName [2] then iPAddress [7]; either may be absent, not both),
 * written at the end of buf.  *der points into buf.
 */
int tc_pki_san_der(const char *dns, const uint8_t *ip, size_t ip_len, uint8_t *buf,
		   size_t cap, const uint8_t **der, size_t *len) TC_MUST_CHECK;
/* DER of an extendedKeyUsage value with one KeyPurposeId (oid, oid_len bytes). */
int tc_pki_eku_der(const char *oid, size_t oid_len, uint8_t *buf, size_t cap,
		   const uint8_t **der, size_t *len) TC_MUST_CHECK;

/*
 * A device's CSR (PEM, NUL-terminated at buf[len], or DER): parse it,
 * verify its self-signature, require an ECDSA P-256 key and one CN equal
 * to the device id computed from that key (tc_device_id), which goes to
 * id.  csr is initialised here; the caller frees it with
 * mbedtls_x509_csr_free whatever the result.  On failure why holds one
 * line for IT.  TC_E_INVAL_INPUT (unreadable), TC_E_CERT (signature,
 * key type or CN).
 */
int tc_pki_csr_load(mbedtls_x509_csr *csr, const uint8_t *buf, size_t len,
		    char id[TC_POLICY_ID_MAX], char *why, size_t whylen) TC_MUST_CHECK;

/* Whether cert_pem chains to ca_pem (mbedtls_x509_crt_verify).  0 or TC_E_CERT. */
int tc_pki_check_chain(const char *cert_pem, const char *ca_pem) TC_MUST_CHECK;

#endif /* TC_PKI_H */
