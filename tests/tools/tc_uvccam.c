/*
 * tc_uvccam - a USB UVC webcam, emulated in user space, for the boot
 * test (test-only: it runs on the host beside qemu, never in an image).
 *
 *   tc_uvccam -S SOCKET [-s SEED] [-P PIDFILE]
 *
 * Listens on the unix socket SOCKET for qemu's usb-redir device
 * (`-chardev socket,id=cam,path=SOCKET -device usb-redir,chardev=cam`)
 * and plays the "usb-host" side of the usbredir protocol
 * (libusbredirparser): it announces one high-speed USB video-class camera
 * and answers its USB traffic itself: the device, configuration and string
 * descriptors, the UVC probe and commit controls, and the video stream on
 * a bulk endpoint.  qemu puts the camera on its emulated (PCI) XHCI
 * controller, and the guest's side is the real one: usbcore enumerates
 * it, uvcvideo drives it, udev names it, libcamera's UVC pipeline finds
 * it.  (libcamera 0.0.3 names a camera after the ACPI or device-tree node
 * of a controller above it: a PCI controller on q35 has one; the kernel's
 * USB/IP and dummy host controllers, tried before, do not.)
 *
 * The camera offers YUYV (uncompressed 4:2:2) at 1920x1080 (the kiosk's
 * CONFIG_CAMERA_DEFAULT_MODE) and 640x480, at 2 frames a second (cheap
 * under emulation).  Every frame is the synthetic sensor's frame 0 of SEED
 * (tc_synth_render, YUV 4:2:0) packed as YUYV, each chroma row given to
 * both of its lines, so a camera converting it back to 4:2:0 gets
 * tc_synth_render's planes exactly.
 *
 * Once it listens, it goes into the background (the parent exits 0, the
 * child's pid in PIDFILE), so a caller can start qemu next without
 * waiting on anything else.  It serves one connection: "tc_uvccam:
 * connected" on stderr once qemu has the device, a summary when qemu
 * goes away or on SIGTERM/SIGINT, then exit 0.  Exit 1 on a failure
 * (the reason on stderr).
 */
#define _GNU_SOURCE /* accept4 */
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
#include <sys/un.h>
#include <unistd.h>
#include <usbredirparser.h>

#include "tc_camera.h"
#include "tc_io.h"
#include "tc_synth.h"

#define EP_BULK_IN 0x81
#define BULK_MAXP 512
#define MAX_PAYLOAD 16384u      /* dwMaxPayloadTransferSize: one URB of uvcvideo's */
#define FRAME_INTERVAL 5000000u /* 100 ns units: 2 frames a second */
#define PROBE_LEN 34            /* UVC 1.1 probe/commit control */
#define MAX_PENDING 64
/* usbredir's endpoint index: IN endpoints from 16 on */
#define EP_INDEX(ep) ((((ep) & 0x80) >> 3) | ((ep) & 0x0f))

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
	uint64_t id;
	uint32_t len;
};

static struct {
	struct usbredirparser *parser;
	int fd;                       /* the connection to qemu */
	int failed;                   /* the connection broke: stop */
	int connected;
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

static void
stop_stream(void)
{
	cam.streaming = 0;
	cam.in_frame = 0;
	cam.pos = 0;
}

/*
 * A control transfer but those qemu turns into packets of their own
 * (SET_ADDRESS, SET/GET_CONFIGURATION, SET/GET_INTERFACE): its setup,
 * and for OUT the data stage (n bytes).  Fills out/outlen for IN (at most
 * 1024 bytes); returns 0 (acknowledged) or -EPIPE (stall).
 */
static int
control(const struct usb_redir_control_packet_header *s, const uint8_t *data, size_t n, uint8_t *out,
	size_t *outlen)
{
	const uint8_t type = s->requesttype, req = s->request;
	const unsigned value = s->value, index = s->index;
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
	case 0x00: /* SET_FEATURE (remote wake-up) */
		return req == 3 ? 0 : -EPIPE;
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

/* ---------------------------------------------------------------- usbredir */

static void
send_bulk(uint64_t id, uint8_t status, uint8_t *data, size_t n)
{
	struct usb_redir_bulk_packet_header h = {
		.endpoint = EP_BULK_IN, .status = status,
		.length = (uint16_t)n, .length_high = (uint16_t)(n >> 16),
	};

	usbredirparser_send_bulk_packet(cam.parser, id, &h, data, (int)n);
}

/*
 * Send the current frame into the waiting bulk IN transfers, one payload
 * per transfer: a 2-byte header, then data.  uvcvideo ends a payload at a
 * short transfer or at dwMaxPayloadTransferSize, so a transfer shorter
 * than that is never filled to the brim.
 */
static void
serve_stream(void)
{
	static uint8_t buf[MAX_PAYLOAD];
	const size_t total = (size_t)modes[cam.frame].w * modes[cam.frame].h * 2;

	while (cam.streaming && cam.in_frame && cam.npend) {
		const struct pending p = cam.pend[0];
		size_t room, n;

		memmove(cam.pend, cam.pend + 1, --cam.npend * sizeof(cam.pend[0]));
		if (p.len < 3) {
			send_bulk(p.id, usb_redir_babble, NULL, 0);
			continue;
		}
		room = (p.len < MAX_PAYLOAD ? p.len - 1 : MAX_PAYLOAD) - 2;
		n = total - cam.pos < room ? total - cam.pos : room;
		buf[0] = 2;
		buf[1] = (uint8_t)(0x80 | cam.fid | (cam.pos + n == total ? 0x02 : 0));
		memcpy(buf + 2, cam.yuyv[cam.frame] + cam.pos, n);
		send_bulk(p.id, usb_redir_success, buf, n + 2);
		cam.pos += n;
		if (cam.pos == total) {
			cam.frames++;
			cam.in_frame = 0;
			cam.pos = 0;
			cam.fid ^= 1;
		}
	}
}

static int
redir_read(void *priv, uint8_t *data, int count)
{
	ssize_t n = read(cam.fd, data, (size_t)count);

	(void)priv;
	if (n > 0)
		return (int)n;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	cam.failed = 1; /* qemu closed the connection, or an error */
	return -1;
}

static int
redir_write(void *priv, uint8_t *data, int count)
{
	ssize_t n = write(cam.fd, data, (size_t)count);

	(void)priv;
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	cam.failed = 1;
	return -1;
}

static void
redir_log(void *priv, int level, const char *msg)
{
	(void)priv;
	if (level <= usbredirparser_warning)
		fprintf(stderr, "tc_uvccam: usbredir: %s\n", msg);
}

/* qemu's hello: announce the camera (interfaces and endpoints first, as qemu checks them on connect). */
static void
on_hello(void *priv, struct usb_redir_hello_header *hello)
{
	struct usb_redir_interface_info_header ifs = { .interface_count = 2 };
	struct usb_redir_ep_info_header eps;
	struct usb_redir_device_connect_header dc = {
		.speed = usb_redir_speed_high, .device_class = dev_desc[4],
		.device_subclass = dev_desc[5], .device_protocol = dev_desc[6],
		.vendor_id = (uint16_t)(dev_desc[8] | dev_desc[9] << 8),
		.product_id = (uint16_t)(dev_desc[10] | dev_desc[11] << 8),
		.device_version_bcd = (uint16_t)(dev_desc[12] | dev_desc[13] << 8),
	};

	(void)priv;
	fprintf(stderr, "tc_uvccam: peer %.64s\n", hello->version);
	ifs.interface[1] = 1;
	ifs.interface_class[0] = ifs.interface_class[1] = 0x0e;
	ifs.interface_subclass[0] = 1; /* VideoControl */
	ifs.interface_subclass[1] = 2; /* VideoStreaming */
	memset(&eps, 0, sizeof(eps));
	memset(eps.type, usb_redir_type_invalid, sizeof(eps.type));
	eps.type[EP_INDEX(0x00)] = eps.type[EP_INDEX(0x80)] = usb_redir_type_control;
	eps.max_packet_size[EP_INDEX(0x00)] = eps.max_packet_size[EP_INDEX(0x80)] = dev_desc[7];
	eps.type[EP_INDEX(EP_BULK_IN)] = usb_redir_type_bulk;
	eps.interface[EP_INDEX(EP_BULK_IN)] = 1;
	eps.max_packet_size[EP_INDEX(EP_BULK_IN)] = BULK_MAXP;
	usbredirparser_send_interface_info(cam.parser, &ifs);
	usbredirparser_send_ep_info(cam.parser, &eps);
	usbredirparser_send_device_connect(cam.parser, &dc);
	cam.connected = 1;
	fprintf(stderr, "tc_uvccam: connected\n");
}

static void
on_reset(void *priv)
{
	(void)priv;
	stop_stream();
}

static void
on_set_configuration(void *priv, uint64_t id, struct usb_redir_set_configuration_header *h)
{
	struct usb_redir_configuration_status_header st = {
		.status = h->configuration <= 1 ? usb_redir_success : usb_redir_stall,
		.configuration = h->configuration,
	};

	(void)priv;
	stop_stream();
	usbredirparser_send_configuration_status(cam.parser, id, &st);
}

static void
on_get_configuration(void *priv, uint64_t id)
{
	struct usb_redir_configuration_status_header st = { usb_redir_success, 1 };

	(void)priv;
	usbredirparser_send_configuration_status(cam.parser, id, &st);
}

/* One alternate setting per interface; setting the streaming one stops the stream. */
static void
on_set_alt_setting(void *priv, uint64_t id, struct usb_redir_set_alt_setting_header *h)
{
	struct usb_redir_alt_setting_status_header st = {
		.status = h->interface <= 1 && h->alt == 0 ? usb_redir_success : usb_redir_stall,
		.interface = h->interface, .alt = h->alt,
	};

	(void)priv;
	if (h->interface == 1)
		stop_stream();
	usbredirparser_send_alt_setting_status(cam.parser, id, &st);
}

static void
on_get_alt_setting(void *priv, uint64_t id, struct usb_redir_get_alt_setting_header *h)
{
	struct usb_redir_alt_setting_status_header st = {
		.status = h->interface <= 1 ? usb_redir_success : usb_redir_stall,
		.interface = h->interface, .alt = 0,
	};

	(void)priv;
	usbredirparser_send_alt_setting_status(cam.parser, id, &st);
}

/* The guest gave up a transfer (stream stopped, URB killed): answer it as cancelled. */
static void
on_cancel(void *priv, uint64_t id)
{
	unsigned i;

	(void)priv;
	for (i = 0; i < cam.npend; i++)
		if (cam.pend[i].id == id) {
			memmove(cam.pend + i, cam.pend + i + 1, (--cam.npend - i) * sizeof(cam.pend[0]));
			send_bulk(id, usb_redir_cancelled, NULL, 0);
			return;
		}
}

static void
on_control(void *priv, uint64_t id, struct usb_redir_control_packet_header *h, uint8_t *data,
	   int data_len)
{
	static uint8_t out[1024];
	size_t outlen = 0;
	int rc;

	(void)priv;
	rc = control(h, data, data_len > 0 ? (size_t)data_len : 0, out, &outlen);
	usbredirparser_free_packet_data(cam.parser, data);
	if (rc) {
		cam.stalls++;
		fprintf(stderr, "tc_uvccam: stalled request %02x %02x value %04x index %04x\n",
			h->requesttype, h->request, h->value, h->index);
	}
	h->status = rc ? usb_redir_stall : usb_redir_success;
	if (!(h->endpoint & 0x80)) { /* OUT: all of it taken, nothing back */
		h->length = rc ? 0 : h->length;
		usbredirparser_send_control_packet(cam.parser, id, h, NULL, 0);
		return;
	}
	if (rc || outlen > h->length)
		outlen = rc ? 0 : h->length;
	h->length = (uint16_t)outlen;
	usbredirparser_send_control_packet(cam.parser, id, h, outlen ? out : NULL, (int)outlen);
}

static void
on_bulk(void *priv, uint64_t id, struct usb_redir_bulk_packet_header *h, uint8_t *data, int data_len)
{
	(void)priv;
	(void)data_len; /* an OUT transfer: the camera has no OUT endpoint */
	usbredirparser_free_packet_data(cam.parser, data);
	if (h->endpoint != EP_BULK_IN || cam.npend == MAX_PENDING) {
		h->status = usb_redir_stall;
		h->length = h->length_high = 0;
		usbredirparser_send_bulk_packet(cam.parser, id, h, NULL, 0);
		return;
	}
	cam.pend[cam.npend++] = (struct pending){ id, (uint32_t)h->length_high << 16 | h->length };
	serve_stream();
}

/* Interrupt and isochronous endpoints, bulk streams: the camera has none. */
static void
on_interrupt(void *priv, uint64_t id, struct usb_redir_interrupt_packet_header *h, uint8_t *data,
	     int data_len)
{
	(void)priv;
	(void)data_len;
	usbredirparser_free_packet_data(cam.parser, data);
	h->status = usb_redir_inval;
	h->length = 0;
	usbredirparser_send_interrupt_packet(cam.parser, id, h, NULL, 0);
}

static void
on_iso(void *priv, uint64_t id, struct usb_redir_iso_packet_header *h, uint8_t *data, int data_len)
{
	(void)priv;
	(void)data_len;
	usbredirparser_free_packet_data(cam.parser, data);
	h->status = usb_redir_inval;
	h->length = 0;
	usbredirparser_send_iso_packet(cam.parser, id, h, NULL, 0);
}

static struct usbredirparser *
make_parser(void)
{
	struct usbredirparser *p = usbredirparser_create();
	uint32_t caps[USB_REDIR_CAPS_SIZE] = { 0 };

	if (!p)
		return NULL;
	p->log_func = redir_log;
	p->read_func = redir_read;
	p->write_func = redir_write;
	p->hello_func = on_hello;
	p->reset_func = on_reset;
	p->set_configuration_func = on_set_configuration;
	p->get_configuration_func = on_get_configuration;
	p->set_alt_setting_func = on_set_alt_setting;
	p->get_alt_setting_func = on_get_alt_setting;
	p->cancel_data_packet_func = on_cancel;
	p->control_packet_func = on_control;
	p->bulk_packet_func = on_bulk;
	p->interrupt_packet_func = on_interrupt;
	p->iso_packet_func = on_iso;
	/* What qemu needs of a device on XHCI (hw/usb/redirect.c: usbredir_do_attach). */
	usbredirparser_caps_set_cap(caps, usb_redir_cap_connect_device_version);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_ep_info_max_packet_size);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_64bits_ids);
	usbredirparser_caps_set_cap(caps, usb_redir_cap_32bits_bulk_length);
	usbredirparser_init(p, "tc_uvccam", caps, USB_REDIR_CAPS_SIZE, usbredirparser_fl_usb_host);
	return p;
}

/* ---------------------------------------------------------------- the socket */

/* A listening unix socket at path (a stale one replaced), or -1. */
static int
listen_at(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(a.sun_path)) {
		fprintf(stderr, "tc_uvccam: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	(void)unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 1) != 0) {
		fprintf(stderr, "tc_uvccam: listening on %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Into the background: the parent writes the child's pid to pidfile and exits 0. */
static int
background(const char *pidfile)
{
	pid_t pid = fork();
	FILE *f;

	if (pid < 0)
		return -1;
	if (pid > 0) {
		if (pidfile && (!(f = fopen(pidfile, "w")) || fprintf(f, "%d\n", (int)pid) < 0 || fclose(f) != 0)) {
			fprintf(stderr, "tc_uvccam: writing %s: %s\n", pidfile, strerror(errno));
			kill(pid, SIGTERM);
			_exit(1);
		}
		_exit(0);
	}
	return setsid() < 0 ? -1 : 0;
}

/* Serve the one connection until qemu goes away or a signal comes; 0 or -1. */
static int
serve(int lfd, int sfd)
{
	const struct itimerspec tick = { { 0, FRAME_INTERVAL * 100 }, { 0, FRAME_INTERVAL * 100 } };
	struct pollfd pf[3] = { { lfd, POLLIN, 0 }, { sfd, POLLIN, 0 }, { -1, POLLIN, 0 } };
	uint64_t ticks;
	int tfd;

	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC)) < 0 || timerfd_settime(tfd, 0, &tick, NULL) != 0)
		return -1;
	pf[2].fd = tfd;
	for (;;) { /* waiting for qemu */
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (pf[1].revents)
			return 0;
		if (pf[0].revents)
			break;
	}
	if ((cam.fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) < 0 || !(cam.parser = make_parser()))
		return -1;
	pf[0].fd = cam.fd;
	while (!cam.failed) {
		pf[0].events = POLLIN | (usbredirparser_has_data_to_write(cam.parser) ? POLLOUT : 0);
		if (poll(pf, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (pf[1].revents)
			return 0;
		if (pf[2].revents && read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks) && cam.streaming &&
		    !cam.in_frame) {
			cam.in_frame = 1; /* the sensor's next frame is ready */
			serve_stream();
		}
		if (pf[0].revents & (POLLIN | POLLHUP | POLLERR) && usbredirparser_do_read(cam.parser) != 0)
			cam.failed = 1;
		if (usbredirparser_has_data_to_write(cam.parser) && usbredirparser_do_write(cam.parser) != 0)
			cam.failed = 1;
	}
	fprintf(stderr, "tc_uvccam: qemu went away\n");
	return cam.connected ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *path = NULL, *pidfile = NULL;
	int lfd, sfd, c, rc;
	sigset_t sigs;

	while ((c = getopt(argc, argv, "S:s:P:")) != -1) {
		switch (c) {
		case 'S': path = optarg; break;
		case 's': cam.seed = strtoull(optarg, NULL, 10); break;
		case 'P': pidfile = optarg; break;
		default: path = NULL; optind = argc + 1; break;
		}
	}
	if (!path || optind != argc) {
		fprintf(stderr, "usage: tc_uvccam -S SOCKET [-s SEED] [-P PIDFILE]\n");
		return 2;
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
	if ((lfd = listen_at(path)) < 0)
		return 1;
	if (background(pidfile) != 0 || (sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		perror("tc_uvccam: setup");
		return 1;
	}
	rc = serve(lfd, sfd);
	if (rc != 0 && !cam.failed)
		perror("tc_uvccam");
	if (cam.parser)
		usbredirparser_destroy(cam.parser);
	close(lfd);
	(void)unlink(path);
	for (c = 0; c < (int)NMODES; c++)
		free(cam.yuyv[c]);
	fprintf(stderr, "tc_uvccam: done: %lu stream starts, %lu frames sent, %lu requests stalled\n",
		cam.commits, cam.frames, cam.stalls);
	return rc ? 1 : 0;
}
