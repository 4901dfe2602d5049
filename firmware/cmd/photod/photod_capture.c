/*
 * photod_capture.c - the camera, kept warm, and the capture request.
 *
 * The camera is opened, configured and started at start-up and left
 * streaming, so the first shot costs what every later one does.  A camera
 * that fails (or vanishes) is closed; the error is reported, audited and
 * shown in status, and the next capture tries to bring it back.
 *
 * Before each photo the gate (photod_gate.c) must allow it; a refusal is
 * answered with its rule and audited.  Each photo's sealed metadata
 * names the staff member logged in (R10), the event chosen, the pupil
 * refs the request tagged and the platforms their consents allow (R5:
 * the intersection; an unknown ref makes it empty).  A photo tagged with
 * no pupils carries no platforms: n_pupils == 0 in the sealed metadata
 * is how the review side knows it needs tagging at review.  Pupil refs
 * are never logged or audited, only counted.
 *
 * A capture request is a burst (firmware/capture/burst.c): while this
 * thread encodes photo N+1, the committer thread makes photo N durable,
 * catalogues it, audits it and only then replies "captured" to camctl
 * (photo_done).  Whatever ends the burst - its last photo, SIGTERM, a
 * refusal, a failure, the camera vanishing - first flushes the photo in
 * flight, so every photo is reported, in order, before the end or the
 * error.
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
	photod_preview_stop(d);	/* it holds a frame of this camera */
	tc_camera_close(d->cam);
	d->cam = NULL;
}

/* The frame's part of the metadata; who, what event and which pupils are set already. */
static void
fill_meta(const struct tc_frame *fr, struct tc_photo_meta *m)
{
	m->capture_time_us = tc_time_wall_us();
	m->frame_seq = fr->seq;
	m->width = fr->width;
	m->height = fr->height;
	snprintf(m->sensor_mode, sizeof(m->sensor_mode), "%ux%u-%s", fr->width, fr->height,
		 tc_pixfmt_name(fr->fmt));
}

/*
 * One photo: take a frame, encode and seal it into the burst (its commit
 * follows on the committer thread), release the frame.  0 or an error.
 */
static int
capture_one(struct photod *d, struct tc_capture_burst *burst, struct tc_photo_meta *meta)
{
	struct tc_frame fr;
	int rc, rel;

	if (!d->cam && (rc = photod_camera_up(d)) != 0)
		return rc;
	/* With the viewfinder streaming, the photo is the frame on screen. */
	rc = photod_preview_claim(d, &fr) ? 0 : tc_camera_take(d->cam, &fr, d->set.take_timeout_ms);
	if (rc != 0) {
		/* The camera failed or vanished: drop it, report, retry next time. */
		d->cam_err = rc == -ETIMEDOUT || rc == -EIO || rc == -ENODEV ? TC_E_NO_CAMERA : rc;
		photod_camera_down(d);
		return d->cam_err;
	}
	fill_meta(&fr, meta);
	rc = tc_capture_burst_photo(burst, &d->cs, &fr, meta);
	rel = tc_camera_release(d->cam, &fr);
	return rc ? rc : rel;
}

/* A pupil ref: 1..63 printable ASCII bytes without spaces, NUL-terminated in its array. */
static bool
valid_ref(const char *s, size_t size)
{
	size_t i;

	for (i = 0; i < size && s[i]; i++)
		if (s[i] <= ' ' || s[i] > '~')
			return false;
	return i > 0 && i < size;
}

/*
 * Check the request; put its pupils and the session (staff, event) into
 * meta.  0, or -EINVAL with why set.
 */
static int
session_meta(struct photod *d, const struct tc_msg_capture_req *req, struct tc_photo_meta *m,
	     const char **why)
{
	uint32_t i, j;

	memset(m, 0, sizeof(*m));
	*why = "burst count must be 1..100";
	if (req->count < 1 || req->count > TC_IPC_MAX_BURST)
		return -EINVAL;
	*why = "at most 16 pupils per photo";
	if (req->n_pupils > TC_IPC_MAX_PUPILS)
		return -EINVAL;
	for (i = 0; i < req->n_pupils; i++) {
		*why = "a pupil ref is 1 to 63 printable characters without spaces";
		if (!valid_ref(req->pupils[i], sizeof(req->pupils[i])))
			return -EINVAL;
		*why = "a pupil is listed twice";
		for (j = 0; j < i; j++)
			if (strcmp(req->pupils[i], req->pupils[j]) == 0)
				return -EINVAL;
		tc_strlcpy(m->pupil_refs[i], req->pupils[i], sizeof(m->pupil_refs[i]));
	}
	m->n_pupils = req->n_pupils;
	tc_strlcpy(m->staff_id, d->login.staff, sizeof(m->staff_id));
	tc_strlcpy(m->event_id, d->login.event, sizeof(m->event_id));
	return 0;
}

static void
refused(struct photod *d, int fd, const char *actor, const struct photod_refusal *r)
{
	char detail[TC_AUDIT_DETAIL_MAX];

	snprintf(detail, sizeof(detail), "%s%s%s", r->rule, r->rule[0] ? ": " : "", r->text);
	photod_audit(d, actor, "refuse.capture", NULL, r->code, detail);
	photod_error(fd, r->code, r->rule, r->text);
}

/*
 * A burst being captured: what the committer thread needs to report a
 * photo.  Written there only while photod's thread encodes or waits; it
 * reads committed and client_gone after tc_capture_burst_* returns, which
 * orders the two.
 */
struct burst_report {
	struct photod *d;
	int fd;
	const char *actor;
	char tail[160];			/* the detail after the size: event, counts */
	uint32_t committed;		/* photos durable and catalogued */
	bool client_gone;		/* a reply failed: stop the burst */
};

/* tc_capture_done_fn: a photo is durable and catalogued; audit it, then tell camctl. */
static void
photo_done(void *ctx, const struct tc_capture_result *res)
{
	struct burst_report *br = ctx;
	struct tc_msg_photo ph;
	char detail[200];

	br->committed++;
	br->d->captured++;
	snprintf(detail, sizeof(detail), "%llu bytes sealed; %s",
		 (unsigned long long)res->sealed_size, br->tail);
	photod_audit(br->d, br->actor, "capture", res->id, 0, detail);
	if (br->client_gone)
		return;	/* the photo is safe regardless */
	memset(&ph, 0, sizeof(ph));
	memcpy(ph.id, res->id, sizeof(ph.id));
	memcpy(ph.digest, res->digest, sizeof(ph.digest));
	ph.size = res->sealed_size;
	ph.created_us = ph.state_us = tc_time_wall_us();
	tc_strlcpy(ph.state, "captured", sizeof(ph.state));
	ph.latency_us = res->latency_us;
	if (photod_reply(br->fd, TC_MSG_CAPTURED, &ph, sizeof(ph)) != 0)
		br->client_gone = true;
}

/*
 * May photo i of the burst be taken?  The photo sealed but not yet
 * committed counts as stored: the gate must not let one photo past a
 * limit because its predecessor is still on its way to the catalog.
 */
static int
gate_next(struct photod *d, struct tc_capture_burst *burst, struct photod_refusal *r)
{
	int rc;

	tc_capture_burst_pending(burst, &d->pending_photos, &d->pending_bytes);
	rc = photod_gate(d, photod_now(), r);
	d->pending_photos = 0;
	d->pending_bytes = 0;
	return rc;
}

void
photod_capture(struct photod *d, struct photod_client *c, const struct tc_msg_capture_req *req)
{
	struct tc_capture_burst *burst = NULL;
	struct burst_report br;
	struct tc_photo_meta *meta;
	struct photod_refusal r;
	struct tc_msg_end end = { 0, 0 };
	char detail[128], actor[TC_AUDIT_FIELD_MAX];
	const char *why;
	bool refusal = false;
	uint32_t i;
	int rc = 0, frc;

	photod_actor(d, c, actor, sizeof(actor));
	/* Metadata holds pupil refs: locked memory, wiped on the way out. */
	meta = tc_secure_alloc(sizeof(*meta));
	if (!meta) {
		photod_error(c->fd, -ENOMEM, "", tc_strerror(-ENOMEM));
		return;
	}
	if (session_meta(d, req, meta, &why) != 0) {
		photod_audit(d, actor, "capture", NULL, -EINVAL, why);
		photod_error(c->fd, -EINVAL, "", why);
		goto out;
	}
	if (photod_gate(d, photod_now(), &r) != 0) {
		refused(d, c->fd, actor, &r);
		goto out;
	}
	/* Rule R5: what the consents of everyone in the frame allow, and no more. */
	tc_policy_platforms(d->prov.policy, (const char (*)[TC_META_ID_MAX])meta->pupil_refs,
			    meta->n_pupils, meta->platforms, &meta->n_platforms);
	photod_touch(d);
	memset(&br, 0, sizeof(br));
	br.d = d;
	br.fd = c->fd;
	br.actor = actor;
	snprintf(br.tail, sizeof(br.tail), "event %s; %u pupil(s), %u platform(s)%s",
		 meta->event_id[0] ? meta->event_id : "-", meta->n_pupils, meta->n_platforms,
		 photod_revoked(d) ? "; warning: refused by the Trust server as revoked" : "");
	rc = tc_capture_burst_open(&burst, d->store, photo_done, &br);
	for (i = 0; rc == 0 && i < req->count && !d->stopping; i++) {
		/* A burst may reach the unsynced limit or fill the store part way. */
		if (i > 0 && gate_next(d, burst, &r) != 0) {
			refusal = true;
			break;
		}
		if ((rc = capture_one(d, burst, meta)) != 0 || br.client_gone)
			break;
		/* SIGTERM lands between photos: the one(s) in flight are always finished. */
		photod_check_signals(d);
	}
	/* The last photo commits here; every photo is reported before what ends the burst. */
	frc = tc_capture_burst_flush(burst);
	rc = rc ? rc : frc;
	tc_capture_burst_close(burst);
	if (br.client_gone)
		goto out;
	if (rc != 0) {
		char text[TC_IPC_TEXT_MAX];

		snprintf(detail, sizeof(detail), "photo %u of %u failed", br.committed + 1,
			 req->count);
		photod_audit(d, actor, "capture", NULL, rc, detail);
		snprintf(text, sizeof(text), "capture failed after %u %s: %s", br.committed,
			 tc_plural(br.committed, "photo", "photos"), rc == -EINVAL ? "unsupported camera mode" : tc_strerror(rc));
		photod_error(c->fd, rc, "", text);
		goto out;
	}
	if (refusal) {
		refused(d, c->fd, actor, &r);
		goto out;
	}
	end.count = br.committed;
	end.result = d->stopping && end.count < req->count ? -EINTR : 0;
	photod_reply(c->fd, TC_MSG_CAPTURE_END, &end, sizeof(end));
out:
	tc_secure_free(meta);
}
