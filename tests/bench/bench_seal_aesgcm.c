/*
 * bench_seal_aesgcm.c - sealing throughput with AES-256-GCM against the
 * raw mbedtls AES-256-GCM over the same 5 MB (target >= 0.90).
 */
#include "seal_common.h"

int
main(void)
{
	return seal_bench_run("seal-aesgcm", TC_AEAD_AES256_GCM);
}
