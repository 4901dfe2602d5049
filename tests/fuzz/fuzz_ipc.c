/*
 * fuzz_ipc.c - the message decoders of photod's socket (tc_ipc_recv_fds,
 * firmware/ipc) and syncd's (syncd_recv_request), fed through a real
 * SOCK_SEQPACKET socketpair as a client would send: the kernel's message
 * boundaries, MSG_TRUNC and SCM_RIGHTS included.
 *
 * Input: one control byte, then the message.  Control bits 0-1: how many
 * descriptors ride along (eventfds, 0..3); bit 7: send to syncd's decoder
 * instead of photod's.  After a message photod accepted, the string
 * fields are checked as photod's handlers check them (tc_ipc_str_ok).
 * Each descriptor the decoder hands over is closed here; one it fails to
 * close on an error path shows up as a leaked descriptor and aborts.
 */
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "syncd_proto.h"
#include "tc_ipc.h"

static int sv[2] = { -1, -1 };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	return 0;
}

/* The checks photod's handlers make on an accepted request's strings. */
static void
check_strings(uint16_t type, const void *payload)
{
	const struct tc_msg_capture_req *cap = payload;
	const struct tc_msg_login_req *login = payload;
	const struct tc_msg_event_req *ev = payload;
	uint32_t i;

	switch (type) {
	case TC_MSG_CAPTURE_REQ:
		for (i = 0; i < cap->n_pupils && i < TC_IPC_MAX_PUPILS; i++)
			(void)tc_ipc_str_ok(cap->pupils[i], sizeof(cap->pupils[i]));
		break;
	case TC_MSG_LOGIN_REQ:
		(void)tc_ipc_str_ok(login->staff, sizeof(login->staff));
		(void)tc_ipc_str_ok(login->pin, sizeof(login->pin));
		break;
	case TC_MSG_EVENT_SET_REQ:
		(void)tc_ipc_str_ok(ev->id, sizeof(ev->id));
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* aligned like photod's receive buffer (a union with the request structs) */
	union {
		unsigned char raw[TC_IPC_MAX_PAYLOAD];
		struct tc_msg_capture_req cap;
	} u;
	int send_fds[TC_IPC_MAX_FDS], got[TC_IPC_MAX_FDS], probe;
	size_t nsend, ngot = 0, i;
	uint16_t type;

	/* more than the decoder's buffer: still one message, MSG_TRUNC tells its length */
	if (size < 1 || size > 2 * TC_IPC_MAX_PAYLOAD)
		return -1;
	nsend = data[0] & 3;
	for (i = 0; i < nsend; i++)
		if ((send_fds[i] = eventfd(0, EFD_CLOEXEC)) < 0)
			abort();
	if (fuzz_send_fds(sv[0], data + 1, size - 1, send_fds, nsend) != (ssize_t)(size - 1))
		abort();
	for (i = 0; i < nsend; i++)
		close(send_fds[i]);
	if (data[0] & 0x80) {
		/* syncd takes no descriptors: recv() without a control buffer drops them */
		(void)syncd_recv_request(sv[1], &type);
	} else if (tc_ipc_recv_fds(sv[1], &type, &u, sizeof(u), 0, got, &ngot) == 0) {
		check_strings(type, &u);
		for (i = 0; i < ngot; i++)
			close(got[i]);
	}
	/* Nothing left queued, and no descriptor left open by the decoder. */
	probe = eventfd(0, EFD_CLOEXEC);
	if (probe < 0 || probe != (nsend ? send_fds[0] : probe))
		abort();
	close(probe);
	return 0;
}
