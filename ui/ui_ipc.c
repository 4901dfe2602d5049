/*
 * ui_ipc.c - see ui_ipc.h.  Receives use a zero timeout; sends are small
 * datagrams on a SEQPACKET socket whose buffer holds them.  The login
 * request's copy of the PIN is wiped as soon as it is sent.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"
#include "ui_ipc.h"

#define RETRY_MS 1000

void
ui_ipc_init(struct ui_ipc *io, const char *run_dir)
{
	memset(io, 0, sizeof(*io));
	io->fd = -1;
	snprintf(io->path, sizeof(io->path), "%s/%s", run_dir, TC_IPC_SOCKET_NAME);
}

/* Forget the ring: the model first lets go of the frame it points at. */
static void
ring_drop(struct ui_ipc *io, struct ui_model *m, int64_t now_ms)
{
	struct ui_event ev = { .type = UI_EV_FRAME, .now_ms = now_ms };

	if (!io->frame && !io->ring.hdr)
		return;
	ui_update(m, &ev);
	tc_preview_unmap(&io->ring);
	free(io->frame);
	io->frame = NULL;
}

/* A new ring from photod (its descriptor is closed here; the mapping stays). */
static int
ring_take(struct ui_ipc *io, struct ui_model *m, int fd, int64_t now_ms)
{
	int rc;

	ring_drop(io, m, now_ms);
	rc = tc_preview_attach(fd, &io->ring);
	close(fd);
	if (rc != 0)
		return rc;
	io->frame = malloc((size_t)io->ring.width * io->ring.height * 3);
	if (!io->frame) {
		tc_preview_unmap(&io->ring);
		return -ENOMEM;
	}
	io->frames_in = io->frames_torn = io->first_seq = io->last_seq = 0;
	return 0;
}

/* A frame notification: copy the slot and show it. */
static void
frame_in(struct ui_ipc *io, struct ui_model *m, const struct tc_msg_preview_frame *f,
	 int64_t now_ms)
{
	struct ui_event ev = { .type = UI_EV_FRAME, .now_ms = now_ms };
	uint64_t seq;

	io->frames_in++;
	if (!io->frame || tc_preview_read(&io->ring, f->slot, io->frame, &seq) != 0) {
		io->frames_torn++;
		return;
	}
	if (!io->first_seq)
		io->first_seq = seq;
	io->last_seq = seq;
	ev.frame_seq = seq;
	ev.frame = io->frame;
	ev.frame_w = (int)io->ring.width;
	ev.frame_h = (int)io->ring.height;
	ui_update(m, &ev);
}

static void
down(struct ui_ipc *io, struct ui_model *m, int64_t now_ms)
{
	struct ui_event ev = { .type = UI_EV_DISCONNECTED, .now_ms = now_ms };

	ring_drop(io, m, now_ms);
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
	io->retry_ms = now_ms + RETRY_MS;
	if (!io->told_down) {
		io->told_down = true;
		ui_update(m, &ev);
	}
}

int
ui_ipc_pump(struct ui_ipc *io, struct ui_model *m, int64_t now_ms)
{
	unsigned char buf[TC_IPC_MAX_PAYLOAD];
	int fds[TC_IPC_MAX_FDS];
	struct ui_event ev;
	struct ui_cmd c;
	uint16_t type;
	size_t nfds, i;
	ssize_t len;
	int rc, n;

	if (io->fd < 0) {
		if (now_ms < io->retry_ms)
			return 0;
		rc = tc_ipc_connect(io->path);
		if (rc < 0) {
			io->told_down = false;	/* say it once per attempt cycle */
			down(io, m, now_ms);
			return 1;
		}
		io->fd = rc;
		io->told_down = false;
	}
	/* Everything that has arrived (bounded, so input is never starved). */
	for (n = 0; n < 64; n++) {
		rc = tc_ipc_recv_fds(io->fd, &type, buf, sizeof(buf), 0, fds, &nfds);
		if (rc == -ETIMEDOUT)
			break;
		if (rc != 0) {
			tc_warn("photod connection lost: %s", tc_strerror(rc));
			down(io, m, now_ms);
			return n + 1;
		}
		if (type == TC_MSG_PREVIEW_FRAME) {
			frame_in(io, m, (const struct tc_msg_preview_frame *)buf, now_ms);
			continue;
		}
		if (type == TC_MSG_PREVIEW_RING) {
			if ((rc = ring_take(io, m, fds[0], now_ms)) != 0)
				tc_warn("preview ring refused: %s", tc_strerror(rc));
		} else {
			/* Only the ring is the kiosk's to take: any other descriptor is closed. */
			for (i = 0; i < nfds; i++)
				close(fds[i]);
		}
		ev = (struct ui_event){ .type = UI_EV_MSG, .now_ms = now_ms, .msg_type = type,
					.msg = buf };
		ui_update(m, &ev);
		tc_zeroize(buf, sizeof(buf));
	}
	if (ui_outbox_take(m, &c)) {
		len = tc_ipc_payload_len(c.type);
		rc = len < 0 ? -EINVAL : tc_ipc_send(io->fd, c.type, &c.u, (size_t)len);
		tc_zeroize(&c, sizeof(c));
		if (rc != 0) {
			tc_warn("send to photod failed: %s", tc_strerror(rc));
			down(io, m, now_ms);
			n++;
		}
	}
	return n;
}

void
ui_ipc_close(struct ui_ipc *io)
{
	tc_preview_unmap(&io->ring);
	free(io->frame);
	io->frame = NULL;
	if (io->fd >= 0)
		close(io->fd);
	io->fd = -1;
}
