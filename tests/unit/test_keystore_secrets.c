/*
 * test_keystore_secrets.c - drivers/keystore's secrets, PIN MAC and
 * wrong-PIN counter, on each backend (ks_backend.h: the file backend,
 * then the TPM backend on a fresh swtpm per case): secrets are created
 * once and durably, reloaded unchanged by a new process, out of other
 * users' reach (file: 0600 in a 0700 directory; TPM: nothing on disk at
 * all), refused when damaged and never replaced, and gone after a wipe.
 * File only: an unsafe directory (the TPM backend keeps nothing in it)
 * and injected write/fsync/rename faults (the TPM's equivalent, a TPM
 * that cannot take a new object, is test_keystore_tpm's test_nv_full).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ks_backend.h"
#include "tc_fault.h"
#include "tc_keystore.h"

/* Where the TPM backend keeps each secret and the counter's mark (drivers/keystore/README.md). */
#define TPM_OBJECT(id) (0x81544300u + (unsigned)(id))
#define TPM_NV_PIN_MARK 0x01544301u

static void
key_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", ks_dir, name);
}

/*
 * The key named is out of other users' reach: a 0600 file in a 0700
 * directory, or on the TPM no file of any kind.
 */
static void
assert_private(const char *name)
{
	char p[700];
	struct stat st;

	if (ks_backend_is_tpm()) {
		assert_int_equal(ks_dir_entries(), 0);
		return;
	}
	key_path(p, sizeof(p), name);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(ks_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
}

/* The key named is gone from where the backend keeps it, not only from this process. */
static void
assert_gone(const char *name, enum tc_secret_id id)
{
	struct tc_keystore *ks;
	uint8_t k[TC_SECRET_LEN];
	char p[700];
	struct stat st;

	key_path(p, sizeof(p), name);
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, id, 0, k), -ENOENT);
	tc_keystore_close(ks);
}

static void
test_create_reload(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], a2[TC_SECRET_LEN], s[TC_SECRET_LEN];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_string_equal(tc_keystore_backend(ks), ks_backend_is_tpm() ? "tpm" : "file");
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, a), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), 0);
	assert_memory_not_equal(a, s, sizeof(a));
	tc_keystore_close(ks);

	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a2), 0);
	assert_memory_equal(a, a2, sizeof(a));
	assert_private("audit.key");
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_COUNT, 1, a2), -EINVAL);
	tc_keystore_close(ks);
}

/* File backend: a key file others can read, of the wrong length, or a symlink. */
static void
tampered_files(void)
{
	struct tc_keystore *ks;
	uint8_t k[TC_SECRET_LEN];
	char p[700];
	int fd;

	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, k), 0);
	key_path(p, sizeof(p), "audit.key");
	/* Readable by others: refused, not silently used. */
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, k), TC_E_INVAL_INPUT);
	assert_int_equal(chmod(p, 0600), 0);
	/* Wrong length: refused, and not replaced by a fresh key either. */
	fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, k), TC_E_INVAL_INPUT);
	/* A symlink in place of a key file is never followed. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/hostname", p), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, k), -ELOOP);
	tc_keystore_close(ks);
}

/*
 * TPM backend: an object at the audit key's handle that is not a
 * 32-byte secret (left by another program): the keystore does not open
 * on it, and does not replace it with a fresh key.
 */
static void
tampered_object(void)
{
	struct tc_keystore *ks;
	uint8_t k[TC_SECRET_LEN + 1];

	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, k), 0);
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_BIT(TC_SECRET_AUDIT)), 0);
	tc_keystore_close(ks);
	memset(k, 0x5a, sizeof(k));
	assert_int_equal(swtpm_plant_sealed(&ks_tpm, TPM_OBJECT(TC_SECRET_AUDIT), k, sizeof(k)), 0);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM_UNSEAL);
	assert_null(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_TPM_UNSEAL);	/* still there */
}

/* A damaged key is refused, never used and never replaced by a fresh one. */
static void
test_tampered_key_refused(void **state)
{
	(void)state;
	if (ks_backend_is_tpm())
		tampered_object();
	else
		tampered_files();
}

static void
test_unsafe_dir_refused(void **state)
{
	struct tc_keystore *ks;
	char link[700];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	tc_keystore_close(ks);
	assert_int_equal(chmod(ks_dir, 0755), 0);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), TC_E_UNSAFE_PATH);
	assert_int_equal(chmod(ks_dir, 0700), 0);
	snprintf(link, sizeof(link), "%s.link", ks_dir);
	assert_int_equal(symlink(ks_dir, link), 0);
	assert_int_equal(tc_keystore_open(&ks, link), TC_E_UNSAFE_PATH);
}

static void
test_create_faults_leave_nothing(void **state)
{
	struct tc_keystore *ks;
	uint8_t k[TC_SECRET_LEN];
	char p[700];
	struct stat st;
	int errs[] = { ENOSPC, EIO };
	enum tc_fault_site sites[] = { TC_FAULT_WRITE, TC_FAULT_FSYNC, TC_FAULT_RENAME };

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	for (size_t s = 0; s < 3; s++) {
		for (size_t e = 0; e < 2; e++) {
			tc_fault_arm(sites[s], 1, errs[e], false);
			assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, k), -errs[e]);
			tc_fault_disarm_all();
			key_path(p, sizeof(p), "store.key");
			assert_int_equal(stat(p, &st), -1);
			key_path(p, sizeof(p), ".store.key.tmp");
			assert_int_equal(stat(p, &st), -1);
		}
	}
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, k), 0);
	tc_keystore_close(ks);
}

static void
test_wipe(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], b[TC_SECRET_LEN];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, b), 0);
	assert_int_equal(tc_keystore_wipe(ks), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, b), -ENOENT);
	assert_gone("audit.key", TC_SECRET_AUDIT);
	assert_gone("store.key", TC_SECRET_STORE);
	/* A new key after a wipe is a different key. */
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	tc_keystore_close(ks);
}

/*
 * Damage the wrong-PIN record: the file's text, or on the TPM the mark
 * (counter at the last right PIN) raised above the counter, which no
 * honest write makes.
 */
static void
damage_pin_failures(void)
{
	char p[700], cmd[900];
	int fd;

	if (ks_backend_is_tpm()) {
		snprintf(cmd, sizeof(cmd),
			 "printf '\\377\\377\\377\\377\\377\\377\\377\\377\\0\\0\\0\\0\\0\\0\\0\\0' | "
			 "tpm2_nvwrite -T '%s' -C o -i - 0x%08x >/dev/null 2>&1",
			 ks_tpm.tcti, TPM_NV_PIN_MARK);
		assert_int_equal(system(cmd), 0);
		return;
	}
	key_path(p, sizeof(p), "pin-failures");
	fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x 1\n", 4), 4);
	close(fd);
}

/* The wrong-PIN counter behind photod's lockout: durable, damaged = refused, erased by wipe. */
static void
test_pin_failures(void **state)
{
	struct tc_keystore *ks;
	struct tc_pin_failures f;
	uint32_t n = 0;
	char p[700];
	struct stat st;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(f.locked_until, 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 1700000030, &n), 0);
	assert_int_equal(n, 2);
	tc_keystore_close(ks);
	/* A new process (a restart of photod) sees the same count. */
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 2);
	assert_int_equal(f.locked_until, 1700000030);
	assert_private("pin-failures");
	assert_int_equal(tc_keystore_pin_failures_reset(ks), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	/* Damaged: refused, never read as zero; the next failure counts as the fifth. */
	damage_pin_failures();
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), TC_E_INVAL_INPUT);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(tc_keystore_pin_failures_add(ks, -1, &n), -EINVAL);
	/* Erased with the keys a wipe erases. */
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_PIN_FAILURES), 0);
	key_path(p, sizeof(p), "pin-failures");
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	tc_keystore_close(ks);
}

/* The firmware floor: a durable file that only rises, damage refused, kept by a wipe. */
static void
test_firmware_floor(void **state)
{
	struct tc_keystore *ks;
	uint64_t v = 1;
	char p[700];
	struct stat st;
	int fd;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 7), 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 4), 0);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 7);
	/* The file backend keeps no policy floor: that stays 0. */
	assert_int_equal(tc_keystore_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	key_path(p, sizeof(p), "firmware-floor");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tc_keystore_wipe(ks), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 7);
	fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "7x\n", 3), 3);
	close(fd);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), TC_E_INVAL_INPUT);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 9), TC_E_INVAL_INPUT);
	tc_keystore_close(ks);
}

/* The PIN secret only ever shows as an HMAC, the same for the same input, new after an erase. */
static void
test_pin_mac(void **state)
{
	struct tc_keystore *ks;
	uint8_t m1[TC_PIN_MAC_LEN], m2[TC_PIN_MAC_LEN], m3[TC_PIN_MAC_LEN];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"hash", 4, m1), 0);
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"hash", 4, m2), 0);
	assert_memory_equal(m1, m2, sizeof(m1));
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"hasH", 4, m2), 0);
	assert_memory_not_equal(m1, m2, sizeof(m1));
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_BIT(TC_SECRET_PIN)), 0);
	assert_int_equal(tc_keystore_pin_mac(ks, (const uint8_t *)"hash", 4, m3), 0);
	assert_memory_not_equal(m1, m3, sizeof(m1));	/* another device, as far as PINs go */
	assert_int_equal(tc_keystore_pin_mac(ks, NULL, 4, m3), -EINVAL);
	tc_keystore_close(ks);
}

/*
 * The on-device review key of older firmware opened photos (against R3):
 * opening the keystore, of either backend (a device updated to a TPM
 * build), crypto-erases it, and leaves the other keys alone.
 */
static void
test_old_review_key_erased(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], a2[TC_SECRET_LEN], scalar[TC_SECRET_LEN];
	char p[700];
	struct stat st;
	FILE *f;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	tc_keystore_close(ks);
	memset(scalar, 0x5a, sizeof(scalar));
	/* (The TPM backend makes no directory; older firmware had one.) */
	assert_true(mkdir(ks_dir, 0700) == 0 || errno == EEXIST);
	key_path(p, sizeof(p), "review.key");
	assert_non_null(f = fopen(p, "wx"));
	assert_int_equal(fwrite(scalar, 1, sizeof(scalar), f), sizeof(scalar));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tc_keystore_open(&ks, ks_dir), 0);
	assert_int_equal(stat(p, &st), -1);	/* the old review key is gone */
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, a2), 0);
	assert_memory_equal(a, a2, sizeof(a));	/* and the audit key kept */
	tc_keystore_close(ks);
}

int
main(void)
{
	const struct CMUnitTest both[] = {
		KS_TEST(test_pin_failures),
		KS_TEST(test_pin_mac),
		KS_TEST(test_create_reload),
		KS_TEST(test_tampered_key_refused),
		KS_TEST(test_wipe),
		KS_TEST(test_old_review_key_erased),
	};
	const struct CMUnitTest file_only[] = {
		KS_TEST(test_unsafe_dir_refused),
		KS_TEST(test_create_faults_leave_nothing),
		KS_TEST(test_firmware_floor),	/* the TPM's NV floor: test_keystore_tpm */
	};

	return ks_backend_run("keystore_secrets", both, KS_N(both), file_only, KS_N(file_only),
			      NULL, 0);
}
