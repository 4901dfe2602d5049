/*
 * tc_secmem.h - memory that holds secrets or plaintext photo bytes.
 *
 * tc_zeroize() wipes with mbedtls_platform_zeroize (not optimised away).
 * tc_secure_alloc() returns page-backed memory that is mlock'd (so it is
 * never swapped), excluded from core dumps and wiped on free.  Use it for
 * keys, PINs and JPEG buffers.  mlock is best effort: a process over its
 * RLIMIT_MEMLOCK still gets the memory (the device disables swap), and
 * tc_secure_locked() tells whether the lock held.
 */
#ifndef TC_SECMEM_H
#define TC_SECMEM_H

#include <stdbool.h>
#include <stddef.h>

#include "tc_err.h"

void tc_zeroize(void *p, size_t len);

/* Zeroed, locked memory of len bytes, or NULL (errno set). */
void *tc_secure_alloc(size_t len) TC_MUST_CHECK;
/* Wipe every byte and release.  NULL is a no-op. */
void tc_secure_free(void *p);
/* Whether p (from tc_secure_alloc) is locked in RAM. */
bool tc_secure_locked(const void *p);
/* Usable length of p (from tc_secure_alloc). */
size_t tc_secure_len(const void *p);

/* Zero the whole of a malloc'd block (its usable size), before it is freed. */
void tc_secure_wipe_heap(void *p);

/*
 * No core dumps, not ptrace-attachable by other users, and jansson's
 * heap blocks wiped when freed: call early in main().
 */
int tc_secure_process(void) TC_MUST_CHECK;

#endif /* TC_SECMEM_H */
