/*
 * tls.c - trust-server's side of the mutual-TLS link: the Trust CA, the
 * server certificate and key, the receipt key, the shared TLS profile
 * (firmware/sync/tc_tls.h), and the handshake of one connection.
 *
 * A client is let in only if, during the handshake, its certificate
 * chains to the Trust CA and is within its validity (mbedtls), carries
 * exactly one CN that is a well-formed device id, and the registry says
 * that device is enrolled and not revoked (our verify callback).  The
 * device's identity is that CN and nothing else: no URL or header can
 * name another device.  Nothing of a request is read before this.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_mbedtls_compat.h"
#include "tc_secmem.h"
#include "tc_tls.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define CERT_FILE_MAX (64 * 1024)

static int
load_cert(struct srv *s, const char *name, mbedtls_x509_crt *crt)
{
	uint8_t *buf = NULL;
	size_t len;
	int rc = tc_trust_file_read(s->trust_fd, name, CERT_FILE_MAX, &buf, &len);

	if (rc != 0) {
		tc_err("%s/%s: %s", s->set.trust_dir, name, tc_strerror(rc));
		return rc;
	}
	/* PEM wants its terminating NUL counted; tc_trust_file_read put one there. */
	if (mbedtls_x509_crt_parse(crt, buf, len + 1) != 0) {
		tc_err("%s/%s: not a certificate", s->set.trust_dir, name);
		rc = TC_E_CERT;
	}
	tc_free(buf);
	return rc;
}

/* The passphrase for sealed key files: the first line of -K FILE. */
static int
load_passphrase(struct srv *s, char **pass, size_t *len)
{
	uint8_t *buf = NULL;
	size_t n = 0;
	int rc;

	*pass = NULL;
	*len = 0;
	if (!s->set.passfile)
		return 0;
	rc = tc_trust_file_read(AT_FDCWD, s->set.passfile, TC_PASSPHRASE_MAX, &buf, &n);
	if (rc != 0) {
		tc_err("passphrase file %s: %s", s->set.passfile, tc_strerror(rc));
		return rc;
	}
	*pass = tc_secure_alloc(n + 1);
	if (!*pass) {
		tc_zeroize(buf, n);
		tc_free(buf);
		return -ENOMEM;
	}
	memcpy(*pass, buf, n);
	tc_zeroize(buf, n);
	tc_free(buf);
	while (n > 0 && ((*pass)[n - 1] == '\n' || (*pass)[n - 1] == '\r'))
		n--;
	(*pass)[n] = '\0';
	*len = n;
	return 0;
}

static int
load_keys(struct srv *s)
{
	uint8_t *key = NULL, *pubhex = NULL, pub[TC_P256_PUB_LEN], derived[TC_P256_PUB_LEN];
	char *pass = NULL;
	size_t len = 0, passlen = 0, publen = 0;
	int rc;

	if ((rc = load_passphrase(s, &pass, &passlen)) != 0)
		return rc;
	rc = tc_trust_key_load(s->trust_fd, "server.key", pass, passlen, &key, &len);
	if (rc == 0 && tc_pk_parse_key(&s->key, key, len + 1, NULL, 0) != 0)
		rc = TC_E_KEYFILE;
	tc_secure_free(key);
	key = NULL;
	if (rc != 0) {
		tc_err("%s/server.key: %s", s->set.trust_dir, tc_strerror(rc));
		goto out;
	}
	if (tc_pk_check_pair(&s->cert.pk, &s->key) != 0) {
		tc_err("server.key does not belong to server.crt");
		rc = TC_E_CERT;
		goto out;
	}
	rc = tc_trust_key_load(s->trust_fd, "receipt.key", pass, passlen, &key, &len);
	if (rc == 0) {
		while (len > 0 && (key[len - 1] == '\n' || key[len - 1] == '\r'))
			key[--len] = '\0';
		if (len != 2 * TC_P256_PRIV_LEN ||
		    tc_hex_decode((const char *)key, s->receipt_key, TC_P256_PRIV_LEN) != 0 ||
		    tc_receipt_pubkey(s->receipt_key, derived) != 0)
			rc = TC_E_KEYFILE;
	}
	tc_secure_free(key);
	if (rc != 0) {
		tc_err("%s/receipt.key: %s", s->set.trust_dir, tc_strerror(rc));
		goto out;
	}
	/* A receipt.pub that does not match would have devices reject every receipt. */
	if (tc_trust_file_read(s->trust_fd, "receipt.pub", 1024, &pubhex, &publen) == 0) {
		while (publen > 0 && (pubhex[publen - 1] == '\n' || pubhex[publen - 1] == '\r'))
			pubhex[--publen] = '\0';
		if (publen != 2 * TC_P256_PUB_LEN ||
		    tc_hex_decode((const char *)pubhex, pub, sizeof(pub)) != 0 ||
		    memcmp(pub, derived, sizeof(pub)) != 0) {
			tc_err("receipt.key does not belong to receipt.pub");
			rc = TC_E_KEYFILE;
		}
		tc_free(pubhex);
	}
out:
	tc_secure_free(pass);
	return rc;
}

void
tls_init(struct srv *s)
{
	mbedtls_ssl_config_init(&s->tls_conf);
	mbedtls_ssl_config_init(&s->enrol_conf);
	mbedtls_x509_crt_init(&s->ca);
	mbedtls_x509_crt_init(&s->cert);
	mbedtls_pk_init(&s->key);
}

int
tls_setup(struct srv *s)
{
	int rc;

	s->receipt_key = tc_secure_alloc(TC_P256_PRIV_LEN);
	if (!s->receipt_key)
		return -ENOMEM;
	if (tc_mbedtls_tls_init() != 0)
		return TC_E_CRYPTO;
	if ((rc = load_cert(s, "ca.crt", &s->ca)) != 0 ||
	    (rc = load_cert(s, "server.crt", &s->cert)) != 0 || (rc = load_keys(s)) != 0)
		return rc;
	if (mbedtls_ssl_config_defaults(&s->tls_conf, MBEDTLS_SSL_IS_SERVER,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return TC_E_CRYPTO;
	tc_tls_conf_profile(&s->tls_conf);
	mbedtls_ssl_conf_ca_chain(&s->tls_conf, &s->ca, NULL);
	if (mbedtls_ssl_conf_own_cert(&s->tls_conf, &s->cert, &s->key) != 0)
		return TC_E_CRYPTO;
	if (!s->set.enrol_listen)
		return 0;
	/* The enrol listener: the same profile, but a camera there has no certificate yet. */
	if (mbedtls_ssl_config_defaults(&s->enrol_conf, MBEDTLS_SSL_IS_SERVER,
					MBEDTLS_SSL_TRANSPORT_STREAM,
					MBEDTLS_SSL_PRESET_DEFAULT) != 0)
		return TC_E_CRYPTO;
	tc_tls_conf_profile(&s->enrol_conf);
	mbedtls_ssl_conf_authmode(&s->enrol_conf, MBEDTLS_SSL_VERIFY_NONE);
	if (mbedtls_ssl_conf_own_cert(&s->enrol_conf, &s->cert, &s->key) != 0)
		return TC_E_CRYPTO;
	return 0;
}

void
tls_teardown(struct srv *s)
{
	mbedtls_ssl_config_free(&s->tls_conf);
	mbedtls_ssl_config_free(&s->enrol_conf);
	mbedtls_x509_crt_free(&s->ca);
	mbedtls_x509_crt_free(&s->cert);
	mbedtls_pk_free(&s->key);
	tc_secure_free(s->receipt_key);
	s->receipt_key = NULL;
}

/* Exactly one CN, a device id as trustadm issues them.  0 or TC_E_CERT. */
static int
cert_device_id(const mbedtls_x509_crt *crt, char id[SRV_ID_MAX])
{
	const mbedtls_x509_name *n;
	int found = 0;

	for (n = &crt->subject; n; n = n->next) {
		if (!n->oid.p || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		if (found++ || n->val.len == 0 || n->val.len >= SRV_ID_MAX ||
		    memchr(n->val.p, 0, n->val.len))
			return TC_E_CERT;
		memcpy(id, n->val.p, n->val.len);
		id[n->val.len] = '\0';
	}
	if (found != 1 || !tc_trust_valid_device_id(id))
		return TC_E_CERT;
	return 0;
}

/*
 * Called by mbedtls for each certificate of the client's chain, deepest
 * first.  On the leaf: identity and the registry.  Any flag we add fails
 * the handshake (VERIFY_REQUIRED).
 */
static int
verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct conn *c = ctx;
	char id[SRV_ID_MAX] = "";

	if (depth != 0)
		return 0;
	if (cert_device_id(crt, id) != 0) {
		c->device_rc = TC_E_CERT;
		*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
		return 0;
	}
	/*
	 * Already refused (CA, validity): no registry lookup, and the CN is
	 * nobody's name: a forged certificate can carry any device's id, so
	 * the logs name a device only once its certificate has verified.
	 */
	if (*flags != 0)
		return 0;
	tc_strlcpy(c->device, id, sizeof(c->device));
	c->device_rc = registry_device_allowed(c->s, id);
	if (c->device_rc != 0)
		*flags |= MBEDTLS_X509_BADCERT_REVOKED;
	return 0;
}

static const char *
why(int rc, uint32_t flags, int device_rc)
{
	if (flags & MBEDTLS_X509_BADCERT_MISSING)
		return "no client certificate";
	if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
		return "certificate expired";
	if (flags & MBEDTLS_X509_BADCERT_FUTURE)
		return "certificate not yet valid";
	if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
		return "certificate not from the Trust CA";
	if (device_rc == TC_E_REVOKED)
		return "device revoked or not enrolled";
	if (device_rc == TC_E_CERT)
		return "certificate CN is not a device id";
	if (device_rc != 0)
		return "registry lookup failed";
	if (flags)
		return "certificate refused";
	if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE)
		return "the client gave up the handshake (did it refuse our certificate?)";
	/* 2.28 and 3.6 name these differently; either way it is the same answer. */
#ifdef MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN
	if (rc == MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN)
		return "no common TLS version or cipher suite";
#endif
#ifdef MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
	if (rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
		return "no common TLS version or cipher suite";
#endif
#ifdef MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
	if (rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
		return "no common TLS version or cipher suite";
#endif
#ifdef MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE
	if (rc == MBEDTLS_ERR_SSL_HANDSHAKE_FAILURE)
		return "no common TLS version or cipher suite";
#endif
	return "handshake failed";
}

/*
 * A device refused by the registry (revoked, never enrolled) has been
 * sent the certificate_revoked alert, but it is still sending the rest of
 * its flight: closing now would reset the connection and could destroy
 * the alert unread, so the device could not say why it was refused
 * (syncd(8)).  Stop sending, and read and drop what it still sends until
 * it closes, up to LINGER_BYTES or LINGER_MS.  Only certificates the Trust
 * CA issued get here, so this costs an attacker a certificate.
 */
#define LINGER_MS 500
#define LINGER_BYTES 65536

static void
linger_refusal(struct conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	uint64_t end = tc_time_mono_us() + LINGER_MS * 1000ULL, now;
	size_t total = 0;
	char buf[4096];
	ssize_t n;

	if (shutdown(c->fd, SHUT_WR) != 0)
		return;
	while (total < LINGER_BYTES && (now = tc_time_mono_us()) < end) {
		if (poll(&pfd, 1, (int)((end - now) / 1000) + 1) <= 0)
			return;
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* the device closed (or an error): done */
		total += (size_t)n;
	}
}

int
tls_accept(struct conn *c)
{
	uint32_t flags;
	int rc;

	if (!c->anon)
		mbedtls_ssl_set_verify(&c->ssl, verify_cb, c);
	do
		rc = mbedtls_ssl_handshake(&c->ssl);
	while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc != 0) {
		flags = mbedtls_ssl_get_verify_result(&c->ssl);
		if (flags == (uint32_t)-1)
			flags = 0;
		if (__atomic_load_n(&c->evicted, __ATOMIC_ACQUIRE)) {
			/* counted and logged by the accept loop's summary line */
			tc_debug("%s: evicted from the handshake budget", c->peer);
			return TC_E_CERT;
		}
		__atomic_add_fetch(&c->s->n_refused, 1, __ATOMIC_RELAXED);
		tc_warn("%s%s%s: refused: %s", c->peer, c->device[0] ? " " : "", c->device,
			rc == MBEDTLS_ERR_SSL_TIMEOUT ? "handshake deadline passed" :
			why(rc, flags, c->device_rc));
		if (c->device_rc == TC_E_REVOKED)
			linger_refusal(c);
		return TC_E_CERT;
	}
	/* The enrol listener names nobody: c->device stays empty, every route but enrol 403. */
	if (c->anon)
		return 0;
	/* Belt and braces: a handshake cannot succeed without our callback's yes. */
	if (!c->device[0] || c->device_rc != 0 || !mbedtls_ssl_get_peer_cert(&c->ssl))
		return TC_E_CERT;
	tc_debug("%s %s: %s %s", c->peer, c->device, mbedtls_ssl_get_version(&c->ssl),
		 mbedtls_ssl_get_ciphersuite(&c->ssl));
	return 0;
}
