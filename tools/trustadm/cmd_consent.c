/*
 * cmd_consent.c - `consent import FILE.csv` and `consent list` (rule R5).
 *
 * An import replaces the whole roster in one transaction, so consent a
 * parent has withdrawn disappears with its row, and a file with any
 * problem changes nothing.  Errors name a line, never a pupil ref or a
 * label; labels are stored and sealed into the policy, never printed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/md.h>

#include "tadm.h"
#include "tc_consent_csv.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define CONSENT_SYN "consent import FILE.csv | consent list"

static int
consent_import(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	struct tc_policy_consent *rows = NULL;
	unsigned char digest[32];
	char why[256], detail[160], hex[65];
	const char *path;
	unsigned long line;
	uint8_t *buf = NULL;
	size_t len, n = 0, old_n = 0, labelled = 0, i;
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, CONSENT_SYN)) >= 0)
			return rc;
	if (optind + 1 != argc)
		return tadm_usage(a, CONSENT_SYN);
	path = argv[optind];
	rc = TADM_FAIL;
	if (tadm_open(a) != 0 || tadm_read_input(a, path, TC_CONSENT_FILE_MAX, &buf, &len) != 0)
		goto out;
	if (tc_consent_parse(buf, len, &rows, &n, &line, why, sizeof(why)) != 0) {
		if (line)
			tadm_err(a, "%s: line %lu: %s; nothing imported", path, line, why);
		else
			tadm_err(a, "%s: %s; nothing imported", path, why);
		goto out;
	}
	/* The file's digest ties the audit row to exactly what was imported. */
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), buf, len, digest) != 0)
		goto out;
	tc_hex_encode(digest, sizeof(digest), hex);
	/* Labels are counted, never written out: the audit log names no child. */
	for (i = 0; i < n; i++)
		labelled += rows[i].label[0] != '\0';
	if ((rc = tc_registry_begin(a->reg)) == 0 &&
	    (rc = tc_registry_consent_replace(a->reg, rows, n, &old_n)) == 0) {
		snprintf(detail, sizeof(detail), "%zu pupils (%zu labelled) replacing %zu, "
			 "file sha256 %s", n, labelled, old_n, hex);
		if ((rc = tc_registry_audit(a->reg, "consent.import", "roster", detail)) == 0)
			rc = tc_registry_commit(a->reg);
	}
	if (rc != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot import %s: %s; nothing imported", path, tc_strerror(rc));
		rc = TADM_FAIL;
		goto out;
	}
	printf("consent roster: %zu pupils imported (%zu labelled), replacing %zu\n", n, labelled,
	       old_n);
	rc = tadm_policy_reissue(a, "consent imported");
out:
	tc_consent_free(rows, n);
	if (buf)
		tc_zeroize(buf, len);
	tc_free(buf);
	return rc;
}

static int
print_consent(void *ctx, const struct tc_policy_consent *c)
{
	unsigned i;

	(void)ctx;
	printf("%-16s  ", c->pupil);
	if (c->n_platforms == 0)
		printf("(none: internal use only)");
	for (i = 0; i < c->n_platforms; i++)
		printf("%s%s", i ? ";" : "", c->platforms[i]);
	printf("\n");
	return 0;
}

static int
consent_list(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	int c, rc;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, CONSENT_SYN)) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, CONSENT_SYN);
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	printf("%-16s  %s\n", "PUPIL", "PLATFORMS");
	if ((rc = tc_registry_consent_foreach(a->reg, print_consent, NULL)) != 0) {
		tadm_err(a, "cannot list the roster: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	return TADM_OK;
}

int
cmd_consent(struct tadm *a, int argc, char **argv)
{
	static const struct tadm_sub subs[] = {
		{ "import", "consent import", consent_import },
		{ "list", "consent list", consent_list },
	};

	return tadm_subcommand(a, argc, argv, CONSENT_SYN, subs, sizeof(subs) / sizeof(subs[0]));
}
