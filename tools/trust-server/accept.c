/*
 * accept.c - the main thread's loop: listening sockets, accepting while
 * there is room for another connection thread, the per-device
 * connection count, the periodic sweep of abandoned partial uploads
 * (sweep-interval), and stopping on SIGTERM (stop accepting, wake every
 * connection, wait for the last one).
 *
 * Tuned for few, long connections (cameras at their docks): one thread
 * per connection, created on accept with a small stack, detached.
 *
 * The listening sockets are always polled: a device must never wait in
 * the kernel's backlog behind peers that never finish a handshake.  A
 * connection that has not finished its handshake is on the handshake
 * list and counts against a budget of its own, apart from the max-conns
 * slots of authenticated devices: at most handshake-per-addr from one
 * source address (an IPv6 address's /64), a new one beyond that is
 * closed at once; at most handshake-conns in all, beyond that the oldest
 * handshake of the address that holds the most is cut (shutdown(2) wakes
 * its thread) to make room.  The handshake deadline ends the rest.  So an
 * attacker holds at most the budget, costs a bounded amount of memory,
 * and a device's handshake starts the moment it connects and is never
 * the one cut while any address holds more handshakes than the device's
 * own: to cut it, a flood must come from handshake-conns addresses (or
 * IPv6 /64s), each holding no more than one.  Refusals and evictions are summed in
 * one log line a second at most, so a flood cannot flood the log.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"

/* Threads beyond the two budgets: evicted handshakes still unwinding. */
#define HS_SLACK(s) ((s)->set.max_conns + 2 * (s)->set.hs_conns)

#ifdef __SANITIZE_ADDRESS__
#define CONN_STACK (2u << 20)
#else
#define CONN_STACK (512u << 10)
#endif

bool
srv_stopping(struct srv *s)
{
	return __atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE) != 0;
}

/* Caller holds s->lock. */
static void
hs_unlink(struct srv *s, struct conn *c)
{
	struct conn *o;

	for (o = s->hs_old; o; o = o->hs_next)
		if (o != c && memcmp(o->addr, c->addr, sizeof(c->addr)) == 0)
			o->hs_same--;
	if (c->hs_prev)
		c->hs_prev->hs_next = c->hs_next;
	else
		s->hs_old = c->hs_next;
	if (c->hs_next)
		c->hs_next->hs_prev = c->hs_prev;
	else
		s->hs_new = c->hs_prev;
	c->hs_prev = c->hs_next = NULL;
	c->in_hs = false;
	s->n_hs--;
}

bool
srv_hs_leave(struct conn *c)
{
	struct srv *s = c->s;

	pthread_mutex_lock(&s->lock);
	if (c->in_hs)
		hs_unlink(s, c);
	pthread_mutex_unlock(&s->lock);
	return __atomic_load_n(&c->evicted, __ATOMIC_ACQUIRE) == 0;
}

bool
srv_auth_enter(struct srv *s, uint64_t deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000), (long)(deadline % 1000000) * 1000 };
	bool ok;

	pthread_mutex_lock(&s->lock);
	/* A device authenticated: it waits for a slot, off the handshake budget. */
	while (s->n_auth >= s->set.max_conns && !srv_stopping(s))
		if (pthread_cond_timedwait(&s->auth_free, &s->lock, &ts) == ETIMEDOUT)
			break;
	ok = s->n_auth < s->set.max_conns && !srv_stopping(s);
	if (ok)
		s->n_auth++;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void
srv_auth_leave(struct srv *s)
{
	pthread_mutex_lock(&s->lock);
	s->n_auth--;
	pthread_cond_signal(&s->auth_free);
	pthread_mutex_unlock(&s->lock);
}

bool
srv_device_enter(struct srv *s, const char *dev)
{
	unsigned i, free_slot = s->set.max_conns;
	bool ok = false;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->set.max_conns; i++) {
		if (s->devices[i].n && strcmp(s->devices[i].id, dev) == 0)
			break;
		if (!s->devices[i].n && free_slot == s->set.max_conns)
			free_slot = i;
	}
	if (i == s->set.max_conns && free_slot < s->set.max_conns) {
		i = free_slot;
		tc_strlcpy(s->devices[i].id, dev, sizeof(s->devices[i].id));
	}
	if (i < s->set.max_conns && s->devices[i].n < s->set.device_conns) {
		s->devices[i].n++;
		ok = true;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

bool
srv_anon_enter(struct srv *s)
{
	bool ok;

	pthread_mutex_lock(&s->lock);
	ok = s->n_anon < s->set.enrol_conns;
	if (ok)
		s->n_anon++;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

void
srv_anon_leave(struct srv *s)
{
	pthread_mutex_lock(&s->lock);
	s->n_anon--;
	pthread_mutex_unlock(&s->lock);
}

void
srv_device_leave(struct srv *s, const char *dev)
{
	unsigned i;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < s->set.max_conns; i++)
		if (s->devices[i].n && strcmp(s->devices[i].id, dev) == 0) {
			s->devices[i].n--;
			break;
		}
	pthread_mutex_unlock(&s->lock);
}

/* "127.0.0.1:8443", "[::1]:8443": a bound, listening, non-blocking socket. */
int
srv_listen(const char *spec)
{
	struct addrinfo hints, *ai = NULL;
	char host[128], *port;
	int fd = -1, one = 1, rc;

	if (tc_strlcpy(host, spec, sizeof(host)) >= sizeof(host))
		return -EINVAL;
	port = strrchr(host, ':');
	if (!port)
		return -EINVAL;
	*port++ = '\0';
	if (host[0] == '[') {
		size_t n = strlen(host);

		if (n < 2 || host[n - 1] != ']')
			return -EINVAL;
		host[n - 1] = '\0';
		memmove(host, host + 1, n - 1);
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ai->ai_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
		rc = -errno;
		close(fd);
		goto out;
	}
	rc = fd;
out:
	freeaddrinfo(ai);
	return rc;
}

static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t cap)
{
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
		snprintf(out, cap, "%s:%u", a, port);
	} else {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
		snprintf(out, cap, "[%s]:%u", a, port);
	}
}

/* The part of a source address the per-address cap counts by. */
static void
addr_key(const struct sockaddr_storage *ss, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET)
		memcpy(key, &((const struct sockaddr_in *)ss)->sin_addr, 4);
	else
		memcpy(key, &((const struct sockaddr_in6 *)ss)->sin6_addr, 8);	/* its /64 */
}

/* One summary line a second at most: a flood must not flood the log. */
static void
hs_log_locked(struct srv *s, bool force)
{
	uint64_t now = tc_time_mono_us();

	if (!s->n_hs_refused && !s->n_hs_evicted)
		return;
	if (!force && now - s->hs_logged_us < 1000000)
		return;
	tc_warn("handshake budget: %llu connection(s) refused (over handshake-per-addr=%u), "
		"%llu evicted (over handshake-conns=%u)", (unsigned long long)s->n_hs_refused,
		s->set.hs_per_addr, (unsigned long long)s->n_hs_evicted, s->set.hs_conns);
	__atomic_add_fetch(&s->n_refused, s->n_hs_refused + s->n_hs_evicted, __ATOMIC_RELAXED);
	s->n_hs_refused = s->n_hs_evicted = 0;
	s->hs_logged_us = now;
}

/*
 * Put c on the handshake list, making room as the budget says: false if c
 * must be closed instead (its address is at its cap, or too many threads
 * are still unwinding).  Caller holds s->lock.
 */
static bool
hs_admit_locked(struct srv *s, struct conn *c)
{
	struct conn *o, *victim;
	unsigned same = 0;

	for (o = s->hs_old; o; o = o->hs_next)
		if (memcmp(o->addr, c->addr, sizeof(c->addr)) == 0)
			same++;
	if (same >= s->set.hs_per_addr || s->active >= HS_SLACK(s)) {
		s->n_hs_refused++;
		return false;
	}
	if (s->n_hs >= s->set.hs_conns) {
		/* The oldest of the heaviest address: a lone device outlives a flood. */
		for (victim = o = s->hs_old; o; o = o->hs_next)
			if (o->hs_same > victim->hs_same)
				victim = o;
		o = victim;
		__atomic_store_n(&o->evicted, 1, __ATOMIC_RELEASE);
		(void)shutdown(o->fd, SHUT_RDWR);	/* its thread sees EOF and ends */
		hs_unlink(s, o);
		s->n_hs_evicted++;
		if (memcmp(o->addr, c->addr, sizeof(c->addr)) == 0)
			same--;
	}
	for (o = s->hs_old; o; o = o->hs_next)
		if (memcmp(o->addr, c->addr, sizeof(c->addr)) == 0)
			o->hs_same++;
	c->hs_same = same + 1;
	c->hs_prev = s->hs_new;
	if (s->hs_new)
		s->hs_new->hs_next = c;
	else
		s->hs_old = c;
	s->hs_new = c;
	c->in_hs = true;
	s->n_hs++;
	s->active++;
	return true;
}

/* Accept everything waiting on fd; each admitted connection gets a thread. */
static void
accept_some(struct srv *s, int lfd, bool anon, pthread_attr_t *attr)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	pthread_t t;
	int fd, one = 1;
	bool ok;

	for (;;) {
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			break;	/* EAGAIN, or a client that gave up: nothing to do */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			break;
		}
		c->s = s;
		c->fd = fd;
		c->anon = anon;
		addr_key(&ss, c->addr);
		peer_name(&ss, c->peer, sizeof(c->peer));
		pthread_mutex_lock(&s->lock);
		ok = hs_admit_locked(s, c);
		pthread_mutex_unlock(&s->lock);
		if (!ok) {
			close(fd);
			free(c);
			continue;
		}
		if (pthread_create(&t, attr, conn_main, c) != 0) {
			tc_err("cannot start a connection thread");
			pthread_mutex_lock(&s->lock);
			hs_unlink(s, c);
			s->active--;
			pthread_mutex_unlock(&s->lock);
			close(fd);
			free(c);
			break;
		}
	}
	pthread_mutex_lock(&s->lock);
	hs_log_locked(s, false);
	pthread_mutex_unlock(&s->lock);
}

static int64_t
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void
srv_serve(struct srv *s, int signal_fd)
{
	struct pollfd p[3 + SRV_MAX_LISTEN];
	pthread_attr_t attr;
	uint64_t v, every = s->set.partial_ttl_s ? s->set.sweep_s : 0;
	int64_t next_sweep = every ? now_s() + (int64_t)every : 0, wait_s;
	unsigned i, n;
	bool pending;
	int rc, ms;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, CONN_STACK);
	for (;;) {
		/* A server up for months still drops a vanished device's partials. */
		if (every && (wait_s = next_sweep - now_s()) <= 0) {
			if ((rc = upload_expire_all(s)) != 0)
				tc_warn("sweep of partial uploads: %s", tc_strerror(rc));
			next_sweep = now_s() + (int64_t)every;
			wait_s = (int64_t)every;
		}
		p[0] = (struct pollfd){ signal_fd, POLLIN, 0 };
		p[1] = (struct pollfd){ s->slot_fd, POLLIN, 0 };
		n = 2;
		for (i = 0; i < s->n_listen_fd; i++)
			p[n++] = (struct pollfd){ s->listen_fd[i], POLLIN, 0 };
		ms = every ? (int)(wait_s > 86400 ? 86400000 : wait_s * 1000) : -1;
		pthread_mutex_lock(&s->lock);
		hs_log_locked(s, false);
		pending = s->n_hs_refused || s->n_hs_evicted;
		pthread_mutex_unlock(&s->lock);
		if (pending && (ms < 0 || ms > 1000))
			ms = 1000;	/* the summary line of the last refusals */
		if (poll(p, n, ms) < 0) {
			if (errno == EINTR)
				continue;
			tc_err("poll: %s", strerror(errno));
			break;
		}
		if (p[0].revents & POLLIN)
			break;	/* SIGTERM or SIGINT */
		if (p[1].revents & POLLIN)
			(void)!read(s->slot_fd, &v, sizeof(v));
		for (i = 2; i < n; i++)
			if (p[i].revents & POLLIN)
				accept_some(s, p[i].fd, s->listen_anon[i - 2], &attr);
	}
	pthread_attr_destroy(&attr);
}

/* Stop accepting, wake every connection, wait for the last one. */
void
srv_stop(struct srv *s)
{
	uint64_t one = 1;
	unsigned i;

	for (i = 0; i < s->n_listen_fd; i++)
		close(s->listen_fd[i]);
	s->n_listen_fd = 0;
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	if (write(s->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
		tc_err("cannot wake the connections");
	pthread_mutex_lock(&s->lock);
	pthread_cond_broadcast(&s->auth_free);	/* devices waiting for a slot give up */
	hs_log_locked(s, true);
	if (s->active)
		tc_info("stopping: waiting for %u connection(s)", s->active);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
}
