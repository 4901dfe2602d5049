/*
 * tc_audit_dump.c - verify a device audit log and print its entries, one
 * a line: seq actor action object result detail.  For tests and the
 * demo.  Read-only (tc_audit_export_dir): it never locks, repairs or
 * appends, so it may run beside the daemon that owns the log.
 *   tc_audit_dump KEY_FILE AUDIT_DIR      (KEY_FILE: the raw 32-byte key)
 *   tc_audit_dump -k KEY_DIR AUDIT_DIR    (the audit key from the device's
 *                                          keystore, either backend: a TPM's
 *                                          through TC_KEYSTORE_TCTI)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tc_audit.h"
#include "tc_io.h"
#include "tc_keystore.h"
#include "tc_secmem.h"

/* The audit key from KEY_FILE, or with -k from the keystore in KEY_DIR (never made here). */
static int
audit_key(const char *opt, const char *path, uint8_t key[TC_AUDIT_KEY_LEN])
{
	struct tc_keystore *ks;
	size_t got;
	int fd, rc;

	if (opt) {
		if ((rc = tc_keystore_open(&ks, path)) == 0) {
			rc = tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, key);
			tc_keystore_close(ks);
		}
		if (rc != 0)
			fprintf(stderr, "tc_audit_dump: keystore %s: %s\n", path, tc_strerror(rc));
		return rc;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	rc = fd < 0 || tc_read_full(fd, key, TC_AUDIT_KEY_LEN, &got) != 0 ||
	     got != TC_AUDIT_KEY_LEN ? -EIO : 0;
	if (fd >= 0)
		close(fd);
	if (rc != 0)
		fprintf(stderr, "tc_audit_dump: cannot read %s\n", path);
	return rc;
}

int
main(int argc, char **argv)
{
	uint8_t key[TC_AUDIT_KEY_LEN], *seg = NULL;
	struct tc_audit_iter it;
	struct tc_audit_entry e;
	size_t len;
	int k = argc == 4 && strcmp(argv[1], "-k") == 0, rc;

	if (argc != 3 + k) {
		fprintf(stderr, "usage: tc_audit_dump KEY_FILE AUDIT_DIR | -k KEY_DIR AUDIT_DIR\n");
		return 2;
	}
	if (audit_key(k ? argv[1] : NULL, argv[1 + k], key) != 0) {
		tc_zeroize(key, sizeof(key));
		return 1;
	}
	rc = tc_audit_export_dir(argv[2 + k], key, 1, TC_AUDIT_SEQ_HEAD, &seg, &len);
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
