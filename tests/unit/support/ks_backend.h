/*
 * ks_backend.h - the keystore tests' backend parameter.  A keystore
 * test file lists its cases once; ks_backend_run() runs them as the
 * group NAME_file on the file backend, then as NAME_tpm on the TPM
 * backend, each case of that group on a fresh swtpm (swtpm_fixture.h)
 * that TC_KEYSTORE_TCTI points the keystore at.  A case asks
 * ks_backend_is_tpm() only where the backends keep their keys
 * differently (files on disk, or objects in the TPM), and asserts the
 * same property both ways.  Cases that can only mean something for
 * files (an unsafe directory, injected write faults) are listed apart
 * and run in the file group alone; what only a TPM gives (test_keystore_tpm)
 * in the TPM group alone.
 */
#ifndef TC_KS_BACKEND_H
#define TC_KS_BACKEND_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "swtpm_fixture.h"

/* The keystore directory of the running case (fresh for each case). */
extern char ks_dir[600];
/* The running case's swtpm (TPM group only). */
extern struct swtpm ks_tpm;

/* Per-case setup and teardown: a fresh directory, and in the TPM group a fresh swtpm. */
int ks_backend_setup(void **state);
int ks_backend_teardown(void **state);
#define KS_TEST(f) cmocka_unit_test_setup_teardown(f, ks_backend_setup, ks_backend_teardown)

/* Is the running case on the TPM backend? */
int ks_backend_is_tpm(void);

/* How many entries ks_dir holds (0 when it does not exist). */
int ks_dir_entries(void);

/*
 * Run both on each backend (groups NAME_file, NAME_tpm), file_only on
 * the file backend and tpm_only on the TPM backend (either may be NULL
 * with a count of 0); the number of failed cases.
 */
int ks_backend_run(const char *name, const struct CMUnitTest *both, size_t nboth,
		   const struct CMUnitTest *file_only, size_t nfile,
		   const struct CMUnitTest *tpm_only, size_t ntpm);
#define KS_N(tests) (sizeof(tests) / sizeof((tests)[0]))

#endif /* TC_KS_BACKEND_H */
