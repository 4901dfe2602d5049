/*
 * test_store_migrate.c - firmware/store: catalog schema migrations.
 *
 * A v1 catalog, written here with raw SQL exactly as the first firmware
 * laid it out, migrates to v2 on open with every row intact; a catalog
 * from newer firmware (user_version above ours) is refused with
 * TC_E_SCHEMA and left untouched.
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

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"

#define PHOTO_LEN (60 * 1024)

#define expect_rc(expr, want, what) do {					\
	int got_ = (expr), want_ = (want);					\
	if (got_ != want_)							\
		fail_msg("%s: expected %d (%s), got %d (%s)", (what), want_,	\
			 tc_strerror(want_), got_, tc_strerror(got_));		\
} while (0)

/* The v1 layout as shipped (keep in step with migrations[0] in catalog.c). */
static const char v1_schema[] =
	"CREATE TABLE photos ("
	" id BLOB PRIMARY KEY NOT NULL CHECK (typeof(id) = 'blob' AND length(id) = 16),"
	" state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 8),"
	" size INTEGER NOT NULL CHECK (size >= 0),"
	" digest BLOB NOT NULL CHECK (typeof(digest) = 'blob' AND length(digest) = 32),"
	" created_us INTEGER NOT NULL,"
	" stored_us INTEGER NOT NULL"
	") WITHOUT ROWID;";

static struct sfx fx;

static int
setup(void **state)
{
	(void)state;
	tc_fault_disarm_all();
	return sfx_init(&fx, "mig") == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;
}

static void
catalog_path(char *out, size_t len, const char *suffix)
{
	int n = snprintf(out, len, "%s/catalog.db%s", fx.store_dir, suffix);

	assert_true(n > 0 && (size_t)n < len);
}

static sqlite3 *
raw_open(void)
{
	char path[SFX_PATH + 32];
	sqlite3 *db;

	catalog_path(path, sizeof(path), "");
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	return db;
}

static int
user_version(void)
{
	sqlite3 *db = raw_open();
	sqlite3_stmt *st;
	int v;

	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void
raw_insert_v1(sqlite3 *db, const struct tc_store_rec *r)
{
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO photos VALUES (?, ?, ?, ?, ?, ?)",
					    -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_blob(st, 1, r->id, TC_PHOTO_ID_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, (int)r->state);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)r->size);
	sqlite3_bind_blob(st, 4, r->digest, TC_SHA256_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)r->created_us);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)r->stored_us);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
}

static void
test_v1_migrates_with_rows_intact(void **state)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	uint8_t a[TC_PHOTO_ID_LEN], b[TC_PHOTO_ID_LEN];
	struct tc_store_rec ra, rb, ma, mb;
	char path[SFX_PATH + 32];
	sqlite3_stmt *st;
	sqlite3 *db;
	int has_index = 0;

	(void)state;
	/* Photos made by the current code, then their rows rewritten as a v1 catalog. */
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 1, a), 0, "capture a");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 2, b), 0, "capture b");
	expect_rc(sfx_receipt(&fx, b), 0, "receipt b");
	expect_rc(tc_store_secure_delete(fx.s, b), 0, "delete b");
	expect_rc(tc_store_get(fx.s, a, &ra), 0, "get a");
	expect_rc(tc_store_get(fx.s, b, &rb), 0, "get b");
	sfx_close(&fx);
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		catalog_path(path, sizeof(path), suffixes[i]);
		assert_true(unlink(path) == 0 || errno == ENOENT);
	}
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, v1_schema, NULL, NULL, NULL), SQLITE_OK);
	raw_insert_v1(db, &ra);
	raw_insert_v1(db, &rb);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=1", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	catalog_path(path, sizeof(path), "");
	assert_int_equal(chmod(path, 0600), 0);
	assert_int_equal(user_version(), 1);

	expect_rc(sfx_open(&fx), 0, "open a v1 catalog");
	expect_rc(tc_store_get(fx.s, a, &ma), 0, "row a after migration");
	expect_rc(tc_store_get(fx.s, b, &mb), 0, "row b after migration");
	assert_int_equal(ma.state, TC_PHOTO_CAPTURED);
	assert_int_equal(ma.size, ra.size);
	assert_memory_equal(ma.digest, ra.digest, TC_SHA256_LEN);
	assert_int_equal(ma.created_us, ra.created_us);
	assert_int_equal(ma.stored_us, ra.stored_us);
	assert_int_equal(ma.state_us, ra.stored_us);	/* v2 fills state_us from stored_us */
	assert_int_equal(ma.receipt_seq, 0);
	assert_int_equal(mb.state, TC_PHOTO_DELETED);
	assert_memory_equal(mb.digest, rb.digest, TC_SHA256_LEN);
	assert_int_equal(sfx_audit_count(&fx, "store.alarm.data_loss", NULL), 0);
	expect_rc(sfx_check_photo(&fx, a, PHOTO_LEN, 1), 0, "photo intact after migration");
	/* The v2 columns work: receipt and delete the migrated photo. */
	expect_rc(sfx_receipt(&fx, a), 0, "receipt a");
	expect_rc(tc_store_get(fx.s, a, &ma), 0, "get a");
	assert_true(ma.receipt_seq >= 1000);
	expect_rc(tc_store_secure_delete(fx.s, a), 0, "delete a");
	sfx_close(&fx);

	assert_int_equal(user_version(), 2);
	db = raw_open();
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA index_list(photos)", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW)
		has_index |= !strcmp((const char *)sqlite3_column_text(st, 1), "photos_by_state");
	sqlite3_finalize(st);
	sqlite3_close(db);
	assert_true(has_index);
	/* Opening a current catalog changes nothing. */
	expect_rc(sfx_open(&fx), 0, "reopen");
	sfx_close(&fx);
	assert_int_equal(user_version(), 2);
}

static void
test_newer_schema_refused(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN];
	struct stat before, after;
	char path[SFX_PATH + 32];
	sqlite3 *db;

	(void)state;
	expect_rc(sfx_open(&fx), 0, "open");
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 3, id), 0, "capture");
	sfx_close(&fx);
	db = raw_open();
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version=3", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	catalog_path(path, sizeof(path), "");
	assert_int_equal(stat(path, &before), 0);

	expect_rc(sfx_open(&fx), TC_E_SCHEMA, "catalog from newer firmware");
	assert_null(fx.s);
	assert_int_equal(user_version(), 3);
	assert_int_equal(stat(path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
	/* And it stays refused. */
	expect_rc(sfx_open(&fx), TC_E_SCHEMA, "still refused");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1_migrates_with_rows_intact, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
	};

	return cmocka_run_group_tests_name("store_migrate", tests, NULL, NULL);
}
