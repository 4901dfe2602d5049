/*
 * keyfile.c - the Trust directory's files: durable writes, bounded reads,
 * private keys plain or sealed (see tc_trust_key.h).
 *
 * Every write goes to a temporary name, is fsynced, renamed over the
 * final name and the directory fsynced, so a crash leaves the old file
 * or the new one, never half of either.  Key text is only ever held in
 * tc_secure_alloc memory.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"

int
tc_trust_file_write(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
	char tmp[300];
	int fd = -1, rc;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".tmp-%s", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = tc_openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0)
		return fd;
	/* Explicit: a leftover temp file may have had another mode. */
	if (fchmod(fd, mode) != 0) {
		rc = -errno;
		goto fail;
	}
	if ((rc = tc_write_all(fd, data, len)) != 0 || (rc = tc_fsync(fd)) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		rc = -errno;
		goto fail;
	}
	fd = -1;
	if ((rc = tc_renameat(dirfd, tmp, name)) != 0)
		goto fail;
	return tc_fsync_dir(dirfd);
fail:
	if (fd >= 0)
		close(fd);
	(void)unlinkat(dirfd, tmp, 0);
	return rc;
}

/*
 * Open name for reading and check it is a regular file of at most max
 * bytes; private additionally refuses group/other permission bits.
 */
/*
 * A private file is ours with mode 0600 (or 0400), or, in the published
 * directory of a split deployment (trust-server(8)), another user's file
 * we read through its group: mode 0640 (or 0440), its group one of ours.
 * Never readable by others, never writable by its group.
 */
static bool
private_ok(const struct stat *st)
{
	gid_t groups[256];
	int i, n;

	if (st->st_mode & 027)
		return false;
	if (st->st_uid == geteuid())
		return (st->st_mode & 070) == 0;
	if (!(st->st_mode & 040))
		return false;
	if (st->st_gid == getegid())
		return true;
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	for (i = 0; i < n; i++)
		if (groups[i] == st->st_gid)
			return true;
	return false;
}

static int
open_checked(int dirfd, const char *name, size_t max, int private, size_t *size)
{
	struct stat st;
	int fd = tc_openat(dirfd, name, O_RDONLY);

	if (fd < 0)
		return fd == -ELOOP ? TC_E_UNSAFE_PATH : fd;
	if (fstat(fd, &st) != 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode) || (private && !private_ok(&st))) {
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return -EFBIG;
	}
	*size = (size_t)st.st_size;
	return fd;
}

/* Read exactly size bytes (the file must not have changed size). */
static int
read_exact(int fd, uint8_t *buf, size_t size)
{
	size_t got = 0;
	uint8_t extra;
	int rc = tc_read_full(fd, buf, size, &got);

	if (rc != 0)
		return rc;
	if (got != size)
		return -EIO;
	/* A file that grew since fstat is not what we checked. */
	if ((rc = tc_read_full(fd, &extra, 1, &got)) != 0)
		return rc;
	return got == 0 ? 0 : -EIO;
}

int
tc_trust_file_read(int dirfd, const char *name, size_t max, uint8_t **out, size_t *len)
{
	uint8_t *buf = NULL;
	size_t size;
	int fd, rc;

	*out = NULL;
	*len = 0;
	fd = open_checked(dirfd, name, max, 0, &size);
	if (fd < 0)
		return fd;
	buf = tc_malloc(size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = read_exact(fd, buf, size)) != 0)
		goto out;
	buf[size] = 0;
	*out = buf;
	*len = size;
	buf = NULL;
out:
	tc_free(buf);
	close(fd);
	return rc;
}

int
tc_trust_key_store(int dirfd, const char *name, const uint8_t *key, size_t len,
		   const char *pass, size_t passlen)
{
	uint8_t *env = NULL;
	size_t envlen;
	int rc;

	if (!pass)
		return tc_trust_file_write(dirfd, name, key, len, 0600);
	if ((rc = tc_envelope_seal(key, len, pass, passlen, name, NULL, &env, &envlen)) != 0)
		return rc;
	rc = tc_trust_file_write(dirfd, name, env, envlen, 0600);
	tc_free(env);
	return rc;
}

int
tc_trust_key_sealed(int dirfd, const char *name)
{
	uint8_t magic[sizeof(TC_ENVELOPE_MAGIC) - 1];
	size_t size, got = 0;
	int fd, rc;

	fd = open_checked(dirfd, name, TC_KEYFILE_MAX, 1, &size);
	if (fd < 0)
		return fd;
	rc = tc_read_full(fd, magic, sizeof(magic), &got);
	close(fd);
	if (rc != 0)
		return rc;
	return tc_envelope_is(magic, got) ? 1 : 0;
}

int
tc_trust_key_load(int dirfd, const char *name, const char *pass, size_t passlen,
		  uint8_t **key, size_t *len)
{
	uint8_t *buf = NULL;
	size_t size;
	int fd, rc;

	*key = NULL;
	*len = 0;
	fd = open_checked(dirfd, name, TC_KEYFILE_MAX, 1, &size);
	if (fd < 0)
		return fd;
	if (size == 0) {
		rc = TC_E_KEYFILE;
		goto out;
	}
	buf = tc_secure_alloc(size + 1);
	if (!buf) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = read_exact(fd, buf, size)) != 0)
		goto out;
	buf[size] = 0;
	if (!tc_envelope_is(buf, size)) {
		*key = buf;
		*len = size;
		buf = NULL;
		goto out;
	}
	if (!pass) {
		rc = TC_E_NEED_PASSPHRASE;
		goto out;
	}
	rc = tc_envelope_open(buf, size, pass, passlen, name, key, len);
out:
	tc_secure_free(buf);
	close(fd);
	return rc;
}
