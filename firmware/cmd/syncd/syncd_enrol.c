/*
 * syncd_enrol.c - enrolment at the dock (issue 16): how a camera that has
 * no shell, no keyboard login and no USB storage gets its certificate,
 * Trust CA and first policy.
 *
 * The image pins, read-only (mkimage TRUST_CA=, TRUST_URL=, TRUST_NAME=;
 * --enrol-dir elsewhere): ENROL/ca.crt (the Trust CA, one certificate),
 * ENROL/url (https://host:port of trust-server's enrol listener) and
 * optionally ENROL/name (the name on the server certificate; default the
 * URL's host).  Without ca.crt and url the device just waits for
 * camctl provision, as before.
 *
 * At each pass while unprovisioned (docked: a pass, then back-off retries):
 *   connect     TLS, the server verified against the pinned CA and name,
 *               no client certificate (there is none yet)
 *   GET /v1/enrol/<id>  with Enrol-Proof, a signature by the identity key
 *               (tc_enrol.h): the server gives the answer to that key only
 *     404       POST /v1/enrol with the CSR of the identity key photod made
 *               at first boot (tc_keystore_identity_csr, as camctl
 *               provision request does); audit enrol.request
 *     202       waiting for IT: audit enrol.wait, the status says so
 *     403       IT refused: audit enrol.refused
 *     200       the answer {"device_id","cert","ca","policy"}: its CA must
 *               be the pinned one, then certificate, pinned CA and policy
 *               go to photod as camctl provision install sends them
 *               (TC_MSG_INSTALL_REQ), which makes every check (certificate
 *               of this key chaining to the CA, policy verified and for
 *               this device) and writes nothing unless all pass; audit
 *               enrol.install with the outcome
 * Anything but the install ends the pass as failed (not provisioned), so
 * the dock's back-off polls again.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/base64.h>
#include <mbedtls/x509_crt.h>

#include "syncd_enrol.h"
#include "syncd_link.h"
#include "syncd_report.h"
#include "tc_enrol.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"

#define PIN_MAX (16 * 1024)
#define ANSWER_CERT_MAX (16 * 1024)

struct pin {
	char *ca_pem;			/* heap, NUL-terminated */
	size_t ca_len;
	char url[TC_POLICY_URL_MAX];
	char name[TC_POLICY_NAME_MAX];
};

/* One line of a pin file, trimmed; -EINVAL when empty or too long. */
static int
pin_line(int dfd, const char *file, char *out, size_t cap)
{
	uint8_t *b = NULL;
	size_t n;
	int rc = syncd_read_file(dfd, file, cap, &b, &n);

	if (rc != 0)
		return rc;
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r' || b[n - 1] == ' '))
		b[--n] = '\0';
	rc = n == 0 || n >= cap || strlen((char *)b) != n ? -EINVAL : 0;
	if (rc == 0)
		memcpy(out, b, n + 1);
	tc_free(b);
	return rc;
}

/* The host of "https://host[:port]" (brackets of an IPv6 literal dropped). */
static int
url_host(const char *url, char *out, size_t cap)
{
	const char *h = url + 8, *e;

	if (*h == '[') {
		e = strchr(++h, ']');
	} else {
		e = h + strcspn(h, ":/");
	}
	if (!e || e == h || (size_t)(e - h) >= cap)
		return -EINVAL;
	memcpy(out, h, (size_t)(e - h));
	out[e - h] = '\0';
	return 0;
}

static void
pin_free(struct pin *p)
{
	tc_free(p->ca_pem);
	p->ca_pem = NULL;
}

/* 0, -ENOENT (no pins: enrolment at the dock is off), or why the pins are unusable. */
static int
pin_load(struct syncd *d, struct pin *p, const char **why)
{
	static const char host_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		"0123456789.-:";
	uint8_t *ca = NULL;
	int dfd, rc;

	memset(p, 0, sizeof(*p));
	dfd = open(d->set.enrol_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = syncd_read_file(dfd, "ca.crt", PIN_MAX, &ca, &p->ca_len);
	if (rc == 0)
		rc = pin_line(dfd, "url", p->url, sizeof(p->url));
	if (rc == -ENOENT)
		goto out;
	*why = "the image's enrolment pins are unreadable";
	if (rc != 0)
		goto out;
	p->ca_pem = (char *)ca;
	ca = NULL;
	*why = "the pinned server URL is not https://HOST[:PORT]";
	rc = -EINVAL;
	if (strncmp(p->url, "https://", 8) != 0 || strpbrk(p->url, " \t\"\\") ||
	    url_host(p->url, p->name, sizeof(p->name)) != 0)
		goto out;
	rc = pin_line(dfd, "name", p->name, sizeof(p->name));
	if (rc == -ENOENT)
		rc = 0;
	*why = "the pinned server name is not a host name";
	if (rc != 0 || strspn(p->name, host_chars) != strlen(p->name))
		rc = -EINVAL;
out:
	close(dfd);
	tc_free(ca);
	if (rc != 0)
		pin_free(p);
	return rc;
}

/* Whether pem holds exactly the pinned CA certificate. */
static bool
is_pinned_ca(const struct pin *p, const char *pem)
{
	mbedtls_x509_crt a, b;
	bool same;

	mbedtls_x509_crt_init(&a);
	mbedtls_x509_crt_init(&b);
	same = mbedtls_x509_crt_parse(&a, (const unsigned char *)p->ca_pem, p->ca_len + 1) == 0 &&
	       mbedtls_x509_crt_parse(&b, (const unsigned char *)pem, strlen(pem) + 1) == 0 &&
	       !a.next && !b.next && a.raw.len == b.raw.len &&
	       memcmp(a.raw.p, b.raw.p, a.raw.len) == 0;
	mbedtls_x509_crt_free(&a);
	mbedtls_x509_crt_free(&b);
	return same;
}

/*
 * The answer trustadm published: checked for shape here, for content by
 * photod.  0 when installed; *why (or text, photod's words) when not.
 */
static int
install(struct syncd *d, const struct pin *p, const char *id, const struct syncd_resp *r,
	char *text, size_t cap)
{
	const char *cert, *ca, *b64, *dev;
	const uint8_t *bufs[3];
	size_t lens[3], blen = 0;
	uint8_t *bundle = NULL;
	json_error_t jerr;
	json_t *o;
	int rc = TC_E_CERT;

	tc_strlcpy(text, "the answer is not a JSON object with device_id, cert, ca and policy", cap);
	o = json_loadb((const char *)r->body, r->len, JSON_REJECT_DUPLICATES, &jerr);
	if (!o || json_unpack(o, "{s:s, s:s, s:s, s:s}", "device_id", &dev, "cert", &cert, "ca",
			      &ca, "policy", &b64) != 0 || strlen(cert) >= ANSWER_CERT_MAX)
		goto out;
	tc_strlcpy(text, "the answer is for another device", cap);
	if (strcmp(dev, id) != 0)
		goto out;
	tc_strlcpy(text, "the answer's Trust CA is not the CA pinned in this image", cap);
	if (!is_pinned_ca(p, ca))
		goto out;
	tc_strlcpy(text, "the answer's policy is not base64", cap);
	if (mbedtls_base64_decode(NULL, 0, &blen, (const unsigned char *)b64, strlen(b64)) !=
	    MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL || blen == 0 || blen > TC_POLICY_BUNDLE_MAX ||
	    !(bundle = tc_malloc(blen)) ||
	    mbedtls_base64_decode(bundle, blen, &blen, (const unsigned char *)b64,
				  strlen(b64)) != 0)
		goto out;
	/* The pinned CA, not the answer's copy: photod checks against what the image trusts. */
	bufs[0] = (const uint8_t *)cert;
	lens[0] = strlen(cert);
	bufs[1] = (const uint8_t *)p->ca_pem;
	lens[1] = p->ca_len;
	bufs[2] = bundle;
	lens[2] = blen;
	text[0] = '\0';
	rc = syncd_to_photod(d, TC_MSG_INSTALL_REQ, bufs, lens, 3, text, cap);
	if (rc == 0)
		snprintf(text, cap, "%s: provisioned at the dock", id);
out:
	json_decref(o);
	tc_free(bundle);
	return rc;
}

/* POST the identity key's CSR. */
static int
request(struct syncd *d, struct syncd_link *l, const char *id)
{
	struct syncd_resp r = { 0 };
	char *pem = tc_malloc(TC_IDENTITY_CSR_MAX), got[TC_POLICY_ID_MAX];
	size_t len = 0;
	int rc;

	if (!pem)
		return -ENOMEM;
	rc = tc_keystore_identity_csr(d->ks, pem, TC_IDENTITY_CSR_MAX, &len, got);
	if (rc == 0 && strcmp(got, id) != 0)
		rc = TC_E_CERT;
	if (rc == 0 && (rc = syncd_link_head(l, "POST", "/v1/enrol",
					     "Content-Type: application/pkcs10\r\n", len)) == 0 &&
	    (rc = syncd_link_write(l, pem, len)) == 0)
		rc = syncd_link_response(l, false, &r);
	tc_free(pem);
	if (rc != 0) {
		syncd_fail(d, rc, "sending the enrolment request");
		syncd_audit(d, "enrol.request", NULL, rc, "cannot send the request");
		return rc;
	}
	rc = r.status == 202 ? 0 : TC_E_SERVER;
	if (rc == 0) {
		syncd_audit(d, "enrol.request", NULL, 0, id);
		d->enrol_said = NULL;
	}
	else {
		char detail[TC_AUDIT_DETAIL_MAX];

		snprintf(detail, sizeof(detail), "%s: the server refused the request (HTTP %d)", id,
			 r.status);
		syncd_fail(d, rc, "%s", detail);
		syncd_audit(d, "enrol.request", NULL, rc, detail);
	}
	syncd_resp_free(&r);
	return rc;
}

/*
 * The server's answer while it stays the same (waiting, refused) is
 * audited once, not at every retry of a camera left docked for days.
 */
static void
audit_answer(struct syncd *d, const char *action, int rc, const char *detail)
{
	if (d->enrol_said && strcmp(d->enrol_said, action) == 0)
		return;
	syncd_audit(d, action, NULL, rc, detail);
	d->enrol_said = action;
}

static int
waiting(struct syncd *d, const char *id)
{
	char text[SYNCD_TEXT_MAX];

	snprintf(text, sizeof(text), "waiting for IT to approve this camera: %s", id);
	audit_answer(d, "enrol.wait", 0, id);
	syncd_fail(d, TC_E_NOT_PROVISIONED, "%s", text);
	return TC_E_NOT_PROVISIONED;
}

/* "Enrol-Proof: <base64 signature over tc_enrol_proof_hash(id)>\r\n" */
static int
proof_header(struct syncd *d, const char *id, char *out, size_t cap)
{
	uint8_t hash[32], sig[TC_IDENTITY_SIG_MAX];
	size_t slen = 0, n = 0;
	int k, rc;

	tc_enrol_proof_hash(id, hash);
	if ((rc = tc_keystore_identity_sign(d->ks, hash, sig, sizeof(sig), &slen)) != 0)
		return rc;
	k = snprintf(out, cap, "%s: ", TC_ENROL_PROOF_HEADER);
	if (k < 0 || (size_t)k >= cap ||
	    mbedtls_base64_encode((unsigned char *)out + k, cap - (size_t)k - 2, &n, sig, slen) != 0)
		return -ENOBUFS;
	memcpy(out + k + n, "\r\n", 3);
	return 0;
}

int
syncd_enrol_pass(struct syncd *d)
{
	struct syncd_link l = { 0 };
	struct syncd_resp r = { 0 };
	struct pin p;
	uint8_t spki[TC_IDENTITY_SPKI_MAX];
	char id[TC_POLICY_ID_MAX], path[TC_POLICY_ID_MAX + 16], text[TC_AUDIT_DETAIL_MAX];
	char proof[160];
	const char *why = "";
	size_t n;
	int rc;

	rc = pin_load(d, &p, &why);
	if (rc == -ENOENT)
		return rc;	/* no pins: camctl provision only */
	if (rc != 0) {
		syncd_fail(d, rc, "%s (%s)", why, d->set.enrol_dir);
		syncd_audit(d, "enrol.pin", NULL, rc, why);
		return rc;
	}
	rc = tc_keystore_identity_pubkey(d->ks, spki, sizeof(spki), &n);
	if (rc == 0)
		rc = tc_device_id(spki, n, id);
	if (rc != 0) {
		syncd_fail(d, TC_E_NOT_PROVISIONED, "no identity key yet (photod makes it)");
		rc = TC_E_NOT_PROVISIONED;
		goto out;
	}
	pthread_mutex_lock(&d->mu);
	tc_strlcpy(d->st.device_id, id, sizeof(d->st.device_id));
	pthread_mutex_unlock(&d->mu);
	if ((rc = syncd_link_open_enrol(&l, d, p.ca_pem, p.url, p.name, &why)) != 0) {
		syncd_fail(d, rc, "enrolment: %s (%s)", why, p.url);
		syncd_audit(d, "enrol.connect", NULL, rc, why);
		goto out;
	}
	snprintf(path, sizeof(path), "/v1/enrol/%s", id);
	if ((rc = proof_header(d, id, proof, sizeof(proof))) != 0) {
		syncd_fail(d, rc, "signing the enrolment proof");
		goto out;
	}
	if ((rc = syncd_link_head(&l, "GET", path, proof, 0)) != 0 ||
	    (rc = syncd_link_response(&l, false, &r)) != 0) {
		syncd_fail(d, rc, "asking for the enrolment answer");
		goto out;
	}
	switch (r.status) {
	case 404:
		if ((rc = request(d, &l, id)) == 0)
			rc = waiting(d, id);
		break;
	case 202:
		rc = waiting(d, id);
		break;
	case 403:
		rc = TC_E_NOT_PROVISIONED;
		snprintf(text, sizeof(text), "%s: IT refused this camera", id);
		syncd_fail(d, rc, "%s", text);
		audit_answer(d, "enrol.refused", rc, text);
		break;
	case 200:
		if (!r.body) {
			rc = TC_E_SERVER;
			syncd_fail(d, rc, "the enrolment answer is empty");
			break;
		}
		rc = install(d, &p, id, &r, text, sizeof(text));
		syncd_audit(d, "enrol.install", NULL, rc, text);
		if (rc != 0)
			syncd_fail(d, rc, "enrolment answer refused: %s", text);
		else
			tc_info("%s", text);
		break;
	default:
		rc = TC_E_SERVER;
		syncd_fail(d, rc, "asking for the enrolment answer (HTTP %d)", r.status);
		break;
	}
out:
	syncd_resp_free(&r);
	syncd_link_close(&l);
	pin_free(&p);
	return rc;
}
