/*
 * tc_uvccam - a USB UVC webcam, emulated in user space, for a booted
 * image (test-only, never in an image's root).
 *
 * Not yet used by image-test: inside the image, usbcore enumerates this
 * camera, uvcvideo binds it, udev names it and V4L2 capture gets its
 * frames (tried by hand), but libcamera 0.0.3's UVC
 * pipeline refuses it ("Can not find controller ID"): it names a camera
 * after the firmware node (ACPI or device tree) of a controller above it,
 * and vhci_hcd, a platform device the module makes itself, has none
 * (tools/image/README.md, "Not yet").
 *
 *   tc_uvccam [-p PORT] [-s SEED]
 *
 * Plugs a high-speed USB video-class camera into the kernel's USB/IP
 * virtual host controller (vhci_hcd, loaded by the caller) over a socket
 * pair, and answers its USB traffic itself: the device, configuration and
 * string descriptors, the UVC probe and commit controls, and the video
 * stream on a bulk endpoint.  The kernel side is the real one: usbcore
 * enumerates the device, uvcvideo drives it, udev names it, libcamera's
 * UVC pipeline finds it.  (A configfs UVC gadget on dummy_hcd cannot
 * stream: the gadget's video endpoint is isochronous and dummy_hcd fails
 * every isochronous transfer.)
 *
 * The camera offers YUYV (uncompressed 4:2:2) at 1920x1080 (the kiosk's
 * CONFIG_CAMERA_DEFAULT_MODE) and 640x480, at 5 frames a second.  Every
 * frame is the synthetic sensor's frame 0 of SEED (tc_synth_render, YUV
 * 4:2:0) packed as YUYV, each chroma row given to both of its lines, so a
 * camera converting it back to 4:2:0 gets tc_synth_render's planes
 * exactly.
 *
 * Prints "tc_uvccam: attached on vhci port PORT" once the kernel has the
 * device; runs until SIGTERM or SIGINT, then unplugs it and exits 0.
 * Exit 1 on a failure (the reason on stderr).
 *
 * The USB/IP wire format (big-endian 48-byte headers: CMD_SUBMIT,
 * RET_SUBMIT, CMD_UNLINK, RET_UNLINK) is the kernel's
 * (Documentation/usb/usbip_protocol.rst); no library speaks the device
 * side of it.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "tc_camera.h"
#include "tc_io.h"
#include "tc_synth.h"

#define VHCI "/sys/devices/platform/vhci_hcd.0"
#define USB_SPEED_HIGH 3u
#define EP_BULK_IN 0x81
#define BULK_MAXP 512
#define MAX_PAYLOAD 16384u      /* dwMaxPayloadTransferSize: one URB of uvcvideo's */
#define FRAME_INTERVAL 2000000u /* 100 ns units: 5 frames a second */
#define PROBE_LEN 34            /* UVC 1.1 probe/commit control */
#define MAX_PENDING 64

enum { CMD_SUBMIT = 1, CMD_UNLINK = 2, RET_SUBMIT = 3, RET_UNLINK = 4 };

static const struct { uint16_t w, h; } modes[] = { { 1920, 1080 }, { 640, 480 } };
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* ---------------------------------------------------------------- descriptors */

static const uint8_t dev_desc[18] = {
	18, 1, 0x00, 0x02,      /* USB 2.0 */
	0xef, 0x02, 0x01, 64,   /* miscellaneous, IAD */
	0x6b, 0x1d, 0x02, 0x01, /* 1d6b:0102, the Linux Foundation's webcam gadget id */
	0x00, 0x01, 1, 2, 3, 1,
};

static uint8_t cfg_desc[512];
static size_t cfg_len;

static void
put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, v & 0xffff);
	put16(p + 2, v >> 16);
}

static uint8_t *
add(const uint8_t *d, size_t n)
{
	uint8_t *at = cfg_desc + cfg_len;

	memcpy(at, d, n);
	cfg_len += n;
	return at;
}

/* The configuration: IAD, VideoControl (camera -> streaming terminal), VideoStreaming. */
static void
build_config(void)
{
	static const uint8_t yuy2[16] = { 'Y', 'U', 'Y', '2', 0x00, 0x00, 0x10, 0x00,
					  0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71 };
	const uint8_t config[9] = { 9, 2, 0, 0, 2, 1, 0, 0x80, 125 };
	const uint8_t iad[8] = { 8, 0x0b, 0, 2, 0x0e, 0x03, 0, 2 };
	const uint8_t vc_if[9] = { 9, 4, 0, 0, 0, 0x0e, 0x01, 0, 2 };
	uint8_t vc_hdr[13] = { 13, 0x24, 0x01, 0x10, 0x01, 0, 0, 0, 0, 0, 0, 1, 1 };
	const uint8_t it[18] = { 18, 0x24, 0x02, 1, 0x01, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0 };
	const uint8_t ot[9] = { 9, 0x24, 0x03, 2, 0x01, 0x01, 0, 1, 0 };
	const uint8_t vs_if[9] = { 9, 4, 1, 0, 1, 0x0e, 0x02, 0, 0 };
	const uint8_t vs_hdr[14] = { 14, 0x24, 0x01, 1, 0, 0, EP_BULK_IN, 0, 2, 0, 0, 0, 1, 0 };
	uint8_t fmt[27] = { 27, 0x24, 0x04, 1, (uint8_t)NMODES };
	const uint8_t ep[7] = { 7, 5, EP_BULK_IN, 0x02, BULK_MAXP & 0xff, BULK_MAXP >> 8, 0 };
	uint8_t *hdr, *vsh;
	size_t vc_start, vs_start, i;

	cfg_len = 0;
	add(config, sizeof(config));
	add(iad, sizeof(iad));
	add(vc_if, sizeof(vc_if));
	vc_start = cfg_len;
	put32(vc_hdr + 7, 48000000);
	hdr = add(vc_hdr, sizeof(vc_hdr));
	add(it, sizeof(it));
	add(ot, sizeof(ot));
	put16(hdr + 5, (uint32_t)(cfg_len - vc_start));
	add(vs_if, sizeof(vs_if));
	vs_start = cfg_len;
	vsh = add(vs_hdr, sizeof(vs_hdr));
	memcpy(fmt + 5, yuy2, 16);
	fmt[21] = 16; /* bits per pixel */
	fmt[22] = 1;  /* default frame: the first */
	add(fmt, sizeof(fmt));
	for (i = 0; i < NMODES; i++) {
		uint8_t fr[30] = { 30, 0x24, 0x05, (uint8_t)(i + 1), 0 };
		const uint32_t size = (uint32_t)modes[i].w * modes[i].h * 2;

		put16(fr + 5, modes[i].w);
		put16(fr + 7, modes[i].h);
		put32(fr + 9, size * 8 * 5);  /* bit rate at 5 fps */
		put32(fr + 13, size * 8 * 5);
		put32(fr + 17, size);
		put32(fr + 21, FRAME_INTERVAL);
		fr[25] = 1; /* one discrete interval */
		put32(fr + 26, FRAME_INTERVAL);
		add(fr, sizeof(fr));
	}
	put16(vsh + 4, (uint32_t)(cfg_len - vs_start));
	add(ep, sizeof(ep));
	put16(cfg_desc + 2, (uint32_t)cfg_len);
}

/* String i as a USB string descriptor (UTF-16LE of ASCII) in out; its length. */
static size_t
string_desc(unsigned i, uint8_t *out)
{
	static const char *const s[] = { NULL, "trustcam", "test camera", "TC0001" };
	size_t n, k;

	if (i == 0) { /* the languages: en-US */
		const uint8_t lang[4] = { 4, 3, 0x09, 0x04 };

		memcpy(out, lang, 4);
		return 4;
	}
	if (i >= sizeof(s) / sizeof(s[0]))
		return 0;
	n = strlen(s[i]);
	out[0] = (uint8_t)(2 + 2 * n);
	out[1] = 3;
	for (k = 0; k < n; k++) {
		out[2 + 2 * k] = (uint8_t)s[i][k];
		out[3 + 2 * k] = 0;
	}
	return 2 + 2 * n;
}

/* ---------------------------------------------------------------- the camera's state */

struct pending {
	uint32_t seq;
	uint32_t len;
};

static struct {
	int fd;                       /* our end of the socket pair */
	uint8_t probe[PROBE_LEN];     /* the probe control's current value */
	unsigned frame;               /* committed frame index - 1 */
	int streaming;
	int in_frame;                 /* a frame is being sent */
	size_t pos;                   /* bytes of it sent */
	uint8_t fid;                  /* the frame id bit, toggled each frame */
	uint8_t *yuyv[NMODES];        /* each mode's frame, rendered at start */
	unsigned long commits, frames, stalls; /* for the log at exit */
	uint64_t seed;
	struct pending pend[MAX_PENDING];
	unsigned npend;
} cam;

static void
fill_probe(uint8_t *p, unsigned frame)
{
	memset(p, 0, PROBE_LEN);
	p[2] = 1;                 /* bFormatIndex */
	p[3] = (uint8_t)(frame + 1);
	put32(p + 4, FRAME_INTERVAL);
	put32(p + 18, (uint32_t)modes[frame].w * modes[frame].h * 2); /* dwMaxVideoFrameSize */
	put32(p + 22, MAX_PAYLOAD);
	put32(p + 26, 48000000);  /* dwClockFrequency */
	p[30] = 3;                /* bmFramingInfo: FID and EOF used */
	p[31] = p[32] = p[33] = 1;
}

/* The frame index a probe or commit asks for (bFrameIndex), if it is ours. */
static int
probe_frame(const uint8_t *p, size_t n, unsigned *frame)
{
	if (n < 4 || p[2] != 1 || p[3] < 1 || p[3] > NMODES)
		return -1;
	*frame = p[3] - 1u;
	return 0;
}

static int
render(unsigned m)
{
	const uint32_t w = modes[m].w, h = modes[m].h;
	/* I420, tight: Y, then U and V at half the width and height */
	const size_t stride[3] = { w, w / 2, w / 2 };
	const size_t len[3] = { (size_t)w * h, (size_t)w * h / 4, (size_t)w * h / 4 };
	uint8_t *buf, *plane[3];
	uint32_t x, y;

	if (cam.yuyv[m])
		return 0;
	if (!(buf = malloc(len[0] + len[1] + len[2])) || !(cam.yuyv[m] = malloc((size_t)w * h * 2))) {
		free(buf);
		fprintf(stderr, "tc_uvccam: out of memory\n");
		return -1;
	}
	plane[0] = buf;
	plane[1] = buf + len[0];
	plane[2] = plane[1] + len[1];
	if (tc_synth_render(cam.seed, 0, w, h, TC_PIXFMT_YUV420, plane, stride) != 0) {
		fprintf(stderr, "tc_uvccam: rendering %ux%u failed\n", w, h);
		free(buf);
		return -1;
	}
	for (y = 0; y < h; y++) {
		uint8_t *o = cam.yuyv[m] + (size_t)y * w * 2;

		for (x = 0; x < w; x += 2) {
			o[2 * x] = plane[0][(size_t)y * stride[0] + x];
			o[2 * x + 1] = plane[1][(size_t)(y / 2) * stride[1] + x / 2];
			o[2 * x + 2] = plane[0][(size_t)y * stride[0] + x + 1];
			o[2 * x + 3] = plane[2][(size_t)(y / 2) * stride[2] + x / 2];
		}
	}
	free(buf);
	return 0;
}

/* ---------------------------------------------------------------- USB/IP */

/* n bytes from the socket, or -1 (an error, or the kernel's end closed). */
static int
read_full(int fd, void *buf, size_t n)
{
	size_t got;

	return tc_read_full(fd, buf, n, &got) == 0 && got == n ? 0 : -1;
}

static uint32_t
get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RET_SUBMIT for seq: status (0 or a negative errno) and the bytes done:
 * for IN the data that follows (n1 + n2 bytes of d1, d2), for OUT out_len
 * (the kernel's data, taken; nothing follows).
 */
static int
ret_submit_len(uint32_t seq, int status, size_t out_len, const void *d1, size_t n1, const void *d2,
	       size_t n2)
{
	uint8_t h[48] = { 0 };

	put_be32(h, RET_SUBMIT);
	put_be32(h + 4, seq);
	put_be32(h + 20, (uint32_t)status);
	put_be32(h + 24, (uint32_t)(out_len + n1 + n2));
	return tc_write_all(cam.fd, h, sizeof(h)) == 0 && (!n1 || tc_write_all(cam.fd, d1, n1) == 0) &&
	       (!n2 || tc_write_all(cam.fd, d2, n2) == 0) ? 0 : -1;
}

static int
ret_submit(uint32_t seq, int status, const void *d1, size_t n1, const void *d2, size_t n2)
{
	return ret_submit_len(seq, status, 0, d1, n1, d2, n2);
}

static void
stop_stream(void)
{
	cam.streaming = 0;
	cam.in_frame = 0;
	cam.pos = 0;
}

/*
 * A control transfer: setup, and for OUT the data stage (n bytes).  Fills
 * out/outlen for IN; returns 0 (acknowledged) or -EPIPE (stall).
 */
static int
control(const uint8_t *s, const uint8_t *data, size_t n, uint8_t *out, size_t *outlen)
{
	const uint8_t type = s[0], req = s[1];
	const unsigned value = s[2] | s[3] << 8, index = s[4] | s[5] << 8;
	unsigned frame;

	*outlen = 0;
	switch (type) {
	case 0x80: /* standard, device, IN */
		if (req == 6 && value >> 8 == 1) {
			memcpy(out, dev_desc, sizeof(dev_desc));
			*outlen = sizeof(dev_desc);
		} else if (req == 6 && value >> 8 == 2 && (value & 0xff) == 0) {
			memcpy(out, cfg_desc, cfg_len);
			*outlen = cfg_len;
		} else if (req == 6 && value >> 8 == 3) {
			*outlen = string_desc(value & 0xff, out);
			if (!*outlen)
				return -EPIPE;
		} else if (req == 8) { /* GET_CONFIGURATION */
			out[0] = 1;
			*outlen = 1;
		} else if (req == 0) { /* GET_STATUS */
			out[0] = out[1] = 0;
			*outlen = 2;
		} else {
			return -EPIPE; /* device qualifier, BOS, ...: a USB 2.0 device without */
		}
		return 0;
	case 0x81: case 0x82: /* GET_STATUS of an interface or endpoint */
		if (req != 0)
			return -EPIPE;
		out[0] = out[1] = 0;
		*outlen = 2;
		return 0;
	case 0x00: /* SET_CONFIGURATION, SET_FEATURE */
		if (req == 9 || req == 3)
			return 0;
		return -EPIPE;
	case 0x01: /* SET_INTERFACE: one alternate setting each */
		if (req != 11 || value != 0)
			return -EPIPE;
		if (index == 1)
			stop_stream();
		return 0;
	case 0x02: /* CLEAR_FEATURE(ENDPOINT_HALT): uvcvideo's stream off on bulk */
		if (req != 1 || value != 0)
			return -EPIPE;
		if ((index & 0xff) == EP_BULK_IN)
			stop_stream();
		return 0;
	case 0x21: /* class, interface, OUT: SET_CUR */
		if (req != 0x01 || (index & 0xff) != 1 || index >> 8 != 0)
			return -EPIPE;
		if (value >> 8 == 1) { /* PROBE */
			if (probe_frame(data, n, &frame) != 0)
				return -EPIPE;
			fill_probe(cam.probe, frame);
			return 0;
		}
		if (value >> 8 == 2) { /* COMMIT: the stream starts */
			if (probe_frame(data, n, &frame) != 0 || render(frame) != 0)
				return -EPIPE;
			cam.commits++;
			fill_probe(cam.probe, frame);
			stop_stream();
			cam.frame = frame;
			cam.streaming = 1;
			return 0;
		}
		return -EPIPE;
	case 0xa1: /* class, interface, IN */
		if ((index & 0xff) == 0 && value >> 8 == 2 && req == 0x81) {
			out[0] = 0; /* VC_REQUEST_ERROR_CODE_CONTROL: no error */
			*outlen = 1;
			return 0;
		}
		if ((index & 0xff) != 1 || index >> 8 != 0 || (value >> 8 != 1 && value >> 8 != 2))
			return -EPIPE;
		switch (req) {
		case 0x81: /* GET_CUR */
			memcpy(out, cam.probe, PROBE_LEN);
			*outlen = PROBE_LEN;
			return 0;
		case 0x82: case 0x83: case 0x87: /* GET_MIN, GET_MAX, GET_DEF */
			fill_probe(out, 0);
			*outlen = PROBE_LEN;
			return 0;
		case 0x85: /* GET_LEN */
			put16(out, PROBE_LEN);
			*outlen = 2;
			return 0;
		case 0x86: /* GET_INFO: GET and SET supported */
			out[0] = 3;
			*outlen = 1;
			return 0;
		default:
			return -EPIPE;
		}
	default:
		return -EPIPE;
	}
}

/* Send the current frame into the waiting bulk IN transfers. */
static int
serve_stream(void)
{
	const size_t total = (size_t)modes[cam.frame].w * modes[cam.frame].h * 2;

	while (cam.streaming && cam.in_frame && cam.npend) {
		const struct pending p = cam.pend[0];
		uint8_t hdr[2];
		size_t room, n;

		memmove(cam.pend, cam.pend + 1, --cam.npend * sizeof(cam.pend[0]));
		if (p.len < sizeof(hdr) + 1) {
			if (ret_submit(p.seq, -EOVERFLOW, NULL, 0, NULL, 0) != 0)
				return -1;
			continue;
		}
		/*
		 * One payload per transfer: header, then data.  uvcvideo ends a
		 * payload at a short transfer or at dwMaxPayloadTransferSize, so a
		 * transfer shorter than that is never filled to the brim.
		 */
		room = (p.len < MAX_PAYLOAD ? p.len - 1 : MAX_PAYLOAD) - sizeof(hdr);
		n = total - cam.pos < room ? total - cam.pos : room;
		hdr[0] = sizeof(hdr);
		hdr[1] = (uint8_t)(0x80 | cam.fid | (cam.pos + n == total ? 0x02 : 0));
		if (ret_submit(p.seq, 0, hdr, sizeof(hdr), cam.yuyv[cam.frame] + cam.pos, n) != 0)
			return -1;
		cam.pos += n;
		if (cam.pos == total) {
			cam.frames++;
			cam.in_frame = 0;
			cam.pos = 0;
			cam.fid ^= 1;
		}
	}
	return 0;
}

static int
unlink_urb(uint32_t cmd_seq, uint32_t victim)
{
	uint8_t h[48] = { 0 };
	int status = 0;
	unsigned i;

	for (i = 0; i < cam.npend; i++)
		if (cam.pend[i].seq == victim) {
			memmove(cam.pend + i, cam.pend + i + 1, (--cam.npend - i) * sizeof(cam.pend[0]));
			status = -ECONNRESET;
			break;
		}
	put_be32(h, RET_UNLINK);
	put_be32(h + 4, cmd_seq);
	put_be32(h + 20, (uint32_t)status);
	return tc_write_all(cam.fd, h, sizeof(h)) == 0 ? 0 : -1;
}

/* One command from vhci_hcd. */
static int
command(void)
{
	static uint8_t data[4096], out[1024];
	uint8_t h[48];
	uint32_t cmd, seq, dir, ep, len;
	size_t outlen, want;
	int rc;

	if (read_full(cam.fd, h, sizeof(h)) != 0)
		return -1;
	cmd = get_be32(h);
	seq = get_be32(h + 4);
	dir = get_be32(h + 12);
	ep = get_be32(h + 16);
	if (cmd == CMD_UNLINK)
		return unlink_urb(seq, get_be32(h + 20));
	if (cmd != CMD_SUBMIT) {
		fprintf(stderr, "tc_uvccam: unknown USB/IP command %u\n", cmd);
		return -1;
	}
	len = get_be32(h + 24);
	if (dir == 0 && len) { /* OUT: the data follows */
		if (len > sizeof(data)) {
			fprintf(stderr, "tc_uvccam: OUT transfer of %u bytes refused\n", len);
			return -1;
		}
		if (read_full(cam.fd, data, len) != 0)
			return -1;
	}
	if (ep == 0) {
		want = (size_t)(h[46] | h[47] << 8); /* wLength */
		rc = control(h + 40, data, dir == 0 ? len : 0, out, &outlen);
		if (rc) {
			cam.stalls++;
			fprintf(stderr, "tc_uvccam: stalled request %02x %02x value %04x index %04x\n", h[40], h[41],
				h[42] | h[43] << 8, h[44] | h[45] << 8);
		}
		if (dir == 0)
			return ret_submit_len(seq, rc, rc ? 0 : len, NULL, 0, NULL, 0);
		if (outlen > want)
			outlen = want;
		if (outlen > len)
			outlen = len;
		return ret_submit(seq, rc, out, rc ? 0 : outlen, NULL, 0);
	}
	if (ep == (EP_BULK_IN & 0x7f) && dir == 1) {
		if (cam.npend == MAX_PENDING)
			return ret_submit(seq, -ENOSPC, NULL, 0, NULL, 0);
		cam.pend[cam.npend++] = (struct pending){ seq, len };
		return serve_stream();
	}
	return ret_submit(seq, -EPIPE, NULL, 0, NULL, 0);
}

static int
vhci_write(const char *file, const char *text)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", VHCI, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

int
main(int argc, char **argv)
{
	unsigned port = 0;
	int sv[2], tfd, sfd, c, rc = 0;
	char line[64];
	sigset_t sigs;
	const struct itimerspec tick = { { 0, FRAME_INTERVAL * 100 }, { 0, FRAME_INTERVAL * 100 } };

	while ((c = getopt(argc, argv, "p:s:")) != -1) {
		switch (c) {
		case 'p': port = (unsigned)strtoul(optarg, NULL, 10); break;
		case 's': cam.seed = strtoull(optarg, NULL, 10); break;
		default:
			fprintf(stderr, "usage: tc_uvccam [-p PORT] [-s SEED]\n");
			return 2;
		}
	}
	build_config();
	fill_probe(cam.probe, 0);
	/* Every mode's frame now: a commit must be answered within uvcvideo's 5 s. */
	for (c = 0; c < (int)NMODES; c++)
		if (render((unsigned)c) != 0)
			return 1;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0 ||
	    (tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 ||
	    timerfd_settime(tfd, 0, &tick, NULL) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
		perror("tc_uvccam: setup");
		return 1;
	}
	cam.fd = sv[0];
	/* "port sockfd devid speed": the kernel takes its end from our fd table. */
	snprintf(line, sizeof(line), "%u %d %u %u", port, sv[1], 1u << 16 | 2u, USB_SPEED_HIGH);
	if (vhci_write("attach", line) != 0) {
		perror("tc_uvccam: attaching to " VHCI " (is vhci-hcd loaded?)");
		return 1;
	}
	close(sv[1]);
	fprintf(stderr, "tc_uvccam: attached on vhci port %u\n", port);

	for (;;) {
		struct pollfd pf[3] = { { cam.fd, POLLIN, 0 }, { tfd, POLLIN, 0 }, { sfd, POLLIN, 0 } };
		uint64_t ticks;

		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("tc_uvccam: poll");
			rc = 1;
			break;
		}
		if (pf[2].revents)
			break;
		if (pf[1].revents && read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks) &&
		    cam.streaming && !cam.in_frame) {
			cam.in_frame = 1; /* the sensor's next frame is ready */
			if (serve_stream() != 0) {
				rc = 1;
				break;
			}
		}
		if (pf[0].revents && command() != 0) {
			fprintf(stderr, "tc_uvccam: the host side went away\n");
			rc = 1;
			break;
		}
	}
	snprintf(line, sizeof(line), "%u", port);
	(void)vhci_write("detach", line);
	close(cam.fd);
	for (c = 0; c < (int)NMODES; c++)
		free(cam.yuyv[c]);
	fprintf(stderr, "tc_uvccam: detached: %lu stream starts, %lu frames sent, %lu requests stalled\n",
		cam.commits, cam.frames, cam.stalls);
	return rc;
}
