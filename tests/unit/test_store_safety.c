/*
 * test_store_safety.c - firmware/store: unsafe directories and files are
 * refused, everything created is private, the catalog runs with the
 * settings the design requires, and a delete truncates the WAL.
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

#include <sqlite3.h>

#include "catalog.h"
#include "store_fixture.h"
#include "store_int.h"
#include "tc_fault.h"
#include "tc_io.h"

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

static struct sfx fx;

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return sfx_init(&fx, "safe") == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;
}

static void
path_in(char *out, size_t len, const char *a, const char *b)
{
	int n = snprintf(out, len, "%s/%s", a, b);

	assert_true(n > 0 && (size_t)n < len);
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	assert_int_equal(lstat(path, &st), 0);
	return st.st_mode & 07777;
}

static void
test_symlinked_dir_refused(void **state)
{
	char real[SFX_PATH + 16], link[SFX_PATH + 16];

	(void)state;
	path_in(real, sizeof(real), fx.root, "real");
	path_in(link, sizeof(link), fx.root, "link");
	assert_int_equal(mkdir(real, 0700), 0);
	assert_int_equal(symlink(real, link), 0);
	assert_true(tc_strlcpy(fx.store_dir, link, sizeof(fx.store_dir)) < sizeof(fx.store_dir));
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "symlinked store dir");
}

static void
test_open_dirs_refused(void **state)
{
	char objects[SFX_PATH + 16];

	(void)state;
	assert_int_equal(mkdir(fx.store_dir, 0755), 0);
	assert_int_equal(chmod(fx.store_dir, 0755), 0);
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "0755 store dir");
	assert_int_equal(chmod(fx.store_dir, 0700), 0);
	assert_int_equal(chown(fx.store_dir, 12345, (gid_t)-1), 0);
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "store dir of another user");
	assert_int_equal(chown(fx.store_dir, geteuid(), (gid_t)-1), 0);
	path_in(objects, sizeof(objects), fx.store_dir, "objects");
	assert_int_equal(mkdir(objects, 0700), 0);
	assert_int_equal(chmod(objects, 0750), 0);
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "0750 objects dir");
	assert_int_equal(rmdir(objects), 0);
	assert_int_equal(symlink(fx.root, objects), 0);
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "symlinked objects dir");
}

static void
test_symlinked_catalog_refused(void **state)
{
	char db[SFX_PATH + 32], wal[SFX_PATH + 32], target[SFX_PATH + 32];
	int fd;

	(void)state;
	assert_int_equal(mkdir(fx.store_dir, 0700), 0);
	path_in(target, sizeof(target), fx.root, "elsewhere.db");
	assert_true((fd = open(target, O_CREAT | O_WRONLY | O_CLOEXEC, 0600)) >= 0);
	close(fd);
	path_in(db, sizeof(db), fx.store_dir, "catalog.db");
	assert_int_equal(symlink(target, db), 0);
	assert_true(sfx_open(&fx) < 0);
	assert_null(fx.s);
	assert_int_equal(unlink(db), 0);
	path_in(wal, sizeof(wal), fx.store_dir, "catalog.db-wal");
	assert_int_equal(symlink(target, wal), 0);
	expect_rc(sfx_open(&fx), TC_E_UNSAFE_PATH, "symlinked WAL");
}

static void
test_created_files_are_private(void **state)
{
	char p[SFX_PATH + 64], hex[33];
	uint8_t id[TC_PHOTO_ID_LEN];
	int fd;
	uint64_t size;

	(void)state;
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, 50000, 1, id), 0, "capture");
	assert_int_equal(mode_of(fx.store_dir), 0700);
	path_in(p, sizeof(p), fx.store_dir, "objects");
	assert_int_equal(mode_of(p), 0700);
	path_in(p, sizeof(p), fx.store_dir, "catalog.db");
	assert_int_equal(mode_of(p), 0600);
	path_in(p, sizeof(p), fx.store_dir, "catalog.db-wal");
	assert_int_equal(mode_of(p), 0600);
	path_in(p, sizeof(p), fx.store_dir, "catalog.db-shm");
	assert_int_equal(mode_of(p), 0600);
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(p, sizeof(p), "%s/objects/%s.tco", fx.store_dir, hex);
	assert_int_equal(mode_of(p), 0600);

	/* An object swapped for a symlink is not followed. */
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	expect_rc(tc_store_open_object(fx.s, id, &fd, &size), -ELOOP, "symlinked object");
	assert_int_equal(unlink(p), 0);
}

static void
test_config_required(void **state)
{
	struct tc_store_config cfg = { 0 };
	struct tc_store *s;

	(void)state;
	expect_rc(tc_audit_open(&fx.audit, fx.audit_dir, fx.audit_key), 0, "audit");
	cfg.dir = fx.store_dir;
	cfg.device_mac_key = fx.mac_key;
	expect_rc(tc_store_open(&s, &cfg), -EINVAL, "no audit log");
	cfg.audit = fx.audit;
	cfg.device_mac_key = NULL;
	expect_rc(tc_store_open(&s, &cfg), -EINVAL, "no device MAC key");
}

static const char *
pragma(sqlite3 *db, const char *sql, char *buf, size_t len)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	tc_strlcpy(buf, (const char *)sqlite3_column_text(st, 0), len);
	sqlite3_finalize(st);
	return buf;
}

static void
test_catalog_settings(void **state)
{
	struct tc_catalog *c;
	char buf[32];
	int dfd, v = -1;

	(void)state;
	assert_int_equal(mkdir(fx.store_dir, 0700), 0);
	assert_true((dfd = tc_open_private_dir(fx.store_dir, 0)) >= 0);
	expect_rc(tc_catalog_open(&c, dfd, fx.store_dir), 0, "catalog");
	assert_string_equal(pragma(c->db, "PRAGMA journal_mode", buf, sizeof(buf)), "wal");
	assert_string_equal(pragma(c->db, "PRAGMA synchronous", buf, sizeof(buf)), "2");
	assert_string_equal(pragma(c->db, "PRAGMA secure_delete", buf, sizeof(buf)), "1");
	assert_string_equal(pragma(c->db, "PRAGMA foreign_keys", buf, sizeof(buf)), "1");
	assert_string_equal(pragma(c->db, "PRAGMA trusted_schema", buf, sizeof(buf)), "0");
	assert_string_equal(pragma(c->db, "PRAGMA user_version", buf, sizeof(buf)), "2");
	assert_int_equal(sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, -1, &v), SQLITE_OK);
	assert_int_equal(v, 1);
	/* Defensive: the schema cannot be written behind SQLite's back. */
	assert_int_not_equal(sqlite3_exec(c->db, "PRAGMA writable_schema=ON;"
					  "UPDATE sqlite_schema SET sql='x'", NULL, NULL, NULL),
			     SQLITE_OK);
	tc_catalog_close(c);
	close(dfd);
}

static void
test_delete_truncates_wal(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN];
	char wal[SFX_PATH + 32];
	struct stat st;

	(void)state;
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, 50000, 2, id), 0, "capture");
	expect_rc(sfx_receipt(&fx, id), 0, "receipt");
	path_in(wal, sizeof(wal), fx.store_dir, "catalog.db-wal");
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	expect_rc(tc_store_secure_delete(fx.s, id), 0, "delete");
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_size, 0);
}

struct busy {
	uint8_t id[TC_PHOTO_ID_LEN];
	int rc, calls;
};

/* Runs while the second handle's listing holds a read snapshot. */
static int
delete_while_reading(void *ctx, const struct tc_store_rec *r)
{
	struct busy *b = ctx;

	(void)r;
	b->calls++;
	b->rc = tc_store_secure_delete(fx.s, b->id);
	return 1;
}

/* A reader keeps the WAL from being truncated: the delete says so, a later checkpoint does it. */
static void
test_checkpoint_busy_is_reported(void **state)
{
	struct tc_store_config cfg = { 0 };
	struct tc_store *second;
	struct tc_store_rec rec;
	struct busy b = { .rc = 1 };
	uint8_t other[TC_PHOTO_ID_LEN];
	char wal[SFX_PATH + 32];
	struct stat st;

	(void)state;
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, 30000, 3, other), 0, "capture");
	expect_rc(sfx_capture(&fx, 30000, 4, b.id), 0, "capture");
	expect_rc(sfx_receipt(&fx, b.id), 0, "receipt");
	cfg.dir = fx.store_dir;
	cfg.device_mac_key = fx.mac_key;
	cfg.audit = fx.audit;
	expect_rc(tc_store_open(&second, &cfg), 0, "second handle");
	/* Don't wait the full 5 s busy timeout for the reader to go away. */
	assert_int_equal(sqlite3_busy_timeout(fx.s->cat->db, 50), SQLITE_OK);
	expect_rc(tc_store_list(second, delete_while_reading, &b), 1, "list");
	assert_int_equal(b.calls, 1);
	expect_rc(b.rc, -EBUSY, "delete under a reader reports the untruncated WAL");
	expect_rc(tc_store_get(fx.s, b.id, &rec), 0, "row");
	assert_int_equal(rec.state, TC_PHOTO_DELETED);	/* the photo itself is gone */
	path_in(wal, sizeof(wal), fx.store_dir, "catalog.db-wal");
	assert_int_equal(stat(wal, &st), 0);
	assert_true(st.st_size > 0);
	expect_rc(tc_store_checkpoint(fx.s), 0, "checkpoint once the reader is done");
	assert_int_equal(stat(wal, &st), 0);
	assert_int_equal(st.st_size, 0);
	tc_store_close(second);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_symlinked_dir_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_dirs_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlinked_catalog_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_created_files_are_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_required, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog_settings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_truncates_wal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_checkpoint_busy_is_reported, setup, teardown),
	};

	return cmocka_run_group_tests_name("store_safety", tests, NULL, NULL);
}
