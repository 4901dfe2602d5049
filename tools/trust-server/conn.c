/*
 * conn.c - one connection's thread: the TLS handshake, then requests one
 * after another (keep-alive) until the client closes, breaks a rule,
 * stays silent past a deadline, or the server stops.
 *
 * Every read and write is bound by a deadline rather than a socket
 * timeout, so a client that trickles bytes is dropped when its phase's
 * time is up, however it paces them:
 *   handshake   from accept          (handshake_ms)
 *   idle        after each response  (idle_ms: the next request must start)
 *   header      from a request's first byte to the end of its headers
 *   body        rolling: each piece of body pushes it on by body_ms
 *   send        each write must make progress within send_ms
 * The socket is non-blocking; the TLS layer's I/O callbacks poll() the
 * socket and the server's stop eventfd until the deadline.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/net_sockets.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"

static int
wait_fd(struct conn *c, short events, uint64_t deadline, bool watch_stop)
{
	struct pollfd p[2] = { { c->fd, events, 0 }, { c->s->stop_fd, POLLIN, 0 } };
	uint64_t now;
	int ms, n;

	for (;;) {
		now = tc_time_mono_us();
		if (now >= deadline)
			return MBEDTLS_ERR_SSL_TIMEOUT;
		ms = (int)((deadline - now + 999) / 1000);
		n = poll(p, watch_stop ? 2 : 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MBEDTLS_ERR_NET_RECV_FAILED;
		if (watch_stop && (p[1].revents & POLLIN))
			return MBEDTLS_ERR_NET_RECV_FAILED;	/* SIGTERM: abandon the read */
		if (n > 0)
			return 0;
	}
}

/*
 * After the handshake a record of type handshake (22) can only be a
 * renegotiation attempt (TLS 1.3 hides record types and has no
 * renegotiation).  mbedtls would refuse it with a warning alert and carry
 * on; a client that tries is no device of ours, so the connection ends.
 * Only the 5-byte record headers are looked at, never the contents.
 */
static bool
records_ok(struct conn *c, const unsigned char *p, size_t n)
{
	size_t k;

	while (n > 0) {
		if (c->rec_left > 0) {
			k = n < c->rec_left ? n : c->rec_left;
			c->rec_left -= k;
			p += k;
			n -= k;
			continue;
		}
		c->rec_hdr[c->rec_have++] = *p++;
		n--;
		if (c->rec_have == sizeof(c->rec_hdr)) {
			if (c->rec_hdr[0] == 22)
				return false;
			c->rec_left = tc_get_be16(c->rec_hdr + 3);
			c->rec_have = 0;
		}
	}
	return true;
}

static int
bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	ssize_t n;
	int rc;

	for (;;) {
		n = recv(c->fd, buf, len, MSG_DONTWAIT);
		if (n > 0 && c->established && !records_ok(c, buf, (size_t)n)) {
			c->renegotiation = true;
			return MBEDTLS_ERR_NET_CONN_RESET;
		}
		if (n >= 0)
			return (int)n;	/* 0: the peer closed */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return MBEDTLS_ERR_NET_CONN_RESET;
		if ((rc = wait_fd(c, POLLIN, c->deadline, true)) != 0)
			return rc;
	}
}

static int
bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct conn *c = ctx;
	uint64_t deadline = tc_time_mono_us() + (uint64_t)c->s->set.send_ms * 1000;
	ssize_t n;
	int rc;

	/* One failed send ends the connection: no close_notify waits again. */
	if (c->send_failed)
		return MBEDTLS_ERR_NET_SEND_FAILED;
	for (;;) {
		n = send(c->fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			c->send_failed = true;
			return MBEDTLS_ERR_NET_SEND_FAILED;
		}
		/* A response goes out even while stopping: its commit is done. */
		if ((rc = wait_fd(c, POLLOUT, deadline, false)) != 0) {
			c->send_failed = true;
			tc_info("%s%s%s: dropped (send deadline passed: the client reads nothing)",
				c->peer, c->device[0] ? " " : "", c->device);
			return rc;
		}
	}
}

bool
conn_device_allowed(struct conn *c, const char *when)
{
	int rc = registry_device_allowed(c->s, c->device);

	if (rc == 0)
		return true;
	tc_warn("%s %s: %s refused: %s, connection ended", c->peer, c->device, when,
		rc == TC_E_REVOKED ? "device revoked" : "registry lookup failed");
	if (rc == TC_E_REVOKED)
		resp_text(&c->req.resp, 403, true, "this device is revoked\n");
	else
		resp_text(&c->req.resp, 503, true, "the registry cannot be read, try again later\n");
	return false;
}

void
conn_touch_body(struct conn *c)
{
	c->deadline = tc_time_mono_us() + (uint64_t)c->s->set.body_ms * 1000;
}

int
conn_write(struct conn *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int n;

	while (len > 0) {
		n = mbedtls_ssl_write(&c->ssl, p, len);
		if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *
read_error(int n)
{
	switch (n) {
	case MBEDTLS_ERR_SSL_TIMEOUT: return "deadline passed";
	case MBEDTLS_ERR_NET_RECV_FAILED: return "server stopping";
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY: return "closed by the client";
	case 0: return "closed by the client";
	default: return "TLS error";
	}
}

/* Read and answer requests until the connection has to end. */
static void
serve(struct conn *c)
{
	struct srv *s = c->s;
	bool in_request;
	int n;

	http_setup(c);
	c->deadline = tc_time_mono_us() + (uint64_t)s->set.idle_ms * 1000;
	for (;;) {
		n = mbedtls_ssl_read(&c->ssl, c->in, sizeof(c->in));
		if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (n <= 0) {
			in_request = c->req.started;
			if (c->renegotiation)
				tc_warn("%s %s: dropped: renegotiation attempt", c->peer, c->device);
			else if (in_request || (n != 0 && n != MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY))
				tc_info("%s %s: dropped (%s)%s", c->peer, c->device, read_error(n),
					in_request ? " mid-request" : "");
			http_abort_request(c);
			return;
		}
		c->in_off = 0;
		c->in_len = (size_t)n;
		if (http_consume(c) != 0)
			return;
	}
}

/*
 * After an answer that refused a body, read and drop what the client is
 * still sending for a moment before closing: closing with unread bytes
 * makes TCP reset the connection, and the reset can destroy the answer
 * before the client has read it.  Bounded in bytes and time.
 */
static void
linger_close(struct conn *c)
{
	static const size_t max_bytes = 1 << 20;
	uint64_t deadline = tc_time_mono_us() + 500000;
	char buf[4096];
	size_t total = 0;
	ssize_t n;

	if (shutdown(c->fd, SHUT_WR) != 0)
		return;
	while (total < max_bytes && wait_fd(c, POLLIN, deadline, true) == 0) {
		n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			break;
		if (n > 0)
			total += (size_t)n;
	}
}

void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct srv *s = c->s;
	uint64_t one = 1;

	c->deadline = tc_time_mono_us() + (uint64_t)s->set.handshake_ms * 1000;
	mbedtls_ssl_init(&c->ssl);
	c->req.up.fd = c->req.up.dir_fd = -1;
	if (mbedtls_ssl_setup(&c->ssl, c->anon ? &s->enrol_conf : &s->tls_conf) != 0)
		goto out;
	c->ssl_ready = true;
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	if (tls_accept(c) != 0 || !srv_hs_leave(c))
		goto out;
	c->established = true;
	if (c->anon) {
		/* The enrol listener: its own few slots, never a device's (api_enrol.c). */
		if (!srv_anon_enter(s)) {
			tc_warn("%s enrol: refused: all %u enrol connections busy", c->peer,
				s->set.enrol_conns);
			resp_text(&c->req.resp, 503, true, "the server is busy, try again later\n");
			if (http_send_response(c) != 0)
				tc_debug("%s enrol: could not send the refusal", c->peer);
			goto out;
		}
		c->anon_counted = true;
		serve(c);
		goto out;
	}
	if (!srv_auth_enter(s, tc_time_mono_us() + (uint64_t)s->set.idle_ms * 1000)) {
		tc_warn("%s %s: refused: all %u connections busy (max-conns) for idle-timeout",
			c->peer, c->device, s->set.max_conns);
		resp_text(&c->req.resp, 503, true, "the server is busy, try again later\n");
		if (http_send_response(c) != 0)
			tc_debug("%s %s: could not send the refusal", c->peer, c->device);
		goto out;
	}
	c->auth_counted = true;
	if (!srv_device_enter(s, c->device)) {
		tc_warn("%s %s: refused: too many connections from this device", c->peer, c->device);
		resp_text(&c->req.resp, 503, true, "too many connections from this device\n");
		if (http_send_response(c) != 0)
			tc_debug("%s %s: could not send the refusal", c->peer, c->device);
		goto out;
	}
	c->device_counted = true;
	serve(c);
out:
	if (c->ssl_ready) {
		c->deadline = tc_time_mono_us() + 1000000;
		(void)mbedtls_ssl_close_notify(&c->ssl);
	}
	mbedtls_ssl_free(&c->ssl);
	if (c->req.resp.close)
		linger_close(c);
	(void)srv_hs_leave(c);	/* before close: the main thread may shutdown() fd till then */
	close(c->fd);
	if (c->device_counted)
		srv_device_leave(s, c->device);
	if (c->auth_counted)
		srv_auth_leave(s);
	if (c->anon_counted)
		srv_anon_leave(s);
	http_req_reset(c);
	free(c);
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	if (write(s->slot_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		tc_debug("slot eventfd write failed");
	return NULL;
}
