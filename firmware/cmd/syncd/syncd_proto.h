/*
 * syncd_proto.h - the small typed protocol between camctl and syncd over
 * RUN/syncd.sock (SOCK_SEQPACKET), after firmware/ipc: a fixed header and
 * a payload whose length is exactly the one its type has; anything else
 * ends the connection.  Status only: no message carries photo bytes.
 */
#ifndef SYNCD_PROTO_H
#define SYNCD_PROTO_H

#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#define SYNCD_SOCKET_NAME "syncd.sock"
#define SYNCD_PROTO_VERSION 1
#define SYNCD_TEXT_MAX 200
/* What a device the server refuses as revoked (or never enrolled) is told. */
#define SYNCD_REVOKED_TEXT "refused by the Trust server: this device may be revoked"

enum syncd_msg_type {
	SYNCD_MSG_STATUS_REQ = 1,	/* c->d  (empty) */
	SYNCD_MSG_SYNC_REQ,		/* c->d  (empty): start a sync pass now */
	SYNCD_MSG_STATUS,		/* d->c  struct syncd_status */
};

enum syncd_state { SYNCD_IDLE = 0, SYNCD_SYNCING = 1, SYNCD_BACKOFF = 2 };

struct syncd_msg_hdr {
	uint16_t type;
	uint16_t version;
	uint32_t len;
};

struct syncd_status {
	uint32_t state;			/* enum syncd_state */
	uint32_t docked, power, link;	/* 1 or 0 */
	uint64_t passes_started;	/* sync passes begun since start */
	uint64_t passes_done;		/* ... and finished (ok or not) */
	uint64_t wait_pass;		/* SYNC_REQ reply: done once passes_done >= this */
	int32_t last_result;		/* of the last finished pass: 0 or a negative code */
	uint32_t failures;		/* consecutive failed passes */
	uint64_t photos_done, photos_total;	/* this (or the last) pass */
	uint64_t bytes_done, bytes_total;
	uint64_t deleted;		/* securely deleted in this pass */
	uint64_t rate_bps;		/* bytes/s over the pass so far */
	int64_t pass_started, last_progress, last_ok, next_retry, now;	/* unix seconds */
	uint64_t pending;		/* captured + uploading in the store */
	uint64_t receipted;		/* receipted, waiting for delete (grace) */
	char last_error[SYNCD_TEXT_MAX];	/* "" if none */
	char device_id[64];
	uint64_t fw_release;		/* the running image's release (0: not known) */
	char update[SYNCD_TEXT_MAX];	/* the last firmware update step, "" if none */
};

/*
 * Receive one client request from fd (readable): 0 and *type, or -EPROTO
 * for anything but a bare header of this version (a request carries no
 * payload; MSG_TRUNC gives a longer message's real length), -ECONNRESET
 * when the peer closed.  The type itself is the caller's to check.  Here
 * rather than in syncd_serve.c so the fuzz harness decodes with it too.
 */
static inline int
syncd_recv_request(int fd, uint16_t *type)
{
	struct syncd_msg_hdr h;
	ssize_t n = recv(fd, &h, sizeof(h), MSG_TRUNC | MSG_DONTWAIT);

	if (n == 0)
		return -ECONNRESET;
	if (n != (ssize_t)sizeof(h) || h.version != SYNCD_PROTO_VERSION || h.len != 0)
		return -EPROTO;
	*type = h.type;
	return 0;
}

/* A pass with no progress for this many seconds is reported as stalled. */
#define SYNCD_STALL_SECS 15

#endif /* SYNCD_PROTO_H */
