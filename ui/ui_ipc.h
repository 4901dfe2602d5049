/*
 * ui_ipc.h - the kiosk's side of photod's socket, never blocking: it
 * connects (and reconnects every second while photod is away), sends the
 * model's queued requests one at a time, and turns every reply into a
 * UI_EV_MSG for ui_update().  The kiosk talks to nothing else.
 */
#ifndef UI_IPC_H
#define UI_IPC_H

#include <stdint.h>

#include "tc_err.h"
#include "tc_preview.h"
#include "ui.h"

struct ui_ipc {
	int fd;			/* -1 while disconnected */
	char path[256];
	int64_t retry_ms;	/* next connection attempt */
	bool told_down;		/* the model has seen UI_EV_DISCONNECTED */
	struct tc_preview_map ring;	/* photod's preview ring, mapped read-only */
	uint8_t *frame;		/* the kiosk's copy of the frame on screen */
	uint64_t frames_in;	/* notifications received */
	uint64_t frames_torn;	/* dropped: the slot was rewritten while copied */
	uint64_t first_seq, last_seq;	/* of the frames copied */
};

void ui_ipc_init(struct ui_ipc *io, const char *run_dir);
/*
 * Receive what has arrived, send what is queued; every reply goes through
 * ui_update.  Returns how many events it fed the model.
 */
int ui_ipc_pump(struct ui_ipc *io, struct ui_model *m, int64_t now_ms);
void ui_ipc_close(struct ui_ipc *io);

#endif /* UI_IPC_H */
