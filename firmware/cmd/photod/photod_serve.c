/*
 * photod_serve.c - photod's socket loop.
 *
 * One thread, poll(2) over the listening socket, the signal fd and up to
 * MAX_CLIENTS connections; requests are served one at a time (a burst
 * holds the loop until it ends, which is what a camera does anyway).
 * Peers are checked with SO_PEERCRED on accept: root, photod's own user
 * or its group.  A message that breaks the protocol (short, long, unknown
 * type) ends that connection and is audited; photod carries on.
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

#define MAX_CLIENTS 16

struct client {
	int fd;
	uid_t uid;
	char actor[48];
};

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

static void
do_status(struct photod *d, int fd)
{
	struct tc_msg_status st;
	struct tc_store_stats ss;

	memset(&st, 0, sizeof(st));
	tc_strlcpy(st.board, CONFIG_BOARD_NAME, sizeof(st.board));
	if (d->cam)
		tc_strlcpy(st.camera, d->cam_id, sizeof(st.camera));
	st.width = d->set.width;
	st.height = d->set.height;
	st.camera_state = d->cam ? 0 : (d->cam_err ? d->cam_err : TC_E_NO_CAMERA);
	if (tc_store_stats(d->store, &ss) == 0) {
		st.photos_total = ss.used_photos;
		st.bytes_total = ss.used_bytes;
		st.unsynced = ss.unsynced;
		st.oldest_unsynced_us = ss.oldest_unsynced_us;
		st.quota_bytes = ss.quota_bytes;
		st.quota_photos = ss.quota_photos;
		if (ss.used_photos >= ss.quota_photos || ss.used_bytes >= ss.quota_bytes)
			tc_strlcpy(st.capture_blocked, "store full: dock the camera to sync",
				   sizeof(st.capture_blocked));
	}
	if (!d->cam && !st.capture_blocked[0])
		snprintf(st.capture_blocked, sizeof(st.capture_blocked), "camera unavailable: %s",
			 tc_strerror(st.camera_state));
	st.captured_since_start = d->captured;
	st.audit_seq = tc_audit_head_seq(d->audit);
	photod_reply(fd, TC_MSG_STATUS, &st, sizeof(st));
}

static void
do_cameras(int fd)
{
	struct tc_camera_info info[8];
	struct tc_msg_camera c;
	struct tc_msg_end end = { 0, 0 };
	size_t n = 0, i, m;

	end.result = tc_camera_list(info, 8, &n);
	for (i = 0; end.result == 0 && i < n && i < 8; i++) {
		memset(&c, 0, sizeof(c));
		tc_strlcpy(c.id, info[i].id, sizeof(c.id));
		tc_strlcpy(c.model, info[i].model, sizeof(c.model));
		tc_strlcpy(c.backend, info[i].backend, sizeof(c.backend));
		for (m = 0; m < info[i].nmodes && m < 8; m++) {
			c.width[m] = info[i].modes[m].width;
			c.height[m] = info[i].modes[m].height;
		}
		c.nmodes = (uint32_t)m;
		if (photod_reply(fd, TC_MSG_CAMERA, &c, sizeof(c)) != 0)
			return;
		end.count++;
	}
	photod_reply(fd, TC_MSG_CAMERAS_END, &end, sizeof(end));
}

struct list_ctx {
	int fd;
	uint32_t count;
};

static int
list_one(void *ctx, const struct tc_store_rec *r)
{
	struct list_ctx *lc = ctx;
	struct tc_msg_photo ph;

	memset(&ph, 0, sizeof(ph));
	memcpy(ph.id, r->id, sizeof(ph.id));
	memcpy(ph.digest, r->digest, sizeof(ph.digest));
	ph.size = r->size;
	ph.created_us = r->created_us;
	ph.state_us = r->state_us;
	tc_strlcpy(ph.state, tc_store_state_name(r->state), sizeof(ph.state));
	if (photod_reply(lc->fd, TC_MSG_PHOTO, &ph, sizeof(ph)) != 0)
		return -EPIPE;
	lc->count++;
	return 0;
}

static void
do_list(struct photod *d, int fd)
{
	struct list_ctx lc = { fd, 0 };
	struct tc_msg_end end;

	end.result = tc_store_list(d->store, list_one, &lc);
	end.count = lc.count;
	if (end.result != -EPIPE)
		photod_reply(fd, TC_MSG_LIST_END, &end, sizeof(end));
}

static void
do_discard(struct photod *d, struct client *c, const struct tc_msg_id *m)
{
	int rc = tc_store_discard(d->store, m->id, c->actor);

	if (rc == 0 || rc == -EBUSY) {
		photod_reply(c->fd, TC_MSG_DISCARDED, m, sizeof(*m));
		return;
	}
	/* The store audits discards it performs; a refused one is audited here. */
	photod_audit(d, c->actor, "discard", m->id, rc, "refused");
	photod_error(c->fd, rc, "", rc == TC_E_STATE ?
		    "only a photo not yet synced can be discarded" : tc_strerror(rc));
}

/* Rule R3: there is no way to take a photo off the device but sync. */
static void
do_export(struct photod *d, struct client *c, const struct tc_msg_id *m)
{
	photod_audit(d, c->actor, "refuse.export", m->id, TC_E_REFUSED,
		     "R3: photos leave the device only to the Trust server");
	photod_error(c->fd, TC_E_REFUSED, "R3",
		    "photos leave the device only to the Trust server, by sync at a dock");
}

/* Serve one request.  Returns 0 to keep the connection, <0 to close it. */
static int
serve_one(struct photod *d, struct client *c)
{
	union {
		unsigned char raw[TC_IPC_MAX_PAYLOAD];
		struct tc_msg_id id;
		struct tc_msg_capture_req cap;
	} u;
	char detail[96];
	uint16_t type;
	int rc;

	rc = tc_ipc_recv(c->fd, &type, &u, sizeof(u), 0);
	if (rc == -ECONNRESET)
		return rc;
	if (rc != 0) {
		snprintf(detail, sizeof(detail), "malformed message from uid %u: connection closed",
			 (unsigned)c->uid);
		photod_audit(d, c->actor, "ipc.reject", NULL, TC_E_PROTOCOL, detail);
		return rc;
	}
	switch (type) {
	case TC_MSG_STATUS_REQ:
		do_status(d, c->fd);
		return 0;
	case TC_MSG_CAMERAS_REQ:
		do_cameras(c->fd);
		return 0;
	case TC_MSG_CAPTURE_REQ:
		photod_capture(d, c->fd, c->actor, u.cap.count);
		return 0;
	case TC_MSG_LIST_REQ:
		do_list(d, c->fd);
		return 0;
	case TC_MSG_DISCARD_REQ:
		do_discard(d, c, &u.id);
		return 0;
	case TC_MSG_EXPORT_REQ:
		do_export(d, c, &u.id);
		return 0;
	default:
		/* A well-formed message a client must never send (a reply type). */
		snprintf(detail, sizeof(detail), "unexpected %s from uid %u", tc_ipc_type_name(type),
			 (unsigned)c->uid);
		photod_audit(d, c->actor, "ipc.reject", NULL, TC_E_PROTOCOL, detail);
		return TC_E_PROTOCOL;
	}
}

static void
accept_client(struct photod *d, struct client *cl, int *ncl)
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
	snprintf(cl[*ncl].actor, sizeof(cl[*ncl].actor), "camctl:uid=%u", (unsigned)uid);
	(*ncl)++;
}

int
photod_serve(struct photod *d)
{
	struct client cl[MAX_CLIENTS];
	struct pollfd pfd[MAX_CLIENTS + 2];
	int ncl = 0, i, n;

	while (!d->stopping) {
		pfd[0] = (struct pollfd){ .fd = d->listen_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->signal_fd, .events = POLLIN };
		for (i = 0; i < ncl; i++)
			pfd[i + 2] = (struct pollfd){ .fd = cl[i].fd, .events = POLLIN };
		n = poll(pfd, (nfds_t)ncl + 2, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (pfd[1].revents)
			photod_check_signals(d);
		for (i = ncl - 1; i >= 0 && !d->stopping; i--) {
			if (!pfd[i + 2].revents)
				continue;
			if (serve_one(d, &cl[i]) != 0) {
				close(cl[i].fd);
				cl[i] = cl[--ncl];
			}
		}
		if (pfd[0].revents & POLLIN)
			accept_client(d, cl, &ncl);
	}
	for (i = 0; i < ncl; i++)
		close(cl[i].fd);
	return 0;
}
