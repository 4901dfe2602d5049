/*
 * test_ipc_proto.c - firmware/ipc: exact length checks on every message,
 * unknown types, versions, timeouts and peer credentials.
 */
#include <errno.h>
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

static void
test_roundtrip_every_type(void **state)
{
	unsigned char out[TC_IPC_MAX_PAYLOAD], in[TC_IPC_MAX_PAYLOAD];
	uint16_t t, got;
	ssize_t len;

	(void)state;
	for (t = 1; t < TC_MSG_TYPE_MAX; t++) {
		len = tc_ipc_payload_len(t);
		assert_true(len >= 0);
		memset(out, (int)t, sizeof(out));
		assert_int_equal(tc_ipc_send(sv[0], t, out, (size_t)len), 0);
		assert_int_equal(tc_ipc_recv(sv[1], &got, in, sizeof(in), 1000), 0);
		assert_int_equal(got, t);
		assert_memory_equal(in, out, (size_t)len);
	}
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
		cmocka_unit_test_setup_teardown(test_send_refuses_wrong_length, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_rejects_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_timeout_and_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_and_strings, setup, teardown),
		cmocka_unit_test(test_listen_connect),
	};

	return cmocka_run_group_tests_name("ipc_proto", tests, NULL, NULL);
}
