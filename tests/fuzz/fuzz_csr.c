/*
 * fuzz_csr.c - what trustadm enrol does with a device's request: the CSR
 * (PEM or DER) parsed and checked by tc_pki_csr_load (self-signature, key
 * type, CN = the key's device id), and for one that passes, a device
 * certificate issued for its key under a CA made once at start and
 * checked against that CA (tc_pki_issue, tc_pki_check_chain), as enrol
 * does before it records anything.  The same bytes also go to the chain
 * check as a certificate against the seeds' Trust CA: trustadm and
 * camctl both check certificates they are handed that way.
 */
#include <string.h>

#include <mbedtls/x509_csr.h>

#include "fuzz.h"
#include "tc_pki.h"
#include "tc_policy.h"

static mbedtls_pk_context ca_key;
static char *ca_pem;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct tc_pki_cert c = {
		.profile = TC_PKI_CA, .subject = TC_PKI_CA_SUBJECT, .subject_key = &ca_key,
		.issuer_key = &ca_key, .now = FUZZ_POLICY_NOW, .days = 3650,
	};
	char serial[2 * TC_PKI_SERIAL_LEN + 1];

	(void)argc;
	(void)argv;
	fuzz_quiet();
	mbedtls_pk_init(&ca_key);
	if (tc_pki_keygen(&ca_key) != 0 || tc_pki_issue(&c, &ca_pem, serial) != 0)
		abort();
	return 0;
}

static void
enrol(mbedtls_x509_csr *csr, const char *id)
{
	char subject[TC_POLICY_ID_MAX + 16], serial[2 * TC_PKI_SERIAL_LEN + 1], *pem = NULL;
	struct tc_pki_cert c = {
		.profile = TC_PKI_DEVICE, .subject = subject, .subject_key = &csr->pk,
		.issuer_key = &ca_key, .now = FUZZ_POLICY_NOW, .days = 365,
	};

	snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", id);
	/* A CSR tc_pki_csr_load accepted must give a certificate that chains. */
	if (tc_pki_issue(&c, &pem, serial) != 0 || tc_pki_check_chain(pem, ca_pem) != 0)
		abort();
	tc_free(pem);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	mbedtls_x509_csr csr;
	char id[TC_POLICY_ID_MAX], why[160];
	uint8_t *buf = malloc(size + 1);	/* PEM callers NUL-terminate at buf[len] */

	if (!buf)
		abort();
	memcpy(buf, data, size);
	buf[size] = '\0';
	mbedtls_x509_csr_init(&csr);
	if (tc_pki_csr_load(&csr, buf, size, id, why, sizeof(why)) == 0)
		enrol(&csr, id);
	mbedtls_x509_csr_free(&csr);
	(void)tc_pki_check_chain((const char *)buf, FUZZ_TRUST_CA_PEM);
	free(buf);
	return 0;
}
