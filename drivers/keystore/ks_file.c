/*
 * ks_file.c - the file keystore backend: one 0600 file per key in a
 * private directory, written with the commit protocol (temp, fsync,
 * rename, fsync dir) and overwritten before unlink on erase.
 *
 * For development, the host board and boards without a TPM.  Files hold
 * raw key bytes (the identity key as DER, see ks_file_identity.c); their
 * protection is the directory's permissions and the privilege separation
 * of the daemons that read them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keystore_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"
#include "tc_secmem.h"

static const char *const secret_files[TC_SECRET_COUNT] = {
	[TC_SECRET_AUDIT] = "audit.key",
	[TC_SECRET_STORE] = "store.key",
	[TC_SECRET_PIN] = "pin.key",
};

struct ks_file {
	int dirfd;
};

int
ks_file_dirfd(const struct tc_keystore *ks)
{
	const struct ks_file *f = ks->priv;

	return f->dirfd;
}

static int
file_open(struct tc_keystore *ks, const char *dir)
{
	struct ks_file *f;
	int fd = tc_open_private_dir(dir, 1);

	if (fd < 0)
		return fd;
	f = tc_calloc(1, sizeof(*f));
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	f->dirfd = fd;
	ks->priv = f;
	return 0;
}

static void
file_close(struct tc_keystore *ks)
{
	struct ks_file *f = ks->priv;

	if (f) {
		close(f->dirfd);
		tc_free(f);
	}
	ks->priv = NULL;
}

int
ks_file_read_key(int dirfd, const char *name, uint8_t *out, size_t cap, int exact, size_t *len)
{
	struct stat st;
	size_t got = 0;
	int fd, rc;

	fd = tc_openat(dirfd, name, O_RDONLY);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 1 || (uint64_t)st.st_size > cap ||
	    (exact && (size_t)st.st_size != cap) || (st.st_mode & 077) ||
	    st.st_uid != geteuid()) {
		rc = TC_E_INVAL_INPUT;
		goto out;
	}
	rc = tc_read_full(fd, out, (size_t)st.st_size, &got);
	if (rc == 0 && got != (size_t)st.st_size)
		rc = TC_E_INVAL_INPUT;
out:
	close(fd);
	if (rc != 0)
		tc_zeroize(out, cap);
	else if (len)
		*len = got;
	return rc;
}

int
ks_file_write_key(int dirfd, const char *name, const uint8_t *buf, size_t len)
{
	char tmp[64];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), ".%s.tmp", name);
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

static int
create_secret(int dirfd, const char *name, uint8_t out[TC_SECRET_LEN])
{
	int rc = tc_random_bytes(out, TC_SECRET_LEN);

	if (rc == 0)
		rc = tc_write_file_atomic(dirfd, name, out, TC_SECRET_LEN);
	if (rc != 0)
		tc_zeroize(out, TC_SECRET_LEN);
	return rc;
}

static int
file_secret(struct tc_keystore *ks, enum tc_secret_id id, int create, uint8_t out[TC_SECRET_LEN])
{
	struct ks_file *f = ks->priv;
	int rc = ks_file_read_key(f->dirfd, secret_files[id], out, TC_SECRET_LEN, 1, NULL);

	if (rc == -ENOENT && create)
		rc = create_secret(f->dirfd, secret_files[id], out);
	return rc;
}

static int
file_id_load(struct tc_keystore *ks, uint8_t *der, size_t cap, size_t *len)
{
	return ks_file_read_key(ks_file_dirfd(ks), KS_FILE_IDENTITY, der, cap, 0, len);
}

static int
file_id_exists(struct tc_keystore *ks)
{
	struct stat st;

	if (fstatat(ks_file_dirfd(ks), KS_FILE_IDENTITY, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return TC_E_EXISTS;
	return errno == ENOENT ? 0 : -errno;
}

static int
file_id_store(struct tc_keystore *ks, const uint8_t *der, size_t len)
{
	return ks_file_write_key(ks_file_dirfd(ks), KS_FILE_IDENTITY, der, len);
}

static int
file_erase(struct tc_keystore *ks, unsigned mask)
{
	struct ks_file *f = ks->priv;
	int i, rc, first = 0;

	for (i = 0; i < TC_SECRET_COUNT; i++) {
		if (!(mask & TC_KEY_BIT(i)))
			continue;
		rc = ks_erase_file(f->dirfd, secret_files[i]);
		if (rc && !first)
			first = rc;
	}
	if (mask & TC_KEY_IDENTITY) {
		rc = ks_erase_file(f->dirfd, KS_FILE_IDENTITY);
		if (rc && !first)
			first = rc;
	}
	if (mask & TC_KEY_PIN_FAILURES) {
		rc = ks_erase_file(f->dirfd, KS_FILE_PIN_FAILURES);
		if (rc && !first)
			first = rc;
	}
	rc = tc_fsync_dir(f->dirfd);
	return first ? first : rc;
}

const struct tc_keystore_ops tc_keystore_file_ops = {
	.name = "file",
	.open = file_open,
	.close = file_close,
	.secret = file_secret,
	.erase = file_erase,
	.id_load = file_id_load,
	.id_exists = file_id_exists,
	.id_store = file_id_store,
	.pin_failures_get = ks_file_pin_failures_get,
	.pin_failures_set = ks_file_pin_failures_set,
	.floor_get = ks_file_floor_get,
	.floor_raise = ks_file_floor_raise,
};
