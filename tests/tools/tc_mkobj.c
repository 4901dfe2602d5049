/*
 * tc_mkobj.c - real sealed photo objects for trust-server's tests and
 * benchmarks: N objects sealed with tc_seal to the Trust photo key in
 * PUBHEX (a file holding 130 hex digits, e.g. trustadm's photo.pub; "-"
 * for a throwaway key), payloads of SIZE bytes (or SIZE..MAX at random)
 * that carry the test plaintext marker, so the plaintext scanner would
 * see any payload that reached the server's disk unsealed.
 *
 *   tc_mkobj [-m MAX] [-k MACHEX] [-p PUPIL] DIR N SIZE PUBHEX
 *
 * -p tags every 1000th object (the first, the 1001st, ...) with pupil
 * PUPIL and platform "website", so a subject access request over many
 * objects finds a few (trustadm's benchmarks); the others are untagged.
 * -k seals with a fixed device MAC key (64 hex digits) instead of a fresh
 * random one, for a checker that must pass the footer MAC (tests/fuzz).
 * Writes DIR/<photo id hex>.tco and prints "<photo id hex> <sha256 hex> <bytes>"
 * per object.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_random.h"
#include "tc_seal.h"

static const char marker[] = "TRUSTCAM-TEST-PLAINTEXT";

struct sink {
	int fd;
};

static int
to_file(void *ctx, const void *buf, size_t len)
{
	return tc_write_all(((struct sink *)ctx)->fd, buf, len);
}

/* Cheap filler: the payload's content does not matter, only that it is sealed. */
static void
fill(uint8_t *p, size_t len, uint64_t *x)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		p[i] = (uint8_t)*x;
	}
	if (len >= sizeof(marker))
		memcpy(p, marker, sizeof(marker) - 1);
}

static int
load_pub(const char *path, uint8_t pub[TC_P256_PUB_LEN])
{
	uint8_t priv[TC_P256_PRIV_LEN];
	char hex[2 * TC_P256_PUB_LEN + 2];
	size_t got = 0;
	int fd;

	if (strcmp(path, "-") == 0)
		return tc_p256_keygen(priv, pub);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || tc_read_full(fd, hex, sizeof(hex) - 1, &got) != 0)
		return -1;
	close(fd);
	while (got > 0 && (hex[got - 1] == '\n' || hex[got - 1] == '\r'))
		got--;
	hex[got] = '\0';
	return tc_hex_decode(hex, pub, TC_P256_PUB_LEN);
}

int
main(int argc, char **argv)
{
	uint8_t pub[TC_P256_PUB_LEN], mac[TC_DEVICE_MAC_KEY_LEN], id[TC_PHOTO_ID_LEN];
	uint8_t digest[TC_SHA256_LEN], *payload;
	char idhex[2 * TC_PHOTO_ID_LEN + 1], dhex[2 * TC_SHA256_LEN + 1], path[4096];
	struct tc_seal_params sp;
	struct tc_photo_meta meta;
	struct tc_seal *s;
	struct sink k;
	uint64_t n, size, max = 0, i, len, x, sealed;
	const char *machex = NULL, *pupil = NULL;
	int c;

	while ((c = getopt(argc, argv, "m:k:p:")) != -1) {
		if (c == 'k' && strlen(optarg) == 2 * sizeof(mac)) {
			machex = optarg;
			continue;
		}
		if (c == 'p' && strlen(optarg) < TC_META_ID_MAX) {
			pupil = optarg;
			continue;
		}
		if (c != 'm' || tc_parse_u64(optarg, 1, 1ULL << 30, &max) != 0) {
			fprintf(stderr, "usage: tc_mkobj [-m MAX] [-k MACHEX] [-p PUPIL] DIR N SIZE PUBHEX\n");
			return 2;
		}
	}
	if (argc - optind != 4 || tc_parse_u64(argv[optind + 1], 1, 100000, &n) != 0 ||
	    tc_parse_u64(argv[optind + 2], 1, 1ULL << 30, &size) != 0 || (max && max < size)) {
		fprintf(stderr, "usage: tc_mkobj [-m MAX] [-k MACHEX] [-p PUPIL] DIR N SIZE PUBHEX\n");
		return 2;
	}
	if (load_pub(argv[optind + 3], pub) != 0 ||
	    (machex ? tc_hex_decode(machex, mac, sizeof(mac)) : tc_random_bytes(mac, sizeof(mac))) != 0 ||
	    tc_random_bytes(&x, sizeof(x)) != 0) {
		fprintf(stderr, "tc_mkobj: cannot get the key or randomness\n");
		return 1;
	}
	x |= 1;
	payload = malloc(max ? max : size);
	if (!payload)
		return 1;
	memset(&meta, 0, sizeof(meta));
	tc_strlcpy(meta.staff_id, "S-TEST", sizeof(meta.staff_id));
	tc_strlcpy(meta.sensor_mode, "test", sizeof(meta.sensor_mode));
	meta.width = 64;
	meta.height = 48;
	for (i = 0; i < n; i++) {
		len = max ? size + x % (max - size + 1) : size;
		fill(payload, len, &x);
		memset(&sp, 0, sizeof(sp));
		sp.trust_pub = pub;
		sp.device_mac_key = mac;
		if (tc_random_bytes(id, sizeof(id)) != 0)
			return 1;
		sp.photo_id = id;
		tc_hex_encode(id, sizeof(id), idhex);
		snprintf(path, sizeof(path), "%s/%s.tco", argv[optind], idhex);
		k.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		meta.frame_seq = i;
		if (pupil) {
			meta.n_pupils = meta.n_platforms = i % 1000 == 0;
			tc_strlcpy(meta.pupil_refs[0], pupil, sizeof(meta.pupil_refs[0]));
			tc_strlcpy(meta.platforms[0], "website", sizeof(meta.platforms[0]));
		}
		if (k.fd < 0 || tc_seal_begin(&s, &sp, &meta, to_file, &k) != 0 ||
		    tc_seal_write(s, payload, len) != 0 || tc_seal_finish(s, digest, &sealed) != 0 ||
		    close(k.fd) != 0) {
			fprintf(stderr, "tc_mkobj: %s: sealing failed\n", path);
			return 1;
		}
		tc_hex_encode(digest, sizeof(digest), dhex);
		printf("%s %s %llu\n", idhex, dhex, (unsigned long long)sealed);
	}
	free(payload);
	return 0;
}
