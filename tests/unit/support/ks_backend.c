/*
 * ks_backend.c - run the keystore tests on each backend (ks_backend.h).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autoconf.h"
#include "ks_backend.h"
#include "tc_fault.h"

char ks_dir[600];
struct swtpm ks_tpm;
static int on_tpm;

int
ks_backend_setup(void **state)
{
	const char *base = getenv("TC_TEST_TMP");
	char tmpl[500];

	(void)state;
	snprintf(tmpl, sizeof(tmpl), "%s/ks%sXXXXXX", base ? base : "/tmp", on_tpm ? "tpm" : "");
	assert_non_null(mkdtemp(tmpl));
	snprintf(ks_dir, sizeof(ks_dir), "%s/keys", tmpl);
	tc_fault_disarm_all();
	if (on_tpm)
		assert_int_equal(swtpm_start_env(&ks_tpm, "swtpm"), 0);
	return 0;
}

int
ks_backend_teardown(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	if (on_tpm) {
		swtpm_stop(&ks_tpm);
		unsetenv("TC_KEYSTORE_TCTI");
	}
	return 0;
}

int
ks_backend_is_tpm(void)
{
	return on_tpm;
}

int
ks_dir_entries(void)
{
	struct dirent *e;
	DIR *d = opendir(ks_dir);
	int n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

static int
run_group(const char *name, const char *suffix, const struct CMUnitTest *tests, size_t n)
{
	char group[128];

	if (n == 0)
		return 0;
	snprintf(group, sizeof(group), "%s_%s", name, suffix);
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}

int
ks_backend_run(const char *name, const struct CMUnitTest *both, size_t nboth,
	       const struct CMUnitTest *file_only, size_t nfile,
	       const struct CMUnitTest *tpm_only, size_t ntpm)
{
	int failed;

	on_tpm = 0;
	failed = run_group(name, "file", both, nboth) + run_group(name, "file_only", file_only, nfile);
#ifdef CONFIG_KEYSTORE_TPM_BACKEND
	on_tpm = 1;
	failed += run_group(name, "tpm", both, nboth) + run_group(name, "tpm_only", tpm_only, ntpm);
	on_tpm = 0;
#else
	(void)tpm_only;
	(void)ntpm;
#endif
	return failed;
}
