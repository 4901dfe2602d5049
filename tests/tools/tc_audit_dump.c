/*
 * tc_audit_dump.c - verify a device audit log and print its entries, one
 * a line: seq actor action object result detail.  For tests and the
 * demo.  Read-only (tc_audit_export_dir): it never locks, repairs or
 * appends, so it may run beside the daemon that owns the log.
 *   tc_audit_dump KEY_FILE AUDIT_DIR      (KEY_FILE: the raw 32-byte key)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "tc_audit.h"
#include "tc_io.h"
#include "tc_secmem.h"

int
main(int argc, char **argv)
{
	uint8_t key[TC_AUDIT_KEY_LEN], *seg = NULL;
	struct tc_audit_iter it;
	struct tc_audit_entry e;
	size_t got, len;
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: tc_audit_dump KEY_FILE AUDIT_DIR\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || tc_read_full(fd, key, sizeof(key), &got) != 0 || got != sizeof(key)) {
		fprintf(stderr, "tc_audit_dump: cannot read %s\n", argv[1]);
		return 1;
	}
	close(fd);
	rc = tc_audit_export_dir(argv[2], key, 1, TC_AUDIT_SEQ_HEAD, &seg, &len);
	tc_zeroize(key, sizeof(key));
	if (rc == -ERANGE)	/* an empty log */
		return 0;
	if (rc == 0)
		rc = tc_audit_segment_begin(&it, seg, len);
	while (rc == 0 && (rc = tc_audit_segment_next(&it, &e)) == 1) {
		printf("%llu %s %s %s %d %s\n", (unsigned long long)e.seq, e.actor, e.action,
		       e.object[0] ? e.object : "-", (int)e.result, e.detail);
		rc = 0;
	}
	tc_free(seg);
	if (rc != 0) {
		fprintf(stderr, "tc_audit_dump: %s\n", tc_strerror(rc));
		return 1;
	}
	return 0;
}
