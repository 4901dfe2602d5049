/*
 * rauc.c - asking RAUC about a bundle (see tc_update.h).
 *
 * RAUC verifies the CMS signature and parses the manifest; we only read
 * its JSON answer (jansson).  The system configuration rauc needs for
 * the check (keyring, check-purpose=codesign) is written to a memfd and
 * named as /proc/self/fd/N, so checking never writes a file.  rauc's
 * stdout and stderr go to memfds too: nothing can fill a pipe and
 * block either side.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "tc_io.h"
#include "tc_update.h"

extern char **environ;

#define INFO_MAX (256 * 1024)	/* rauc info's JSON: a manifest, a few images */
#define ERR_MAX (16 * 1024)

static int
valid_chars(const char *s, size_t max, const char *extra, int upper)
{
	size_t n = 0;

	for (; s[n]; n++) {
		char c = s[n];

		if (n + 1 >= max)
			return 0;
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    (upper && c >= 'A' && c <= 'Z') || (c && strchr(extra, c)))
			continue;
		return 0;
	}
	return n > 0;
}

int
tc_update_valid_board(const char *s)
{
	return valid_chars(s, TC_UPDATE_BOARD_MAX, "-", 0);
}

int
tc_update_valid_version(const char *s)
{
	return valid_chars(s, TC_UPDATE_VERSION_MAX, "._+~-", 1);
}

/* Read all of fd (from offset 0) into a tc_malloc'd NUL-terminated buffer, at most max. */
static int
slurp(int fd, size_t max, char **out)
{
	struct stat st;
	size_t n;
	char *b;
	ssize_t r;

	*out = NULL;
	if (fstat(fd, &st) != 0)
		return -errno;
	n = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	b = tc_malloc(n + 1);
	if (!b)
		return -ENOMEM;
	r = pread(fd, b, n, 0);
	if (r < 0) {
		tc_free(b);
		return -errno;
	}
	b[r] = 0;
	*out = b;
	return 0;
}

/* The last non-empty line of text into why, printable ASCII only. */
static void
last_line(const char *text, char why[TC_UPDATE_WHY_MAX])
{
	const char *end = text + strlen(text), *start;
	size_t i, n;

	while (end > text && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
		end--;
	start = end;
	while (start > text && start[-1] != '\n')
		start--;
	n = (size_t)(end - start) < TC_UPDATE_WHY_MAX - 1 ? (size_t)(end - start) :
							      TC_UPDATE_WHY_MAX - 1;
	for (i = 0; i < n; i++)
		why[i] = start[i] >= 0x20 && start[i] < 0x7f ? start[i] : '?';
	why[n] = 0;
}

int
tc_update_run(char *const argv[], const int *keep, size_t nkeep, char **out, size_t max,
	      char why[TC_UPDATE_WHY_MAX])
{
	posix_spawn_file_actions_t fa;
	int ofd, efd, st, rc;
	char *err = NULL;
	size_t i;
	pid_t pid;

	*out = NULL;
	why[0] = 0;
	ofd = memfd_create("rauc-out", MFD_CLOEXEC);
	efd = memfd_create("rauc-err", MFD_CLOEXEC);
	if (ofd < 0 || efd < 0) {
		rc = -errno;
		goto out_fds;
	}
	if ((rc = posix_spawn_file_actions_init(&fa)) != 0) {
		rc = -rc;
		goto out_fds;
	}
	/* dup2 clears FD_CLOEXEC on the copy; a kept fd dup2'd onto itself keeps it, so clear it. */
	rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, ofd, STDOUT_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_adddup2(&fa, efd, STDERR_FILENO);
	for (i = 0; rc == 0 && i < nkeep; i++)
		if (fcntl(keep[i], F_SETFD, 0) != 0)
			rc = errno;
	if (rc == 0)
		rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	for (i = 0; i < nkeep; i++)
		(void)fcntl(keep[i], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(why, TC_UPDATE_WHY_MAX, "cannot run %s: %s", argv[0], strerror(rc));
		rc = -rc;
		goto out_fds;
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			rc = -errno;
			goto out_fds;
		}
	}
	if ((rc = slurp(ofd, max, out)) != 0 || (rc = slurp(efd, ERR_MAX, &err)) != 0)
		goto out_fds;
	last_line(err, why);
	if (WIFEXITED(st))
		rc = WEXITSTATUS(st);
	else {
		snprintf(why, TC_UPDATE_WHY_MAX, "%s was killed by signal %d", argv[0],
			 WTERMSIG(st));
		rc = -EINTR;
	}
out_fds:
	if (rc < 0) {
		tc_free(*out);
		*out = NULL;
	}
	tc_free(err);
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	return rc;
}

/* The check's system configuration in a memfd (not close-on-exec: rauc reads it). */
static int
conf_fd(const char *keyring)
{
	char conf[4096];
	int fd, n;

	n = snprintf(conf, sizeof(conf), "[system]\ncompatible=trustcam-check\nbootloader=noop\n\n"
		     "[keyring]\npath=%s\ncheck-purpose=codesign\nallow-partial-chain=true\n", keyring);
	if (n < 0 || (size_t)n >= sizeof(conf) || strchr(keyring, '\n'))
		return -EINVAL;
	fd = memfd_create("rauc-conf", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (tc_write_all(fd, conf, (size_t)n) != 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

/* The fields we need from rauc info's JSON; TC_E_UPDATE_MANIFEST with why. */
static int
parse_info(const char *json, struct tc_update_info *info, char why[TC_UPDATE_WHY_MAX])
{
	const char *compat, *version, *build;
	json_error_t je;
	json_t *root;
	char *end;
	unsigned long long rel;
	int rc = TC_E_UPDATE_MANIFEST;

	root = json_loads(json, JSON_REJECT_DUPLICATES, &je);
	if (!root || json_unpack(root, "{s:s, s:s, s:s}", "compatible", &compat, "version",
				 &version, "build", &build) != 0) {
		snprintf(why, TC_UPDATE_WHY_MAX, "the manifest lacks compatible, version or build");
		goto out;
	}
	if (strncmp(compat, TC_UPDATE_COMPAT_PREFIX, strlen(TC_UPDATE_COMPAT_PREFIX)) != 0 ||
	    !tc_update_valid_board(compat + strlen(TC_UPDATE_COMPAT_PREFIX))) {
		snprintf(why, TC_UPDATE_WHY_MAX, "compatible is not trustcam-BOARD");
		goto out;
	}
	if (!tc_update_valid_version(version)) {
		snprintf(why, TC_UPDATE_WHY_MAX, "version is not 1 to 63 of A-Z a-z 0-9 . _ + ~ -");
		goto out;
	}
	errno = 0;
	rel = strtoull(build, &end, 10);
	if (build[0] < '1' || build[0] > '9' || *end || errno || rel > TC_UPDATE_RELEASE_MAX) {
		snprintf(why, TC_UPDATE_WHY_MAX, "build (the release number) is not 1 to %llu",
			 TC_UPDATE_RELEASE_MAX);
		goto out;
	}
	tc_strlcpy(info->board, compat + strlen(TC_UPDATE_COMPAT_PREFIX), sizeof(info->board));
	tc_strlcpy(info->version, version, sizeof(info->version));
	info->release = rel;
	rc = 0;
out:
	json_decref(root);
	return rc;
}

int
tc_update_verify(const char *rauc, const char *keyring, const char *bundle,
		 struct tc_update_info *info, char why[TC_UPDATE_WHY_MAX])
{
	char confarg[64], *out = NULL;
	char *argv[] = { (char *)rauc, confarg, "info", "--output-format=json", (char *)bundle,
			 NULL };
	int fd, rc;

	memset(info, 0, sizeof(*info));
	why[0] = 0;
	if ((fd = conf_fd(keyring)) < 0) {
		snprintf(why, TC_UPDATE_WHY_MAX, "cannot prepare rauc's configuration");
		return fd;
	}
	snprintf(confarg, sizeof(confarg), "--conf=/proc/self/fd/%d", fd);
	rc = tc_update_run(argv, &fd, 1, &out, INFO_MAX, why);
	close(fd);
	if (rc > 0) {
		/* rauc's last line says why ("signature verification failed: ..."). */
		if (!why[0])
			snprintf(why, TC_UPDATE_WHY_MAX, "rauc info exited with %d", rc);
		rc = TC_E_UPDATE_SIGNATURE;
	} else if (rc == 0) {
		rc = parse_info(out, info, why);
	}
	tc_free(out);
	return rc;
}
