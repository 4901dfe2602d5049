/*
 * syncd_prov.c - what syncd needs from STATE/provision (owned by photod,
 * see photod_provision.c), read-only except last-sync: the device id (from
 * the keystore's identity key), the device certificate, the pinned Trust
 * CA and the policy, verified with tc_policy_verify exactly as photod
 * does (anti-rollback at policy.version - 1).  Read again at every pass,
 * so a policy photod installed in between is used at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "syncd.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"

#define CERT_MAX (16 * 1024)

int
syncd_read_file(int dirfd, const char *name, size_t cap, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t got;
	int fd, rc;

	*buf = NULL;
	*len = 0;
	fd = tc_openat(dirfd, name, O_RDONLY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > cap) {
		rc = -EFBIG;
		goto out;
	}
	b = tc_malloc((size_t)st.st_size + 1);
	if (!b) {
		rc = -ENOMEM;
		goto out;
	}
	rc = tc_read_full(fd, b, (size_t)st.st_size, &got);
	if (rc == 0 && got != (size_t)st.st_size)
		rc = -EIO;
	if (rc == 0) {
		b[got] = 0;
		*buf = b;
		*len = got;
		b = NULL;
	}
out:
	tc_free(b);
	close(fd);
	return rc;
}

int
syncd_read_u64(int dirfd, const char *name, uint64_t *v)
{
	uint8_t *b;
	size_t n;
	int rc = syncd_read_file(dirfd, name, 64, &b, &n);

	if (rc != 0)
		return rc;
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == ' '))
		b[--n] = 0;
	rc = tc_parse_u64((const char *)b, 0, UINT64_MAX, v);
	tc_free(b);
	return rc;
}

/* Durably: a temporary name, fsync, rename, fsync the directory. */
int
syncd_write_u64(int dirfd, const char *name, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);

	return tc_write_file_atomic(dirfd, name, buf, (size_t)n);
}

void
syncd_prov_free(struct syncd_prov *p)
{
	tc_receipt_key_free(p->receipt_key);
	tc_policy_free(p->policy);
	tc_free(p->ca_pem);
	tc_free(p->cert);
	memset(p, 0, sizeof(*p));
}

/*
 * Fill p from STATE/provision: 0, or TC_E_NOT_PROVISIONED, TC_E_NO_POLICY,
 * a TC_E_POLICY_* code, or an I/O error.  p is freed on error.
 */
int
syncd_prov_load(struct syncd *d, struct syncd_prov *p)
{
	uint8_t spki[TC_IDENTITY_SPKI_MAX], *bundle = NULL, *ca = NULL;
	size_t n, blen, calen;
	int rc;

	memset(p, 0, sizeof(*p));
	rc = tc_keystore_identity_pubkey(d->ks, spki, sizeof(spki), &n);
	if (rc == 0)
		rc = tc_device_id(spki, n, p->device_id);
	if (rc != 0) {
		rc = TC_E_NOT_PROVISIONED;
		goto out;
	}
	rc = syncd_read_file(d->state_fd, "device.crt", CERT_MAX, &p->cert, &p->cert_len);
	if (rc == -ENOENT)
		rc = TC_E_NOT_PROVISIONED;
	if (rc != 0)
		goto out;
	if ((rc = syncd_read_file(d->state_fd, "trust-ca.crt", CERT_MAX, &ca, &calen)) != 0)
		goto out;
	p->ca_pem = (char *)ca;
	ca = NULL;
	if ((rc = syncd_read_u64(d->state_fd, "policy.version", &p->high_water)) != 0) {
		rc = TC_E_NO_POLICY;
		goto out;
	}
	rc = syncd_read_file(d->state_fd, "policy.bundle", TC_POLICY_BUNDLE_MAX, &bundle, &blen);
	if (rc == -ENOENT)
		rc = TC_E_NO_POLICY;
	if (rc != 0)
		goto out;
	rc = tc_policy_verify(bundle, blen, p->ca_pem, p->device_id,
			      p->high_water ? p->high_water - 1 : 0, (int64_t)time(NULL), &p->policy);
	/* Parsed once for the pass's receipts (and its curve table computed once). */
	if (rc == 0)
		rc = tc_receipt_key_load(&p->receipt_key, p->policy->receipt_pub);
out:
	tc_free(bundle);
	tc_free(ca);
	if (rc != 0)
		syncd_prov_free(p);
	return rc;
}
