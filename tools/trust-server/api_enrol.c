/*
 * api_enrol.c - enrolment at the dock (issue 16): a camera that has no
 * certificate yet asks for one over the enrol listener (-e), which takes
 * no client certificate and serves nothing else.
 *
 *   POST /v1/enrol          body: the device's CSR (PEM, <= ENROL_CSR_MAX)
 *   GET  /v1/enrol/<id>     the answer: 200 + the JSON trustadm published
 *                           (only with an Enrol-Proof by the key its
 *                           certificate names, tc_enrol.h: the answer holds
 *                           the device's policy), 202 waiting for IT, 403
 *                           refused by IT or no proof, 404 no request
 *
 * The CSR is checked with trustadm's own code (tc_pki_csr_load: parses,
 * self-signature, ECDSA P-256, CN = the device id of its key), and an id
 * the registry knows (enrolled, or revoked) is refused: a device is
 * enrolled once, and a replacement comes with a new key.  Pending
 * requests live in DATA/enrol/ as <id>.csr and <id>.peer (who asked and
 * from where, for trustadm enrol pending), written temp + fsync + rename;
 * at most enrol-max of them; a repeat from the same key replaces its own.
 *
 * The server issues nothing (the Trust CA key is not here): trustadm
 * enrol approve writes enrol/<id>.answer into the Trust's published
 * directory and enrol refuse writes enrol/<id>.refused; this file only
 * reads them.  A request answered either way is dropped from DATA/enrol/.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/x509_crt.h>

#include "server.h"
#include "tc_enrol.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_pki.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define ENROL_ANSWER_MAX (TC_POLICY_BUNDLE_MAX * 2 + 64 * 1024)	/* base64 bundle + PEMs */

int
enrol_open(struct srv *s)
{
	s->enrol_fd = storage_subdir(s->data_fd, "enrol", true);
	if (s->enrol_fd < 0)
		tc_err("%s/enrol: %s", s->set.data_dir, tc_strerror(s->enrol_fd));
	return s->enrol_fd < 0 ? s->enrol_fd : 0;
}

/* Pending requests other than id's own (under commit_lock). */
static int
count_pending(struct srv *s, const char *id, unsigned *n)
{
	size_t il = strlen(id);
	struct dirent *de;
	DIR *d;
	int fd = dup(s->enrol_fd);

	*n = 0;
	if (fd < 0 || lseek(fd, 0, SEEK_SET) != 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);

		if (l < 5 || strcmp(de->d_name + l - 4, ".csr") != 0 || de->d_name[0] == '.')
			continue;
		if (l - 4 == il && strncmp(de->d_name, id, il) == 0)
			continue;
		(*n)++;
	}
	closedir(d);
	return 0;
}

int
enrol_begin(struct conn *c)
{
	struct req *r = &c->req;

	if (r->route == ROUTE_ENROL_ID)
		return enrol_answer(c);
	if (!r->has_clen) {
		resp_text(&r->resp, 411, false, "Content-Length is required\n");
		return -1;
	}
	if (r->content_length == 0 || r->content_length > ENROL_CSR_MAX) {
		resp_text(&r->resp, 413, false, "a certificate signing request is at most 4 KiB\n");
		return -1;
	}
	return req_body_alloc(r, (size_t)r->content_length);
}

int
enrol_body(struct conn *c, const uint8_t *buf, size_t len)
{
	return req_body_append(&c->req, buf, len);
}

/* Durably, and group-readable: trustadm enrol pending reads it through the server's group. */
static int
store(int dfd, const char *name, const void *buf, size_t len)
{
	int rc = tc_write_file_atomic(dfd, name, buf, len);

	if (rc == 0 && fchmodat(dfd, name, 0640, 0) != 0)
		rc = -errno;
	return rc;
}

static void
take_request(struct conn *c, const char *id)
{
	struct req *r = &c->req;
	char name[TC_POLICY_ID_MAX + 8], peer[96];
	unsigned n = 0;
	int rc, n_peer;

	if ((rc = registry_device_known(c->s, id)) != 0) {
		tc_warn("%s enrol %s: refused: %s", c->peer, id,
			rc > 0 ? "the id is enrolled already" : "registry lookup failed");
		if (rc > 0)
			resp_text(&r->resp, 409, false, "this device id is enrolled already: a "
				  "replacement enrols with a new key\n");
		else
			resp_text(&r->resp, 503, false, "the registry cannot be read, try later\n");
		return;
	}
	if ((rc = count_pending(c->s, id, &n)) != 0 || n >= c->s->set.enrol_max) {
		tc_warn("%s enrol %s: refused: %s", c->peer, id,
			rc ? tc_strerror(rc) : "too many requests wait for IT (enrol-max)");
		resp_text(&r->resp, rc ? 500 : 503, false,
			  rc ? "cannot list the waiting requests\n" :
			  "too many cameras wait for IT already, try later\n");
		return;
	}
	n_peer = snprintf(peer, sizeof(peer), "%s\n", c->peer);
	snprintf(name, sizeof(name), "%s.peer", id);
	rc = store(c->s->enrol_fd, name, peer, (size_t)n_peer);
	snprintf(name, sizeof(name), "%s.csr", id);
	if (rc == 0)
		rc = store(c->s->enrol_fd, name, r->body, r->body_len);
	if (rc != 0) {
		tc_err("%s enrol %s: storing the request: %s", c->peer, id, tc_strerror(rc));
		resp_text(&r->resp, rc == -ENOSPC ? 507 : 500, false, "could not store the request\n");
		return;
	}
	tc_info("%s enrol %s: request waits for IT (trustadm enrol pending)", c->peer, id);
	resp_text(&r->resp, 202, false, "waiting for IT to approve this camera\n");
}

void
enrol_end(struct conn *c)
{
	struct req *r = &c->req;
	mbedtls_x509_csr csr;
	char id[TC_POLICY_ID_MAX], why[256];

	r->body[r->body_len] = '\0';	/* PEM wants its NUL; the buffer has room */
	if (tc_pki_csr_load(&csr, r->body, r->body_len, id, why, sizeof(why)) != 0) {
		mbedtls_x509_csr_free(&csr);
		tc_warn("%s enrol: request refused: %s", c->peer, why);
		resp_text(&r->resp, 422, false, "not a valid certificate signing request for a "
			  "device key\n");
		return;
	}
	mbedtls_x509_csr_free(&csr);
	pthread_mutex_lock(&c->s->commit_lock);
	take_request(c, id);
	pthread_mutex_unlock(&c->s->commit_lock);
}

/* Drop the answered request id from DATA/enrol (answered: IT has seen it). */
static void
forget(struct srv *s, const char *id)
{
	char name[TC_POLICY_ID_MAX + 8];

	snprintf(name, sizeof(name), "%s.csr", id);
	(void)unlinkat(s->enrol_fd, name, 0);
	snprintf(name, sizeof(name), "%s.peer", id);
	(void)unlinkat(s->enrol_fd, name, 0);
}

/*
 * Whether the request's Enrol-Proof is a signature over tc_enrol_proof_hash(id)
 * by the key of the certificate in the answer (buf, the JSON trustadm wrote).
 */
static bool
proven(struct conn *c, const uint8_t *buf, size_t len)
{
	struct req *r = &c->req;
	mbedtls_x509_crt crt;
	uint8_t hash[32];
	const char *pem;
	json_t *o;
	bool ok = false;

	if (!r->has_proof || r->enrol_proof_len == 0)
		return false;
	o = json_loadb((const char *)buf, len, 0, NULL);
	mbedtls_x509_crt_init(&crt);
	if (o && json_unpack(o, "{s:s}", "cert", &pem) == 0 &&
	    mbedtls_x509_crt_parse(&crt, (const unsigned char *)pem, strlen(pem) + 1) == 0) {
		tc_enrol_proof_hash(r->enrol_id, hash);
		ok = mbedtls_pk_verify(&crt.pk, MBEDTLS_MD_SHA256, hash, sizeof(hash),
				       r->enrol_proof, r->enrol_proof_len) == 0;
	}
	mbedtls_x509_crt_free(&crt);
	json_decref(o);
	return ok;
}

int
enrol_answer(struct conn *c)
{
	struct req *r = &c->req;
	const char *id = r->enrol_id;
	char name[TC_POLICY_ID_MAX + 16];
	uint8_t *buf = NULL;
	size_t len = 0;
	int efd, rc;

	efd = openat(c->s->trust_fd, "enrol", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	snprintf(name, sizeof(name), "%s.answer", id);
	rc = efd < 0 ? -errno : tc_trust_file_read(efd, name, ENROL_ANSWER_MAX, &buf, &len);
	if (rc == 0 && !proven(c, buf, len)) {
		tc_warn("%s enrol %s: answer refused: no proof of the device's key", c->peer, id);
		tc_free(buf);
		resp_text(&r->resp, 403, false, "the answer goes to the device's key only: "
			  "send Enrol-Proof\n");
		goto out;
	}
	if (rc == 0) {
		pthread_mutex_lock(&c->s->commit_lock);
		forget(c->s, id);
		pthread_mutex_unlock(&c->s->commit_lock);
		tc_info("%s enrol %s: answer sent", c->peer, id);
		r->resp.body_own = buf;
		r->resp.body = buf;
		r->resp.body_len = len;
		r->resp.content_type = "application/json";
		resp_set(&r->resp, 200, false);
		goto out;
	}
	if (rc != -ENOENT) {
		tc_err("%s enrol %s: the published answer: %s", c->peer, id, tc_strerror(rc));
		resp_text(&r->resp, 500, false, "the answer cannot be read\n");
		goto out;
	}
	snprintf(name, sizeof(name), "%s.refused", id);
	if (efd >= 0 && faccessat(efd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		pthread_mutex_lock(&c->s->commit_lock);
		forget(c->s, id);
		pthread_mutex_unlock(&c->s->commit_lock);
		resp_text(&r->resp, 403, false, "IT refused this camera\n");
		goto out;
	}
	snprintf(name, sizeof(name), "%s.csr", id);
	if (faccessat(c->s->enrol_fd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		resp_text(&r->resp, 202, false, "waiting for IT to approve this camera\n");
	else
		resp_text(&r->resp, 404, false, "no request from this camera: POST /v1/enrol\n");
out:
	if (efd >= 0)
		close(efd);
	return -1;
}
