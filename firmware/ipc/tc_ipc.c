/*
 * tc_ipc.c - framing, exact length checks and peer credentials for the
 * photod socket protocol (see tc_ipc.h).
 *
 * SOCK_SEQPACKET keeps message boundaries, so one recvmsg() is one
 * message; MSG_TRUNC reports the real length of an overlong one.
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

_Static_assert(sizeof(struct tc_msg_status) <= TC_IPC_MAX_PAYLOAD, "status fits");
_Static_assert(sizeof(struct tc_msg_camera) <= TC_IPC_MAX_PAYLOAD, "camera fits");
_Static_assert(sizeof(struct tc_msg_error) <= TC_IPC_MAX_PAYLOAD, "error fits");

static const struct {
	const char *name;
	size_t len;
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
};

ssize_t
tc_ipc_payload_len(uint16_t type)
{
	if (type == 0 || type >= TC_MSG_TYPE_MAX || !msg_table[type].name)
		return -1;
	return (ssize_t)msg_table[type].len;
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
tc_ipc_send(int fd, uint16_t type, const void *payload, size_t len)
{
	unsigned char buf[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];
	struct tc_msg_hdr h;
	ssize_t want = tc_ipc_payload_len(type), n;

	if (want < 0 || (size_t)want != len || (len && !payload))
		return -EINVAL;
	h.type = type;
	h.version = TC_IPC_VERSION;
	h.len = (uint32_t)len;
	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), payload, len);
	do {
		n = send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + len ? 0 : -EIO;
}

int
tc_ipc_recv(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms)
{
	unsigned char buf[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct tc_msg_hdr h;
	ssize_t n, want;
	int rc;

	do {
		rc = poll(&pfd, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -ETIMEDOUT;
	do {
		/* MSG_TRUNC: n is the real length even if the message was longer. */
		n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? -ECONNRESET : -errno;
	if (n == 0)
		return -ECONNRESET;
	if ((size_t)n < sizeof(h) || (size_t)n > sizeof(buf))
		return -EPROTO;
	memcpy(&h, buf, sizeof(h));
	want = tc_ipc_payload_len(h.type);
	if (h.version != TC_IPC_VERSION || want < 0 || h.len != (uint32_t)want ||
	    (size_t)n != sizeof(h) + (size_t)want || (size_t)want > cap)
		return -EPROTO;
	*type = h.type;
	if (want)
		memcpy(payload, buf + sizeof(h), (size_t)want);
	return 0;
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
