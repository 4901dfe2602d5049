/*
 * tc_sandbox.c - seccomp filters for the device daemons (libseccomp).
 *
 * The filter is a deny list on one system call, not an allow list of all
 * of them: libcamera, SQLite and glibc change which calls they make from
 * release to release, and a daemon killed by an over-tight filter loses a
 * photo.  What must never happen, a network socket, is denied outright.
 */
#include <errno.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <seccomp.h>

#include "tc_sandbox.h"

int
tc_sandbox_no_network(void)
{
	scmp_filter_ctx ctx;
	int rc, d;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -errno;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return -ENOMEM;
	/*
	 * socket(domain, ...): refuse every domain but AF_UNIX and AF_NETLINK.
	 * libseccomp takes one comparison per argument in a rule, so the
	 * refused domains are listed: each one below AF_NETLINK, and all above.
	 */
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
			      SCMP_A0(SCMP_CMP_GT, AF_NETLINK));
	for (d = 0; rc == 0 && d < AF_NETLINK; d++)
		if (d != AF_UNIX)
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 1,
					      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)d));
	/* socketpair is AF_UNIX only in practice; refuse anything else too. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair), 1,
				      SCMP_A0(SCMP_CMP_NE, AF_UNIX));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	return rc;
}
