/*
 * photod_provision.c - the device's provisioning (rule R1): its identity,
 * the Trust's certificate for it, the pinned Trust CA and the policy.
 *
 * STATE/provision/ (0700, files 0600, each written temp + fsync + rename
 * + fsync dir):
 *   device.crt      the device certificate; written last, so its presence
 *                   is what "provisioned" means and its mtime is the
 *                   provisioning time
 *   trust-ca.crt    the pinned Trust CA (one certificate, PEM)
 *   policy.bundle   the signed policy in force
 *   policy.version  anti-rollback high-water mark: the newest policy
 *                   version ever installed (decimal); with the TPM keystore
 *                   the keystore's policy floor (an NV index) is the one
 *                   that counts, so restoring an old disk image (older
 *                   bundle and mark) is refused
 *   last-sync       unix seconds of the last sync (syncd writes it);
 *   revoked         unix seconds the Trust server refused the device as
 *                   revoked (syncd writes it, and removes it after a sync
 *                   that succeeds);
 *                   absent = count from the provisioning time
 *
 *   state            request            install               policy update
 *   unprovisioned --(CSR, key made)--> (key) --(verify all, write)--> provisioned --(newer)--> ...
 *   provisioned   --wipe (photod_wipe.c)--> unprovisioned, no key
 *
 * Nothing is written until everything verified.  At start the installed
 * files are verified again (policy against min_version = high-water - 1,
 * so the installed bundle itself passes and anything older fails); a
 * failure does not stop photod, it refuses capture and says why.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "photod.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

#define CERT_MAX (16 * 1024)

void
photod_prov_release(struct photod *d)
{
	tc_policy_free(d->prov.policy);
	d->prov.policy = NULL;
	tc_free(d->prov.ca_pem);
	d->prov.ca_pem = NULL;
	d->cs.trust_pub = NULL;
	tc_capture_keys_clear(d->cs.keys);
}

static int
dev_ecdh(void *ctx, const uint8_t peer[TC_P256_PUB_LEN], uint8_t x[32])
{
	return tc_keystore_identity_ecdh(ctx, peer, x);
}

static int
dev_pin_mac(void *ctx, const uint8_t *in, size_t len, uint8_t out[TC_POLICY_PIN_MAC_LEN])
{
	return tc_keystore_pin_mac(ctx, in, len, out);
}

int
photod_policy_device(struct photod *d, struct tc_policy_device *dev)
{
	memset(dev, 0, sizeof(*dev));
	dev->ecdh = dev_ecdh;
	dev->pin_mac = dev_pin_mac;
	dev->ctx = d->ks;
	return tc_keystore_identity_point(d->ks, dev->pub);
}

/* The identity key's SPKI and device id; -ENOENT before provision request. */
static int
identity(struct photod *d, uint8_t spki[TC_IDENTITY_SPKI_MAX], size_t *n, char *id)
{
	int rc = tc_keystore_identity_pubkey(d->ks, spki, TC_IDENTITY_SPKI_MAX, n);

	return rc ? rc : tc_device_id(spki, *n, id);
}

/* Verify the installed files; sets state/why, policy.  I/O trouble on the dir only fails. */
static int
load_installed(struct photod *d)
{
	struct photod_prov *p = &d->prov;
	uint8_t spki[TC_IDENTITY_SPKI_MAX], *cert = NULL, *bundle = NULL, *ca = NULL;
	struct tc_policy_device dev;
	size_t n, clen, blen, calen;
	uint64_t hw, floor;
	int rc;

	p->state = TC_E_CERT;
	p->why = "the device has no identity key";
	if (identity(d, spki, &n, p->device_id) != 0 || photod_policy_device(d, &dev) != 0)
		return 0;
	p->why = "the installed Trust CA is unreadable";
	if (photod_file_read(p->dirfd, "trust-ca.crt", CERT_MAX, &ca, &calen) != 0)
		goto out;
	p->ca_pem = (char *)ca;
	ca = NULL;
	p->why = "the installed device certificate is unreadable";
	if (photod_file_read(p->dirfd, "device.crt", CERT_MAX, &cert, &clen) != 0 ||
	    photod_cert_check(cert, clen, p->ca_pem, spki, n, p->device_id, NULL, &p->why) != 0)
		goto out;
	p->state = TC_E_POLICY_ROLLBACK;
	p->why = "the policy's anti-rollback mark is missing";
	if (photod_file_read_u64(p->dirfd, "policy.version", &hw) != 0)
		goto out;
	p->why = "the keystore's policy version floor is unreadable";
	if (tc_keystore_floor_get(d->ks, &floor) != 0)
		goto out;
	/* The TPM remembers a newer policy than the files: they were restored from an old image. */
	if (floor > hw)
		hw = floor;
	p->high_water = hw;
	p->state = TC_E_NO_POLICY;
	p->why = "no policy is installed";
	rc = photod_file_read(p->dirfd, "policy.bundle", TC_POLICY_BUNDLE_MAX, &bundle, &blen);
	if (rc == -ENOENT)
		goto out;
	p->why = "the installed policy is unreadable or too large";
	if (rc != 0)
		goto out;
	rc = tc_policy_verify_isolated(bundle, blen, p->ca_pem, p->device_id, hw ? hw - 1 : 0,
				       photod_now(), &dev, &p->policy);
	if (rc == 0 && photod_cert_check(cert, clen, p->ca_pem, spki, n, p->device_id,
					 p->policy->trust_ca_pem, &p->why) != 0)
		rc = TC_E_CERT;
	if (rc != 0) {
		tc_policy_free(p->policy);
		p->policy = NULL;
		p->state = rc;
		if (rc != TC_E_CERT)
			p->why = tc_strerror(rc);
		goto out;
	}
	/* A crash between writing a newer bundle and its mark: raise the mark now. */
	if (p->policy->version > hw && photod_file_write_u64(p->dirfd, "policy.version",
							     p->policy->version) == 0)
		p->high_water = p->policy->version;
	if ((rc = tc_keystore_floor_raise(d->ks, p->policy->version)) != 0) {
		tc_policy_free(p->policy);
		p->policy = NULL;
		p->state = rc;
		p->why = "cannot record the policy version in the keystore";
		goto out;
	}
	p->state = 0;
	p->why = "";
	d->cs.trust_pub = p->policy->photo_pub;
	/* The first photo's seal key, so even it skips the ECDH (firmware/capture/keys.c). */
	if (tc_capture_keys_refill(d->cs.keys, &d->cs) != 0)
		tc_debug("no seal key prepared ahead: the first photo makes its own");
out:
	tc_free(cert);
	tc_free(bundle);
	tc_free(ca);
	return 0;
}

int
photod_prov_load(struct photod *d)
{
	struct photod_prov *p = &d->prov;
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char path[512];
	struct stat st;
	size_t n;
	int rc;

	photod_prov_release(d);
	if (p->dirfd < 0) {
		snprintf(path, sizeof(path), "%s/provision", d->set.state_dir);
		p->dirfd = tc_open_private_dir(path, 1);
		if (p->dirfd < 0) {
			tc_err("%s: %s", path, tc_strerror(p->dirfd));
			return p->dirfd;
		}
	}
	p->device_id[0] = '\0';
	p->provisioned = false;
	p->high_water = 0;
	p->provisioned_at = 0;
	p->state = TC_E_NOT_PROVISIONED;
	p->why = "the device is not provisioned: IT must run camctl provision";
	if (fstatat(p->dirfd, "device.crt", &st, AT_SYMLINK_NOFOLLOW) != 0) {
		if (errno != ENOENT)
			return -errno;
		/* Unprovisioned: still show the id of a key made by provision request. */
		if (identity(d, spki, &n, p->device_id) != 0)
			p->device_id[0] = '\0';
		photod_session_check(d);
		return 0;
	}
	p->provisioned = true;
	p->provisioned_at = (int64_t)st.st_mtime;
	rc = load_installed(d);
	/* A session the policy in force no longer allows ends here. */
	photod_session_check(d);
	return rc;
}

int64_t
photod_last_sync(struct photod *d)
{
	uint64_t t;
	int rc = photod_file_read_u64(d->prov.dirfd, "last-sync", &t);

	if (rc == -ENOENT)
		return d->prov.provisioned_at;
	return rc == 0 ? (int64_t)t : -1;
}

bool
photod_revoked(struct photod *d)
{
	return faccessat(d->prov.dirfd, "revoked", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

bool
photod_synced_ever(struct photod *d)
{
	return faccessat(d->prov.dirfd, "last-sync", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool
admin_only(struct photod *d, struct photod_client *c, const char *what)
{
	char detail[96];

	if (c->admin)
		return true;
	snprintf(detail, sizeof(detail), "uid %u may not %s", (unsigned)c->uid, what);
	photod_audit(d, c->actor, "refuse.admin", NULL, -EPERM, detail);
	photod_error(c->fd, -EPERM, "", "only root or photod's own user may do this");
	return false;
}

void
photod_identity_at_start(struct photod *d)
{
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char detail[128];
	size_t n;
	int rc;

	if (d->prov.provisioned)
		return;
	rc = tc_keystore_identity_generate(d->ks);
	if (rc == TC_E_EXISTS)
		return;	/* made at an earlier start, or by provision request */
	if (rc == 0)
		rc = identity(d, spki, &n, d->prov.device_id);
	if (rc != 0) {
		d->prov.device_id[0] = '\0';
		snprintf(detail, sizeof(detail), "cannot make the identity key at start: %s",
			 tc_strerror(rc));
		tc_warn("%s", detail);
		photod_audit(d, "photod", "provision.identity", NULL, rc, detail);
		return;
	}
	snprintf(detail, sizeof(detail), "%s: new identity key, waiting for provisioning",
		 d->prov.device_id);
	tc_info("%s", detail);
	photod_audit(d, "photod", "provision.identity", NULL, 0, detail);
}

void
photod_provision_request(struct photod *d, struct photod_client *c)
{
	struct tc_msg_csr_end end;
	struct tc_msg_chunk ch;
	char *pem = NULL, detail[128], text[TC_IPC_TEXT_MAX];
	size_t len = 0, off;
	int rc, fresh;

	if (!admin_only(d, c, "provision"))
		return;
	memset(&end, 0, sizeof(end));
	if (d->prov.provisioned) {
		rc = TC_E_PROVISIONED;
		snprintf(text, sizeof(text), "the device is already provisioned as %s: "
			 "camctl wipe first", d->prov.device_id);
		goto fail;
	}
	rc = tc_keystore_identity_generate(d->ks);
	fresh = rc == 0;
	if (rc == TC_E_EXISTS)
		rc = 0;	/* a second request re-sends the CSR of the same key */
	pem = tc_malloc(TC_IDENTITY_CSR_MAX);
	if (rc == 0 && !pem)
		rc = -ENOMEM;
	if (rc == 0)
		rc = tc_keystore_identity_csr(d->ks, pem, TC_IDENTITY_CSR_MAX, &len, end.device_id);
	if (rc != 0) {
		snprintf(text, sizeof(text), "cannot make the identity key or CSR: %s",
			 tc_strerror(rc));
		goto fail;
	}
	tc_strlcpy(d->prov.device_id, end.device_id, sizeof(d->prov.device_id));
	snprintf(detail, sizeof(detail), "%s: %s identity key", end.device_id,
		 fresh ? "new" : "existing");
	photod_audit(d, c->actor, "provision.request", NULL, 0, detail);
	for (off = 0; off < len; off += ch.len) {
		memset(&ch, 0, sizeof(ch));
		ch.len = (uint32_t)(len - off < TC_IPC_CHUNK ? len - off : TC_IPC_CHUNK);
		memcpy(ch.data, pem + off, ch.len);
		if (photod_reply(c->fd, TC_MSG_CSR_CHUNK, &ch, sizeof(ch)) != 0)
			goto out;
		end.count++;
	}
	end.total = (uint32_t)len;
	photod_reply(c->fd, TC_MSG_CSR_END, &end, sizeof(end));
	goto out;
fail:
	photod_audit(d, c->actor, "provision.request", NULL, rc, text);
	photod_error(c->fd, rc, "", text);
out:
	tc_free(pem);
}

static const char *
class_name(enum tc_device_class k)
{
	return k == TC_CLASS_APPROVED ? "approved" : "trust-owned";
}

static void
fmt_date(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		tc_strlcpy(out, "?", len);
}

struct install_files {
	uint8_t *buf[3];
	size_t len[3];
};

static int
read_passed(int fds[3], struct install_files *f, const char **why)
{
	static const size_t caps[3] = { CERT_MAX, CERT_MAX, TC_POLICY_BUNDLE_MAX };
	static const char *const what[3] = {
		"the certificate file is unreadable or too large",
		"the Trust CA file is unreadable or too large",
		"the policy file is unreadable or too large",
	};
	int i, rc;

	for (i = 0; i < 3; i++) {
		if ((rc = photod_fd_read(fds[i], caps[i], &f->buf[i], &f->len[i])) != 0) {
			*why = what[i];
			return rc;
		}
	}
	return 0;
}

/*
 * The rule a refused bundle cites: R2 for a grace period on an approved
 * device, R3 for the removed on-device review key, else R1 (no valid
 * policy, no capture).
 */
static const char *
bundle_rule(int rc)
{
	if (rc == TC_E_POLICY_CLASS)
		return "R2";
	if (rc == TC_E_POLICY_REVIEW_KEY)
		return "R3";
	return "R1";
}

void
photod_provision_install(struct photod *d, struct photod_client *c, int fds[3])
{
	struct photod_prov *p = &d->prov;
	struct install_files f = { { NULL, NULL, NULL }, { 0, 0, 0 } };
	struct tc_policy *pol = NULL;
	struct tc_policy_device dev;
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char id[TC_POLICY_ID_MAX], text[TC_IPC_TEXT_MAX], until[32];
	const char *why = "", *ca;
	size_t n;
	int rc, i;

	if (!admin_only(d, c, "provision"))
		goto out;
	rc = TC_E_PROVISIONED;
	why = "the device is already provisioned: camctl wipe first";
	if (p->provisioned)
		goto fail;
	rc = TC_E_NOT_PROVISIONED;
	why = "the device has no identity key: run camctl provision request first";
	if (identity(d, spki, &n, id) != 0 || photod_policy_device(d, &dev) != 0)
		goto fail;
	if ((rc = read_passed(fds, &f, &why)) != 0)
		goto fail;
	ca = (const char *)f.buf[1];
	if ((rc = photod_cert_check(f.buf[0], f.len[0], ca, spki, n, id, NULL, &why)) != 0)
		goto fail;
	rc = tc_policy_verify_isolated(f.buf[2], f.len[2], ca, id, 0, photod_now(), &dev, &pol);
	if (rc != 0) {
		snprintf(text, sizeof(text), "policy bundle rejected: %s", tc_strerror(rc));
		why = text;
		goto fail;
	}
	if ((rc = photod_cert_check(f.buf[0], f.len[0], ca, spki, n, id, pol->trust_ca_pem,
				    &why)) != 0)
		goto fail;
	/* Everything verified: now write, the certificate last (the commit point). */
	why = "cannot write the provisioning files";
	if ((rc = photod_file_write(p->dirfd, "trust-ca.crt", f.buf[1], f.len[1])) != 0 ||
	    (rc = photod_file_write(p->dirfd, "policy.bundle", f.buf[2], f.len[2])) != 0 ||
	    (rc = photod_file_write_u64(p->dirfd, "policy.version", pol->version)) != 0 ||
	    (rc = photod_file_erase(p->dirfd, "last-sync")) != 0 ||
	    (rc = photod_file_erase(p->dirfd, "revoked")) != 0 ||
	    (rc = photod_file_write(p->dirfd, "device.crt", f.buf[0], f.len[0])) != 0)
		goto fail;
	if ((rc = photod_prov_load(d)) != 0)
		goto fail;
	fmt_date(pol->expires, until, sizeof(until));
	snprintf(text, sizeof(text), "provisioned as %s (%s), policy v%llu valid until %s", id,
		 class_name(pol->device_class), (unsigned long long)pol->version, until);
	photod_audit(d, c->actor, "provision.install", NULL, 0, text);
	tc_info("%s", text);
	photod_ok(c->fd, 0, text);
	goto out;
fail:
	photod_audit(d, c->actor, "provision.install", NULL, rc, why);
	photod_error(c->fd, rc, bundle_rule(rc), why);
out:
	tc_policy_free(pol);
	for (i = 0; i < 3; i++) {
		tc_free(f.buf[i]);
		close(fds[i]);
	}
}

void
photod_policy_install(struct photod *d, struct photod_client *c, int fd)
{
	struct photod_prov *p = &d->prov;
	struct tc_policy *pol = NULL;
	struct tc_policy_device dev;
	uint8_t spki[TC_IDENTITY_SPKI_MAX], *bundle = NULL, *cert = NULL;
	char id[TC_POLICY_ID_MAX], text[TC_IPC_TEXT_MAX], until[32];
	const char *why = "";
	size_t n, blen, clen;
	uint64_t was = p->high_water;
	int rc;

	if (!admin_only(d, c, "install a policy"))
		goto out;
	rc = TC_E_NOT_PROVISIONED;
	why = "the device is not provisioned";
	if (!p->provisioned)
		goto fail;
	rc = TC_E_CERT;
	why = p->why;
	if (p->state == TC_E_CERT || !p->ca_pem || identity(d, spki, &n, id) != 0 ||
	    photod_policy_device(d, &dev) != 0 ||
	    photod_file_read(p->dirfd, "device.crt", CERT_MAX, &cert, &clen) != 0)
		goto fail;
	why = "the policy file is unreadable or too large";
	if ((rc = photod_fd_read(fd, TC_POLICY_BUNDLE_MAX, &bundle, &blen)) != 0)
		goto fail;
	/* Strictly newer than anything ever installed. */
	rc = tc_policy_verify_isolated(bundle, blen, p->ca_pem, id, p->high_water, photod_now(),
				       &dev, &pol);
	if (rc != 0) {
		snprintf(text, sizeof(text), "policy bundle rejected: %s", tc_strerror(rc));
		why = text;
		goto fail;
	}
	if ((rc = photod_cert_check(cert, clen, p->ca_pem, spki, n, id, pol->trust_ca_pem,
				    &why)) != 0)
		goto fail;
	/* Bundle first, then the mark: a crash between is repaired by the next load. */
	why = "cannot write the policy";
	if ((rc = photod_file_write(p->dirfd, "policy.bundle", bundle, blen)) != 0 ||
	    (rc = photod_file_write_u64(p->dirfd, "policy.version", pol->version)) != 0 ||
	    (rc = photod_prov_load(d)) != 0)
		goto fail;
	fmt_date(pol->expires, until, sizeof(until));
	snprintf(text, sizeof(text), "policy v%llu (was v%llu) installed, valid until %s",
		 (unsigned long long)pol->version, (unsigned long long)was, until);
	photod_audit(d, c->actor, "policy.install", NULL, 0, text);
	photod_ok(c->fd, 0, text);
	goto out;
fail:
	photod_audit(d, c->actor, "policy.install", NULL, rc, why);
	photod_error(c->fd, rc, bundle_rule(rc), why);
out:
	tc_policy_free(pol);
	tc_free(bundle);
	tc_free(cert);
	close(fd);
}
