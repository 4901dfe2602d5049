/*
 * tc_mkcsr.c - a device-style key and certificate signing request for
 * trustadm's tests: writes a fresh ECDSA P-256 key (PEM, 0600) and a CSR
 * with subject "CN=<its device id>,O=trustcam", signed with SHA-256, as
 * a provisioned device would, and prints the device id.
 *
 *   tc_mkcsr [--cn CN] [--bad-sig] [--der] KEY_OUT CSR_OUT
 *
 * --cn puts another CN in the request (the wrong-CN test); --bad-sig
 * flips a bit of the signature after signing (the tampered-CSR test);
 * --der writes DER instead of PEM.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#include "tc_io.h"
#include "tc_policy.h"
#include "tc_random.h"
#include "tc_secmem.h"

#define BUF 4096

static int
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int rc;

	if (fd < 0)
		return -1;
	rc = tc_write_all(fd, data, len);
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cn", required_argument, NULL, 'c' },
		{ "bad-sig", no_argument, NULL, 'b' },
		{ "der", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 } };
	const char *cn = NULL;
	int bad_sig = 0, der = 0, c, n, rc = 1;
	unsigned char key_pem[BUF], buf[BUF], spki[256], pem[BUF];
	char id[TC_POLICY_ID_MAX], subject[160];
	mbedtls_x509write_csr w;
	mbedtls_pk_context pk;
	size_t olen;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c')
			cn = optarg;
		else if (c == 'b')
			bad_sig = 1;
		else if (c == 'D')
			der = 1;
		else
			return 2;
	}
	if (optind + 2 != argc) {
		fprintf(stderr, "usage: tc_mkcsr [--cn CN] [--bad-sig] [--der] KEY_OUT CSR_OUT\n");
		return 2;
	}
	mbedtls_pk_init(&pk);
	mbedtls_x509write_csr_init(&w);
	if (mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) != 0 ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), tc_random_rng,
				NULL) != 0 ||
	    mbedtls_pk_write_key_pem(&pk, key_pem, sizeof(key_pem)) != 0)
		goto out;
	n = mbedtls_pk_write_pubkey_der(&pk, spki, sizeof(spki));
	if (n <= 0 || tc_device_id(spki + sizeof(spki) - n, (size_t)n, id) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", cn ? cn : id);
	mbedtls_x509write_csr_set_key(&w, &pk);
	mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
	if (mbedtls_x509write_csr_set_subject_name(&w, subject) != 0)
		goto out;
	n = mbedtls_x509write_csr_der(&w, buf, sizeof(buf), tc_random_rng, NULL);
	if (n <= 0)
		goto out;
	/* The signature's last byte is the last byte of the DER: flip it. */
	if (bad_sig)
		buf[sizeof(buf) - 1] ^= 0x01;
	if (der) {
		if (write_file(argv[optind + 1], buf + sizeof(buf) - n, (size_t)n) != 0)
			goto out;
	} else {
		if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE REQUEST-----\n",
					     "-----END CERTIFICATE REQUEST-----\n",
					     buf + sizeof(buf) - n, (size_t)n, pem, sizeof(pem),
					     &olen) != 0 ||
		    write_file(argv[optind + 1], pem, strlen((char *)pem)) != 0)
			goto out;
	}
	if (write_file(argv[optind], key_pem, strlen((char *)key_pem)) != 0)
		goto out;
	printf("%s\n", id);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "tc_mkcsr: failed\n");
	tc_zeroize(key_pem, sizeof(key_pem));
	mbedtls_x509write_csr_free(&w);
	mbedtls_pk_free(&pk);
	return rc;
}
