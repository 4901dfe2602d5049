/*
 * main.c - trustadm, the Trust's administration CLI for IT: its CA and
 * keys, device enrolment, staff, events, the consent roster and signed
 * policy bundles.  See trustadm(8).
 *
 * This file only dispatches: defaults, global options, the command.
 * Each command group lives in its own cmd_*.c; shared plumbing in
 * common.c; X.509 in pki*.c; the registry and key files in
 * tools/trustlib.
 *
 * Exit status: 0 done, 1 failed or refused, 2 usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tadm.h"
#include "tc_secmem.h"
#include "tc_version.h"

static const struct {
	const char *name;
	int (*fn)(struct tadm *a, int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "init", cmd_init, "init [DIR] [--server-name NAME] [--server-ip IP] [--no-passphrase]" },
	{ "enrol", cmd_enrol, "enrol --csr FILE --class trust-owned|approved --label TEXT | "
			      "pending | approve DEVICE --class C --label TEXT [policy options] | "
			      "refuse DEVICE" },
	{ "revoke", cmd_revoke, "revoke DEVICE" },
	{ "devices", cmd_devices, "devices" },
	{ "staff", cmd_staff, "staff add ID --name NAME [--pin-stdin] | remove ID | list" },
	{ "event", cmd_event, "event add ID --name NAME --date YYYY-MM-DD | list" },
	{ "consent", cmd_consent, "consent import FILE.csv | list" },
	{ "policy", cmd_policy, "policy issue DEVICE -o BUNDLE [options]" },
	{ "audit", cmd_audit, "audit [--last N] | audit verify DEVICE" },
	{ "review", cmd_review, "review list | open ID -o DIR | approve ID [--platforms LIST] | "
				"reject ID | tag ID REF,... | serve [--listen ADDR:PORT]" },
	{ "sar", cmd_sar, "sar PUPILREF -o DIR" },
	{ "publish", cmd_publish, "publish [DIR]" },
	{ "firmware", cmd_firmware, "firmware cert | sign DIR | list" },
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: trustadm [-d dir] [-S server-data-dir] [--passphrase-file file | "
		   "--ask-passphrase] command [args]\n"
		   "       trustadm --help | --version\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
	fprintf(f, "The Trust directory is -d DIR, else $%s, else ./%s; trust-server's data\n"
		   "directory (review, sar, devices, audit verify) is -S DIR, else $%s.  "
		   "See trustadm(8).\n", TADM_DIR_ENV, TADM_DEFAULT_DIR, TADM_SRV_ENV);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		TADM_COMMON_OPTS, { "version", no_argument, NULL, TC_OPT_VERSION }, { NULL, 0, NULL, 0 }
	};
	struct tadm a = { .dirfd = -1, .srvfd = -1 };
	const char *env = getenv(TADM_DIR_ENV), *srv = getenv(TADM_SRV_ENV);
	size_t i;
	int c, rc;

	/* Every file trustadm creates is private unless it says otherwise. */
	umask(077);
	if (tc_secure_process() != 0)
		fprintf(stderr, "trustadm: warning: cannot disable core dumps\n");
	a.dir = env && env[0] ? env : TADM_DEFAULT_DIR;
	a.srvdir = srv && srv[0] ? srv : NULL;
	while ((c = getopt_long(argc, argv, "+" TADM_COMMON_SHORT, opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			a.dir = optarg;
			break;
		case 'P':
			a.passfile = optarg;
			break;
		case 'p':
			a.ask_pass = true;
			break;
		case 'S':
			a.srvdir = optarg;
			break;
		case 'h':
			usage(stdout);
			return TADM_OK;
		case TC_OPT_VERSION:
			tc_version_print(stdout, "trustadm");
			return TADM_OK;
		default:
			usage(stderr);
			return TADM_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return TADM_USAGE;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[optind], cmds[i].name) == 0)
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "trustadm: unknown command '%s'\n", argv[optind]);
		usage(stderr);
		return TADM_USAGE;
	}
	a.cmd = cmds[i].name;
	argc -= optind;
	argv += optind;
	/* Commands parse their own options from argv[0] = the command name. */
	optind = 0;
	rc = cmds[i].fn(&a, argc, argv);
	/* The server's view follows every change (split deployment, trustadm(8)). */
	if (rc == TADM_OK && cmds[i].fn != cmd_publish)
		rc = tadm_publish_auto(&a);
	tadm_close(&a);
	return rc;
}
