/*
 * fuzz.h - what the libFuzzer harnesses share: the entry points libFuzzer
 * calls, quiet logging, and the test keys of fuzz_keys.h in binary form.
 *
 * Every harness is deterministic for a given input (no clock but a fixed
 * one, no network, files only under $TMPDIR) and leaves nothing
 * behind from one input to the next: what it allocates it frees, so
 * LeakSanitizer sees a leak in the code under test, not in the harness.
 */
#ifndef TC_FUZZ_H
#define TC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_keys.h"
#include "tc_io.h"
#include "tc_log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Logs cost more than most parsers: only errors, which the code under test rarely logs. */
static inline void
fuzz_quiet(void)
{
	tc_log_set_level(TC_LOG_ERR);
}

/* The LLVMFuzzerInitialize of a harness that needs nothing else set up. */
#define FUZZ_INIT_QUIET							\
	int LLVMFuzzerInitialize(int *argc, char ***argv)		\
	{								\
		(void)argc;						\
		(void)argv;						\
		fuzz_quiet();						\
		return 0;						\
	}

/* A hex test key from fuzz_keys.h; a broken header is the harness's bug: abort. */
static inline void
fuzz_hex(const char *hex, uint8_t *out, size_t len)
{
	if (tc_hex_decode(hex, out, len) != 0)
		abort();
}

#endif /* TC_FUZZ_H */
