/*
 * photod_serve.c - photod's socket loop.
 *
 * One thread, poll(2) over the listening socket, the signal fd and up to
 * MAX_CLIENTS connections; requests are served one at a time (a burst
 * holds the loop until it ends, which is what a camera does anyway).
 * Peers are checked with SO_PEERCRED on accept: root, photod's own user
 * or its group; only root and photod's own user may provision, install a
 * policy or wipe.  A message that breaks the protocol (short, long,
 * unknown type, wrong descriptor count) ends that connection and is
 * audited; photod carries on.  The receive buffer is wiped after every
 * request (a login request holds a PIN).  poll's timeout is the moment
 * the logged-in staff member's idle time runs out.
 */
#define _GNU_SOURCE /* accept4 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"
#include "tc_notify.h"
#include "tc_secmem.h"

#define MAX_CLIENTS 16

void
photod_audit(struct photod *d, const char *actor, const char *action, const uint8_t *id,
	     int result, const char *detail)
{
	char hex[2 * TC_PHOTO_ID_LEN + 1] = "";
	int rc;

	if (id)
		tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	rc = tc_audit_append(d->audit, actor, action, hex, result, detail ? detail : "");
	if (rc != 0)
		tc_err("audit append failed: %s", tc_strerror(rc));
}

int
photod_reply(int fd, uint16_t type, const void *payload, size_t len)
{
	int rc = tc_ipc_send(fd, type, payload, len);

	if (rc != 0)
		tc_debug("reply %s: client gone (%s)", tc_ipc_type_name(type), tc_strerror(rc));
	return rc;
}

void
photod_ok(int fd, uint64_t count, const char *text)
{
	struct tc_msg_ok ok;

	memset(&ok, 0, sizeof(ok));
	ok.count = count;
	tc_strlcpy(ok.text, text, sizeof(ok.text));
	photod_reply(fd, TC_MSG_OK, &ok, sizeof(ok));
}

void
photod_check_signals(struct photod *d)
{
	struct signalfd_siginfo si;
	struct pollfd p = { .fd = d->signal_fd, .events = POLLIN };

	while (poll(&p, 1, 0) == 1 && read(d->signal_fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			d->stopping = true;
}

void
photod_error(int fd, int code, const char *rule, const char *text)
{
	struct tc_msg_error e;

	memset(&e, 0, sizeof(e));
	e.code = code;
	tc_strlcpy(e.rule, rule, sizeof(e.rule));
	tc_strlcpy(e.text, text, sizeof(e.text));
	photod_reply(fd, TC_MSG_ERROR, &e, sizeof(e));
}

/* Close descriptors a request brought; only the install and policy requests use theirs. */
static void
close_fds(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

static void
dispatch(struct photod *d, struct photod_client *c, uint16_t type, void *msg, int *fds)
{
	switch (type) {
	case TC_MSG_STATUS_REQ: photod_status(d, c->fd); break;
	case TC_MSG_CAMERAS_REQ: photod_cameras(c->fd); break;
	case TC_MSG_CAPTURE_REQ: photod_capture(d, c, msg); break;
	case TC_MSG_LIST_REQ: photod_list(d, c->fd); break;
	case TC_MSG_DISCARD_REQ: photod_discard(d, c, msg); break;
	case TC_MSG_EXPORT_REQ: photod_export(d, c, msg); break;
	case TC_MSG_PROVISION_REQ: photod_provision_request(d, c); break;
	case TC_MSG_INSTALL_REQ: photod_provision_install(d, c, fds); break;
	case TC_MSG_POLICY_REQ: photod_policy_install(d, c, fds[0]); break;
	case TC_MSG_WIPE_REQ: photod_wipe(d, c, msg); break;
	case TC_MSG_LOGIN_REQ: photod_login(d, c, msg); break;
	case TC_MSG_LOGOUT_REQ: photod_logout_req(d, c); break;
	case TC_MSG_EVENT_SET_REQ: photod_event_set(d, c, msg); break;
	case TC_MSG_EVENT_CLEAR_REQ: photod_event_clear(d, c); break;
	case TC_MSG_EVENTS_REQ: photod_events(d, c->fd); break;
	case TC_MSG_STAFF_REQ: photod_staff_list(d, c->fd); break;
	case TC_MSG_ROSTER_REQ: photod_roster(d, c->fd, msg); break;
	case TC_MSG_PREVIEW_START_REQ: photod_preview_start(d, c); break;
	case TC_MSG_PREVIEW_STOP_REQ: photod_preview_stop_req(d, c); break;
	case TC_MSG_USB_REFUSED_REQ: photod_usb_refused(d, c, msg); break;
	}
}

static bool
is_request(uint16_t type)
{
	switch (type) {
	case TC_MSG_STATUS_REQ: case TC_MSG_CAMERAS_REQ: case TC_MSG_CAPTURE_REQ:
	case TC_MSG_LIST_REQ: case TC_MSG_DISCARD_REQ: case TC_MSG_EXPORT_REQ:
	case TC_MSG_PROVISION_REQ: case TC_MSG_INSTALL_REQ: case TC_MSG_POLICY_REQ:
	case TC_MSG_WIPE_REQ: case TC_MSG_LOGIN_REQ: case TC_MSG_LOGOUT_REQ:
	case TC_MSG_EVENT_SET_REQ: case TC_MSG_EVENT_CLEAR_REQ: case TC_MSG_EVENTS_REQ:
	case TC_MSG_STAFF_REQ: case TC_MSG_ROSTER_REQ: case TC_MSG_PREVIEW_START_REQ:
	case TC_MSG_PREVIEW_STOP_REQ: case TC_MSG_USB_REFUSED_REQ:
		return true;
	default:
		return false;
	}
}

/* Serve one request.  Returns 0 to keep the connection, <0 to close it. */
static int
serve_one(struct photod *d, struct photod_client *c)
{
	union {
		unsigned char raw[TC_IPC_MAX_PAYLOAD];
		struct tc_msg_capture_req cap;
	} u;
	int fds[TC_IPC_MAX_FDS];
	size_t nfds = 0;
	char detail[96];
	uint16_t type;
	int rc;

	rc = tc_ipc_recv_fds(c->fd, &type, &u, sizeof(u), 0, fds, &nfds);
	if (rc == -ECONNRESET)
		goto out;
	if (rc != 0) {
		snprintf(detail, sizeof(detail), "malformed message from uid %u: connection closed",
			 (unsigned)c->uid);
		photod_audit(d, c->actor, "ipc.reject", NULL, TC_E_PROTOCOL, detail);
		goto out;
	}
	if (!is_request(type)) {
		/* A well-formed message a client must never send (a reply type). */
		close_fds(fds, nfds);
		snprintf(detail, sizeof(detail), "unexpected %s from uid %u", tc_ipc_type_name(type),
			 (unsigned)c->uid);
		photod_audit(d, c->actor, "ipc.reject", NULL, TC_E_PROTOCOL, detail);
		rc = TC_E_PROTOCOL;
		goto out;
	}
	/* Idle logout first, so a request after the timeout finds nobody logged in. */
	(void)photod_idle_check(d);
	dispatch(d, c, type, &u, fds);
out:
	tc_zeroize(&u, sizeof(u));
	return rc;
}

static void
accept_client(struct photod *d, struct photod_client *cl, int *ncl)
{
	uid_t uid;
	gid_t gid;
	int fd, rc;

	fd = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	rc = tc_ipc_peer(fd, &uid, &gid, NULL);
	if (rc != 0 || (uid != 0 && uid != geteuid() && gid != getegid())) {
		char detail[64];

		snprintf(detail, sizeof(detail), "peer uid %u not allowed", (unsigned)uid);
		photod_audit(d, "photod", "ipc.refuse", NULL, -EPERM, detail);
		close(fd);
		return;
	}
	if (*ncl == MAX_CLIENTS) {
		close(fd);
		return;
	}
	cl[*ncl].fd = fd;
	cl[*ncl].uid = uid;
	cl[*ncl].admin = uid == 0 || uid == geteuid();
	snprintf(cl[*ncl].actor, sizeof(cl[*ncl].actor), "camctl:uid=%u", (unsigned)uid);
	(*ncl)++;
}

int
photod_serve(struct photod *d)
{
	struct photod_client cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 2];
	int ncl = 0, i, n, idle_ms;

	while (!d->stopping) {
		pfd[0] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		for (i = 0; i < ncl; i++)
			pfd[i + 2] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
		idle_ms = photod_preview_timeout(d, photod_idle_check(d));
		n = poll(pfd, (nfds_t)ncl + 2, tc_notify_poll_timeout(idle_ms));
		tc_notify_watchdog();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0) {
			photod_preview_tick(d);
			continue;	/* the idle timer: checked at the top */
		}
		if (pfd[1].revents)
			photod_check_signals(d);
		for (i = ncl - 1; i >= 0 && !d->stopping; i--) {
			if (!pfd[i + 2].revents)
				continue;
			if (serve_one(d, &cl[i]) != 0) {
				photod_preview_gone(d, cl[i].fd);
				close(cl[i].fd);
				cl[i] = cl[--ncl];
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_client(d, cl, &ncl);
		/* After the requests: a shutter press gets the frame the kiosk shows now. */
		photod_preview_tick(d);
	}
	photod_preview_stop(d);
	for (i = 0; i < ncl; i++)
		close(cl[i].fd);
	return 0;
}
