/*
 * photod_files.c - the small files of STATE/provision: written durably
 * (temp, fsync, rename, fsync the directory, so a power cut leaves the
 * old file or the new one), read with a size cap (so a huge or growing
 * file cannot exhaust photod), and erased by overwriting before unlink.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photod.h"
#include "tc_io.h"

int
photod_file_write(int dirfd, const char *name, const void *buf, size_t len)
{
	return tc_write_file_atomic(dirfd, name, buf, len);
}

int
photod_fd_read(int fd, size_t cap, uint8_t **buf, size_t *len)
{
	struct stat st;
	uint8_t *b;
	size_t got = 0;
	int rc;

	*buf = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((uint64_t)st.st_size > cap)
		return -EFBIG;
	b = tc_malloc(cap + 2);
	if (!b)
		return -ENOMEM;
	/* Read one byte past the cap: a file that grew since fstat is still refused. */
	if (lseek(fd, 0, SEEK_SET) < 0 && errno != ESPIPE) {
		rc = -errno;
		goto fail;
	}
	rc = tc_read_full(fd, b, cap + 1, &got);
	if (rc == 0 && got > cap)
		rc = -EFBIG;
	if (rc != 0)
		goto fail;
	b[got] = '\0';
	*buf = b;
	*len = got;
	return 0;
fail:
	tc_free(b);
	return rc;
}

int
photod_file_read(int dirfd, const char *name, size_t cap, uint8_t **buf, size_t *len)
{
	int fd = tc_openat(dirfd, name, O_RDONLY), rc;

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return fd;
	rc = photod_fd_read(fd, cap, buf, len);
	close(fd);
	return rc;
}

int
photod_file_erase(int dirfd, const char *name)
{
	static const uint8_t zeros[4096];
	struct stat st;
	uint64_t left;
	size_t n;
	int fd, rc = 0;

	fd = tc_openat(dirfd, name, O_WRONLY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	for (left = rc == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0; rc == 0 && left;
	     left -= n) {
		n = left < sizeof(zeros) ? (size_t)left : sizeof(zeros);
		rc = tc_write_all(fd, zeros, n);
	}
	if (rc == 0)
		rc = tc_fsync(fd);
	close(fd);
	if (rc == 0 && unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

int
photod_file_read_u64(int dirfd, const char *name, uint64_t *out)
{
	uint8_t *buf;
	size_t len;
	int rc = photod_file_read(dirfd, name, 32, &buf, &len);

	if (rc != 0)
		return rc;
	while (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	rc = tc_parse_u64((const char *)buf, 0, INT64_MAX, out) == 0 ? 0 : TC_E_INVAL_INPUT;
	tc_free(buf);
	return rc;
}

int
photod_file_write_u64(int dirfd, const char *name, uint64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%llu\n", (unsigned long long)v);

	return photod_file_write(dirfd, name, buf, (size_t)n);
}
