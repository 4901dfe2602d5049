/*
 * cmd_device.c - devices: `enrol` (certify a device's key and register
 * it), `revoke` and `devices` (the list; with -S, each device's last
 * sync and photos received from trust-server's ledger, and a flag on
 * devices overdue for a dock under their issued policy).
 *
 * Enrolment trusts nothing in the CSR but its key: the request must be
 * signed by that key, the device id is recomputed from it and the CN
 * must equal it, and the certificate's subject, lifetime and extensions
 * are ours.  A device id is enrolled once, ever: a revoked device comes
 * back only with a new key, so a revocation cannot be undone by
 * re-enrolling.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>

#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define ENROL_SYN "enrol --csr FILE --class trust-owned|approved --label TEXT"
#define DEVICE_DAYS (5 * 365 + 1)
#define CSR_MAX (16 * 1024)

static const char *
class_name(enum tc_device_class c)
{
	return c == TC_CLASS_APPROVED ? "approved" : "trust-owned";
}

static int
write_cert(struct tadm *a, const char *id, const char *pem)
{
	char name[TC_POLICY_ID_MAX + 8];
	int dfd = tc_openat(a->dirfd, "devices", O_RDONLY | O_DIRECTORY), rc;

	if (dfd < 0)
		return dfd;
	snprintf(name, sizeof(name), "%s.crt", id);
	rc = tc_trust_file_write(dfd, name, pem, strlen(pem), 0644);
	close(dfd);
	return rc;
}

static void
unlink_cert(struct tadm *a, const char *id)
{
	char name[TC_POLICY_ID_MAX + 16];

	snprintf(name, sizeof(name), "devices/%s.crt", id);
	(void)unlinkat(a->dirfd, name, 0);
}

static int
already_enrolled(struct tadm *a, const struct tc_reg_device *d)
{
	char when[16];

	tadm_date(d->enrolled, when, sizeof(when));
	if (d->revoked)
		tadm_err(a, "device %s is already enrolled (since %s) and was revoked: a revoked "
			 "device does not come back; a replacement enrols its own new key", d->id,
			 when);
	else
		tadm_err(a, "device %s is already enrolled (since %s, %s): a device is enrolled "
			 "once; to replace it, revoke it and enrol the new device's key", d->id, when,
			 class_name(d->device_class));
	return TADM_FAIL;
}

/* Register and write the certificate in one transaction with its audit row. */
static int
record(struct tadm *a, struct tc_reg_device *d, const char *pem)
{
	char detail[256];
	int rc;

	snprintf(detail, sizeof(detail), "class %s, serial %s, label \"%s\"",
		 class_name(d->device_class), d->serial, d->label);
	if ((rc = tc_registry_begin(a->reg)) != 0)
		goto fail;
	rc = tc_registry_device_add(a->reg, d, pem);
	if (rc == TC_E_EXISTS) {
		struct tc_reg_device old;

		tc_registry_rollback(a->reg);
		if (tc_registry_device_get(a->reg, d->id, &old) == 0)
			return already_enrolled(a, &old);
		goto fail;
	}
	if (rc != 0 || (rc = tc_registry_audit(a->reg, "enrol", d->id, detail)) != 0 ||
	    (rc = write_cert(a, d->id, pem)) != 0)
		goto fail;
	if ((rc = tc_registry_commit(a->reg)) != 0) {
		unlink_cert(a, d->id);
		goto fail;
	}
	return TADM_OK;
fail:
	tc_registry_rollback(a->reg);
	tadm_err(a, "cannot record device %s: %s", d->id, tc_strerror(rc));
	return TADM_FAIL;
}

int
cmd_enrol(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "csr", required_argument, NULL, 'c' },
		{ "class", required_argument, NULL, 'k' },
		{ "label", required_argument, NULL, 'l' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *csr_path = NULL, *cls = NULL, *label = NULL;
	struct tc_pki_cert cert = { .profile = TC_PKI_DEVICE, .days = DEVICE_DAYS };
	struct tc_reg_device d, old;
	mbedtls_x509_csr csr;
	mbedtls_pk_context ca_key;
	char *ca_pem = NULL, *pem = NULL, why[256], subject[TC_POLICY_ID_MAX + 16];
	uint8_t *buf = NULL;
	size_t len;
	int c, rc;

	/* enrol pending | approve | refuse: requests made at the dock (cmd_enrol_dock.c). */
	if (argc >= 2 && (strcmp(argv[1], "pending") == 0 || strcmp(argv[1], "approve") == 0 ||
			  strcmp(argv[1], "refuse") == 0))
		return tadm_enrol_dock(a, argc, argv);
	memset(&d, 0, sizeof(d));
	mbedtls_x509_csr_init(&csr);
	mbedtls_pk_init(&ca_key);
	while ((c = tadm_getopt(argc, argv, "c:k:l:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'c')
			csr_path = optarg;
		else if (c == 'k')
			cls = optarg;
		else if (c == 'l')
			label = optarg;
		else if ((rc = tadm_common_opt(a, c, ENROL_SYN)) >= 0)
			goto out;
	}
	rc = TADM_USAGE;
	if (optind != argc || !csr_path || !cls || !label) {
		rc = tadm_usage(a, ENROL_SYN);
		goto out;
	}
	if (strcmp(cls, "trust-owned") == 0) {
		d.device_class = TC_CLASS_TRUST_OWNED;
	} else if (strcmp(cls, "approved") == 0) {
		d.device_class = TC_CLASS_APPROVED;
	} else {
		tadm_err(a, "--class is trust-owned or approved, not '%s'", cls);
		goto out;
	}
	if (!tc_trust_valid_name(label)) {
		tadm_err(a, "--label must be 1-%d bytes of UTF-8 text without control characters",
			 TC_TRUST_NAME_MAX);
		goto out;
	}
	rc = TADM_FAIL;
	if (tadm_open(a) != 0 || tadm_read_input(a, csr_path, CSR_MAX, &buf, &len) != 0)
		goto out;
	mbedtls_x509_csr_free(&csr);
	if (tc_pki_csr_load(&csr, buf, len, d.id, why, sizeof(why)) != 0) {
		tadm_err(a, "%s: %s", csr_path, why);
		goto out;
	}
	/* Before the CA key is unlocked: the common mistake gets the quick answer. */
	if (tc_registry_device_get(a->reg, d.id, &old) == 0) {
		rc = already_enrolled(a, &old);
		goto out;
	}
	if (tadm_load_ca(a, &ca_key, &ca_pem) != 0)
		goto out;
	snprintf(subject, sizeof(subject), "CN=%s,O=trustcam", d.id);
	cert.subject = subject;
	cert.subject_key = &csr.pk;
	cert.issuer_key = &ca_key;
	cert.now = tadm_now();
	if (tc_pki_issue(&cert, &pem, d.serial) != 0 || tc_pki_check_chain(pem, ca_pem) != 0) {
		tadm_err(a, "cannot issue the device certificate");
		goto out;
	}
	tc_strlcpy(d.label, label, sizeof(d.label));
	d.enrolled = cert.now;
	if ((rc = record(a, &d, pem)) != TADM_OK)
		goto out;
	printf("device %s enrolled (%s, \"%s\")\n", d.id, class_name(d.device_class), d.label);
	printf("certificate %s/devices/%s.crt\n", a->dir, d.id);
	rc = TADM_OK;
out:
	mbedtls_x509_csr_free(&csr);
	mbedtls_pk_free(&ca_key);
	tc_free(buf);
	tc_free(ca_pem);
	tc_free(pem);
	return rc;
}

int
cmd_revoke(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	const char *id;
	char when[16];
	struct tc_reg_device d;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, "revoke DEVICE")) >= 0)
			return rc;
	if (optind + 1 != argc)
		return tadm_usage(a, "revoke DEVICE");
	id = argv[optind];
	if (!tc_trust_valid_device_id(id)) {
		tadm_err(a, "'%s' is not a device id (D- and 16 hex digits)", id);
		return TADM_USAGE;
	}
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_device_revoke(a->reg, id, tadm_now())) == 0 &&
	    (rc = tc_registry_audit(a->reg, "revoke", id, "")) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		if (rc == TC_E_NOT_FOUND) {
			tadm_err(a, "no device %s is enrolled", id);
		} else if (rc == TC_E_STATE && tc_registry_device_get(a->reg, id, &d) == 0) {
			tadm_date(d.revoked_at, when, sizeof(when));
			tadm_err(a, "device %s was already revoked on %s", id, when);
		} else {
			tadm_err(a, "cannot revoke %s: %s", id, tc_strerror(rc));
		}
		return TADM_FAIL;
	}
	printf("device %s revoked: trust-server refuses it and no policy will be issued for it\n",
	       id);
	return tadm_policy_reissue(a, "device revoked");
}

uint32_t
tadm_policy_max_hours(struct tadm *a, const struct tc_reg_device *d, const char *ca_pem)
{
	char name[TC_POLICY_ID_MAX + 48];
	struct tc_policy *p = NULL;
	uint8_t *bundle = NULL;
	size_t len = 0;
	uint32_t h = 0;

	if (!d->policy_version || !ca_pem)
		return 0;
	snprintf(name, sizeof(name), "policies/%s-v%llu.bundle", d->id,
		 (unsigned long long)d->policy_version);
	if (tc_trust_file_read(a->dirfd, name, TC_POLICY_BUNDLE_MAX, &bundle, &len) != 0)
		return 0;
	/* Verified as the device verifies it, at a moment inside its validity. */
	if (tc_policy_verify(bundle, len, ca_pem, d->id, d->policy_version - 1,
			     d->policy_expires - 1, &p) == 0)
		h = p->rules.max_hours_since_sync;
	tc_policy_free(p);
	tc_free(bundle);
	return h;
}

struct list_ctx {
	struct tadm *a;
	const char *ca_pem;
	bool sync;		/* the server's data directory is known */
	int64_t now;
	unsigned overdue;
};

static int
print_device(void *ctx, const struct tc_reg_device *d)
{
	struct list_ctx *c = ctx;
	struct tadm_srv_dev s;
	char ver[24], exp[16], last[32], photos[24], flag[64] = "", fw[64];
	uint32_t max_h;
	int64_t since;
	int rc;

	if (d->policy_version)
		snprintf(ver, sizeof(ver), "v%llu", (unsigned long long)d->policy_version);
	else
		tc_strlcpy(ver, "-", sizeof(ver));
	tadm_date(d->policy_expires, exp, sizeof(exp));
	printf("%-18s  %-11s  %-7s  %-6s  %-10s  ", d->id, class_name(d->device_class),
	       d->revoked ? "revoked" : "active", ver, exp);
	if (c->sync) {
		if ((rc = tadm_srv_device(c->a, d->id, &s)) != 0)
			return rc;
		if (s.last_upload > 0)
			tc_review_iso_time(s.last_upload, last, sizeof(last));
		else
			tc_strlcpy(last, "never", sizeof(last));
		snprintf(photos, sizeof(photos), "%lld", (long long)s.photos);
		max_h = d->revoked ? 0 : tadm_policy_max_hours(c->a, d, c->ca_pem);
		/* A device never synced is overdue once its limit has passed since enrolment. */
		since = s.last_upload > 0 ? s.last_upload : d->enrolled;
		if (max_h && c->now - since > (int64_t)max_h * 3600) {
			snprintf(flag, sizeof(flag), "  OVERDUE (no dock for over %u h)", max_h);
			c->overdue++;
		}
		if (s.release)
			snprintf(fw, sizeof(fw), "r%llu %.30s", (unsigned long long)s.release,
				 s.firmware);
		else
			snprintf(fw, sizeof(fw), "%.30s", s.firmware[0] ? s.firmware : "-");
		printf("%-20s  %-6s  %-20s  ", last, photos, fw);
	}
	printf("%s%s\n", d->label, flag);
	return 0;
}

int
cmd_devices(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	struct list_ctx ctx = { .a = a, .now = tadm_now() };
	uint8_t *ca = NULL;
	size_t len;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, "devices")) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, "devices");
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if (a->srvdir) {
		if (tadm_srv_open(a) != 0 || tadm_load_public(a, "ca.crt", TC_PKI_CERT_MAX, &ca,
							      &len) != 0)
			return TADM_FAIL;
		ctx.sync = true;
		ctx.ca_pem = (const char *)ca;
	}
	printf("%-18s  %-11s  %-7s  %-6s  %-10s  ", "DEVICE", "CLASS", "STATUS", "POLICY",
	       "EXPIRES");
	if (ctx.sync)
		printf("%-20s  %-6s  %-20s  ", "LAST SYNC", "PHOTOS", "FIRMWARE");
	printf("LABEL\n");
	rc = tc_registry_device_foreach(a->reg, print_device, &ctx);
	tc_free(ca);
	if (rc != 0) {
		tadm_err(a, "cannot list devices: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	if (ctx.overdue)
		fprintf(stderr, "trustadm: devices: %u device(s) overdue for a dock\n", ctx.overdue);
	return TADM_OK;
}
