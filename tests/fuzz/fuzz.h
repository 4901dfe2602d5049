/*
 * fuzz.h - what the libFuzzer harnesses share: the entry points libFuzzer
 * calls, quiet logging, sending a raw datagram, and the test keys of fuzz_keys.h in binary form.
 *
 * Every harness is deterministic for a given input (no clock but a fixed
 * one, no network, files only under $TMPDIR) and leaves nothing
 * behind from one input to the next: what it allocates it frees, so
 * LeakSanitizer sees a leak in the code under test, not in the harness.
 */
#ifndef TC_FUZZ_H
#define TC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fuzz_keys.h"
#include "tc_io.h"
#include "tc_log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Logs cost more than most parsers: only errors, which the code under test rarely logs. */
static inline void
fuzz_quiet(void)
{
	tc_log_set_level(TC_LOG_ERR);
}

/* The LLVMFuzzerInitialize of a harness that needs nothing else set up. */
#define FUZZ_INIT_QUIET							\
	int LLVMFuzzerInitialize(int *argc, char ***argv)		\
	{								\
		(void)argc;						\
		(void)argv;						\
		fuzz_quiet();						\
		return 0;						\
	}

/* A hex test key from fuzz_keys.h; a broken header is the harness's bug: abort. */
static inline void
fuzz_hex(const char *hex, uint8_t *out, size_t len)
{
	if (tc_hex_decode(hex, out, len) != 0)
		abort();
}

/*
 * One datagram on a socket as a peer would send it, bytes as given (no
 * header added) and nfds (at most 3) descriptors over SCM_RIGHTS, never
 * blocking.  sendmsg's result.
 */
static inline ssize_t
fuzz_send_fds(int sock, const void *msg, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr align;
		unsigned char raw[CMSG_SPACE(sizeof(int) * 3)];
	} ctl;
	struct iovec iov = { .iov_base = (void *)msg, .iov_len = len };
	struct msghdr mh;
	struct cmsghdr *cm;

	if (nfds > 3)
		abort();
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds) {
		mh.msg_control = ctl.raw;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	return sendmsg(sock, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
}

#endif /* TC_FUZZ_H */
