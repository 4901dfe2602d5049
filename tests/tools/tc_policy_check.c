/*
 * tc_policy_check.c - verify a policy bundle the way a device does, for
 * trustadm's tests:
 *
 *   tc_policy_check BUNDLE CA_PEM DEVICE_ID [MIN_VERSION]
 *
 * runs tc_policy_verify (signature over the exact bytes, signer chained
 * to the CA, device id, validity now, version > MIN_VERSION, default 0,
 * class rules) and prints what the policy holds, one "key value" a line:
 * version, issued (seconds since the epoch), class, staff, events,
 * consent, grace, require_event, server_url.  Exit 0 when it verifies, 1 with the reason otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_policy.h"

static int
slurp(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 2 * 1024 * 1024, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	*buf = tc_malloc(cap + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	rc = tc_read_full(fd, *buf, cap, &got);
	close(fd);
	(*buf)[got] = 0;
	*len = got;
	return rc;
}

int
main(int argc, char **argv)
{
	struct tc_policy *p = NULL;
	uint8_t *bundle = NULL, *ca = NULL;
	size_t blen = 0, clen = 0;
	uint64_t min = 0;
	int rc;

	if (argc < 4 || argc > 5 ||
	    (argc == 5 && tc_parse_u64(argv[4], 0, UINT64_MAX, &min) != 0)) {
		fprintf(stderr, "usage: tc_policy_check BUNDLE CA_PEM DEVICE_ID [MIN_VERSION]\n");
		return 2;
	}
	if ((rc = slurp(argv[1], &bundle, &blen)) != 0 || (rc = slurp(argv[2], &ca, &clen)) != 0) {
		fprintf(stderr, "tc_policy_check: %s\n", tc_strerror(rc));
		rc = 1;
		goto out;
	}
	rc = tc_policy_verify(bundle, blen, (const char *)ca, argv[3], min, (int64_t)time(NULL), &p);
	if (rc != 0) {
		fprintf(stderr, "tc_policy_check: %s\n", tc_strerror(rc));
		rc = 1;
		goto out;
	}
	printf("version %llu\n", (unsigned long long)p->version);
	printf("issued %lld\n", (long long)p->issued);
	printf("class %s\n", p->device_class == TC_CLASS_APPROVED ? "approved" : "trust-owned");
	/* The staff table is sealed to the device: only its key opens it. */
	if (p->sealed.box)
		printf("staff sealed\n");
	else
		printf("staff %zu\n", p->n_staff);
	printf("events %zu\n", p->n_events);
	printf("consent %zu\n", p->n_pupils);
	printf("grace %u\n", p->rules.delete_grace_hours);
	printf("require_event %d\n", p->rules.require_event);
	printf("max_unsynced %u\n", p->rules.max_unsynced);
	printf("server_url %s\n", p->server_url);
	printf("validity_days %lld\n", (long long)((p->expires - p->issued) / 86400));
out:
	tc_policy_free(p);
	tc_free(bundle);
	tc_free(ca);
	return rc;
}
