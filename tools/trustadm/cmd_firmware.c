/*
 * cmd_firmware.c - `trustadm firmware`: the Trust's firmware-signing
 * certificate and the RAUC bundles it signs (issue 17).
 *
 *   firmware cert         a fresh P-256 key (sealed like the CA's) and a
 *                         certificate for it from the Trust CA, EKU
 *                         codeSigning: firmware-signer.{key,crt}
 *   firmware sign DIR     rauc bundle of DIR (made by `make bundle
 *                         BOARD=...`: manifest.raucm + the root image)
 *                         signed with that key, checked as a device
 *                         checks it (tc_update_verify against
 *                         firmware-signer.crt alone), then kept as
 *                         firmware/BOARD-RELEASE.raucb
 *   firmware list         the bundles kept, each checked again
 *
 * The private key reaches rauc through a memfd named /proc/self/fd/N:
 * it never touches a disk in the clear.  A release number must be
 * higher than every one signed before for the board (devices refuse a
 * release not above what they run).  `publish` copies the bundles and
 * firmware-signer.crt to trust-server's share.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/pk.h>

#include "tadm.h"
#include "tadm_srv.h"
#include "tc_io.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"
#include "tc_update.h"

#define SYNOPSIS "firmware cert | sign DIR | list"
#define SIGNER_KEY "firmware-signer.key"
#define SIGNER_CRT "firmware-signer.crt"
#define SIGNER_DAYS (10 * 365 + 2)
#define FW_DIR "firmware"
#define RAUC_ENV "TRUSTADM_RAUC"	/* the rauc program; default "rauc" on PATH */

static const char *
rauc_prog(void)
{
	const char *p = getenv(RAUC_ENV);

	return p && p[0] ? p : "rauc";
}

/* "DIR/name" with DIR absolute (rauc reads paths relative to its configuration's). */
static int
trust_path(const struct tadm *a, const char *name, char *out, size_t cap)
{
	char abs[PATH_MAX];
	int n;

	if (!realpath(a->dir, abs))
		return -errno;
	n = snprintf(out, cap, "%s/%s", abs, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int
fw_cert(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	mbedtls_pk_context ca, key;
	struct tc_pki_cert c = {
		.profile = TC_PKI_FIRMWARE_SIGNER, .subject = TC_PKI_FIRMWARE_SUBJECT,
		.subject_key = &key, .issuer_key = &ca, .days = SIGNER_DAYS,
	};
	char *ca_pem = NULL, *crt = NULL, *kpem = NULL, serial[2 * TC_PKI_SERIAL_LEN + 1];
	size_t klen = 0;
	int ch, rc;

	while ((ch = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, ch, "firmware cert")) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, "firmware cert");
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if (faccessat(a->dirfd, SIGNER_CRT, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		tadm_err(a, "%s/%s exists: the firmware signer is made once (devices pin it)",
			 a->dir, SIGNER_CRT);
		return TADM_FAIL;
	}
	mbedtls_pk_init(&ca);
	mbedtls_pk_init(&key);
	rc = TADM_FAIL;
	if (tadm_load_ca(a, &ca, &ca_pem) != 0)
		goto out;
	c.now = tadm_now();
	if (tc_pki_keygen(&key) != 0 || tc_pki_key_pem(&key, &kpem, &klen) != 0 ||
	    tc_pki_issue(&c, &crt, serial) != 0 || tc_pki_check_chain(crt, ca_pem) != 0) {
		tadm_err(a, "cannot make the firmware-signing certificate");
		goto out;
	}
	/* Sealed under the passphrase that opened the CA key, when it is sealed. */
	if (tc_trust_key_store(a->dirfd, SIGNER_KEY, (uint8_t *)kpem, klen, a->pass,
			       a->passlen) != 0 ||
	    tc_trust_file_write(a->dirfd, SIGNER_CRT, crt, strlen(crt), 0644) != 0) {
		tadm_err(a, "cannot write %s/%s", a->dir, SIGNER_KEY);
		(void)unlinkat(a->dirfd, SIGNER_KEY, 0);
		goto out;
	}
	if (tadm_audit_now(a, "firmware.cert", SIGNER_CRT, serial) != 0)
		goto out;
	printf("firmware signer %s/%s (serial %s, key %s)\n", a->dir, SIGNER_CRT, serial,
	       a->pass ? "sealed under the passphrase" : "plain");
	rc = TADM_OK;
out:
	mbedtls_pk_free(&ca);
	mbedtls_pk_free(&key);
	tc_secure_free(kpem);
	tc_free(ca_pem);
	tc_free(crt);
	return rc;
}

/*
 * The release in a kept bundle's name "BOARD-RELEASE.raucb" when BOARD
 * is board; 0 for any other name.
 */
static uint64_t
name_release(const char *name, const char *board)
{
	size_t bl = strlen(board), n = strlen(name);
	unsigned long long r;
	char *end;

	if (n < bl + 8 || strncmp(name, board, bl) != 0 || name[bl] != '-' ||
	    strcmp(name + n - 6, ".raucb") != 0 || name[bl + 1] < '1' || name[bl + 1] > '9')
		return 0;
	errno = 0;
	r = strtoull(name + bl + 1, &end, 10);
	if (errno || end != name + n - 6 || r > TC_UPDATE_RELEASE_MAX)
		return 0;
	return r;
}

/* The highest release kept for board (0: none); negative errno. */
static int64_t
newest_release(int fwfd, const char *board)
{
	struct dirent *de;
	uint64_t best = 0, r;
	int fd = dup(fwfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	rewinddir(d);
	while ((de = readdir(d)) != NULL)
		if ((r = name_release(de->d_name, board)) > best)
			best = r;
	closedir(d);
	return (int64_t)best;
}

/* The firmware/ directory of the Trust, made if missing. */
static int
open_fw_dir(struct tadm *a)
{
	int fd;

	if (mkdirat(a->dirfd, FW_DIR, 0700) != 0 && errno != EEXIST) {
		tadm_err(a, "%s/%s: %s", a->dir, FW_DIR, strerror(errno));
		return -1;
	}
	fd = tc_openat(a->dirfd, FW_DIR, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		tadm_err(a, "%s/%s: %s", a->dir, FW_DIR, tc_strerror(fd));
	return fd;
}

/* The signer's key as PEM in a memfd rauc can open; -1 (message printed). */
static int
key_memfd(struct tadm *a)
{
	uint8_t *key = NULL;
	size_t len = 0;
	int fd;

	if (tadm_load_key(a, SIGNER_KEY, &key, &len) != 0)
		return -1;
	fd = memfd_create("firmware-signer", MFD_CLOEXEC);
	if (fd < 0 || tc_write_all(fd, key, len) != 0) {
		tadm_err(a, "cannot hand the key to rauc: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	tc_secure_free(key);
	return fd;
}

/* Sign DIR into tmp (a path) with rauc; 0 or TADM_FAIL (printed). */
static int
rauc_bundle(struct tadm *a, const char *dir, const char *tmp)
{
	char crt[4096], keyarg[64], certarg[4200], why[TC_UPDATE_WHY_MAX], *out = NULL;
	char *argv[] = { (char *)rauc_prog(), "bundle", certarg, keyarg, (char *)dir,
			 (char *)tmp, NULL };
	int kfd, rc;

	if (trust_path(a, SIGNER_CRT, crt, sizeof(crt)) != 0)
		return TADM_FAIL;
	if ((kfd = key_memfd(a)) < 0)
		return TADM_FAIL;
	snprintf(certarg, sizeof(certarg), "--cert=%s", crt);
	snprintf(keyarg, sizeof(keyarg), "--key=/proc/self/fd/%d", kfd);
	rc = tc_update_run(argv, &kfd, 1, &out, 4096, why);
	/* Drop the key's pages now (the kernel zeroes freed pages anyway). */
	if (ftruncate(kfd, 0) != 0)
		rc = rc ? rc : -errno;
	close(kfd);
	tc_free(out);
	if (rc != 0) {
		tadm_err(a, "rauc bundle %s failed: %s", dir, why[0] ? why : tc_strerror(rc));
		return TADM_FAIL;
	}
	return 0;
}

/* Check the signed tmp as a device would, then keep it under its release's name. */
static int
keep_bundle(struct tadm *a, int fwfd, const char *tmp, const char *tmpname)
{
	char crt[4096], why[TC_UPDATE_WHY_MAX], name[TC_UPDATE_BOARD_MAX + 32];
	struct tc_update_info in;
	int64_t newest;
	int rc;

	if (trust_path(a, SIGNER_CRT, crt, sizeof(crt)) != 0)
		return TADM_FAIL;
	if ((rc = tc_update_verify(rauc_prog(), crt, tmp, &in, why)) != 0) {
		tadm_err(a, "the signed bundle does not verify: %s (%s)", tc_strerror(rc), why);
		return TADM_FAIL;
	}
	if ((newest = newest_release(fwfd, in.board)) < 0) {
		tadm_err(a, "%s/%s: %s", a->dir, FW_DIR, strerror((int)-newest));
		return TADM_FAIL;
	}
	if (in.release <= (uint64_t)newest) {
		tadm_err(a, "release %llu for %s is not above %lld, already signed: devices would "
			 "refuse it (make bundle with a newer commit, or RELEASE=N)",
			 (unsigned long long)in.release, in.board, (long long)newest);
		/* Refused either way; tadm_audit_now says so if the row is missing. */
		rc = tadm_audit_now(a, "firmware.sign-refused", in.board,
				    "release not above the newest signed");
		(void)rc;
		return TADM_FAIL;
	}
	snprintf(name, sizeof(name), "%s-%llu.raucb", in.board, (unsigned long long)in.release);
	if (renameat(fwfd, tmpname, fwfd, name) != 0 || fsync(fwfd) != 0) {
		tadm_err(a, "%s/%s/%s: %s", a->dir, FW_DIR, name, strerror(errno));
		return TADM_FAIL;
	}
	snprintf(why, sizeof(why), "board %s, release %llu, version %s", in.board,
		 (unsigned long long)in.release, in.version);
	if (tadm_audit_now(a, "firmware.sign", name, why) != 0)
		return TADM_FAIL;
	printf("signed %s/%s/%s: board %s, release %llu, version %s\n", a->dir, FW_DIR, name,
	       in.board, (unsigned long long)in.release, in.version);
	return 0;
}

static int
fw_sign(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	char tmpname[64], path[128], tmp[4096];
	int ch, rc, fwfd;

	while ((ch = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, ch, "firmware sign DIR")) >= 0)
			return rc;
	if (optind + 1 != argc)
		return tadm_usage(a, "firmware sign DIR");
	if (tadm_open(a) != 0)
		return TADM_FAIL;
	if (faccessat(a->dirfd, SIGNER_CRT, F_OK, AT_SYMLINK_NOFOLLOW) != 0) {
		tadm_err(a, "no firmware signer yet: run 'trustadm firmware cert' first");
		return TADM_FAIL;
	}
	if ((fwfd = open_fw_dir(a)) < 0)
		return TADM_FAIL;
	snprintf(tmpname, sizeof(tmpname), ".tmp-sign-%ld.raucb", (long)getpid());
	(void)unlinkat(fwfd, tmpname, 0);	/* rauc refuses an existing output */
	snprintf(path, sizeof(path), "%s/%s", FW_DIR, tmpname);
	rc = trust_path(a, path, tmp, sizeof(tmp)) == 0 ? rauc_bundle(a, argv[optind], tmp) :
							   TADM_FAIL;
	if (rc == 0)
		rc = keep_bundle(a, fwfd, tmp, tmpname);
	(void)unlinkat(fwfd, tmpname, 0);
	close(fwfd);
	return rc == 0 ? TADM_OK : TADM_FAIL;
}

static int
fw_list(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	char crt[4096], path[4400], why[TC_UPDATE_WHY_MAX];
	struct tc_update_info in;
	struct dirent **names = NULL;
	int ch, rc, n, i, bad = 0;

	while ((ch = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, ch, "firmware list")) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, "firmware list");
	if (tadm_open(a) != 0 || trust_path(a, SIGNER_CRT, crt, sizeof(crt)) != 0)
		return TADM_FAIL;
	snprintf(path, sizeof(path), "%s/%s", a->dir, FW_DIR);
	n = scandir(path, &names, NULL, alphasort);
	if (n < 0 && errno != ENOENT) {
		tadm_err(a, "%s: %s", path, strerror(errno));
		return TADM_FAIL;
	}
	printf("%-12s  %-8s  %-24s  %s\n", "BOARD", "RELEASE", "VERSION", "FILE");
	for (i = 0; i < n; i++) {
		const char *nm = names[i]->d_name;
		size_t l = strlen(nm);

		if (nm[0] != '.' && l > 6 && strcmp(nm + l - 6, ".raucb") == 0) {
			snprintf(path, sizeof(path), "%s/%s/%s", a->dir, FW_DIR, nm);
			if ((rc = tc_update_verify(rauc_prog(), crt, path, &in, why)) == 0) {
				printf("%-12s  %-8llu  %-24s  %s\n", in.board,
				       (unsigned long long)in.release, in.version, nm);
			} else {
				tadm_err(a, "%s: %s (%s)", nm, tc_strerror(rc), why);
				bad++;
			}
		}
		free(names[i]);
	}
	free(names);
	return bad ? TADM_FAIL : TADM_OK;
}

int
cmd_firmware(struct tadm *a, int argc, char **argv)
{
	static const struct tadm_sub subs[] = {
		{ "cert", "firmware cert", fw_cert },
		{ "sign", "firmware sign", fw_sign },
		{ "list", "firmware list", fw_list },
	};

	return tadm_subcommand(a, argc, argv, SYNOPSIS, subs, sizeof(subs) / sizeof(subs[0]));
}
