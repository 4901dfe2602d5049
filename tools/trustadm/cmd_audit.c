/*
 * cmd_audit.c - `audit`: the Trust's own audit log, oldest first; `audit
 * verify DEVICE` (a device's chain as received) is cmd_audit_verify.c.
 *
 * Read-only; the log itself is written by every state-changing command
 * through tc_registry_audit, in the same transaction as the change.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tadm.h"
#include "tc_io.h"

#define AUDIT_SYN "audit [--last N] | audit verify DEVICE"

static int
print_audit(void *ctx, const struct tc_reg_audit *e)
{
	time_t t = (time_t)e->time;
	struct tm tm;
	char when[32];

	(void)ctx;
	if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm))
		tc_strlcpy(when, "-", sizeof(when));
	printf("%lld  %s  %s  %s  %s%s%s\n", (long long)e->seq, when, e->os_user, e->action,
	       e->subject, e->detail[0] ? "  " : "", e->detail);
	return 0;
}

int
cmd_audit(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "last", required_argument, NULL, 'n' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	uint64_t last = 0;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, "n:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'n') {
			if (tc_parse_u64(optarg, 1, 1000000, &last) != 0) {
				tadm_err(a, "--last is a number from 1 to 1000000");
				return TADM_USAGE;
			}
		} else if ((rc = tadm_common_opt(a, c, AUDIT_SYN)) >= 0) {
			return rc;
		}
	}
	if (optind + 2 == argc && strcmp(argv[optind], "verify") == 0 && !last)
		return tadm_audit_verify(a, argv[optind + 1]);
	if (optind != argc)
		return tadm_usage(a, AUDIT_SYN);
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if ((rc = tc_registry_audit_foreach(a->reg, (unsigned)last, print_audit, NULL)) != 0) {
		tadm_err(a, "cannot read the audit log: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	return TADM_OK;
}
