/*
 * bench_seal_chacha.c - sealing throughput with ChaCha20-Poly1305 against
 * the raw mbedtls ChaCha20-Poly1305 over the same 5 MB (target >= 0.90).
 */
#include "seal_common.h"

int
main(void)
{
	return seal_bench_run("seal-chacha", TC_AEAD_CHACHA20_POLY1305);
}
