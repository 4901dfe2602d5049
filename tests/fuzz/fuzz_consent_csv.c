/*
 * fuzz_consent_csv.c - the consent roster CSV IT imports with trustadm
 * consent import (tc_consent_parse, libcsv underneath): the bytes of the
 * file as they are read.
 */
#include "fuzz.h"
#include "tc_consent_csv.h"
#include "tc_policy.h"

FUZZ_INIT_QUIET

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_policy_consent *rows = NULL;
	unsigned long line = 0;
	char why[160];
	size_t n = 0;

	if (tc_consent_parse(data, size, &rows, &n, &line, why, sizeof(why)) == 0)
		tc_consent_free(rows, n);
	return 0;
}
