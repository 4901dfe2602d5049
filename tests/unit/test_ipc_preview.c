/*
 * test_ipc_preview.c - firmware/ipc/tc_preview.c, the viewfinder's
 * shared-memory ring: a frame written is read back with its seq; a slot
 * being written (or rewritten during the copy) is refused, never shown
 * torn; the reader refuses a memfd that could shrink under it, a wrong
 * size or header; the ring travels as PREVIEW_RING's one descriptor.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_ipc.h"
#include "tc_preview.h"

#define W 64
#define H 48

static void
test_write_read(void **state)
{
	struct tc_preview_map wr, rd;
	uint8_t *px, out[W * H * 3];
	uint64_t seq = 0;
	int fd;

	(void)state;
	assert_int_equal(tc_preview_create(W, H, &fd, &wr), 0);
	assert_int_equal(tc_preview_attach(fd, &rd), 0);
	close(fd);	/* the mappings outlive the descriptor */
	assert_int_equal(rd.width, W);
	assert_int_equal(rd.height, H);
	px = tc_preview_begin(&wr, 1);
	memset(px, 0xab, W * H * 3);
	/* Mid-write: the reader drops it. */
	assert_int_equal(tc_preview_read(&rd, 1, out, &seq), -EAGAIN);
	tc_preview_end(&wr, 1, 42);
	assert_int_equal(tc_preview_read(&rd, 1, out, &seq), 0);
	assert_int_equal(seq, 42);
	assert_int_equal(out[0], 0xab);
	assert_int_equal(out[W * H * 3 - 1], 0xab);
	assert_int_equal(tc_preview_read(&rd, TC_PREVIEW_SLOTS, out, &seq), -EINVAL);
	tc_preview_unmap(&rd);
	tc_preview_unmap(&wr);
}

static void
test_refuses_bad_rings(void **state)
{
	struct tc_preview_map rd, wr;
	struct tc_preview_hdr h;
	int fd;

	(void)state;
	/* Unsealed: it could shrink under the reader. */
	fd = memfd_create("t", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	memset(&h, 0, sizeof(h));
	h.magic = TC_PREVIEW_MAGIC;
	h.width = W;
	h.height = H;
	h.nslots = TC_PREVIEW_SLOTS;
	h.slot_bytes = W * H * 3;
	assert_int_equal(ftruncate(fd, (off_t)(sizeof(h) + TC_PREVIEW_SLOTS * W * H * 3)), 0);
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(tc_preview_attach(fd, &rd), -EPROTO);
	/* Sealed, but the header claims more than the file holds. */
	h.height = H * 2;
	h.slot_bytes = W * H * 2 * 3;
	assert_int_equal(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
	assert_int_equal(tc_preview_attach(fd, &rd), -EPROTO);
	close(fd);
	/* Sizes out of range are refused at creation. */
	assert_int_equal(tc_preview_create(TC_PREVIEW_MAX_W + 2, H, &fd, &wr), -EINVAL);
	assert_int_equal(tc_preview_create(0, H, &fd, &wr), -EINVAL);
}

/* PREVIEW_RING carries exactly one descriptor, and it maps. */
static void
test_ring_over_socket(void **state)
{
	struct tc_msg_preview_ring ring = { W, H, TC_PREVIEW_SLOTS, 0 };
	struct tc_preview_map wr, rd;
	unsigned char buf[TC_IPC_MAX_PAYLOAD];
	int sv[2], fd, fds[TC_IPC_MAX_FDS];
	size_t nfds = 0;
	uint16_t t;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_int_equal(tc_preview_create(W, H, &fd, &wr), 0);
	assert_int_equal(tc_ipc_fd_count(TC_MSG_PREVIEW_RING), 1);
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_PREVIEW_RING, &ring, sizeof(ring)), -EINVAL);
	assert_int_equal(tc_ipc_send_fds(sv[0], TC_MSG_PREVIEW_RING, &ring, sizeof(ring), &fd, 1), 0);
	close(fd);
	assert_int_equal(tc_ipc_recv_fds(sv[1], &t, buf, sizeof(buf), 1000, fds, &nfds), 0);
	assert_int_equal(t, TC_MSG_PREVIEW_RING);
	assert_int_equal(nfds, 1);
	assert_int_equal(tc_preview_attach(fds[0], &rd), 0);
	close(fds[0]);
	tc_preview_begin(&wr, 0);
	tc_preview_end(&wr, 0, 8);
	assert_int_equal(__atomic_load_n(&rd.hdr->seq[0], __ATOMIC_ACQUIRE), 8);
	tc_preview_unmap(&rd);
	tc_preview_unmap(&wr);
	close(sv[0]);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_read),
		cmocka_unit_test(test_refuses_bad_rings),
		cmocka_unit_test(test_ring_over_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
