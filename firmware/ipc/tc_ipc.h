/*
 * tc_ipc.h - the typed message protocol between camctl (and later the
 * kiosk UI and syncd) and photod, over a Unix SOCK_SEQPACKET socket in the
 * run directory.
 *
 * After OpenBSD's imsg: every message is a fixed header and a payload
 * whose length is exactly the one this table gives for its type.  The
 * receiver checks the length the kernel delivered (MSG_TRUNC catches an
 * overlong message), the header's length and the type's expected length;
 * any mismatch or an unknown type is a protocol error, and the daemon
 * ends that connection.  Strings are fixed arrays and must be
 * NUL-terminated inside their array (tc_ipc_str_ok).  No message carries
 * photo bytes, and none can: there is no such type.
 *
 * Both ends are built from this header, so the layouts are native-endian
 * structs; TC_IPC_VERSION changes whenever a layout does.
 */
#ifndef TC_IPC_H
#define TC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_err.h"

#define TC_IPC_VERSION 1
#define TC_IPC_SOCKET_NAME "photod.sock"
#define TC_IPC_TEXT_MAX 200
#define TC_IPC_ID_LEN 16	/* photo id */
#define TC_IPC_MAX_BURST 100

enum tc_msg_type {
	TC_MSG_ERROR = 1,	/* d->c  struct tc_msg_error: a refusal or failure */
	TC_MSG_STATUS_REQ,	/* c->d  (empty) */
	TC_MSG_STATUS,		/* d->c  struct tc_msg_status */
	TC_MSG_CAMERAS_REQ,	/* c->d  (empty) */
	TC_MSG_CAMERA,		/* d->c  struct tc_msg_camera, one per camera */
	TC_MSG_CAMERAS_END,	/* d->c  struct tc_msg_end */
	TC_MSG_CAPTURE_REQ,	/* c->d  struct tc_msg_capture_req */
	TC_MSG_CAPTURED,	/* d->c  struct tc_msg_photo, one per photo sealed */
	TC_MSG_CAPTURE_END,	/* d->c  struct tc_msg_end */
	TC_MSG_LIST_REQ,	/* c->d  (empty) */
	TC_MSG_PHOTO,		/* d->c  struct tc_msg_photo, one per photo */
	TC_MSG_LIST_END,	/* d->c  struct tc_msg_end */
	TC_MSG_DISCARD_REQ,	/* c->d  struct tc_msg_id */
	TC_MSG_DISCARDED,	/* d->c  struct tc_msg_id */
	TC_MSG_EXPORT_REQ,	/* c->d  struct tc_msg_id: always refused (R3) and audited */
	TC_MSG_TYPE_MAX
};

struct tc_msg_hdr {
	uint16_t type;
	uint16_t version;
	uint32_t len;		/* payload bytes after this header */
};

struct tc_msg_error {
	int32_t code;		/* negative, tc_err.h */
	char rule[8];		/* "R3", or "" */
	char text[TC_IPC_TEXT_MAX];
};

struct tc_msg_end {
	int32_t result;		/* 0, or why the sequence ended early */
	uint32_t count;		/* items sent before this */
};

struct tc_msg_id {
	uint8_t id[TC_IPC_ID_LEN];
};

struct tc_msg_capture_req {
	uint32_t count;		/* 1..TC_IPC_MAX_BURST */
};

struct tc_msg_photo {
	uint8_t id[TC_IPC_ID_LEN];
	uint8_t digest[32];	/* SHA-256 of the sealed object */
	uint64_t size;		/* sealed bytes */
	uint64_t created_us;
	uint64_t state_us;	/* when it entered its state */
	char state[16];		/* "captured", "uploading", ... */
	uint64_t latency_us;	/* TC_MSG_CAPTURED: frame ready -> durable */
};

struct tc_msg_camera {
	char id[128];
	char model[64];
	char backend[16];
	uint32_t nmodes;
	uint32_t width[8], height[8];
};

struct tc_msg_status {
	char board[32];
	char camera[128];	/* the open camera's id, or "" */
	uint32_t width, height;
	int32_t camera_state;	/* 0 ready, else the error that took it away */
	uint64_t photos_total, bytes_total;	/* not yet deleted or discarded */
	uint64_t unsynced, oldest_unsynced_us;	/* oldest: 0 when none */
	uint64_t quota_bytes, quota_photos;
	uint64_t captured_since_start;
	uint64_t audit_seq;
	char capture_blocked[TC_IPC_TEXT_MAX];	/* "" when capture is allowed */
};

/* Expected payload length of a type, or -1 for an unknown type. */
ssize_t tc_ipc_payload_len(uint16_t type);
const char *tc_ipc_type_name(uint16_t type);

/* Whether s holds a NUL within its size bytes and only printable characters before it. */
bool tc_ipc_str_ok(const char *s, size_t size);

/*
 * Bind and listen on path (a stale socket file is replaced), mode 0660.
 * Returns a listening SOCK_SEQPACKET fd or a negative errno.
 */
int tc_ipc_listen(const char *path) TC_MUST_CHECK;
/* Connect to path.  Returns the fd or a negative errno. */
int tc_ipc_connect(const char *path) TC_MUST_CHECK;

/*
 * Send one message.  len must be tc_ipc_payload_len(type) (else -EINVAL,
 * nothing sent).  Returns 0 or a negative errno (-EPIPE: peer gone).
 */
int tc_ipc_send(int fd, uint16_t type, const void *payload, size_t len) TC_MUST_CHECK;

/*
 * Receive one message, waiting up to timeout_ms (negative: forever).
 * On success *type is set and exactly tc_ipc_payload_len(*type) bytes are
 * in payload (cap must be at least that: TC_IPC_MAX_PAYLOAD suffices).
 * Returns 0, -ECONNRESET (peer closed), -ETIMEDOUT, or -EPROTO (short,
 * long, wrong version, unknown type, header length mismatch).
 */
int tc_ipc_recv(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms) TC_MUST_CHECK;

#define TC_IPC_MAX_PAYLOAD 512

/* The connected peer's credentials (SO_PEERCRED). */
int tc_ipc_peer(int fd, uid_t *uid, gid_t *gid, pid_t *pid) TC_MUST_CHECK;

#endif /* TC_IPC_H */
