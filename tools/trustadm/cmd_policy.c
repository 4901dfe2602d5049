/*
 * cmd_policy.c - `policy issue DEVICE -o BUNDLE`: one device's signed
 * policy bundle (format in firmware/policy/README.md).
 *
 * The version is the device's last + 1, read and recorded in the same
 * transaction that reads staff, events and the roster, so a bundle is
 * one consistent snapshot and no version is ever issued twice (if
 * writing the files fails afterwards, that version is simply skipped).
 * Before recording it, trustadm verifies its own bundle exactly as the
 * device will (tc_policy_verify against the Trust CA), so a bundle that
 * a device would reject never leaves the Trust.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "tadm.h"
#include "tc_io.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define SYN "policy issue DEVICE -o BUNDLE [--valid-days N] [--server-url URL] " \
	    "[--max-unsynced N] [--max-hours N] [--grace-hours N] [--no-require-event] " \
	    "[--on-revoked block|warn]"

struct issue {
	const char *id, *out, *url;
	int out_fd;			/* -o's directory, opened before anything is recorded */
	char url_buf[TC_POLICY_URL_MAX];
	uint64_t valid_days, max_unsynced, max_hours, grace;
	bool require_event, revoked_warn;
	struct tc_policy p;
	size_t cap_staff, cap_events;
	uint8_t *key, *signer_pem, *ca_pem, *json, *bundle;
	size_t key_len, json_len, bundle_len;
};

/* Grow *arr (elements of size) so one more fits. */
static int
reserve(void **arr, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	p = tc_realloc(*arr, ncap * size);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

static int
add_staff(void *ctx, const struct tc_reg_staff *s)
{
	struct issue *in = ctx;
	struct tc_policy_staff *d;
	int rc = reserve((void **)&in->p.staff, in->p.n_staff, &in->cap_staff, sizeof(*d));

	if (rc != 0)
		return rc;
	d = &in->p.staff[in->p.n_staff++];
	memset(d, 0, sizeof(*d));
	tc_strlcpy(d->id, s->id, sizeof(d->id));
	tc_strlcpy(d->pin_hash, s->pin_hash, sizeof(d->pin_hash));
	return 0;
}

static int
add_event(void *ctx, const struct tc_policy_event *e)
{
	struct issue *in = ctx;
	int rc = reserve((void **)&in->p.events, in->p.n_events, &in->cap_events, sizeof(*e));

	if (rc == 0)
		in->p.events[in->p.n_events++] = *e;
	return rc;
}

/* A raw P-256 public key file: 130 hex digits, optional trailing newline. */
static int
load_pub(struct tadm *a, const char *name, uint8_t out[TC_P256_PUB_LEN])
{
	uint8_t *buf = NULL;
	size_t len;
	int rc = tadm_load_public(a, name, 256, &buf, &len);

	if (rc != 0)
		return rc;
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = 0;
	if (len != 2 * TC_P256_PUB_LEN || tc_hex_decode((char *)buf, out, TC_P256_PUB_LEN) != 0 ||
	    out[0] != 0x04) {
		tadm_err(a, "%s/%s is not a P-256 public key in hex", a->dir, name);
		rc = TC_E_KEYFILE;
	}
	tc_free(buf);
	return rc;
}

/*
 * The device's identity key, from its enrolled certificate: the staff
 * table is sealed to it (firmware/policy README "Sealed personal data").
 */
static int
device_key(struct tadm *a, const char *id, uint8_t pub[TC_P256_PUB_LEN])
{
	mbedtls_x509_crt crt;
	uint8_t spki[256];
	char *pem = NULL;
	int n, rc;

	mbedtls_x509_crt_init(&crt);
	if ((rc = tc_registry_device_cert(a->reg, id, &pem)) != 0)
		goto out;
	rc = TC_E_CERT;
	if (mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, strlen(pem) + 1) != 0)
		goto out;
	/* mbedtls writes DER at the end of the buffer. */
	n = mbedtls_pk_write_pubkey_der(&crt.pk, spki, sizeof(spki));
	if (n > 0 && tc_device_pub(spki + sizeof(spki) - n, (size_t)n, pub) == 0)
		rc = 0;
out:
	if (rc != 0)
		tadm_err(a, "cannot read the identity key of %s from its certificate: %s", id,
			 tc_strerror(rc));
	mbedtls_x509_crt_free(&crt);
	tc_free(pem);
	return rc;
}

/* A numeric option in [min, max]; 0 or TADM_USAGE (message printed). */
static int
num(struct tadm *a, const char *opt, uint64_t min, uint64_t max, uint64_t *out)
{
	if (tc_parse_u64(optarg, min, max, out) == 0)
		return 0;
	tadm_err(a, "--%s is a whole number from %llu to %llu", opt, (unsigned long long)min,
		 (unsigned long long)max);
	return TADM_USAGE;
}

/* Options: -1 to go on, or an exit status. */
static int
parse(struct tadm *a, struct issue *in, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "valid-days", required_argument, NULL, 'V' },
		{ "server-url", required_argument, NULL, 'u' },
		{ "max-unsynced", required_argument, NULL, 'm' },
		{ "max-hours", required_argument, NULL, 'H' },
		{ "grace-hours", required_argument, NULL, 'g' },
		{ "no-require-event", no_argument, NULL, 'E' },
		{ "on-revoked", required_argument, NULL, 'R' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	int c, r = 0;

	in->valid_days = 30;
	in->max_unsynced = 500;
	in->max_hours = 72;
	in->require_event = true;
	while (r == 0 && (c = tadm_getopt(argc, argv, "o:" TADM_COMMON_SHORT, opts)) != -1) {
		switch (c) {
		case 'o':
			in->out = optarg;
			break;
		case 'u':
			in->url = optarg;
			break;
		case 'E':
			in->require_event = false;
			break;
		case 'R':
			if (strcmp(optarg, "block") != 0 && strcmp(optarg, "warn") != 0) {
				tadm_err(a, "--on-revoked is block or warn, not '%s'", optarg);
				return TADM_USAGE;
			}
			in->revoked_warn = strcmp(optarg, "warn") == 0;
			break;
		case 'V':
			r = num(a, "valid-days", 1, 366, &in->valid_days);
			break;
		case 'm':
			r = num(a, "max-unsynced", 1, 100000, &in->max_unsynced);
			break;
		case 'H':
			r = num(a, "max-hours", 1, 8760, &in->max_hours);
			break;
		case 'g':
			r = num(a, "grace-hours", 0, 720, &in->grace);
			break;
		default:
			if ((r = tadm_common_opt(a, c, SYN)) < 0)
				r = 0;
			else
				return r;
		}
	}
	if (r != 0)
		return r;
	if (optind + 2 != argc || strcmp(argv[optind], "issue") != 0 || !in->out)
		return tadm_usage(a, SYN);
	in->id = argv[optind + 1];
	if (!tc_trust_valid_device_id(in->id)) {
		tadm_err(a, "'%s' is not a device id (D- and 16 hex digits)", in->id);
		return TADM_USAGE;
	}
	if (in->url && (!tc_trust_valid_url(in->url) || strlen(in->url) >= TC_POLICY_URL_MAX)) {
		tadm_err(a, "--server-url must be https://HOST[:PORT], without spaces");
		return TADM_USAGE;
	}
	return -1;
}

/* Everything that needs no transaction: device checks, keys, certificates. */
static int
prepare(struct tadm *a, struct issue *in)
{
	struct tc_reg_device d;
	size_t len;
	int rc = tc_registry_device_get(a->reg, in->id, &d);

	if (rc == TC_E_NOT_FOUND) {
		tadm_err(a, "no device %s is enrolled", in->id);
		return rc;
	}
	if (rc == 0 && d.revoked) {
		tadm_err(a, "device %s is revoked: no policy is issued for it", in->id);
		return TC_E_STATE;
	}
	if (rc == 0 && d.device_class == TC_CLASS_APPROVED && in->grace > 0) {
		tadm_err(a, "refused: rule R2: %s is an approved device, which deletes each photo "
			 "as soon as the Trust server holds it: --grace-hours must be 0", in->id);
		return TC_E_POLICY_CLASS;
	}
	if (rc != 0) {
		tadm_err(a, "cannot read device %s: %s", in->id, tc_strerror(rc));
		return rc;
	}
	if (!in->url && (rc = tc_registry_meta_get(a->reg, "server_url", in->p.server_url,
						    sizeof(in->p.server_url))) != 0) {
		tadm_err(a, "the registry has no server URL: give --server-url");
		return rc;
	}
	if (in->url)
		tc_strlcpy(in->p.server_url, in->url, sizeof(in->p.server_url));
	if ((rc = tc_registry_meta_get(a->reg, "server_name", in->p.server_name,
				       sizeof(in->p.server_name))) != 0) {
		tadm_err(a, "the registry has no server name: %s", tc_strerror(rc));
		return rc;
	}
	if ((rc = device_key(a, in->id, in->p.device_pub)) != 0 ||
	    (rc = load_pub(a, "photo.pub", in->p.photo_pub)) != 0 ||
	    (rc = load_pub(a, "receipt.pub", in->p.receipt_pub)) != 0 ||
	    (rc = tadm_load_public(a, "ca.crt", TC_PKI_CERT_MAX, &in->ca_pem, &len)) != 0 ||
	    (rc = tadm_load_public(a, "policy-signer.crt", TC_PKI_CERT_MAX, &in->signer_pem,
				   &len)) != 0 ||
	    (rc = tadm_load_key(a, "policy-signer.key", &in->key, &in->key_len)) != 0)
		return rc;
	in->p.trust_ca_pem = (char *)in->ca_pem;
	return 0;
}

/* In the transaction: snapshot, encode, sign, self-verify, record.  0 or a code. */
static int
build(struct tadm *a, struct issue *in, char sha_hex[65])
{
	struct tc_policy *check = NULL;
	struct tc_reg_device d;
	unsigned char sha[32];
	char detail[256], exp[16];
	int rc;

	if ((rc = tc_registry_device_get(a->reg, in->id, &d)) != 0)
		return rc;
	if (d.revoked)
		return TC_E_STATE;
	in->p.version = d.policy_version + 1;
	in->p.issued = tadm_now();
	in->p.expires = in->p.issued + (int64_t)in->valid_days * 86400;
	tc_strlcpy(in->p.device_id, in->id, sizeof(in->p.device_id));
	in->p.device_class = d.device_class;
	in->p.rules.max_unsynced = (uint32_t)in->max_unsynced;
	in->p.rules.max_hours_since_sync = (uint32_t)in->max_hours;
	in->p.rules.delete_grace_hours = (uint32_t)in->grace;
	in->p.rules.require_event = in->require_event;
	in->p.rules.revoked_warn = in->revoked_warn;
	if ((rc = tc_registry_staff_foreach(a->reg, true, true, add_staff, in)) != 0 ||
	    (rc = tc_registry_event_foreach(a->reg, add_event, in)) != 0 ||
	    (rc = tc_registry_roster(a->reg, &in->p)) != 0)
		return rc;
	if ((rc = tc_policy_encode(&in->p, &in->json, &in->json_len)) != 0 ||
	    (rc = tc_policy_sign(in->json, in->json_len, (const char *)in->key,
				 (const char *)in->signer_pem, &in->bundle, &in->bundle_len)) != 0)
		return rc;
	rc = tc_policy_verify(in->bundle, in->bundle_len, (const char *)in->ca_pem, in->id,
			      in->p.version - 1, in->p.issued, &check);
	tc_policy_free(check);
	if (rc != 0)
		return rc;
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), in->bundle, in->bundle_len,
		       sha) != 0)
		return TC_E_CRYPTO;
	tc_hex_encode(sha, sizeof(sha), sha_hex);
	tadm_date(in->p.expires, exp, sizeof(exp));
	snprintf(detail, sizeof(detail), "v%llu expires %s, %zu staff, %zu events, %zu pupils, "
		 "sha256 %s", (unsigned long long)in->p.version, exp, in->p.n_staff,
		 in->p.n_events, in->p.n_pupils, sha_hex);
	if ((rc = tc_registry_policy_record(a->reg, in->id, in->p.version, in->p.issued,
					    in->p.expires, sha_hex)) != 0 ||
	    (rc = tc_registry_audit(a->reg, "policy.issue", in->id, detail)) != 0)
		return rc;
	return 0;
}

static int
write_bundles(struct tadm *a, struct issue *in)
{
	char name[TC_POLICY_ID_MAX + 32];
	int dfd, rc;

	dfd = tc_openat(a->dirfd, "policies", O_RDONLY | O_DIRECTORY);
	if (dfd < 0) {
		tadm_err(a, "%s/policies: %s", a->dir, tc_strerror(dfd));
		return dfd;
	}
	snprintf(name, sizeof(name), "%s-v%llu.bundle", in->id, (unsigned long long)in->p.version);
	/* 0600: the staff table inside is sealed to the device, but the roster is not. */
	rc = tc_trust_file_write(dfd, name, in->bundle, in->bundle_len, 0600);
	close(dfd);
	if (rc != 0) {
		tadm_err(a, "%s/policies/%s: %s", a->dir, name, tc_strerror(rc));
		return rc;
	}
	return in->out ? tadm_output_write(a, in->out_fd, in->out, in->bundle, in->bundle_len, 0600)
		       : 0;
}

static void
issue_free(struct issue *in)
{
	tc_secure_free(in->key);
	tc_free(in->signer_pem);
	tc_free(in->ca_pem);
	tc_free(in->json);
	tc_free(in->bundle);
	if (in->p.staff)
		tc_zeroize(in->p.staff, in->p.n_staff * sizeof(*in->p.staff));
	tc_policy_roster_clear(&in->p);
	tc_free(in->p.staff);
	tc_free(in->p.events);
	if (in->out_fd >= 0)
		close(in->out_fd);
	in->out_fd = -1;
}

/* Issue in (parsed or taken from the last bundle): 0 or TADM_FAIL (message printed). */
static int
issue_one(struct tadm *a, struct issue *in)
{
	char sha_hex[65];
	int rc;

	if (prepare(a, in) != 0)
		return TADM_FAIL;
	/* A -o nobody can write is refused before a version is used up. */
	if (in->out && tadm_output_open(a, in->out, &in->out_fd) != 0)
		return TADM_FAIL;
	if ((rc = tc_registry_begin(a->reg)) != 0 || (rc = build(a, in, sha_hex)) != 0 ||
	    (rc = tc_registry_commit(a->reg)) != 0) {
		tc_registry_rollback(a->reg);
		if (rc == TC_E_STATE)
			tadm_err(a, "device %s was revoked meanwhile", in->id);
		else if (rc == -EMSGSIZE || rc == -E2BIG || rc == -EFBIG)
			tadm_err(a, "the policy is larger than %d bytes: too many staff, events, "
				 "pupils or labels", TC_POLICY_BUNDLE_MAX);
		else
			tadm_err(a, "cannot issue the policy: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	if (write_bundles(a, in) != 0) {
		tadm_err(a, "version %llu of %s is recorded but was not written; run policy issue "
			 "again for version %llu", (unsigned long long)in->p.version, in->id,
			 (unsigned long long)in->p.version + 1);
		return TADM_FAIL;
	}
	return 0;
}

int
cmd_policy(struct tadm *a, int argc, char **argv)
{
	struct issue in;
	char exp[16];
	int rc;

	memset(&in, 0, sizeof(in));
	in.out_fd = -1;
	a->cmd = "policy issue";
	if ((rc = parse(a, &in, argc, argv)) >= 0)
		goto out;
	rc = TADM_FAIL;
	if (tadm_open(a) != 0 || issue_one(a, &in) != 0)
		goto out;
	tadm_date(in.p.expires, exp, sizeof(exp));
	printf("policy v%llu for %s written to %s (expires %s; %zu staff, %zu events, "
	       "%zu pupils)\n", (unsigned long long)in.p.version, in.id, in.out, exp,
	       in.p.n_staff, in.p.n_events, in.p.n_pupils);
	rc = TADM_OK;
out:
	issue_free(&in);
	return rc;
}

/*
 * The settings of a device's last bundle (policies/ID-vN.bundle), to
 * issue the next one alike: server URL, validity length, rules.  It is
 * verified as the device would, at a time inside its own validity.
 */
static int
last_settings(struct tadm *a, const struct tc_reg_device *d, struct issue *in)
{
	char name[TC_POLICY_ID_MAX + 32];
	struct tc_policy *p = NULL;
	uint8_t *b = NULL, *ca = NULL;
	size_t blen, calen;
	int dfd, rc;

	snprintf(name, sizeof(name), "%s-v%llu.bundle", d->id,
		 (unsigned long long)d->policy_version);
	dfd = tc_openat(a->dirfd, "policies", O_RDONLY | O_DIRECTORY);
	rc = dfd < 0 ? dfd : tc_trust_file_read(dfd, name, TC_POLICY_BUNDLE_MAX, &b, &blen);
	if (dfd >= 0)
		close(dfd);
	if (rc == 0)
		rc = tadm_load_public(a, "ca.crt", TC_PKI_CERT_MAX, &ca, &calen);
	if (rc == 0)
		rc = tc_policy_verify(b, blen, (const char *)ca, d->id, 0, d->policy_expires - 1,
				      &p);
	if (rc == 0) {
		in->url = NULL;
		tc_strlcpy(in->url_buf, p->server_url, sizeof(in->url_buf));
		in->url = in->url_buf;
		in->valid_days = (uint64_t)((p->expires - p->issued) / 86400);
		if (in->valid_days < 1)
			in->valid_days = 1;
		in->max_unsynced = p->rules.max_unsynced;
		in->max_hours = p->rules.max_hours_since_sync;
		in->grace = p->rules.delete_grace_hours;
		in->require_event = p->rules.require_event;
		in->revoked_warn = p->rules.revoked_warn;
	} else {
		tadm_err(a, "cannot read %s's last policy (policies/%s): %s", d->id, name,
			 tc_strerror(rc));
	}
	tc_policy_free(p);
	tc_free(b);
	tc_free(ca);
	return rc;
}

struct reissue {
	struct tadm *a;
	size_t n, cap;
	char (*ids)[TC_POLICY_ID_MAX];
};

static int
collect(void *ctx, const struct tc_reg_device *d)
{
	struct reissue *r = ctx;
	int rc;

	if (d->revoked || d->policy_version == 0)
		return 0;
	if ((rc = reserve((void **)&r->ids, r->n, &r->cap, sizeof(*r->ids))) != 0)
		return rc;
	tc_strlcpy(r->ids[r->n++], d->id, sizeof(r->ids[0]));
	return 0;
}

int
tadm_policy_reissue(struct tadm *a, const char *why)
{
	struct reissue r = { a, 0, 0, NULL };
	struct tc_reg_device d;
	struct issue in;
	size_t i, done = 0;
	int rc, failed = 0;

	if ((rc = tc_registry_device_foreach(a->reg, collect, &r)) != 0) {
		tadm_err(a, "cannot list the devices: %s", tc_strerror(rc));
		tc_free(r.ids);
		return TADM_FAIL;
	}
	for (i = 0; i < r.n; i++) {
		memset(&in, 0, sizeof(in));
		in.out_fd = -1;
		in.id = r.ids[i];
		if ((rc = tc_registry_device_get(a->reg, in.id, &d)) != 0 ||
		    last_settings(a, &d, &in) != 0 || issue_one(a, &in) != 0) {
			failed++;
		} else {
			printf("policy v%llu issued for %s (%s): trust-server hands it out at the "
			       "next dock\n", (unsigned long long)in.p.version, in.id, why);
			done++;
		}
		issue_free(&in);
	}
	tc_free(r.ids);
	if (failed) {
		tadm_err(a, "%d device(s) did not get a new policy: run policy issue for them",
			 failed);
		return TADM_FAIL;
	}
	(void)done;
	return TADM_OK;
}
