/*
 * test_ipc_proto.c - firmware/ipc: exact length checks on every message,
 * exact descriptor counts (and no leaked descriptor on any rejection),
 * unknown types, versions, timeouts and peer credentials.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_ipc.h"

static int sv[2];

static int
setup(void **state)
{
	(void)state;
	return socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv);
}

static int
teardown(void **state)
{
	(void)state;
	close(sv[0]);
	close(sv[1]);
	return 0;
}

static void
raw_send(const void *buf, size_t len)
{
	assert_int_equal(send(sv[0], buf, len, 0), (ssize_t)len);
}

/* How many descriptors this process has open (to catch leaks). */
static int
open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* n descriptors of a fresh pipe's read end, each reading back its own byte tag. */
static void
make_fds(int *fds, size_t n)
{
	int p[2];
	char tag;

	for (size_t i = 0; i < n; i++) {
		assert_int_equal(pipe(p), 0);
		tag = (char)('a' + i);
		assert_int_equal(write(p[1], &tag, 1), 1);
		close(p[1]);
		fds[i] = p[0];
	}
}

static void
close_fds(int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

static void
test_roundtrip_every_type(void **state)
{
	unsigned char out[TC_IPC_MAX_PAYLOAD], in[TC_IPC_MAX_PAYLOAD];
	int fds[TC_IPC_MAX_FDS], rfds[TC_IPC_MAX_FDS];
	size_t nf, nr, i;
	uint16_t t, got;
	ssize_t len;
	char tag;

	(void)state;
	for (t = 1; t < TC_MSG_TYPE_MAX; t++) {
		len = tc_ipc_payload_len(t);
		assert_true(len >= 0);
		assert_true(len <= TC_IPC_MAX_PAYLOAD);
		nf = tc_ipc_fd_count(t);
		assert_true(nf <= TC_IPC_MAX_FDS);
		memset(out, (int)t, sizeof(out));
		make_fds(fds, nf);
		assert_int_equal(tc_ipc_send_fds(sv[0], t, out, (size_t)len, fds, nf), 0);
		close_fds(fds, nf);
		assert_int_equal(tc_ipc_recv_fds(sv[1], &got, in, sizeof(in), 1000, rfds, &nr), 0);
		assert_int_equal(got, t);
		assert_int_equal(nr, nf);
		assert_memory_equal(in, out, (size_t)len);
		/* The descriptors arrive in order, close-on-exec. */
		for (i = 0; i < nr; i++) {
			assert_int_equal(read(rfds[i], &tag, 1), 1);
			assert_int_equal(tag, 'a' + (int)i);
			assert_true(fcntl(rfds[i], F_GETFD) & FD_CLOEXEC);
		}
		close_fds(rfds, nr);
	}
	assert_int_equal(tc_ipc_fd_count(TC_MSG_INSTALL_REQ), 3);
	assert_int_equal(tc_ipc_fd_count(TC_MSG_POLICY_REQ), 1);
	assert_int_equal(tc_ipc_fd_count(TC_MSG_STATUS_REQ), 0);
	assert_int_equal(tc_ipc_fd_count(999), 0);
}

/* A message with the wrong number of descriptors: rejected, none leaked. */
static void
test_fd_counts_exact(void **state)
{
	unsigned char in[TC_IPC_MAX_PAYLOAD];
	struct msghdr mh;
	struct iovec iov;
	struct tc_msg_hdr h;
	union {
		struct cmsghdr align;
		unsigned char raw[CMSG_SPACE(sizeof(int) * 8)];
	} ctl;
	struct cmsghdr *cm;
	int fds[8], rfds[TC_IPC_MAX_FDS], before;
	size_t counts[] = { 0, 1, 2, 4, 8 }, nr;
	uint16_t t;

	(void)state;
	before = open_fds();
	/* The sender refuses a wrong count itself. */
	make_fds(fds, 3);
	assert_int_equal(tc_ipc_send_fds(sv[0], TC_MSG_INSTALL_REQ, NULL, 0, fds, 2), -EINVAL);
	assert_int_equal(tc_ipc_send_fds(sv[0], TC_MSG_STATUS_REQ, NULL, 0, fds, 1), -EINVAL);
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_INSTALL_REQ, NULL, 0), -EINVAL);
	close_fds(fds, 3);
	/* Raw senders: an install request with 0, 1, 2, 4 or 8 descriptors. */
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];

		make_fds(fds, n);
		h = (struct tc_msg_hdr){ TC_MSG_INSTALL_REQ, TC_IPC_VERSION, 0 };
		iov = (struct iovec){ .iov_base = &h, .iov_len = sizeof(h) };
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		if (n) {
			memset(&ctl, 0, sizeof(ctl));
			mh.msg_control = ctl.raw;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
			cm = CMSG_FIRSTHDR(&mh);
			cm->cmsg_level = SOL_SOCKET;
			cm->cmsg_type = SCM_RIGHTS;
			cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
			memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
		}
		assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)sizeof(h));
		close_fds(fds, n);
		assert_int_equal(tc_ipc_recv_fds(sv[1], &t, in, sizeof(in), 1000, rfds, &nr),
				 -EPROTO);
		assert_int_equal(nr, 0);
		assert_int_equal(open_fds(), before);
	}
	/* Descriptors on a type that carries none: rejected and closed. */
	make_fds(fds, 1);
	h = (struct tc_msg_hdr){ TC_MSG_STATUS_REQ, TC_IPC_VERSION, 0 };
	iov = (struct iovec){ .iov_base = &h, .iov_len = sizeof(h) };
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_control = ctl.raw;
	mh.msg_controllen = CMSG_SPACE(sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), fds, sizeof(int));
	assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)sizeof(h));
	close_fds(fds, 1);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	assert_int_equal(open_fds(), before);
	/* A well-formed install request to a caller that takes no descriptors. */
	make_fds(fds, 3);
	assert_int_equal(tc_ipc_send_fds(sv[0], TC_MSG_INSTALL_REQ, NULL, 0, fds, 3), 0);
	close_fds(fds, 3);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	assert_int_equal(open_fds(), before);
	/* A malformed payload with the right descriptors: the descriptors are closed too. */
	make_fds(fds, 1);
	h = (struct tc_msg_hdr){ TC_MSG_POLICY_REQ, TC_IPC_VERSION, 1 };
	{
		unsigned char raw[sizeof(h) + 1] = { 0 };

		memcpy(raw, &h, sizeof(h));
		iov = (struct iovec){ .iov_base = raw, .iov_len = sizeof(raw) };
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.raw;
		mh.msg_controllen = CMSG_SPACE(sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), fds, sizeof(int));
		assert_int_equal(sendmsg(sv[0], &mh, 0), (ssize_t)sizeof(raw));
	}
	close_fds(fds, 1);
	assert_int_equal(tc_ipc_recv_fds(sv[1], &t, in, sizeof(in), 1000, rfds, &nr), -EPROTO);
	assert_int_equal(open_fds(), before);
	/* The stream is still usable. */
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_LOGOUT_REQ, NULL, 0), 0);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), 0);
	assert_int_equal(t, TC_MSG_LOGOUT_REQ);
}

/* Version 2 layouts: the capture request carries its pupils, a login its PIN. */
static void
test_v2_payloads(void **state)
{
	struct tc_msg_capture_req cap, cin;
	struct tc_msg_login_req lr;
	unsigned char in[TC_IPC_MAX_PAYLOAD];
	uint16_t t;

	(void)state;
	assert_int_equal(TC_IPC_VERSION, 5);
	memset(&cap, 0, sizeof(cap));
	cap.count = 3;
	cap.n_pupils = TC_IPC_MAX_PUPILS;
	for (unsigned i = 0; i < TC_IPC_MAX_PUPILS; i++)
		snprintf(cap.pupils[i], sizeof(cap.pupils[i]), "P-%04u", i);
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_CAPTURE_REQ, &cap, sizeof(cap)), 0);
	assert_int_equal(tc_ipc_recv(sv[1], &t, &cin, sizeof(cin), 1000), 0);
	assert_int_equal(t, TC_MSG_CAPTURE_REQ);
	assert_string_equal(cin.pupils[15], "P-0015");
	/* A version-1 capture request (4 bytes) is now a protocol error. */
	{
		struct tc_msg_hdr h = { TC_MSG_CAPTURE_REQ, TC_IPC_VERSION, 4 };
		unsigned char raw[sizeof(h) + 4] = { 0 };

		memcpy(raw, &h, sizeof(h));
		raw_send(raw, sizeof(raw));
		assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	}
	memset(&lr, 0, sizeof(lr));
	snprintf(lr.staff, sizeof(lr.staff), "S042");
	snprintf(lr.pin, sizeof(lr.pin), "123456");
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_LOGIN_REQ, &lr, sizeof(lr)), 0);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), 0);
	assert_int_equal(t, TC_MSG_LOGIN_REQ);
	assert_memory_equal(in, &lr, sizeof(lr));
	/* The receive buffer must be at least the type's length. */
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_LOGIN_REQ, &lr, sizeof(lr)), 0);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(lr) - 1, 1000), -EPROTO);
}

static void
test_send_refuses_wrong_length(void **state)
{
	struct tc_msg_id id = { { 0 } };

	(void)state;
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_DISCARD_REQ, &id, sizeof(id) - 1), -EINVAL);
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_TYPE_MAX, &id, sizeof(id)), -EINVAL);
	assert_int_equal(tc_ipc_send(sv[0], 0, NULL, 0), -EINVAL);
}

static void
test_recv_rejects_malformed(void **state)
{
	unsigned char buf[1024], in[TC_IPC_MAX_PAYLOAD];
	struct tc_msg_hdr h;
	uint16_t t;

	(void)state;
	/* Shorter than a header. */
	raw_send("ab", 2);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* A discard request one byte short, with a header that admits it. */
	h = (struct tc_msg_hdr){ TC_MSG_DISCARD_REQ, TC_IPC_VERSION, TC_IPC_ID_LEN - 1 };
	memcpy(buf, &h, sizeof(h));
	raw_send(buf, sizeof(h) + TC_IPC_ID_LEN - 1);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* One byte long, header claiming the right length. */
	h.len = TC_IPC_ID_LEN;
	memcpy(buf, &h, sizeof(h));
	raw_send(buf, sizeof(h) + TC_IPC_ID_LEN + 1);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* Far longer than any message. */
	memset(buf, 0, sizeof(buf));
	memcpy(buf, &h, sizeof(h));
	raw_send(buf, sizeof(buf));
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* Unknown type. */
	h = (struct tc_msg_hdr){ 999, TC_IPC_VERSION, 0 };
	raw_send(&h, sizeof(h));
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* Wrong version. */
	h = (struct tc_msg_hdr){ TC_MSG_STATUS_REQ, TC_IPC_VERSION + 1, 0 };
	raw_send(&h, sizeof(h));
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -EPROTO);
	/* The stream is still usable after each rejection. */
	assert_int_equal(tc_ipc_send(sv[0], TC_MSG_STATUS_REQ, NULL, 0), 0);
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), 0);
	assert_int_equal(t, TC_MSG_STATUS_REQ);
}

static void
test_recv_timeout_and_close(void **state)
{
	unsigned char in[TC_IPC_MAX_PAYLOAD];
	uint16_t t;

	(void)state;
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 0), -ETIMEDOUT);
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(tc_ipc_recv(sv[1], &t, in, sizeof(in), 1000), -ECONNRESET);
}

static void
test_peer_and_strings(void **state)
{
	uid_t uid;
	gid_t gid;
	pid_t pid;
	char ok[8] = "abc", unterminated[4] = { 'a', 'b', 'c', 'd' }, ctrl[8] = "a\nb";

	(void)state;
	assert_int_equal(tc_ipc_peer(sv[1], &uid, &gid, &pid), 0);
	assert_int_equal(uid, geteuid());
	assert_int_equal(pid, getpid());
	assert_true(tc_ipc_str_ok(ok, sizeof(ok)));
	assert_false(tc_ipc_str_ok(unterminated, sizeof(unterminated)));
	assert_false(tc_ipc_str_ok(ctrl, sizeof(ctrl)));
}

static void
test_listen_connect(void **state)
{
	char path[256];
	const char *base = getenv("TC_TEST_TMP");
	int l, c, a;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/ipc.sock", base ? base : "/tmp");
	l = tc_ipc_listen(path);
	assert_true(l >= 0);
	c = tc_ipc_connect(path);
	assert_true(c >= 0);
	a = accept(l, NULL, NULL);
	assert_true(a >= 0);
	assert_int_equal(tc_ipc_send(c, TC_MSG_LIST_REQ, NULL, 0), 0);
	close(a);
	close(c);
	close(l);
	/* A live socket is never taken over. */
	l = tc_ipc_listen(path);
	assert_true(l >= 0);
	assert_int_equal(tc_ipc_listen(path), -EADDRINUSE);
	close(l);
	/* A stale socket is replaced; a regular file is never removed. */
	l = tc_ipc_listen(path);
	assert_true(l >= 0);
	close(l);
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(tc_ipc_listen(path), -EEXIST);
	unlink(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_roundtrip_every_type, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_counts_exact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_refuses_wrong_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_rejects_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_timeout_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_and_strings, setup, teardown),
		cmocka_unit_test(test_listen_connect),
	};

	return cmocka_run_group_tests_name("ipc_proto", tests, NULL, NULL);
}
