/*
 * tc_ipc.c - framing, exact length and descriptor-count checks and peer
 * credentials for the photod socket protocol (see tc_ipc.h).
 *
 * SOCK_SEQPACKET keeps message boundaries, so one recvmsg() is one
 * message; MSG_TRUNC reports the real length of an overlong one and
 * MSG_CTRUNC a control message (descriptors) that did not fit.
 */
#define _GNU_SOURCE /* struct ucred */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_secmem.h"

_Static_assert(sizeof(struct tc_msg_status) <= TC_IPC_MAX_PAYLOAD, "status fits");
_Static_assert(sizeof(struct tc_msg_camera) <= TC_IPC_MAX_PAYLOAD, "camera fits");
_Static_assert(sizeof(struct tc_msg_error) <= TC_IPC_MAX_PAYLOAD, "error fits");
_Static_assert(sizeof(struct tc_msg_capture_req) <= TC_IPC_MAX_PAYLOAD, "capture fits");
_Static_assert(sizeof(struct tc_msg_chunk) <= TC_IPC_MAX_PAYLOAD, "chunk fits");
_Static_assert(sizeof(struct tc_msg_event) <= TC_IPC_MAX_PAYLOAD, "event fits");
_Static_assert(sizeof(struct tc_msg_ok) <= TC_IPC_MAX_PAYLOAD, "ok fits");

static const struct {
	const char *name;
	size_t len;
	size_t nfds;
} msg_table[TC_MSG_TYPE_MAX] = {
	[TC_MSG_ERROR] = { "error", sizeof(struct tc_msg_error) },
	[TC_MSG_STATUS_REQ] = { "status-req", 0 },
	[TC_MSG_STATUS] = { "status", sizeof(struct tc_msg_status) },
	[TC_MSG_CAMERAS_REQ] = { "cameras-req", 0 },
	[TC_MSG_CAMERA] = { "camera", sizeof(struct tc_msg_camera) },
	[TC_MSG_CAMERAS_END] = { "cameras-end", sizeof(struct tc_msg_end) },
	[TC_MSG_CAPTURE_REQ] = { "capture-req", sizeof(struct tc_msg_capture_req) },
	[TC_MSG_CAPTURED] = { "captured", sizeof(struct tc_msg_photo) },
	[TC_MSG_CAPTURE_END] = { "capture-end", sizeof(struct tc_msg_end) },
	[TC_MSG_LIST_REQ] = { "list-req", 0 },
	[TC_MSG_PHOTO] = { "photo", sizeof(struct tc_msg_photo) },
	[TC_MSG_LIST_END] = { "list-end", sizeof(struct tc_msg_end) },
	[TC_MSG_DISCARD_REQ] = { "discard-req", sizeof(struct tc_msg_id) },
	[TC_MSG_DISCARDED] = { "discarded", sizeof(struct tc_msg_id) },
	[TC_MSG_EXPORT_REQ] = { "export-req", sizeof(struct tc_msg_id) },
	[TC_MSG_OK] = { "ok", sizeof(struct tc_msg_ok) },
	[TC_MSG_PROVISION_REQ] = { "provision-req", 0 },
	[TC_MSG_CSR_CHUNK] = { "csr-chunk", sizeof(struct tc_msg_chunk) },
	[TC_MSG_CSR_END] = { "csr-end", sizeof(struct tc_msg_csr_end) },
	[TC_MSG_INSTALL_REQ] = { "install-req", 0, 3 },
	[TC_MSG_POLICY_REQ] = { "policy-req", 0, 1 },
	[TC_MSG_WIPE_REQ] = { "wipe-req", sizeof(struct tc_msg_wipe_req) },
	[TC_MSG_LOGIN_REQ] = { "login-req", sizeof(struct tc_msg_login_req) },
	[TC_MSG_LOGOUT_REQ] = { "logout-req", 0 },
	[TC_MSG_EVENT_SET_REQ] = { "event-set-req", sizeof(struct tc_msg_event_req) },
	[TC_MSG_EVENT_CLEAR_REQ] = { "event-clear-req", 0 },
	[TC_MSG_EVENTS_REQ] = { "events-req", 0 },
	[TC_MSG_EVENT] = { "event", sizeof(struct tc_msg_event) },
	[TC_MSG_EVENTS_END] = { "events-end", sizeof(struct tc_msg_end) },
	[TC_MSG_STAFF_REQ] = { "staff-req", 0 },
	[TC_MSG_STAFF] = { "staff", sizeof(struct tc_msg_staff) },
	[TC_MSG_STAFF_END] = { "staff-end", sizeof(struct tc_msg_end) },
	[TC_MSG_ROSTER_REQ] = { "roster-req", sizeof(struct tc_msg_roster_req) },
	[TC_MSG_PUPIL] = { "pupil", sizeof(struct tc_msg_pupil) },
	[TC_MSG_ROSTER_END] = { "roster-end", sizeof(struct tc_msg_end) },
	[TC_MSG_PREVIEW_START_REQ] = { "preview-start-req", 0 },
	[TC_MSG_PREVIEW_RING] = { "preview-ring", sizeof(struct tc_msg_preview_ring), 1 },
	[TC_MSG_PREVIEW_FRAME] = { "preview-frame", sizeof(struct tc_msg_preview_frame) },
	[TC_MSG_PREVIEW_STOP_REQ] = { "preview-stop-req", 0 },
	[TC_MSG_USB_REFUSED_REQ] = { "usb-refused-req", sizeof(struct tc_msg_usb_refused) },
};

ssize_t
tc_ipc_payload_len(uint16_t type)
{
	if (type == 0 || type >= TC_MSG_TYPE_MAX || !msg_table[type].name)
		return -1;
	return (ssize_t)msg_table[type].len;
}

size_t
tc_ipc_fd_count(uint16_t type)
{
	return tc_ipc_payload_len(type) < 0 ? 0 : msg_table[type].nfds;
}

const char *
tc_ipc_type_name(uint16_t type)
{
	return tc_ipc_payload_len(type) < 0 ? "unknown" : msg_table[type].name;
}

bool
tc_ipc_str_ok(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		if (s[i] == '\0')
			return true;
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	}
	return false;
}

static int
fill_addr(struct sockaddr_un *sa, const char *path)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (tc_strlcpy(sa->sun_path, path, sizeof(sa->sun_path)) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

int
tc_ipc_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd, rc;

	if ((rc = fill_addr(&sa, path)) != 0)
		return rc;
	/*
	 * Replace a stale socket, never any other kind of file, and never the
	 * socket of a daemon that still answers.
	 */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		fd = tc_ipc_connect(path);
		if (fd >= 0) {
			close(fd);
			return -EADDRINUSE;
		}
		if (unlink(path) != 0)
			return -errno;
	}
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, 0660) != 0 || listen(fd, 16) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
tc_ipc_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, rc;

	if ((rc = fill_addr(&sa, path)) != 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int
tc_ipc_send_fds(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		size_t nfds)
{
	unsigned char buf[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];
	union {
		struct cmsghdr align;
		unsigned char raw[CMSG_SPACE(sizeof(int) * TC_IPC_MAX_FDS)];
	} ctl;
	struct iovec iov;
	struct msghdr mh;
	struct cmsghdr *cm;
	struct tc_msg_hdr h;
	ssize_t want = tc_ipc_payload_len(type), n;

	if (want < 0 || (size_t)want != len || (len && !payload) ||
	    nfds != tc_ipc_fd_count(type) || (nfds && !fds))
		return -EINVAL;
	h.type = type;
	h.version = TC_IPC_VERSION;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	iov.iov_base = buf;
	iov.iov_len = sizeof(h) + len;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.raw;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	n = n < 0 ? -errno : n;
	tc_zeroize(buf, sizeof(h) + len);
	if (n < 0)
		return (int)n;
	return (size_t)n == sizeof(h) + len ? 0 : -EIO;
}

int
tc_ipc_send(int fd, uint16_t type, const void *payload, size_t len)
{
	return tc_ipc_send_fds(fd, type, payload, len, NULL, 0);
}

static void
close_all(int *fds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		close(fds[i]);
}

/*
 * Collect the SCM_RIGHTS descriptors of mh into fds (room for
 * TC_IPC_MAX_FDS).  Anything else in the control data, or more
 * descriptors than fit, closes what arrived and fails.
 */
static int
take_fds(struct msghdr *mh, int *fds, size_t *nfds)
{
	struct cmsghdr *cm;
	size_t k, n = 0, bad = 0;
	int tmp;

	for (cm = CMSG_FIRSTHDR(mh); cm; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS ||
		    cm->cmsg_len < CMSG_LEN(0)) {
			bad = 1;
			continue;
		}
		for (k = 0; k < (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int); k++) {
			memcpy(&tmp, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
			if (n < TC_IPC_MAX_FDS)
				fds[n++] = tmp;
			else {
				close(tmp);
				bad = 1;
			}
		}
	}
	*nfds = n;
	if (bad || (mh->msg_flags & MSG_CTRUNC)) {
		close_all(fds, n);
		*nfds = 0;
		return -EPROTO;
	}
	return 0;
}

int
tc_ipc_recv_fds(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms, int *fds,
		size_t *nfds)
{
	unsigned char buf[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];
	union {
		struct cmsghdr align;
		unsigned char raw[CMSG_SPACE(sizeof(int) * TC_IPC_MAX_FDS)];
	} ctl;
	int got[TC_IPC_MAX_FDS];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	struct msghdr mh;
	struct tc_msg_hdr h;
	size_t ngot = 0;
	ssize_t n, want;
	int rc;

	if (nfds)
		*nfds = 0;
	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.raw;
	mh.msg_controllen = sizeof(ctl.raw);
	do {
		/* MSG_TRUNC: n is the real length even if the message was longer. */
		n = recvmsg(fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? -ECONNRESET : -errno;
	if ((rc = take_fds(&mh, got, &ngot)) != 0)
		goto out;
	rc = -EPROTO;
	if (n == 0) {
		rc = -ECONNRESET;
		goto out;
	}
	if ((size_t)n < sizeof(h) || (size_t)n > sizeof(buf))
		goto out;
	memcpy(&h, buf, sizeof(h));
	want = tc_ipc_payload_len(h.type);
	if (h.version != TC_IPC_VERSION || want < 0 || h.len != (uint32_t)want ||
	    (size_t)n != sizeof(h) + (size_t)want || (size_t)want > cap)
		goto out;
	/* Exactly the descriptors this type carries, and only to a caller that takes them. */
	if (ngot != tc_ipc_fd_count(h.type) || (ngot && (!fds || !nfds)))
		goto out;
	*type = h.type;
	if (want)
		memcpy(payload, buf + sizeof(h), (size_t)want);
	if (ngot) {
		memcpy(fds, got, ngot * sizeof(int));
		*nfds = ngot;
		ngot = 0;
	}
	rc = 0;
out:
	close_all(got, ngot);
	tc_zeroize(buf, sizeof(buf));
	return rc;
}

int
tc_ipc_recv(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms)
{
	return tc_ipc_recv_fds(fd, type, payload, cap, timeout_ms, NULL, NULL);
}

int
tc_ipc_peer(int fd, uid_t *uid, gid_t *gid, pid_t *pid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -errno;
	if (uid)
		*uid = cr.uid;
	if (gid)
		*gid = cr.gid;
	if (pid)
		*pid = cr.pid;
	return 0;
}
