/*
 * seal_common.h - the shared body of bench_seal_chacha and bench_seal_aesgcm.
 */
#ifndef SEAL_COMMON_H
#define SEAL_COMMON_H

#include "tc_seal.h"

/*
 * Seal a 5 MB payload through tc_seal_* into a sink that discards it
 * (the digest is still computed), against the raw mbedtls AEAD over the
 * same buffer in one call, interleaved, median of several runs; prints
 * the BENCH line under name.  Returns a process exit status.
 */
int seal_bench_run(const char *name, enum tc_aead aead);

#endif /* SEAL_COMMON_H */
