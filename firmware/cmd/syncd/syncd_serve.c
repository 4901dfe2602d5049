/*
 * syncd_serve.c - syncd's main loop: the dock, camctl's requests, the
 * back-off timer and signals, in one poll().
 *
 *   event                       action
 *   undocked -> docked          request a pass (a new dock resumes at once, back-off or not)
 *   docked -> undocked          abort the pass in flight (it fails with "undocked")
 *   retry time reached, docked  request a pass
 *   SYNCD_MSG_SYNC_REQ          request a pass (docked or not: a sync by hand)
 *   SYNCD_MSG_STATUS_REQ        the status block
 *   SIGTERM/SIGINT              abort the pass, stop
 *
 * Messages (syncd_proto.h) are checked for their exact length; a
 * malformed one ends that connection.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "syncd.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_notify.h"

#define MAX_CLIENTS 16

void
syncd_wake(struct syncd *d)
{
	uint64_t one = 1;

	if (write(d->wake_fd, &one, sizeof(one)) != sizeof(one))
		tc_debug("wake: %s", strerror(errno));
}

uint64_t
syncd_request(struct syncd *d)
{
	uint64_t want;

	pthread_mutex_lock(&d->mu);
	if (d->requested < d->st.passes_started + 1)
		d->requested = d->st.passes_started + 1;
	want = d->requested;
	d->retry_mono_us = 0;
	pthread_cond_broadcast(&d->cv);
	pthread_mutex_unlock(&d->mu);
	return want;
}

static void
dock_changed(struct syncd *d, bool *was)
{
	bool now = tc_dock_docked(d->dock);
	bool pw = tc_dock_power(d->dock), ln = tc_dock_link(d->dock);

	pthread_mutex_lock(&d->mu);
	d->st.docked = now;
	d->st.power = pw;
	d->st.link = ln;
	pthread_mutex_unlock(&d->mu);
	if (now == *was)
		return;
	*was = now;
	syncd_audit(d, now ? "dock" : "undock", NULL, 0, "");
	tc_info("%s", now ? "docked: syncing" : "undocked");
	if (now)
		(void)syncd_request(d);
	else
		atomic_store(&d->abort_pass, true);
}

static void
fill_status(struct syncd *d, struct tc_store *ms, struct syncd_status *out)
{
	struct tc_store_stats ss;

	pthread_mutex_lock(&d->mu);
	*out = d->st;
	pthread_mutex_unlock(&d->mu);
	out->now = (int64_t)time(NULL);
	if (tc_store_stats(ms, &ss) == 0) {
		out->pending = ss.unsynced;
		out->receipted = ss.count[TC_PHOTO_RECEIPTED];
	}
}

static int
send_msg(int fd, uint16_t type, const void *p, size_t len)
{
	unsigned char buf[sizeof(struct syncd_msg_hdr) + sizeof(struct syncd_status)];
	struct syncd_msg_hdr h = { type, SYNCD_PROTO_VERSION, (uint32_t)len };

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), p, len);
	return send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL) == (ssize_t)(sizeof(h) + len) ?
	       0 : -EPIPE;
}

/* One request from a client: 0, or -1 to drop the connection. */
static int
client_request(struct syncd *d, struct tc_store *ms, int fd)
{
	struct syncd_status st;
	uint64_t want = 0;
	uint16_t type;

	if (syncd_recv_request(fd, &type) != 0)
		return -1;
	switch (type) {
	case SYNCD_MSG_SYNC_REQ:
		want = syncd_request(d);
		tc_info("sync requested by hand");
		/* fall through */
	case SYNCD_MSG_STATUS_REQ:
		fill_status(d, ms, &st);
		st.wait_pass = want;
		return send_msg(fd, SYNCD_MSG_STATUS, &st, sizeof(st)) == 0 ? 0 : -1;
	default:
		return -1;
	}
}

static int
poll_timeout(struct syncd *d, bool docked)
{
	uint64_t now = tc_time_mono_us(), at;

	pthread_mutex_lock(&d->mu);
	at = d->retry_mono_us;
	if (at && docked && now >= at && d->st.state == SYNCD_BACKOFF) {
		pthread_mutex_unlock(&d->mu);
		tc_info("retrying after back-off");
		(void)syncd_request(d);
		return -1;
	}
	pthread_mutex_unlock(&d->mu);
	if (!at || !docked)
		return -1;
	return (int)((at - now) / 1000u) + 1;
}

/* The fixed descriptors of the poll set: listen, signal, dock, wake, arrivals. */
#define NFIXED 5

/* Does an inotify buffer name a committed object (<id>.tco), or say events were lost? */
static bool
names_object(const char *buf, size_t n)
{
	const struct inotify_event *ev;
	size_t off = 0, len;

	while (off + sizeof(*ev) <= n) {
		ev = (const struct inotify_event *)(const void *)(buf + off);
		if (ev->mask & IN_Q_OVERFLOW)
			return true;
		if (ev->len > n - off - sizeof(*ev))
			return true;	/* cannot happen; do not guess */
		len = strnlen(ev->name, ev->len);
		if (len > 4 && memcmp(ev->name + len - 4, ".tco", 4) == 0)
			return true;
		off += sizeof(*ev) + ev->len;
	}
	return false;
}

/*
 * Dock mode always: a photo arrived in the store.  Start a pass unless
 * one is backing off after a failure (the back-off timer retries; a new
 * photo must not turn a server outage into a retry per shot).  Only a
 * committed object counts: the store's pool renames files in objects/
 * too (a delete's file into the pool, a capture's out of it), and a
 * pass's own deletes must not start another pass.
 */
static void
photo_arrived(struct syncd *d)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool backoff, arrived = false;
	ssize_t n;

	while ((n = read(d->arrive_fd, buf, sizeof(buf))) > 0)
		arrived = arrived || names_object(buf, (size_t)n);
	if (!arrived)
		return;
	pthread_mutex_lock(&d->mu);
	backoff = d->st.state == SYNCD_BACKOFF;
	pthread_mutex_unlock(&d->mu);
	if (!backoff)
		(void)syncd_request(d);
}

int
syncd_serve(struct syncd *d, struct tc_store *ms)
{
	struct pollfd p[NFIXED + MAX_CLIENTS];
	int clients[MAX_CLIENTS], nc = 0, i, n, fd;
	bool docked = false;
	uint64_t v;

	dock_changed(d, &docked);
	while (!d->stopping) {
		p[0] = (struct pollfd){ d->listen_fd, POLLIN, 0 };
		p[1] = (struct pollfd){ d->signal_fd, POLLIN, 0 };
		p[2] = (struct pollfd){ tc_dock_fd(d->dock), POLLIN, 0 };
		p[3] = (struct pollfd){ d->wake_fd, POLLIN, 0 };
		p[4] = (struct pollfd){ d->arrive_fd, POLLIN, 0 };	/* -1: ignored */
		for (i = 0; i < nc; i++)
			p[NFIXED + i] = (struct pollfd){ clients[i], POLLIN, 0 };
		n = poll(p, (nfds_t)(NFIXED + nc), tc_notify_poll_timeout(poll_timeout(d, docked)));
		tc_notify_watchdog();
		if (n < 0 && errno != EINTR)
			return -errno;
		if (n <= 0)
			continue;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(d->signal_fd, &si, sizeof(si)) == sizeof(si)) {
				tc_info("signal %u: stopping", si.ssi_signo);
				pthread_mutex_lock(&d->mu);
				d->stopping = true;
				atomic_store(&d->abort_pass, true);
				pthread_cond_broadcast(&d->cv);
				pthread_mutex_unlock(&d->mu);
			}
		}
		if (p[2].revents & POLLIN)
			dock_changed(d, &docked);
		if ((p[3].revents & POLLIN) && read(d->wake_fd, &v, sizeof(v)) < 0)
			tc_debug("wake read: %s", strerror(errno));
		if (p[4].revents & POLLIN)
			photo_arrived(d);
		for (i = nc - 1; i >= 0; i--) {
			if (!p[NFIXED + i].revents)
				continue;
			if ((p[NFIXED + i].revents & POLLIN) && client_request(d, ms, clients[i]) == 0)
				continue;
			close(clients[i]);
			clients[i] = clients[--nc];
		}
		if (p[0].revents & POLLIN) {
			fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
			if (fd >= 0 && nc < MAX_CLIENTS)
				clients[nc++] = fd;
			else if (fd >= 0)
				close(fd);
		}
	}
	for (i = 0; i < nc; i++)
		close(clients[i]);
	return 0;
}
