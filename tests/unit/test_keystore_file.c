/*
 * test_keystore_file.c - drivers/keystore, file backend: secrets are
 * created once and durably, reloaded unchanged, kept 0600, refused when
 * tampered with, and gone after a wipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_fault.h"
#include "tc_keystore.h"

static char dir[600];

static int
setup(void **state)
{
	const char *base = getenv("TC_TEST_TMP");
	char tmpl[500];

	(void)state;
	snprintf(tmpl, sizeof(tmpl), "%s/ksXXXXXX", base ? base : "/tmp");
	assert_non_null(mkdtemp(tmpl));
	snprintf(dir, sizeof(dir), "%s/keys", tmpl);
	tc_fault_disarm_all();
	return 0;
}

static void
key_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static void
test_create_reload(void **state)
{
	struct tc_keystore *ks;
	uint8_t a[TC_SECRET_LEN], a2[TC_SECRET_LEN], s[TC_SECRET_LEN];
	char p[700];
	struct stat st;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_string_equal(tc_keystore_backend(ks), "file");
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, a), -ENOENT);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, s), 0);
	assert_memory_not_equal(a, s, sizeof(a));
	tc_keystore_close(ks);

	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a2), 0);
	assert_memory_equal(a, a2, sizeof(a));
	key_path(p, sizeof(p), "audit.key");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_COUNT, 1, a2), -EINVAL);
	tc_keystore_close(ks);
}

static void
test_tampered_files_refused(void **state)
{
	struct tc_keystore *ks;
	uint8_t k[TC_SECRET_LEN];
	char p[700];
	int fd;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
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

static void
test_unsafe_dir_refused(void **state)
{
	struct tc_keystore *ks;
	char link[700];

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	tc_keystore_close(ks);
	assert_int_equal(chmod(dir, 0755), 0);
	assert_int_equal(tc_keystore_open(&ks, dir), TC_E_UNSAFE_PATH);
	assert_int_equal(chmod(dir, 0700), 0);
	snprintf(link, sizeof(link), "%s.link", dir);
	assert_int_equal(symlink(dir, link), 0);
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
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
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
	char p[700];
	struct stat st;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_STORE, 1, b), 0);
	assert_int_equal(tc_keystore_wipe(ks), 0);
	key_path(p, sizeof(p), "audit.key");
	assert_int_equal(stat(p, &st), -1);
	key_path(p, sizeof(p), "store.key");
	assert_int_equal(stat(p, &st), -1);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, b), -ENOENT);
	/* A new key after a wipe is a different key. */
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, b), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	tc_keystore_close(ks);
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
	int fd;

	(void)state;
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	assert_int_equal(f.locked_until, 0);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 0, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 1700000030, &n), 0);
	assert_int_equal(n, 2);
	tc_keystore_close(ks);
	/* A new process (a restart of photod) sees the same count. */
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 2);
	assert_int_equal(f.locked_until, 1700000030);
	key_path(p, sizeof(p), "pin-failures");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(tc_keystore_pin_failures_reset(ks), 0);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), 0);
	assert_int_equal(f.count, 0);
	/* Damaged: refused, never read as zero; the next failure counts as the fifth. */
	fd = open(p, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x 1\n", 4), 4);
	close(fd);
	assert_int_equal(tc_keystore_pin_failures_get(ks, &f), TC_E_INVAL_INPUT);
	assert_int_equal(tc_keystore_pin_failures_add(ks, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(tc_keystore_pin_failures_add(ks, -1, &n), -EINVAL);
	/* Erased with the keys a wipe erases. */
	assert_int_equal(tc_keystore_erase(ks, TC_KEY_PIN_FAILURES), 0);
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
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_firmware_floor_get(ks, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 7), 0);
	assert_int_equal(tc_keystore_firmware_floor_raise(ks, 4), 0);
	tc_keystore_close(ks);
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
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
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
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
 * opening the keystore crypto-erases it, and leaves the other keys alone.
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
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 1, a), 0);
	tc_keystore_close(ks);
	memset(scalar, 0x5a, sizeof(scalar));
	key_path(p, sizeof(p), "review.key");
	assert_non_null(f = fopen(p, "wx"));
	assert_int_equal(fwrite(scalar, 1, sizeof(scalar), f), sizeof(scalar));
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tc_keystore_open(&ks, dir), 0);
	assert_int_equal(stat(p, &st), -1);	/* the old review key is gone */
	assert_int_equal(tc_keystore_secret(ks, TC_SECRET_AUDIT, 0, a2), 0);
	assert_memory_equal(a, a2, sizeof(a));	/* and the audit key kept */
	tc_keystore_close(ks);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_pin_failures, setup),
		cmocka_unit_test_setup(test_firmware_floor, setup),
		cmocka_unit_test_setup(test_pin_mac, setup),
		cmocka_unit_test_setup(test_create_reload, setup),
		cmocka_unit_test_setup(test_tampered_files_refused, setup),
		cmocka_unit_test_setup(test_unsafe_dir_refused, setup),
		cmocka_unit_test_setup(test_create_faults_leave_nothing, setup),
		cmocka_unit_test_setup(test_wipe, setup),
		cmocka_unit_test_setup(test_old_review_key_erased, setup),
	};

	return cmocka_run_group_tests_name("keystore_file", tests, NULL, NULL);
}
