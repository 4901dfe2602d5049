/*
 * photod_preview.c - the viewfinder stream for the kiosk.
 *
 * While a member of staff is logged in and the kiosk asked for it
 * (PREVIEW_START), each turn of the socket loop that finds a new camera
 * frame writes it, downscaled to fit 640x480 and converted to RGB, into
 * the next slot of a shared-memory ring (tc_preview.h) and tells the
 * kiosk with a PREVIEW_FRAME {slot, seq}.  The camera is the one capture
 * uses, at full resolution.  The frame last sent stays on loan from the
 * camera until the next one replaces it, and a capture request takes it
 * (photod_preview_claim): the photo is the frame on screen at the press,
 * or the one after it if that was still on its way to the kiosk.  The stream
 * stops at logout (checked every turn), on PREVIEW_STOP and when the
 * kiosk disconnects.  Preview frames exist only in that memfd: never in
 * a file, never in a log.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "photod.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_preview.h"

#define FRAME_MS 33	/* at most 30 frames a second */

struct photod_preview {
	int client_fd;
	struct tc_preview_map map;
	uint32_t next_slot;
	int64_t next_ms;
	struct tc_frame held;	/* the frame last sent, kept on loan for the shutter */
	bool have_held;
};

static void
let_go(struct photod *d, struct photod_preview *pv)
{
	if (pv->have_held && d->cam && tc_camera_release(d->cam, &pv->held) != 0)
		tc_warn("preview: camera release failed");
	pv->have_held = false;
}

bool
photod_preview_claim(struct photod *d, struct tc_frame *fr)
{
	struct photod_preview *pv = d->preview;

	if (!pv || !pv->have_held || !d->cam)
		return false;
	*fr = pv->held;	/* the caller releases it */
	pv->have_held = false;
	return true;
}

static int64_t
mono_ms(void)
{
	return (int64_t)(tc_time_mono_us() / 1000);
}

void
photod_preview_stop(struct photod *d)
{
	if (!d->preview)
		return;
	let_go(d, d->preview);
	tc_preview_unmap(&d->preview->map);
	free(d->preview);
	d->preview = NULL;
}

void
photod_preview_gone(struct photod *d, int fd)
{
	if (d->preview && d->preview->client_fd == fd)
		photod_preview_stop(d);
}

void
photod_preview_start(struct photod *d, struct photod_client *c)
{
	struct tc_msg_preview_ring ring;
	struct photod_preview *pv;
	uint32_t w, h;
	int fd = -1, rc;

	if (!d->login.staff[0]) {
		photod_error(c->fd, TC_E_NOT_LOGGED_IN, "R10", "nobody is logged in: log in first");
		return;
	}
	if (!d->cam && (rc = photod_camera_up(d)) != 0) {
		photod_error(c->fd, TC_E_NO_CAMERA, "", "the camera is not available");
		return;
	}
	photod_preview_stop(d);
	/* Fit the sensor's aspect into the largest preview, even sizes. */
	w = TC_PREVIEW_MAX_W;
	h = (uint32_t)((uint64_t)w * d->set.height / d->set.width) & ~1u;
	if (h > TC_PREVIEW_MAX_H) {
		h = TC_PREVIEW_MAX_H;
		w = (uint32_t)((uint64_t)h * d->set.width / d->set.height) & ~1u;
	}
	pv = calloc(1, sizeof(*pv));
	if (!pv || (rc = tc_preview_create(w, h, &fd, &pv->map)) != 0) {
		free(pv);
		photod_error(c->fd, -ENOMEM, "", "no memory for the preview");
		return;
	}
	memset(&ring, 0, sizeof(ring));
	ring.width = w;
	ring.height = h;
	ring.nslots = TC_PREVIEW_SLOTS;
	rc = tc_ipc_send_fds(c->fd, TC_MSG_PREVIEW_RING, &ring, sizeof(ring), &fd, 1);
	close(fd);	/* the kiosk has its own descriptor now; the mapping stays */
	if (rc != 0) {
		tc_preview_unmap(&pv->map);
		free(pv);
		return;
	}
	pv->client_fd = c->fd;
	d->preview = pv;
}

int
photod_preview_timeout(const struct photod *d, int ms)
{
	int64_t left;

	if (!d->preview)
		return ms;
	left = d->preview->next_ms - mono_ms();
	if (left < 0)
		left = 0;
	return ms < 0 || left < ms ? (int)left : ms;
}

/* Nearest-neighbour downscale of a YUV 4:2:0 frame into RGB24 (BT.601 full range, as JPEG). */
static void
to_rgb(const struct tc_frame *fr, uint8_t *out, uint32_t w, uint32_t h)
{
	uint32_t x, y, sx, sy;
	int Y, U, V, r, g, b;

	for (y = 0; y < h; y++) {
		sy = (uint32_t)((uint64_t)y * fr->height / h);
		for (x = 0; x < w; x++, out += 3) {
			sx = (uint32_t)((uint64_t)x * fr->width / w);
			Y = fr->plane[0][sy * fr->stride[0] + sx];
			if (fr->fmt == TC_PIXFMT_NV12) {
				U = fr->plane[1][(sy / 2) * fr->stride[1] + (sx & ~1u)];
				V = fr->plane[1][(sy / 2) * fr->stride[1] + (sx & ~1u) + 1];
			} else {
				U = fr->plane[1][(sy / 2) * fr->stride[1] + sx / 2];
				V = fr->plane[2][(sy / 2) * fr->stride[2] + sx / 2];
			}
			U -= 128;
			V -= 128;
			r = Y + ((91881 * V) >> 16);
			g = Y - ((22554 * U + 46802 * V) >> 16);
			b = Y + ((116130 * U) >> 16);
			out[0] = (uint8_t)(r < 0 ? 0 : r > 255 ? 255 : r);
			out[1] = (uint8_t)(g < 0 ? 0 : g > 255 ? 255 : g);
			out[2] = (uint8_t)(b < 0 ? 0 : b > 255 ? 255 : b);
		}
	}
}

void
photod_preview_tick(struct photod *d)
{
	struct photod_preview *pv = d->preview;
	struct tc_msg_preview_frame m;
	struct tc_frame fr;
	int64_t now;
	uint8_t *px;

	if (!pv)
		return;
	if (!d->login.staff[0]) {
		photod_preview_stop(d);	/* logout, idle or policy: the stream ends with the session */
		return;
	}
	now = mono_ms();
	if (now < pv->next_ms || !d->cam)
		return;
	if (tc_camera_take(d->cam, &fr, 0) != 0)
		return;	/* no new frame yet: the next turn looks again */
	pv->next_ms = now + FRAME_MS;
	px = tc_preview_begin(&pv->map, pv->next_slot);
	to_rgb(&fr, px, pv->map.width, pv->map.height);
	tc_preview_end(&pv->map, pv->next_slot, fr.seq);
	memset(&m, 0, sizeof(m));
	m.slot = pv->next_slot;
	m.seq = fr.seq;
	/* Keep this frame for the shutter; the one before goes back to the camera. */
	let_go(d, pv);
	pv->held = fr;
	pv->have_held = true;
	pv->next_slot = (pv->next_slot + 1) % TC_PREVIEW_SLOTS;
	if (photod_reply(pv->client_fd, TC_MSG_PREVIEW_FRAME, &m, sizeof(m)) != 0)
		photod_preview_stop(d);
}

void
photod_preview_stop_req(struct photod *d, struct photod_client *c)
{
	photod_preview_gone(d, c->fd);
	photod_ok(c->fd, 0, "preview stopped");
}
