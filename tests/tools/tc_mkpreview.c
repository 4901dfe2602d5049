/*
 * tc_mkpreview.c - the viewfinder's messages as photod sends them, as
 * records for the kiosk's fuzz harness (tests/fuzz/fuzz_preview.c, whose
 * header gives the record format; tests/fuzz/make-corpus):
 *
 *   tc_mkpreview [--torn] W H FRAMES OUT
 *
 * A ring made by photod's writer (tc_preview_create), its PREVIEW_RING
 * message as tc_ipc_send_fds puts it on the socket, then FRAMES frames:
 * each written (tc_preview_begin/end), the ring header's generations and
 * seqs as the kiosk then sees them (a WRITE record) and the PREVIEW_FRAME
 * message.  With --torn the last frame is still being written when its
 * message is sent (odd generation): the kiosk must drop it.  The records
 * go to OUT; the caller adds the start byte and anything else.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_preview.h"

static unsigned char rec[1 << 16];
static size_t rec_len;

static void
put(const void *b, size_t n)
{
	if (n > sizeof(rec) - rec_len) {
		fprintf(stderr, "tc_mkpreview: too many records\n");
		exit(1);
	}
	memcpy(rec + rec_len, b, n);
	rec_len += n;
}

/* The datagram the last send put on the socket: a u16 length and its bytes. */
static int
put_dgram(int sock)
{
	unsigned char b[sizeof(struct tc_msg_hdr) + TC_IPC_MAX_PAYLOAD];
	union {
		struct cmsghdr align;
		unsigned char raw[CMSG_SPACE(sizeof(int) * TC_IPC_MAX_FDS)];
	} ctl;
	struct iovec iov = { .iov_base = b, .iov_len = sizeof(b) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.raw,
			     .msg_controllen = sizeof(ctl.raw) };
	struct cmsghdr *cm;
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	uint16_t len;
	int fd;

	if (n <= 0 || n > UINT16_MAX)
		return -1;
	/* the ring's descriptor: the harness makes its own from the record */
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			memcpy(&fd, CMSG_DATA(cm), sizeof(fd));
			close(fd);
		}
	len = (uint16_t)n;
	put(&len, sizeof(len));
	put(b, (size_t)n);
	return 0;
}

/* A WRITE record: the header's generations and seqs as they are now. */
static void
put_counters(const struct tc_preview_map *map)
{
	uint8_t op = 2, off = offsetof(struct tc_preview_hdr, gen),
		n = sizeof(map->hdr->gen) + sizeof(map->hdr->seq);

	put(&op, 1);
	put(&off, 1);
	put(&n, 1);
	put(map->hdr->gen, n);
}

int
main(int argc, char **argv)
{
	struct tc_msg_preview_ring ring = { .nslots = TC_PREVIEW_SLOTS };
	struct tc_msg_preview_frame fr = { 0 };
	struct tc_preview_map map;
	uint64_t w, h, frames, i;
	int sv[2], fd, out, torn = argc > 1 && strcmp(argv[1], "--torn") == 0;
	uint32_t size;
	uint8_t op = 1, n = sizeof(struct tc_preview_hdr);
	uint8_t *px;

	argv += torn;
	argc -= torn;
	if (argc != 5 || tc_parse_u64(argv[1], 1, TC_PREVIEW_MAX_W, &w) != 0 ||
	    tc_parse_u64(argv[2], 1, TC_PREVIEW_MAX_H, &h) != 0 ||
	    tc_parse_u64(argv[3], 0, 100, &frames) != 0) {
		fprintf(stderr, "usage: tc_mkpreview [--torn] W H FRAMES OUT\n");
		return 2;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0 ||
	    tc_preview_create((uint32_t)w, (uint32_t)h, &fd, &map) != 0) {
		perror("tc_mkpreview");
		return 1;
	}
	/* RING: the message, the memfd's size and its header as photod sends it */
	ring.width = (uint32_t)w;
	ring.height = (uint32_t)h;
	put(&op, 1);
	if (tc_ipc_send_fds(sv[0], TC_MSG_PREVIEW_RING, &ring, sizeof(ring), &fd, 1) != 0 ||
	    put_dgram(sv[1]) != 0)
		goto fail;
	close(fd);
	size = (uint32_t)map.len;
	put(&size, sizeof(size));
	put(&n, 1);
	put(map.hdr, n);
	for (i = 0; i < frames; i++) {
		fr.slot = (uint32_t)(i % TC_PREVIEW_SLOTS);
		fr.seq = 100 + i;
		px = tc_preview_begin(&map, fr.slot);
		memset(px, (int)(0x40 + i), (size_t)w * h * 3);
		if (!torn || i + 1 < frames)
			tc_preview_end(&map, fr.slot, fr.seq);
		put_counters(&map);
		op = 0;
		put(&op, 1);
		if (tc_ipc_send(sv[0], TC_MSG_PREVIEW_FRAME, &fr, sizeof(fr)) != 0 ||
		    put_dgram(sv[1]) != 0)
			goto fail;
	}
	tc_preview_unmap(&map);
	out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (out < 0 || tc_write_all(out, rec, rec_len) != 0 || close(out) != 0) {
		perror(argv[4]);
		return 1;
	}
	return 0;
fail:
	fprintf(stderr, "tc_mkpreview: cannot send\n");
	return 1;
}
