/*
 * tc_mkreceipt.c - a signed receipt as trust-server makes one, for the
 * receipt verifier's fuzz corpus (tests/fuzz/make-corpus):
 *
 *   tc_mkreceipt PRIV_FILE DEVICE_ID PHOTO_HEX DIGEST_HEX SIZE SEQ OUT
 *
 * PRIV_FILE is a receipt private key in hex (tc_keygen); the server time
 * is fixed so the same key and fields give the same fields again (the
 * ECDSA signature still differs from run to run).
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_receipt.h"
#include "tc_secmem.h"

static int
load_priv(const char *path, uint8_t priv[TC_P256_PRIV_LEN])
{
	char hex[2 * TC_P256_PRIV_LEN + 2];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	if (fd < 0)
		return -1;
	if (tc_read_full(fd, hex, sizeof(hex) - 1, &got) == 0 && got >= 2 * TC_P256_PRIV_LEN) {
		hex[2 * TC_P256_PRIV_LEN] = '\0';
		rc = tc_hex_decode(hex, priv, TC_P256_PRIV_LEN);
	}
	close(fd);
	tc_zeroize(hex, sizeof(hex));
	return rc;
}

int
main(int argc, char **argv)
{
	uint8_t priv[TC_P256_PRIV_LEN], out[TC_RECEIPT_MAX];
	struct tc_receipt r;
	size_t len = 0;
	int fd, rc = 1;

	memset(&r, 0, sizeof(r));
	if (argc != 8 || strlen(argv[2]) >= sizeof(r.device_id) ||
	    tc_hex_decode(argv[3], r.photo_id, sizeof(r.photo_id)) != 0 ||
	    tc_hex_decode(argv[4], r.digest, sizeof(r.digest)) != 0 ||
	    tc_parse_u64(argv[5], 1, UINT64_MAX, &r.size) != 0 ||
	    tc_parse_u64(argv[6], 1, UINT64_MAX, &r.ledger_seq) != 0) {
		fprintf(stderr, "usage: tc_mkreceipt PRIV_FILE DEVICE_ID PHOTO_HEX DIGEST_HEX SIZE SEQ OUT\n");
		return 2;
	}
	tc_strlcpy(r.device_id, argv[2], sizeof(r.device_id));
	r.server_time_us = 1764979200000000ULL;	/* 2025-12-06 00:00 UTC */
	if (load_priv(argv[1], priv) != 0 || tc_receipt_sign(&r, priv, out, &len) != 0) {
		fprintf(stderr, "tc_mkreceipt: cannot sign\n");
		goto out;
	}
	fd = open(argv[7], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || tc_write_all(fd, out, len) != 0 || close(fd) != 0) {
		perror(argv[7]);
		goto out;
	}
	rc = 0;
out:
	tc_zeroize(priv, sizeof(priv));
	return rc;
}
