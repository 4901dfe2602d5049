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
 *
 * A few requests carry open file descriptors (SCM_RIGHTS): provisioning
 * files that camctl opened with the caller's own permissions.  The table
 * also fixes how many descriptors each type carries; a message with any
 * other number is a protocol error and every descriptor it brought is
 * closed before the error is returned.
 */
#ifndef TC_IPC_H
#define TC_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_err.h"

#define TC_IPC_VERSION 5
#define TC_IPC_SOCKET_NAME "photod.sock"
#define TC_IPC_TEXT_MAX 200
#define TC_IPC_ID_LEN 16	/* photo id */
#define TC_IPC_MAX_BURST 100
#define TC_IPC_NAME_MAX 64	/* staff, event, pupil and device ids incl. NUL (= TC_META_ID_MAX) */
#define TC_IPC_PIN_MAX 16	/* a PIN is 4..12 digits; incl. NUL */
#define TC_IPC_MAX_PUPILS 16	/* pupil refs one capture request may tag */
#define TC_IPC_CHUNK 512	/* bytes of text per CSR chunk */
#define TC_IPC_MAX_FDS 3	/* descriptors one message may carry */
#define TC_IPC_MAX_PLATFORMS 16	/* platform names per pupil (= TC_META_MAX_PLATFORMS) */
#define TC_IPC_ROSTER_PAGE 256	/* most roster rows one request returns */
#define TC_IPC_LABEL_MAX 48	/* a roster display label incl. NUL (= TC_POLICY_LABEL_MAX) */

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
	/* version 2: provisioning, staff login, events (issue 5) */
	TC_MSG_OK,		/* d->c  struct tc_msg_ok: a request without a list succeeded */
	TC_MSG_PROVISION_REQ,	/* c->d  (empty): make the identity key if needed, send its CSR */
	TC_MSG_CSR_CHUNK,	/* d->c  struct tc_msg_chunk, as many as the PEM needs */
	TC_MSG_CSR_END,		/* d->c  struct tc_msg_csr_end */
	TC_MSG_INSTALL_REQ,	/* c->d  (empty) + 3 fds: certificate, Trust CA, policy bundle */
	TC_MSG_POLICY_REQ,	/* c->d  (empty) + 1 fd: a newer policy bundle */
	TC_MSG_WIPE_REQ,	/* c->d  struct tc_msg_wipe_req */
	TC_MSG_LOGIN_REQ,	/* c->d  struct tc_msg_login_req (the PIN is wiped after use) */
	TC_MSG_LOGOUT_REQ,	/* c->d  (empty) */
	TC_MSG_EVENT_SET_REQ,	/* c->d  struct tc_msg_event_req */
	TC_MSG_EVENT_CLEAR_REQ,	/* c->d  (empty) */
	TC_MSG_EVENTS_REQ,	/* c->d  (empty) */
	TC_MSG_EVENT,		/* d->c  struct tc_msg_event, one per event in the policy */
	TC_MSG_EVENTS_END,	/* d->c  struct tc_msg_end */
	/* version 3: the kiosk's staff picker and tagging screen (issue 14) */
	TC_MSG_STAFF_REQ,	/* c->d  (empty): the staff ids the policy lets log in */
	TC_MSG_STAFF,		/* d->c  struct tc_msg_staff, one per staff member */
	TC_MSG_STAFF_END,	/* d->c  struct tc_msg_end */
	TC_MSG_ROSTER_REQ,	/* c->d  struct tc_msg_roster_req: needs a staff login */
	TC_MSG_PUPIL,		/* d->c  struct tc_msg_pupil, one per roster row (v4: + label) */
	TC_MSG_ROSTER_END,	/* d->c  struct tc_msg_end */
	TC_MSG_PREVIEW_START_REQ, /* c->d  (empty): needs a staff login; stops at logout */
	TC_MSG_PREVIEW_RING,	/* d->c  struct tc_msg_preview_ring + 1 fd: the memfd (tc_preview.h) */
	TC_MSG_PREVIEW_FRAME,	/* d->c  struct tc_msg_preview_frame: one per frame written */
	TC_MSG_PREVIEW_STOP_REQ, /* c->d  (empty) -> OK */
	/* version 5: the lockdown's USB refusals in the audit log (issue 16) */
	TC_MSG_USB_REFUSED_REQ,	/* c->d  struct tc_msg_usb_refused: root only -> OK */
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
	uint32_t n_pupils;	/* 0..TC_IPC_MAX_PUPILS: 0 = untagged, tagged at review */
	char pupils[TC_IPC_MAX_PUPILS][TC_IPC_NAME_MAX];	/* pseudonymous refs (rule R5) */
};

struct tc_msg_ok {
	int32_t result;		/* 0 */
	uint32_t reserved;	/* 0 */
	uint64_t count;		/* wipe: photos destroyed; else 0 */
	char text[TC_IPC_TEXT_MAX];	/* one line for the operator */
};

struct tc_msg_chunk {
	uint32_t len;		/* 1..TC_IPC_CHUNK bytes of data used */
	char data[TC_IPC_CHUNK];	/* not NUL-terminated */
};

struct tc_msg_csr_end {
	int32_t result;		/* 0 */
	uint32_t count;		/* chunks sent */
	uint32_t total;		/* bytes sent in them */
	char device_id[TC_IPC_NAME_MAX];	/* the CSR's CN */
};

struct tc_msg_wipe_req {
	uint32_t force;		/* 1: destroy unsynced photos too (audited with the count) */
};

struct tc_msg_login_req {
	char staff[TC_IPC_NAME_MAX];
	char pin[TC_IPC_PIN_MAX];	/* digits; both ends wipe it after use */
};

struct tc_msg_event_req {
	char id[TC_IPC_NAME_MAX];
};

struct tc_msg_event {
	char id[TC_IPC_NAME_MAX];
	char name[128];
	char date[16];		/* YYYY-MM-DD */
	uint32_t selected;	/* 1 for the event chosen now */
};

struct tc_msg_staff {
	char id[TC_IPC_NAME_MAX];
};

struct tc_msg_roster_req {
	uint32_t first;		/* row to start at */
	uint32_t max;		/* rows wanted, 1..TC_IPC_ROSTER_PAGE */
};

/*
 * One pupil's consent: a pseudonymous ref, the platforms it allows and,
 * since version 4, the display label the Trust sealed into the policy
 * ("" when none).  Like the whole roster it is sent only to a logged-in
 * session; the kiosk shows the label on its tagging screen only and
 * forgets it at logout and idle lock.  Capture requests still name the
 * ref: a label never travels back.
 */
struct tc_msg_pupil {
	char ref[TC_IPC_NAME_MAX];
	uint32_t row;		/* index in the roster */
	uint32_t n_platforms;	/* 0..TC_IPC_MAX_PLATFORMS: 0 = no consent */
	char platforms[TC_IPC_MAX_PLATFORMS][TC_IPC_NAME_MAX];
	char label[TC_IPC_LABEL_MAX];	/* UTF-8, no control characters, or "" */
};

struct tc_msg_preview_ring {
	uint32_t width, height;	/* of each frame, RGB24 */
	uint32_t nslots;
	uint32_t reserved;
};

struct tc_msg_preview_frame {
	uint32_t slot;		/* 0..nslots-1 */
	uint32_t reserved;
	uint64_t seq;		/* the camera's frame number (the photo's frame_seq) */
};

/*
 * A USB interface the lockdown's udev rule de-authorised, as the device
 * described itself (sysfs, read by `camctl usb-refused` as root): outside
 * data.  photod records the refusal whatever the description holds, and
 * each field only if it has the form below, else as "invalid".
 */
struct tc_msg_usb_refused {
	uint32_t iface_class;	/* bInterfaceClass: 0x08 mass storage, 0x06 still image */
	uint32_t reserved;	/* 0 */
	char iface[32];		/* kernel name, e.g. "1-1:1.0" */
	char vendor[8];		/* idVendor, 4 lower-case hex digits */
	char product_id[8];	/* idProduct, 4 lower-case hex digits */
	char product[64];	/* the product string, printable ASCII, or "" */
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
	/* version 2 */
	int32_t blocked_code;	/* 0, or the code capture would be refused with */
	char blocked_rule[8];	/* the rule it cites ("R1", ...), or "" */
	uint32_t provisioned;	/* 1 once a certificate is installed */
	char device_id[TC_IPC_NAME_MAX];	/* "" before provision request */
	char device_class[16];	/* "trust-owned", "approved", or "" without a policy */
	uint64_t policy_version;	/* 0 without a valid policy */
	int64_t policy_expires;	/* unix seconds; 0 without a valid policy */
	int32_t policy_state;	/* 0 valid, else why not (TC_E_POLICY_*, TC_E_NO_POLICY, ...) */
	uint32_t require_event;	/* the policy's rule */
	char staff[TC_IPC_NAME_MAX];	/* logged in, or "" */
	char event[TC_IPC_NAME_MAX];	/* chosen, or "" */
	int64_t last_sync;	/* unix seconds; 0 before the first sync, -1 unreadable */
	int64_t login_locked_until;	/* unix seconds; 0 when login is open */
	int64_t now;		/* photod's clock, unix seconds, for the ages above */
	/* version 3 */
	char firmware[64];	/* photod's firmware version (tc_version()) */
	char model[64];		/* the device model (tc_model()) */
	char keystore[16];	/* the keystore backend holding the keys: "file" or "tpm" */
};

/* Expected payload length of a type, or -1 for an unknown type. */
ssize_t tc_ipc_payload_len(uint16_t type);
/* How many descriptors a type carries (0 for most, and for unknown types). */
size_t tc_ipc_fd_count(uint16_t type);
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
 * Send one message.  len must be tc_ipc_payload_len(type) and the type
 * must carry no descriptors (else -EINVAL, nothing sent).  Returns 0 or a
 * negative errno (-EPIPE: peer gone).  The copy of the payload made for
 * sending is wiped (a login request holds a PIN).
 */
int tc_ipc_send(int fd, uint16_t type, const void *payload, size_t len) TC_MUST_CHECK;
/* The same with descriptors: nfds must be exactly tc_ipc_fd_count(type). */
int tc_ipc_send_fds(int fd, uint16_t type, const void *payload, size_t len, const int *fds,
		    size_t nfds) TC_MUST_CHECK;

/*
 * Receive one message, waiting up to timeout_ms (negative: forever).
 * On success *type is set and exactly tc_ipc_payload_len(*type) bytes are
 * in payload (cap must be at least that: TC_IPC_MAX_PAYLOAD suffices).
 * Returns 0, -ECONNRESET (peer closed), -ETIMEDOUT, or -EPROTO (short,
 * long, wrong version, unknown type, header length mismatch, or any
 * descriptor attached: they are closed).
 */
int tc_ipc_recv(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms) TC_MUST_CHECK;
/*
 * The same, accepting descriptors: fds has room for TC_IPC_MAX_FDS.  On
 * success *nfds == tc_ipc_fd_count(*type) and the caller owns (and must
 * close) fds[0..*nfds).  A message with a different number of
 * descriptors, or a truncated control message, is -EPROTO; on every error
 * no received descriptor is left open.  Descriptors arrive close-on-exec.
 */
int tc_ipc_recv_fds(int fd, uint16_t *type, void *payload, size_t cap, int timeout_ms,
		    int *fds, size_t *nfds) TC_MUST_CHECK;

#define TC_IPC_MAX_PAYLOAD 2048

/* The connected peer's credentials (SO_PEERCRED). */
int tc_ipc_peer(int fd, uid_t *uid, gid_t *gid, pid_t *pid) TC_MUST_CHECK;

#endif /* TC_IPC_H */
