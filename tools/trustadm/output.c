/*
 * output.c - trustadm's output files named on the command line
 * (`policy issue -o`): checked before anything is recorded, written
 * after (tadm.h).  A version recorded for a bundle that could not be
 * written is a version lost, so the directory is opened and its write
 * permission checked for the effective user first; only a failure in
 * the write itself (a full disk) can still skip one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tadm.h"
#include "tc_daemon.h"
#include "tc_io.h"
#include "tc_trust_key.h"

/* The file name part of path; NULL when it names no file. */
static const char *
base_of(const char *path)
{
	const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;

	if (!base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return NULL;
	return base;
}

static void
report(struct tadm *a, const char *what, int rc)
{
	if (rc == -EACCES || rc == -EPERM)
		tadm_err(a, "%s: %s as user %s", what, tc_strerror(rc), tc_euser_name());
	else
		tadm_err(a, "%s: %s", what, tc_strerror(rc));
}

int
tadm_output_open(struct tadm *a, const char *path, int *dfd)
{
	const char *base = base_of(path);
	char dir[4096];
	struct stat st;
	size_t n;

	*dfd = -1;
	if (!base) {
		tadm_err(a, "%s: not a file name", path);
		return -EINVAL;
	}
	n = (size_t)(base - path);
	if (n == 0)
		tc_strlcpy(dir, ".", sizeof(dir));
	else if (n == 1)
		tc_strlcpy(dir, "/", sizeof(dir));
	else if (n < sizeof(dir))
		tc_strlcpy(dir, path, n);	/* without the slash */
	else
		return -ENAMETOOLONG;
	*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*dfd < 0) {
		int rc = -errno;

		report(a, dir, rc);
		return rc;
	}
	if (faccessat(*dfd, ".", W_OK | X_OK, AT_EACCESS) != 0) {
		int rc = -errno;

		report(a, dir, rc);
		close(*dfd);
		*dfd = -1;
		return rc;
	}
	if (fstatat(*dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
		tadm_err(a, "%s: exists and is not a regular file", path);
		close(*dfd);
		*dfd = -1;
		return -EEXIST;
	}
	return 0;
}

int
tadm_output_write(struct tadm *a, int dfd, const char *path, const void *data, size_t len,
		  mode_t mode)
{
	int rc = tc_trust_file_write(dfd, base_of(path), data, len, mode);

	if (rc != 0)
		report(a, path, rc);
	return rc;
}
