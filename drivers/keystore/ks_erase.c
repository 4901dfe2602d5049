/*
 * ks_erase.c - erasing key files, for every backend: the file backend's
 * keys, and the on-device review key of older firmware, which must not
 * outlive an update to either backend (R3: no key on the device may open
 * a photo).
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore_int.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"

/* The on-device review key of older firmware: a scalar that opened photos (R3). */
#define KS_LEGACY_REVIEW "review.key"

/*
 * Overwrite every byte with random ones, fsync, unlink: the file never
 * survives readable.  (On flash the overwrite is best effort; what the
 * keys protected is gone because the keys are.)
 */
int
ks_erase_file(int dirfd, const char *name)
{
	uint8_t junk[512];
	struct stat st;
	size_t left, n;
	int fd, rc = 0;

	fd = tc_openat(dirfd, name, O_WRONLY);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0)
		rc = -errno;
	for (left = rc == 0 && st.st_size > 0 ? (size_t)st.st_size : 0; rc == 0 && left; left -= n) {
		n = left < sizeof(junk) ? left : sizeof(junk);
		rc = tc_random_bytes(junk, n);
		if (rc == 0)
			rc = tc_write_all(fd, junk, n);
	}
	if (rc == 0)
		rc = tc_fsync(fd);
	close(fd);
	if (rc == 0 && unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		rc = -errno;	/* ENOENT: another process erased it first */
	return rc;
}

void
ks_erase_legacy(const char *dir)
{
	int fd = tc_open_private_dir(dir, 0), rc;

	if (fd == -ENOENT)	/* the TPM backend needs no directory: none, nothing to erase */
		return;
	rc = fd < 0 ? fd : ks_erase_file(fd, KS_LEGACY_REVIEW);
	if (fd >= 0)
		close(fd);
	/* Said, not fatal: the camera must still start, and the next start tries again. */
	if (rc != 0)
		tc_warn("keystore: cannot erase the old review key %s/%s: %s", dir,
			KS_LEGACY_REVIEW, tc_strerror(rc));
}
