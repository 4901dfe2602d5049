/*
 * cmd_publish.c - `trustadm publish [DIR]`: what trust-server needs, and
 * only that, into its own directory (the split deployment of
 * trust-server(8) and trustadm(8)).
 *
 * Published: server.key and receipt.key (the server's own keys, plain:
 * it starts unattended), server.crt, ca.crt, photo.pub, receipt.pub, a
 * read-only copy of the registry (tc_registry_snapshot), every issued
 * policy bundle, and the firmware-signing certificate and every signed
 * firmware bundle (trustadm firmware) when there are any.  Never published: ca.key, policy-signer.key, photo.key,
 * devices/.  Every file is 0640: the directory is meant to be owned by
 * the administrators' user with the server's group and mode 2750, so the
 * server reads through its group and can write nothing.
 *
 * The first `publish DIR` records DIR in the registry (meta publish_dir);
 * from then on every trustadm command that changed the registry
 * publishes again before it exits (tadm_publish_auto, from main.c), so
 * the server's view follows each change; a failure there is an error.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tadm.h"
#include "tc_io.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"

#define SYNOPSIS "publish [DIR]"
#define PUB_MODE 0640
#define PUB_MAX (1u << 20)	/* a certificate, a public key or a bundle */

static const char *const keys[] = { "server.key", "receipt.key" };
static const char *const publics[] = { "server.crt", "ca.crt", "photo.pub", "receipt.pub" };

/* Open DIR, which others must not reach; the error names path, mode and owner. */
static int
open_pub(struct tadm *a, const char *dir)
{
	struct passwd *pw;
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		int e = -errno;

		tadm_err(a, "publish directory %s: %s (make it with 'install -d -m 2750 -o USER "
			 "-g trustcam-server %s')", dir, strerror(errno), dir);
		return e;
	}
	if (fstat(fd, &st) != 0 || (st.st_mode & 007) || st.st_uid != geteuid()) {
		pw = getpwuid(st.st_uid);
		tadm_err(a, "publish directory %s is %04o owned by %s, must be 2750 owned by this "
			 "user (group: the server's)", dir, (unsigned)(st.st_mode & 07777),
			 pw ? pw->pw_name : "?");
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	return fd;
}

static int
copy_public(struct tadm *a, int pfd, const char *dir, const char *name)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = tadm_load_public(a, name, PUB_MAX, &buf, &len);

	if (rc == 0 && (rc = tc_trust_file_write(pfd, name, buf, len, PUB_MODE)) != 0)
		tadm_err(a, "%s/%s: %s", dir, name, tc_strerror(rc));
	tc_free(buf);
	return rc;
}

static int
copy_key(struct tadm *a, int pfd, const char *dir, const char *name)
{
	uint8_t *key = NULL;
	size_t len = 0;
	int rc = tadm_load_key(a, name, &key, &len);

	if (rc == 0 && (rc = tc_trust_file_write(pfd, name, key, len, PUB_MODE)) != 0)
		tadm_err(a, "%s/%s: %s", dir, name, tc_strerror(rc));
	tc_secure_free(key);
	return rc;
}

/* name from src to dst in chunks (bundles are hundreds of MiB): temp, fsync, rename. */
static int
copy_file(int src, int dst, const char *name)
{
	static char buf[1 << 16];
	char tmp[300];
	int in, out, rc = 0;
	ssize_t n;

	if ((size_t)snprintf(tmp, sizeof(tmp), ".tmp-%s", name) >= sizeof(tmp))
		return -ENAMETOOLONG;
	in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		return -errno;
	(void)unlinkat(dst, tmp, 0);
	out = openat(dst, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, PUB_MODE);
	if (out < 0) {
		rc = -errno;
		close(in);
		return rc;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (tc_write_all(out, buf, (size_t)n) != 0) {
			n = -1;
			break;
		}
	if (n < 0 || fchmod(out, PUB_MODE) != 0 || fsync(out) != 0 ||
	    renameat(dst, tmp, dst, name) != 0 || fsync(dst) != 0)
		rc = -errno;
	close(in);
	close(out);
	if (rc != 0)
		(void)unlinkat(dst, tmp, 0);
	return rc;
}

/*
 * Issued files never change: copy those of sub/ (names ending in suffix)
 * that DIR/sub does not have yet.  A Trust without sub/ has nothing to copy.
 */
static int
copy_new(struct tadm *a, int pfd, const char *dir, const char *sub, const char *suffix)
{
	mode_t old = umask(027);	/* trustadm's is 077; chmod would drop the setgid bit */
	size_t sl = strlen(suffix);
	int src, dst, rc;
	struct dirent *de;
	DIR *d;

	rc = mkdirat(pfd, sub, 0750) != 0 && errno != EEXIST ? -errno : 0;
	umask(old);
	if (rc != 0) {
		tadm_err(a, "%s/%s: %s", dir, sub, tc_strerror(rc));
		return rc;
	}
	src = tc_openat(a->dirfd, sub, O_RDONLY | O_DIRECTORY);
	if (src == -ENOENT)
		return 0;
	dst = tc_openat(pfd, sub, O_RDONLY | O_DIRECTORY);
	if (src < 0 || dst < 0 || !(d = fdopendir(src))) {
		rc = src < 0 ? src : dst < 0 ? dst : -errno;
		tadm_err(a, "%s: %s", sub, tc_strerror(rc));
		if (src >= 0)
			close(src);
		if (dst >= 0)
			close(dst);
		return rc;
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);

		if (n <= sl || de->d_name[0] == '.' || strcmp(de->d_name + n - sl, suffix) != 0 ||
		    faccessat(dst, de->d_name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			continue;
		if ((rc = copy_file(dirfd(d), dst, de->d_name)) != 0)
			tadm_err(a, "%s/%s: %s", sub, de->d_name, tc_strerror(rc));
	}
	closedir(d);
	close(dst);
	return rc;
}

/* Everything the server needs into dir; the registry copy last. */
static int
publish_to(struct tadm *a, const char *dir)
{
	int pfd = open_pub(a, dir), rc = 0;
	size_t i;

	if (pfd < 0)
		return pfd;
	for (i = 0; rc == 0 && i < sizeof(keys) / sizeof(keys[0]); i++)
		rc = copy_key(a, pfd, dir, keys[i]);
	for (i = 0; rc == 0 && i < sizeof(publics) / sizeof(publics[0]); i++)
		rc = copy_public(a, pfd, dir, publics[i]);
	/* The firmware signer devices pin, once there is one (trustadm firmware cert). */
	if (rc == 0 && faccessat(a->dirfd, "firmware-signer.crt", F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		rc = copy_public(a, pfd, dir, "firmware-signer.crt");
	if (rc == 0)
		rc = copy_new(a, pfd, dir, "policies", ".bundle");
	if (rc == 0)
		rc = copy_new(a, pfd, dir, "firmware", ".raucb");
	/* IT's answers to cameras enrolling at the dock (cmd_enrol_dock.c). */
	if (rc == 0)
		rc = copy_new(a, pfd, dir, "enrol", ".answer");
	if (rc == 0)
		rc = copy_new(a, pfd, dir, "enrol", ".refused");
	/* After the bundles: the view never names a policy the server lacks. */
	if (rc == 0 && (rc = tc_registry_snapshot(a->reg, dir, PUB_MODE)) != 0)
		tadm_err(a, "%s/%s: %s", dir, TC_REGISTRY_FILE, tc_strerror(rc));
	close(pfd);
	return rc;
}

int
cmd_publish(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	char dir[4096];
	int c, r;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((r = tadm_common_opt(a, c, SYNOPSIS)) >= 0)
			return r;
	if (optind + 1 < argc)
		return tadm_usage(a, SYNOPSIS);
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if (optind < argc) {
		if (!realpath(argv[optind], dir)) {
			tadm_err(a, "publish directory %s: %s", argv[optind], strerror(errno));
			return TADM_FAIL;
		}
	} else if (tc_registry_meta_get(a->reg, "publish_dir", dir, sizeof(dir)) != 0) {
		tadm_err(a, "no publish directory yet: name it once, 'trustadm publish DIR'");
		return TADM_USAGE;
	}
	if (publish_to(a, dir) != 0)
		return TADM_FAIL;
	if (tc_registry_begin(a->reg) != 0 ||
	    tc_registry_meta_set(a->reg, "publish_dir", dir) != 0 ||
	    tc_registry_audit(a->reg, "publish", dir, "") != 0 ||
	    tc_registry_commit(a->reg) != 0) {
		tc_registry_rollback(a->reg);
		tadm_err(a, "cannot record the publish directory: %s", tc_registry_errmsg(a->reg));
		return TADM_FAIL;
	}
	/* The copy holds the row just written too. */
	if (tc_registry_snapshot(a->reg, dir, PUB_MODE) != 0) {
		tadm_err(a, "%s/%s: cannot write", dir, TC_REGISTRY_FILE);
		return TADM_FAIL;
	}
	printf("published to %s\n", dir);
	return TADM_OK;
}

int
tadm_publish_auto(struct tadm *a)
{
	char dir[4096];
	int rc;

	if (!a->reg || !tc_registry_changed(a->reg))
		return TADM_OK;
	rc = tc_registry_meta_get(a->reg, "publish_dir", dir, sizeof(dir));
	if (rc == TC_E_NOT_FOUND)
		return TADM_OK;		/* not a split deployment (yet) */
	if (rc != 0) {
		tadm_err(a, "cannot read the publish directory: %s", tc_strerror(rc));
		return TADM_FAIL;
	}
	if (publish_to(a, dir) != 0) {
		tadm_err(a, "the change is made but trust-server does not see it yet: "
			 "fix the above, then run 'trustadm publish'");
		return TADM_FAIL;
	}
	return TADM_OK;
}
