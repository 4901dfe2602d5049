/*
 * tc_io.c - EINTR-safe, fault-injectable file and memory primitives.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tc_fault.h"
#include "tc_io.h"

void *
tc_malloc(size_t n)
{
	int e = tc_fault_hit(TC_FAULT_ALLOC);

	if (e) {
		errno = -e;
		return NULL;
	}
	return malloc(n ? n : 1);
}

void *
tc_calloc(size_t nmemb, size_t size)
{
	int e = tc_fault_hit(TC_FAULT_ALLOC);

	if (e) {
		errno = -e;
		return NULL;
	}
	return calloc(nmemb ? nmemb : 1, size ? size : 1);
}

void *
tc_realloc(void *p, size_t n)
{
	int e = tc_fault_hit(TC_FAULT_ALLOC);

	if (e) {
		errno = -e;
		return NULL;
	}
	return realloc(p, n ? n : 1);
}

void
tc_free(void *p)
{
	free(p);
}

int
tc_write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;
	int e;

	while (len > 0) {
		if ((e = tc_fault_hit(TC_FAULT_WRITE)) != 0)
			return e;
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
tc_read_full(int fd, void *buf, size_t len, size_t *got)
{
	unsigned char *p = buf;
	size_t done = 0;
	ssize_t n;
	int e;

	*got = 0;
	if ((e = tc_fault_hit(TC_FAULT_READ)) != 0)
		return e;
	while (done < len) {
		n = read(fd, p + done, len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		done += (size_t)n;
	}
	*got = done;
	return 0;
}

int
tc_fsync(int fd)
{
	int e = tc_fault_hit(TC_FAULT_FSYNC);

	if (e)
		return e;
	while (fsync(fd) != 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

int
tc_fsync_dir(int dirfd)
{
	return tc_fsync(dirfd);
}

int
tc_renameat(int dirfd, const char *from, const char *to)
{
	int e = tc_fault_hit(TC_FAULT_RENAME);

	if (e)
		return e;
	return renameat(dirfd, from, dirfd, to) == 0 ? 0 : -errno;
}

int
tc_openat(int dirfd, const char *name, int flags)
{
	int fd;

	do {
		fd = openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, 0600);
	} while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

int
tc_write_file_atomic(int dirfd, const char *name, const void *buf, size_t len)
{
	char tmp[256];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	(void)unlinkat(dirfd, tmp, 0);
	fd = tc_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL);
	if (fd < 0)
		return fd;
	rc = tc_write_all(fd, buf, len);
	if (rc == 0)
		rc = tc_fsync(fd);
	close(fd);
	if (rc == 0)
		rc = tc_renameat(dirfd, tmp, name);
	if (rc == 0)
		rc = tc_fsync_dir(dirfd);
	if (rc != 0)
		(void)unlinkat(dirfd, tmp, 0);
	return rc;
}

int
tc_open_private_dir(const char *path, int create)
{
	struct stat st;
	int fd;

	if (create && mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	if (lstat(path, &st) != 0)
		return -errno;
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
		return TC_E_UNSAFE_PATH;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? TC_E_UNSAFE_PATH : -errno;
	/* Check the directory we actually opened, not the name (no TOCTOU). */
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	return fd;
}

int
tc_open_run_dir(const char *path)
{
	struct stat st;
	int fd;

	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP || errno == ENOTDIR ? TC_E_UNSAFE_PATH : -errno;
	/* The directory opened, not the name: owner, and nothing beyond group traverse. */
	if (fstat(fd, &st) != 0 || st.st_uid != geteuid() || (st.st_mode & 067) != 0 ||
	    fchmod(fd, 0710) != 0) {
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	return fd;
}

void
tc_hex_encode(const void *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = in;
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
tc_hex_decode(const char *in, void *out, size_t len)
{
	unsigned char *p = out;
	size_t i;
	int hi, lo;

	if (strlen(in) != 2 * len)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		hi = hexval(in[2 * i]);
		lo = hexval(in[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
tc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end != '\0')
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

size_t
tc_strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len >= size ? size - 1 : len;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

static uint64_t
clock_us(clockid_t id)
{
	struct timespec ts;

	if (clock_gettime(id, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t tc_time_wall_us(void) { return clock_us(CLOCK_REALTIME); }
uint64_t tc_time_mono_us(void) { return clock_us(CLOCK_MONOTONIC); }
