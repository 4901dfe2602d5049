/*
 * scan_plaintext.c - fail if any file under a directory holds plaintext
 * photo bytes.
 *
 * Run after the whole test suite over every test's directory: sealed
 * objects, the catalog and its WAL/SHM/journal files, temp files.  It
 * looks for a JPEG start (FF D8 FF) followed by a JFIF or Exif APPn
 * segment or a DQT segment of a standard length - a signature specific
 * enough (about 2^-56 per offset) that random ciphertext does not trip it -
 * and for the marker that test payloads carry.
 *
 * Exit status: 0 clean, 1 plaintext found, 2 usage or I/O error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char test_marker[] = "TRUSTCAM-TEST-PLAINTEXT";
static int found, errors;
static unsigned long files;

static int
jpeg_start_at(const unsigned char *p, size_t left)
{
	if (left < 11 || p[0] != 0xFF || p[1] != 0xD8 || p[2] != 0xFF)
		return 0;
	if (p[3] == 0xE0 && memcmp(p + 6, "JFIF\0", 5) == 0)
		return 1;
	if (p[3] == 0xE1 && memcmp(p + 6, "Exif\0", 5) == 0)
		return 1;
	if (p[3] == 0xDB && p[4] == 0x00 && (p[5] == 0x43 || p[5] == 0x84))
		return 1;
	return 0;
}

static void
scan_buf(const char *path, const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len;
	void *hit;

	while ((p = memchr(p, 0xFF, (size_t)(end - p))) != NULL) {
		if (jpeg_start_at(p, (size_t)(end - p))) {
			printf("scan_plaintext: %s: JPEG start at offset %zu\n", path,
			       (size_t)(p - buf));
			found = 1;
			break;
		}
		p++;
	}
	hit = memmem(buf, len, test_marker, sizeof(test_marker) - 1);
	if (hit) {
		printf("scan_plaintext: %s: test plaintext marker at offset %zu\n", path,
		       (size_t)((unsigned char *)hit - buf));
		found = 1;
	}
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	void *map;
	int fd;

	(void)ftw;
	if (type != FTW_F || !S_ISREG(st->st_mode) || st->st_size == 0)
		return 0;
	files++;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "scan_plaintext: %s: %s\n", path, strerror(errno));
		errors = 1;
		return 0;
	}
	map = mmap(NULL, (size_t)st->st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		fprintf(stderr, "scan_plaintext: %s: mmap: %s\n", path, strerror(errno));
		errors = 1;
		return 0;
	}
	scan_buf(path, map, (size_t)st->st_size);
	munmap(map, (size_t)st->st_size);
	return 0;
}

int
main(int argc, char **argv)
{
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: scan_plaintext DIR...\n");
		return 2;
	}
	for (i = 1; i < argc; i++) {
		if (nftw(argv[i], visit, 16, FTW_PHYS) != 0) {
			fprintf(stderr, "scan_plaintext: %s: %s\n", argv[i], strerror(errno));
			return 2;
		}
	}
	printf("scan_plaintext: %lu files scanned, %s\n", files,
	       found ? "PLAINTEXT FOUND" : "no plaintext");
	if (found)
		return 1;
	return errors ? 2 : 0;
}
