/*
 * syncd_link.h - one mutual-TLS HTTP/1.1 connection from syncd to
 * trust-server.  Private to syncd.
 */
#ifndef SYNCD_LINK_H
#define SYNCD_LINK_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "syncd.h"

/* A policy bundle, or an enrolment answer: the bundle in base64 and two certificates. */
#define SYNCD_BODY_MAX (TC_POLICY_BUNDLE_MAX / 3 * 4 + 64 * 1024)

struct syncd_link {
	int fd;
	int timeout_ms;
	atomic_bool *abort;		/* checked before every write and while waiting */
	bool ready;
	uint64_t release;		/* the running release, sent as Trustcam-Release */
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
};

struct syncd_resp {
	int status;
	bool has_offset, complete;
	uint64_t offset, policy_version;
	uint64_t firmware_release;	/* Firmware-Release, 0 if none */
	uint64_t content_length;	/* Content-Length, 0 if none */
	uint64_t sunk;			/* syncd_link_response_to: body bytes written to the sink */
	uint8_t *body;			/* tc_malloc'd, up to SYNCD_BODY_MAX; NULL if none */
	size_t len;
};

/*
 * Connect to the policy's server_url, handshake with the device
 * certificate and identity key, the Trust CA pinned and the server name
 * checked against the policy's server_name.  0 or a negative code
 * (TC_E_TLS for a handshake failure: *why says which).
 */
int syncd_link_open(struct syncd_link *l, struct syncd *d, const struct syncd_prov *p,
		    const char **why) TC_MUST_CHECK;
/*
 * The same without a client certificate (the device has none yet), to
 * the enrol listener at url: ca_pem and name are the image's pins
 * (syncd_enrol.c).  Only POST /v1/enrol and GET /v1/enrol/ID are served there.
 */
int syncd_link_open_enrol(struct syncd_link *l, struct syncd *d, const char *ca_pem,
			  const char *url, const char *name, const char **why) TC_MUST_CHECK;
void syncd_link_close(struct syncd_link *l);
/* Send a request head; extra: more header lines, each ending in \r\n, or NULL. */
int syncd_link_head(struct syncd_link *l, const char *method, const char *path,
		    const char *extra, uint64_t content_length) TC_MUST_CHECK;
int syncd_link_write(struct syncd_link *l, const void *buf, size_t len) TC_MUST_CHECK;
/* Read one response (head: a HEAD request, no body).  Free with syncd_resp_free. */
int syncd_link_response(struct syncd_link *l, bool head, struct syncd_resp *r) TC_MUST_CHECK;
void syncd_resp_free(struct syncd_resp *r);
/*
 * The same for a GET whose 200 or 206 body is written to sink as it
 * arrives (a firmware bundle: hundreds of MiB), r->sunk bytes of it;
 * another status's body is kept in r->body as usual.  -EIO when writing
 * the sink failed (ENOSPC), TC_E_UNDOCKED / TC_E_NET mid-body: what was
 * written stays, for the next pass to resume from.
 */
int syncd_link_response_to(struct syncd_link *l, int sink, struct syncd_resp *r) TC_MUST_CHECK;

#endif /* SYNCD_LINK_H */
