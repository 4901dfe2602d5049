/*
 * tc_keygen.c - a throwaway Trust photo key pair for tests and the demo:
 * writes PRIV (32-byte scalar, hex, 0600) and PUB (uncompressed P-256,
 * hex).  The Trust's real keys come from trustadm.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_seal.h"

/* mode: 0600 for the private key; the public key may be read by the daemon's user. */
static int
write_hex(const char *path, const uint8_t *b, size_t len, mode_t mode)
{
	char hex[2 * TC_P256_PUB_LEN + 2];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	int rc;

	if (fd < 0)
		return -1;
	tc_hex_encode(b, len, hex);
	hex[2 * len] = '\n';
	rc = tc_write_all(fd, hex, 2 * len + 1);
	tc_zeroize(hex, sizeof(hex));
	if (close(fd) != 0)
		rc = -1;
	return rc;
}

int
main(int argc, char **argv)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN];
	int rc;

	if (argc != 3) {
		fprintf(stderr, "usage: tc_keygen PRIV_FILE PUB_FILE\n");
		return 2;
	}
	if (tc_p256_keygen(priv, pub) != 0) {
		fprintf(stderr, "tc_keygen: key generation failed\n");
		return 1;
	}
	rc = write_hex(argv[1], priv, sizeof(priv), 0600) ||
	     write_hex(argv[2], pub, sizeof(pub), 0644);
	tc_zeroize(priv, sizeof(priv));
	if (rc) {
		perror("tc_keygen");
		return 1;
	}
	return 0;
}
