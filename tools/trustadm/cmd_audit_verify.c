/*
 * cmd_audit_verify.c - `audit verify DEVICE` (rule R8): check a device's
 * audit chain as trust-server received it.
 *
 * The segments in audit/<device>/ (named by first sequence, 20 digits,
 * so name order is sequence order) must chain from entry 1 with no hole:
 * each is checked with tc_audit_verify_segment against the hash the
 * previous one ended on.  A hole is reported with its sequence range and
 * checking resumes after it (the next segment is then checked on its
 * own), so one lost file does not hide tampering further on.  The
 * server's acknowledged sequence (ledger) must be reached: entries it
 * acknowledged but no longer holds are a gap too.  The device's audit key
 * is not the Trust's, so head MACs are checked for structure only.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tadm_srv.h"
#include "tc_audit.h"
#include "tc_io.h"
#include "tc_trust_valid.h"

#define SEGMENT_MAX (64u * 1024 * 1024)

struct chain {
	uint64_t next;				/* the sequence expected next */
	uint8_t last[TC_AUDIT_HASH_LEN];	/* the hash it must follow */
	unsigned segments, gaps, bad;
};

static int
is_segment(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n == 24 && strcmp(e->d_name + 20, ".seg") == 0 &&
	       strspn(e->d_name, "0123456789") == 20;
}

static int
read_segment(int dfd, const char *name, uint8_t **buf, size_t *len)
{
	struct stat st;
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), rc;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	else if (!S_ISREG(st.st_mode) || st.st_size <= 0 || (uint64_t)st.st_size > SEGMENT_MAX)
		rc = TC_E_AUDIT_FORMAT;
	else if (!(*buf = tc_malloc((size_t)st.st_size)))
		rc = -ENOMEM;
	else
		rc = tc_read_full(fd, *buf, (size_t)st.st_size, len);
	close(fd);
	if (rc != 0) {
		tc_free(*buf);
		*buf = NULL;
	}
	return rc;
}

static void
gap(struct chain *c, uint64_t from, uint64_t to, const char *why)
{
	printf("GAP: entries %" PRIu64 "..%" PRIu64 " missing (%s)\n", from, to, why);
	c->gaps++;
}

static void
check_segment(struct chain *c, int dfd, const char *name)
{
	struct tc_audit_verify_result res;
	struct tc_audit_iter it;
	uint8_t *seg = NULL;
	size_t len = 0;
	bool follows;
	int rc;

	c->segments++;
	if ((rc = read_segment(dfd, name, &seg, &len)) != 0 ||
	    (rc = tc_audit_segment_begin(&it, seg, len)) != 0) {
		printf("BAD: segment %s: %s\n", name, tc_strerror(rc));
		c->bad++;
		goto out;
	}
	if (it.first_seq < c->next) {
		printf("BAD: segment %s starts at entry %" PRIu64 ", inside entries already "
		       "verified (up to %" PRIu64 ")\n", name, it.first_seq, c->next - 1);
		c->bad++;
		goto out;
	}
	if (it.first_seq > c->next)
		gap(c, c->next, it.first_seq - 1, "no segment holds them");
	follows = it.first_seq == c->next;
	rc = tc_audit_verify_segment(seg, len, follows ? c->last : NULL, it.first_seq, NULL, &res);
	if (rc != 0) {
		printf("BAD: segment %s (from entry %" PRIu64 "): %s\n", name, it.first_seq,
		       tc_strerror(rc));
		c->bad++;
		goto out;
	}
	printf("segment %s: entries %" PRIu64 "..%" PRIu64 " ok%s\n", name, res.first_seq,
	       res.last_seq, follows ? "" : " (checked on its own, after a gap)");
	c->next = res.last_seq + 1;
	memcpy(c->last, res.last_hash, sizeof(c->last));
out:
	tc_free(seg);
}

static int
verify(struct tadm *a, const char *device, int devfd, uint64_t acked, struct chain *c)
{
	struct dirent **names = NULL;
	char path[64];
	int n, i;

	/* scandir wants a path: the directory we opened (O_NOFOLLOW), seen through /proc. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", devfd);
	n = scandir(path, &names, is_segment, alphasort);
	if (n < 0) {
		tadm_err(a, "audit/%s: %s", device, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		check_segment(c, devfd, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	if (acked + 1 > c->next)
		gap(c, c->next, acked, "acknowledged by the server but not held");
	return 0;
}

int
tadm_audit_verify(struct tadm *a, const char *device)
{
	struct chain c = { .next = 1 };
	struct tadm_srv_dev d;
	char sub[TC_POLICY_ID_MAX + 8], detail[160];
	int devfd = -1, rc = TADM_FAIL, ok;

	a->cmd = "audit verify";
	if (!tc_trust_valid_device_id(device)) {
		tadm_err(a, "'%s' is not a device id (D- and 16 hex digits)", device);
		return TADM_USAGE;
	}
	if ((rc = tadm_srv_need(a)) != TADM_OK)
		return rc;
	if (tadm_open(a) != 0 || tadm_srv_open(a) != 0 || tadm_srv_device(a, device, &d) != 0)
		return TADM_FAIL;
	snprintf(sub, sizeof(sub), "audit/%s", device);
	devfd = openat(a->srvfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (devfd < 0 && errno != ENOENT) {
		tadm_err(a, "%s/%s: %s", a->srvdir, sub, strerror(errno));
		return TADM_FAIL;
	}
	if (devfd >= 0 && verify(a, device, devfd, d.audit_seq, &c) != 0)
		goto out;
	if (devfd < 0 && d.audit_seq > 0)
		gap(&c, 1, d.audit_seq, "acknowledged by the server but not held");
	ok = c.gaps == 0 && c.bad == 0;
	printf("audit chain of %s: entries 1..%" PRIu64 " in %u segment(s), server acknowledged "
	       "%" PRIu64 ", %u gap(s), %u bad segment(s): %s\n", device, c.next - 1, c.segments,
	       d.audit_seq, c.gaps, c.bad, ok ? "OK" : "FAILED");
	snprintf(detail, sizeof(detail), "entries 1..%" PRIu64 ", %u segments, %u gaps, %u bad: %s",
		 c.next - 1, c.segments, c.gaps, c.bad, ok ? "ok" : "failed");
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_audit(a->reg, "audit.verify", device, detail)) == 0)
		rc = tc_registry_commit(a->reg);
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the check in the audit log: %s", tc_strerror(rc));
		rc = TADM_FAIL;
		goto out;
	}
	rc = ok ? TADM_OK : TADM_FAIL;
out:
	if (devfd >= 0)
		close(devfd);
	return rc;
}
