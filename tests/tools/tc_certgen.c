/*
 * tc_certgen.c - certificates trustadm would never issue, for
 * trust-server's mutual-TLS refusal tests, made with trustadm's own
 * profiles (tools/trustadm/tc_pki.h) so only the one property under test
 * differs:
 *
 *   tc_certgen ca OUTDIR               another CA (same subject as the Trust's,
 *                                      another key): OUTDIR/ca.key, ca.crt
 *   tc_certgen device CADIR OUT [-x] [-s SUBJECT]
 *        a device key and certificate issued by CADIR's ca.key/ca.crt (plain
 *        PEM): OUT.key, OUT.crt, CN = the key's device id; -x: expired a year
 *        ago; -s: another subject.  Prints the device id.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/pk.h>

#include "tc_io.h"
#include "tc_pki.h"
#include "tc_policy.h"
#include "tc_secmem.h"

static int
put(const char *dir, const char *name, const char *suffix, const void *data, size_t len)
{
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s%s%s", dir, name, suffix);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	rc = tc_write_all(fd, data, len);
	return close(fd) == 0 ? rc : -1;
}

static int
get(const char *dir, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
	char path[4096];
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	rc = tc_read_full(fd, buf, cap - 1, len);
	close(fd);
	buf[*len] = 0;
	return rc;
}

static int
make_ca(const char *dir)
{
	struct tc_pki_cert c = { .profile = TC_PKI_CA, .subject = TC_PKI_CA_SUBJECT, .days = 3650 };
	mbedtls_pk_context pk;
	char serial[2 * TC_PKI_SERIAL_LEN + 1], *pem = NULL, *crt = NULL;
	size_t len;
	int rc;

	mbedtls_pk_init(&pk);
	c.subject_key = c.issuer_key = &pk;
	c.now = time(NULL);
	rc = tc_pki_keygen(&pk) || tc_pki_key_pem(&pk, &pem, &len) ||
	     tc_pki_issue(&c, &crt, serial) || put(dir, "/ca.key", "", pem, len) ||
	     put(dir, "/ca.crt", "", crt, strlen(crt));
	tc_secure_free(pem);
	tc_free(crt);
	mbedtls_pk_free(&pk);
	return rc ? 1 : 0;
}

static int
make_device(const char *cadir, const char *out, bool expired, const char *subject)
{
	struct tc_pki_cert c = { .profile = TC_PKI_DEVICE, .days = 1825 };
	mbedtls_pk_context ca, pk;
	uint8_t kbuf[8192], spki[256];
	char serial[2 * TC_PKI_SERIAL_LEN + 1], id[TC_POLICY_ID_MAX], subj[160];
	char *pem = NULL, *crt = NULL;
	size_t klen = 0, len;
	int n, rc = 1;

	mbedtls_pk_init(&ca);
	mbedtls_pk_init(&pk);
	if (get(cadir, "ca.key", kbuf, sizeof(kbuf), &klen) != 0 ||
	    tc_pki_key_parse(&ca, kbuf, klen) != 0 || tc_pki_keygen(&pk) != 0)
		goto out;
	n = mbedtls_pk_write_pubkey_der(&pk, spki, sizeof(spki));
	if (n <= 0 || tc_device_id(spki + sizeof(spki) - n, (size_t)n, id) != 0)
		goto out;
	snprintf(subj, sizeof(subj), "CN=%s,O=trustcam", id);
	c.subject = subject ? subject : subj;
	c.subject_key = &pk;
	c.issuer_key = &ca;
	c.now = time(NULL);
	if (expired) {
		c.now -= 400 * 86400;
		c.days = 30;
	}
	if (tc_pki_key_pem(&pk, &pem, &len) != 0 || tc_pki_issue(&c, &crt, serial) != 0 ||
	    put(out, ".key", "", pem, len) != 0 || put(out, ".crt", "", crt, strlen(crt)) != 0)
		goto out;
	printf("%s\n", id);
	rc = 0;
out:
	tc_zeroize(kbuf, sizeof(kbuf));
	tc_secure_free(pem);
	tc_free(crt);
	mbedtls_pk_free(&ca);
	mbedtls_pk_free(&pk);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *subject = NULL;
	bool expired = false;
	int c;

	if (argc >= 3 && strcmp(argv[1], "ca") == 0)
		return make_ca(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "device") == 0) {
		optind = 4;
		while ((c = getopt(argc, argv, "xs:")) != -1) {
			if (c == 'x')
				expired = true;
			else if (c == 's')
				subject = optarg;
			else
				return 2;
		}
		return make_device(argv[2], argv[3], expired, subject);
	}
	fprintf(stderr, "usage: tc_certgen ca OUTDIR | device CADIR OUT [-x] [-s SUBJECT]\n");
	return 2;
}
