/*
 * tc_auditseg.c - device audit logs and their upload segments for
 * trust-server's tests, made with firmware/audit exactly as photod and
 * syncd make them (a fixed test key; the server never has it).
 *
 *   tc_auditseg DIR append N            append N entries to the log in DIR
 *   tc_auditseg DIR export FROM OUT     entries FROM..head as a segment in OUT
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tc_audit.h"
#include "tc_io.h"

int
main(int argc, char **argv)
{
	uint8_t key[TC_AUDIT_KEY_LEN], *seg = NULL;
	struct tc_audit *a = NULL;
	uint64_t n, i;
	size_t len;
	char detail[32];
	int fd, rc = 1;

	memset(key, 0x42, sizeof(key));
	if (argc < 4 || tc_parse_u64(argv[3], 1, 1000000, &n) != 0 ||
	    (strcmp(argv[2], "export") == 0 && argc != 5)) {
		fprintf(stderr, "usage: tc_auditseg DIR append N | DIR export FROM OUT\n");
		return 2;
	}
	if (tc_audit_open(&a, argv[1], key) != 0)
		return 1;
	if (strcmp(argv[2], "append") == 0) {
		for (i = 0; i < n; i++) {
			snprintf(detail, sizeof(detail), "test entry %llu", (unsigned long long)i);
			if (tc_audit_append(a, "test", "capture", NULL, 0, detail) != 0)
				goto out;
		}
		rc = 0;
	} else if (strcmp(argv[2], "export") == 0) {
		if (tc_audit_export(a, n, TC_AUDIT_SEQ_HEAD, &seg, &len) != 0)
			goto out;
		fd = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd >= 0 && tc_write_all(fd, seg, len) == 0 && close(fd) == 0)
			rc = 0;
	}
out:
	tc_free(seg);
	tc_audit_close(a);
	return rc;
}
