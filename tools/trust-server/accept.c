/*
 * accept.c - the main thread's loop: listening sockets, accepting while
 * there is room for another connection thread, the per-device
 * connection count, the periodic sweep of abandoned partial uploads
 * (sweep-interval), and stopping on SIGTERM (stop accepting, wake every
 * connection, wait for the last one).
 *
 * Tuned for few, long connections (cameras at their docks): one thread
 * per connection, created on accept with a small stack, detached; when
 * max-conns are busy the listening sockets are not polled, so new
 * clients wait in the kernel's backlog instead of being refused.
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

/* Accept what is waiting on fd while there is room; each gets a thread. */
static void
accept_some(struct srv *s, int lfd, pthread_attr_t *attr)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct conn *c;
	pthread_t t;
	int fd, one = 1;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		if (s->active >= s->set.max_conns) {
			pthread_mutex_unlock(&s->lock);
			return;
		}
		pthread_mutex_unlock(&s->lock);
		sl = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;	/* EAGAIN, or a client that gave up: nothing to do */
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			return;
		}
		c->s = s;
		c->fd = fd;
		peer_name(&ss, c->peer, sizeof(c->peer));
		pthread_mutex_lock(&s->lock);
		s->active++;
		pthread_mutex_unlock(&s->lock);
		if (pthread_create(&t, attr, conn_main, c) != 0) {
			tc_err("cannot start a connection thread");
			close(fd);
			free(c);
			pthread_mutex_lock(&s->lock);
			s->active--;
			pthread_mutex_unlock(&s->lock);
			return;
		}
	}
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
	struct pollfd p[2 + SRV_MAX_LISTEN];
	pthread_attr_t attr;
	uint64_t v, every = s->set.partial_ttl_s ? s->set.sweep_s : 0;
	int64_t next_sweep = every ? now_s() + (int64_t)every : 0, wait_s;
	unsigned i, n;
	bool room;
	int rc;

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
		pthread_mutex_lock(&s->lock);
		room = s->active < s->set.max_conns;
		pthread_mutex_unlock(&s->lock);
		for (i = 0; room && i < s->n_listen_fd; i++)
			p[n++] = (struct pollfd){ s->listen_fd[i], POLLIN, 0 };
		if (poll(p, n, every ? (int)(wait_s > 86400 ? 86400000 : wait_s * 1000) : -1) < 0) {
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
				accept_some(s, p[i].fd, &attr);
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
	if (s->active)
		tc_info("stopping: waiting for %u connection(s)", s->active);
	while (s->active > 0)
		pthread_cond_wait(&s->idle, &s->lock);
	pthread_mutex_unlock(&s->lock);
}
