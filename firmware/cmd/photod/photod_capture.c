/*
 * photod_capture.c - the camera, kept warm, and the capture request.
 *
 * The camera is opened, configured and started at start-up and left
 * streaming, so the first shot costs what every later one does.  A camera
 * that fails (or vanishes) is closed; the error is reported, audited and
 * shown in status, and the next capture tries to bring it back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"
#include "tc_secmem.h"

static int
pick_camera(struct photod *d, char *id, size_t idlen, uint32_t *w, uint32_t *h)
{
	struct tc_camera_info info[8];
	size_t n, i, m;
	int rc;

	if ((rc = tc_camera_list(info, 8, &n)) != 0)
		return rc;
	for (i = 0; i < n && i < 8; i++) {
		if (d->set.camera_id && strcmp(d->set.camera_id, info[i].id) != 0 &&
		    !(strncmp(d->set.camera_id, "synthetic:", 10) == 0 &&
		      strcmp(info[i].backend, "synthetic") == 0))
			continue;
		tc_strlcpy(id, d->set.camera_id ? d->set.camera_id : info[i].id, idlen);
		if (!d->set.width) {
			*w = info[i].modes[0].width;
			*h = info[i].modes[0].height;
			return 0;
		}
		for (m = 0; m < info[i].nmodes; m++)
			if (info[i].modes[m].width == d->set.width &&
			    info[i].modes[m].height == d->set.height) {
				*w = d->set.width;
				*h = d->set.height;
				return 0;
			}
		return -EINVAL;	/* the camera exists but has no such mode */
	}
	return TC_E_NO_CAMERA;
}

int
photod_camera_up(struct photod *d)
{
	char id[TC_CAMERA_ID_MAX];
	uint32_t w = 0, h = 0;
	int rc;

	if (d->cam)
		return 0;
	rc = pick_camera(d, id, sizeof(id), &w, &h);
	if (rc == 0)
		rc = tc_camera_open(&d->cam, id);
	if (rc == 0)
		rc = tc_camera_configure(d->cam, w, h, d->set.fmt);
	if (rc == 0)
		rc = tc_camera_start(d->cam);
	if (rc != 0) {
		tc_camera_close(d->cam);
		d->cam = NULL;
		d->cam_err = rc;
		tc_err("camera %s: %s", d->set.camera_id ? d->set.camera_id : "(first found)",
		       rc == -EINVAL ? "unsupported mode" : tc_strerror(rc));
		return rc;
	}
	d->set.width = w;
	d->set.height = h;
	d->cam_err = 0;
	tc_strlcpy(d->cam_id, id, sizeof(d->cam_id));
	tc_info("camera %s ready at %ux%u %s", id, w, h, tc_pixfmt_name(d->set.fmt));
	return 0;
}

void
photod_camera_down(struct photod *d)
{
	tc_camera_close(d->cam);
	d->cam = NULL;
}

/*
 * Rule R10: every photo names who took it.  Until staff login arrives
 * (with provisioning), that is the local account that asked photod.
 */
static void
fill_meta(const char *actor, const struct tc_frame *fr, struct tc_photo_meta *m)
{
	memset(m, 0, sizeof(*m));
	tc_strlcpy(m->staff_id, actor, sizeof(m->staff_id));
	m->capture_time_us = tc_time_wall_us();
	m->frame_seq = fr->seq;
	m->width = fr->width;
	m->height = fr->height;
	snprintf(m->sensor_mode, sizeof(m->sensor_mode), "%ux%u-%s", fr->width, fr->height,
		 tc_pixfmt_name(fr->fmt));
}

/* One photo: take a frame, seal it, release the frame.  0 or an error. */
static int
capture_one(struct photod *d, const char *actor, struct tc_capture_result *res)
{
	struct tc_photo_meta meta;
	struct tc_frame fr;
	int rc, rel;

	if (!d->cam && (rc = photod_camera_up(d)) != 0)
		return rc;
	rc = tc_camera_take(d->cam, &fr, d->set.take_timeout_ms);
	if (rc != 0) {
		/* The camera failed or vanished: drop it, report, retry next time. */
		d->cam_err = rc == -ETIMEDOUT || rc == -EIO || rc == -ENODEV ? TC_E_NO_CAMERA : rc;
		photod_camera_down(d);
		return d->cam_err;
	}
	fill_meta(actor, &fr, &meta);
	rc = tc_capture_photo(&d->cs, &fr, &meta, d->store, res);
	rel = tc_camera_release(d->cam, &fr);
	tc_zeroize(&meta, sizeof(meta));
	return rc ? rc : rel;
}

void
photod_capture(struct photod *d, int fd, const char *actor, uint32_t count)
{
	struct tc_capture_result res;
	struct tc_msg_photo ph;
	struct tc_msg_end end = { 0, 0 };
	char detail[96];
	uint32_t i;
	int rc = 0;

	if (count < 1 || count > TC_IPC_MAX_BURST) {
		photod_audit(d, actor, "capture", NULL, -EINVAL, "burst count out of range");
		photod_error(fd, -EINVAL, "", "burst count must be 1..100");
		return;
	}
	for (i = 0; i < count && !d->stopping; i++) {
		rc = capture_one(d, actor, &res);
		if (rc != 0) {
			snprintf(detail, sizeof(detail), "photo %u of %u failed", i + 1, count);
			photod_audit(d, actor, "capture", NULL, rc, detail);
			break;
		}
		d->captured++;
		snprintf(detail, sizeof(detail), "%llu bytes sealed",
			 (unsigned long long)res.sealed_size);
		photod_audit(d, actor, "capture", res.id, 0, detail);
		memset(&ph, 0, sizeof(ph));
		memcpy(ph.id, res.id, sizeof(ph.id));
		memcpy(ph.digest, res.digest, sizeof(ph.digest));
		ph.size = res.sealed_size;
		ph.created_us = ph.state_us = tc_time_wall_us();
		tc_strlcpy(ph.state, "captured", sizeof(ph.state));
		ph.latency_us = res.latency_us;
		if (photod_reply(fd, TC_MSG_CAPTURED, &ph, sizeof(ph)) != 0)
			break;	/* the client left; the photo is safe regardless */
		end.count++;
		/* SIGTERM lands between photos: the one in flight is always finished. */
		photod_check_signals(d);
	}
	if (rc != 0) {
		char text[TC_IPC_TEXT_MAX];

		snprintf(text, sizeof(text), "capture failed after %u photo(s): %s", end.count,
			 rc == -EINVAL ? "unsupported camera mode" : tc_strerror(rc));
		photod_error(fd, rc, "", text);
		return;
	}
	end.result = d->stopping && end.count < count ? -EINTR : 0;
	photod_reply(fd, TC_MSG_CAPTURE_END, &end, sizeof(end));
}
