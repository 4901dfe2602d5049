/*
 * fuzz_preview.c - the kiosk's reading of photod's messages (ui/ui_ipc.c:
 * ui_ipc_pump), above all the viewfinder's: TC_MSG_PREVIEW_RING with its
 * memfd (tc_preview_attach), TC_MSG_PREVIEW_FRAME (tc_preview_read of the
 * slot it names) and a ring whose header the writer rewrites while the
 * kiosk has it mapped.  Every message goes through a real SOCK_SEQPACKET
 * socketpair, descriptors over SCM_RIGHTS; the model (ui_update) gets
 * what the kiosk gives it and is drawn after each step into a canvas
 * that reads every string and the corners of every image, so a frame
 * smaller than the model believes is an ASan report.
 *
 * Input: one byte picks the model's start state (a ui_gallery sample:
 * locked, PIN pad, viewfinder...), then records, each an op byte and
 * its operands (little-endian):
 *
 *   op&3 == 0  MSG    u16 len, len bytes: one datagram, no descriptor
 *   op&3 == 1  RING   u16 len, len bytes: one datagram; u32 memfd size;
 *                     u8 n, n bytes written at its offset 0.  It travels
 *                     with a memfd sealed against shrink and grow as
 *                     photod's, or (op bit 2) unsealed, or (bit 3) an
 *                     eventfd instead; bit 4: one more eventfd with it
 *   op&3 == 2  WRITE  u8 offset, u8 n, n bytes: the writer changes the
 *                     last ring (generations, seqs, the header itself)
 *   op&3 == 3  UI     op bits 2-3: 0 a tick (u16 ms), 1 a key (u8),
 *                     2 a tap (u16 x, u16 y), 3 a tap on button u8 i
 *
 * After each record the kiosk pumps its socket once (ui_ipc_pump), the
 * model is drawn, and what the kiosk sent photod is read and dropped.
 * When the kiosk ends the connection the input ends.  tests/tools/
 * tc_mkpreview writes the seeds' RING, WRITE and FRAME records with
 * photod's own writer (tc_preview.c) and sender (tc_ipc.c).  A
 * descriptor the kiosk keeps open after ui_ipc_close is a leak: abort.
 * TC_FUZZ_VERBOSE=1 prints how far an input got (frames shown, dropped).
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "tc_ipc.h"
#include "tc_preview.h"
#include "ui.h"
#include "ui_draw.h"
#include "ui_gallery.h"
#include "ui_ipc.h"

/* The largest ring photod makes, and a little more. */
#define RING_CAP (sizeof(struct tc_preview_hdr) + \
		  (size_t)TC_PREVIEW_SLOTS * TC_PREVIEW_MAX_W * TC_PREVIEW_MAX_H * 3 + 4096)

struct ui_canvas {
	volatile uint32_t sink;
};

void
ui_fill(struct ui_canvas *c, struct ui_rect r, uint32_t rgb)
{
	c->sink += (uint32_t)r.w + rgb;
}

void
ui_text(struct ui_canvas *c, struct ui_rect r, const char *s, enum ui_font f, uint32_t rgb,
	enum ui_align a)
{
	c->sink += (uint32_t)strlen(s) + (uint32_t)r.w + (uint32_t)f + rgb + (uint32_t)a;
}

/* The SDL canvas reads all w * h pixels; the first and last are enough for ASan. */
void
ui_image(struct ui_canvas *c, struct ui_rect r, const uint8_t *rgb, int w, int h)
{
	if (w > 0 && h > 0)
		c->sink += rgb[0] + rgb[(size_t)w * (size_t)h * 3 - 1] + (uint32_t)r.w;
}

static struct ui_model model;
static struct ui_canvas canvas;
FUZZ_INIT_QUIET

/* Which of the first 64 descriptors are open: one bit each. */
static uint64_t
open_fds(void)
{
	uint64_t set = 0;
	int fd;

	for (fd = 0; fd < 64; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			set |= 1ULL << fd;
	return set;
}

struct input {
	const uint8_t *p;
	size_t left;
};

static bool
take(struct input *in, void *out, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(out, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

/* A u16 length and that many bytes, in place. */
static bool
take_blob(struct input *in, const uint8_t **b, size_t *n)
{
	uint16_t len;

	if (!take(in, &len, sizeof(len)) || in->left < len)
		return false;
	*b = in->p;
	*n = len;
	in->p += len;
	in->left -= len;
	return true;
}

/* A RING record: the datagram, and the memfd (or not) that rides with it. */
static bool
ring(struct input *in, uint8_t op, int sock, int *writer)
{
	const uint8_t *msg;
	size_t len, nfds = 0;
	uint8_t head[255], n;
	uint32_t size;
	int fds[2], fd;

	if (!take_blob(in, &msg, &len) || !take(in, &size, sizeof(size)) || !take(in, &n, 1) ||
	    !take(in, head, n))
		return false;
	if (op & 8) {
		fd = eventfd(0, EFD_CLOEXEC);
	} else {
		fd = memfd_create("fuzz-preview", MFD_CLOEXEC | MFD_ALLOW_SEALING);
		if (fd >= 0 && (ftruncate(fd, (off_t)(size % RING_CAP)) != 0 ||
				pwrite(fd, head, n, 0) != (ssize_t)n ||
				(!(op & 4) && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0)))
			abort();
	}
	if (fd < 0)
		abort();
	fds[nfds++] = fd;
	if ((op & 16) && (fds[nfds++] = eventfd(0, EFD_CLOEXEC)) < 0)
		abort();
	/* an oversized datagram is refused by the kernel: then nothing is sent */
	(void)fuzz_send_fds(sock, msg, len, fds, nfds);
	if (nfds == 2)
		close(fds[1]);
	/* The harness stays the writer of the last ring it sent. */
	if (*writer >= 0)
		close(*writer);
	*writer = fd;
	return true;
}

/* A WRITE record: photod rewrites part of the ring the kiosk has mapped. */
static bool
rewrite(struct input *in, int writer)
{
	uint8_t off, n, b[255];

	if (!take(in, &off, 1) || !take(in, &n, 1) || !take(in, b, n))
		return false;
	/* past the end of a sealed memfd: refused, as it would be for photod */
	if (writer >= 0)
		(void)pwrite(writer, b, n, off);
	return true;
}

/* A UI record: what the person does, or the clock. */
static bool
ui_input(struct input *in, uint8_t op, int64_t *now)
{
	struct ui_event ev = { .type = UI_EV_TICK };
	struct ui_button b[UI_MAX_BUTTONS];
	uint16_t ms, xy[2];
	uint8_t v;
	unsigned nb;

	switch ((op >> 2) & 3) {
	case 0:
		if (!take(in, &ms, sizeof(ms)))
			return false;
		*now += ms;
		break;
	case 1:
		if (!take(in, &v, 1))
			return false;
		ev.type = UI_EV_KEY;
		ev.key = (enum ui_key)(v % (UI_KEY_ENTER + 1));
		break;
	case 2:
		if (!take(in, xy, sizeof(xy)))
			return false;
		ev.type = UI_EV_TAP;
		ev.x = xy[0];
		ev.y = xy[1];
		break;
	default:
		if (!take(in, &v, 1))
			return false;
		nb = ui_buttons(&model, b, UI_MAX_BUTTONS);
		if (nb == 0)
			return true;
		ev.type = UI_EV_TAP;
		ev.x = b[v % nb].r.x + b[v % nb].r.w / 2;
		ev.y = b[v % nb].r.y + b[v % nb].r.h / 2;
		break;
	}
	ev.now_ms = *now;
	ui_update(&model, &ev);
	return true;
}

/* What the kiosk sent photod (requests): read and dropped. */
static void
drain(int sock)
{
	unsigned char b[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];

	while (recv(sock, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { .p = data, .left = size };
	struct ui_ipc io;
	uint64_t fds_before = open_fds();
	int sv[2], writer = -1;
	int64_t now;
	uint8_t op, start;
	bool ok = true;

	if (!take(&in, &start, 1))
		return -1;
	if (!ui_gallery_make(start % ui_gallery_count(), &model, &ui_profiles[0]))
		abort();
	now = model.now_ms;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	/* the kiosk connected: its side of the pair, a path that is never dialled */
	ui_ipc_init(&io, "/nonexistent");
	io.fd = sv[1];
	while (ok && io.fd >= 0 && take(&in, &op, 1)) {
		switch (op & 3) {
		case 0: {
			const uint8_t *msg;
			size_t len;

			if ((ok = take_blob(&in, &msg, &len)))
				(void)fuzz_send_fds(sv[0], msg, len, NULL, 0);
			break;
		}
		case 1:
			ok = ring(&in, op, sv[0], &writer);
			break;
		case 2:
			ok = rewrite(&in, writer);
			break;
		default:
			ok = ui_input(&in, op, &now);
			break;
		}
		(void)ui_ipc_pump(&io, &model, now);
		ui_draw(&model, &canvas);
		drain(sv[0]);
	}
	/* what an input reaches, for seeds: TC_FUZZ_VERBOSE=1 */
	if (getenv("TC_FUZZ_VERBOSE"))
		fprintf(stderr, "kiosk: %s, frames %llu (dropped %llu), seq %llu..%llu, %s, thumbnail %s\n",
			io.fd >= 0 ? "connected" : "hung up", (unsigned long long)io.frames_in,
			(unsigned long long)io.frames_torn, (unsigned long long)io.first_seq,
			(unsigned long long)io.last_seq, ui_screen_name(model.screen),
			model.have_thumb ? "yes" : "no");
	ui_ipc_close(&io);
	ui_forget(&model);
	close(sv[0]);
	if (writer >= 0)
		close(writer);
	/* Nothing left open by the kiosk: the ring's descriptor, the socket. */
	if (open_fds() != fds_before) {
		fprintf(stderr, "fuzz_preview: descriptors open before %#llx, after %#llx\n",
			(unsigned long long)fds_before, (unsigned long long)open_fds());
		abort();
	}
	return 0;
}
