/*
 * test_store_reconcile.c - firmware/store: what opening a store repairs
 * after a crash or damage, and that each repair is in the audit log
 * (read back through the audit API).
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <mbedtls/md.h>

#include "store_fixture.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_random.h"

#define PHOTO_LEN (150 * 1024)

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
	if (sfx_init(&fx, "rec") != 0 || sfx_open(&fx) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	sfx_close(&fx);
	return 0;
}

static void
obj_path(char *out, size_t len, const uint8_t id[TC_PHOTO_ID_LEN])
{
	char hex[33];

	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	snprintf(out, len, "%s/objects/%s.tco", fx.store_dir, hex);
}

static void
assert_consistent(void)
{
	char why[256];

	if (sfx_check_consistent(&fx, why, sizeof(why)) != 0)
		fail_msg("store inconsistent: %s", why);
}

static int
write_file(const char *path, const uint8_t *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	return close(fd) == 0 ? 0 : -errno;
}

/* A child seals part of a photo into a temporary file and dies. */
static void
test_partial_object_discarded(void **state)
{
	char path[SFX_PATH + 64];
	int status, n;
	pid_t pid;

	(void)state;
	sfx_close(&fx);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct tc_seal_params p = { 0 };
		struct tc_store_writer *w;
		struct tc_photo_meta m;
		struct tc_seal *seal;
		static uint8_t jpeg[PHOTO_LEN];

		sfx_make_jpeg(jpeg, sizeof(jpeg), 9);
		sfx_meta(&m, NULL, NULL, NULL);
		p.trust_pub = fx.trust_pub;
		p.device_mac_key = fx.mac_key;
		if (sfx_open(&fx) != 0 || tc_store_begin(fx.s, &w) != 0 ||
		    tc_seal_begin(&seal, &p, &m, tc_store_sink, w) != 0 ||
		    tc_seal_write(seal, jpeg, sizeof(jpeg)) != 0)
			_exit(3);
		kill(getpid(), SIGKILL);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	snprintf(path, sizeof(path), "%s/objects", fx.store_dir);
	n = sfx_grep_tree(path, "", 0);
	assert_int_equal(n, 1);		/* the temporary is there */

	expect_rc(sfx_open(&fx), 0, "reopen");
	/* Erased: gone, or (its wraps found and erased) a pool file, which the check allows. */
	assert_true(sfx_grep_tree(path, "", 0) <= 1);
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.partial", NULL), 1);
	assert_consistent();
}

/* Rename done, row not written: the object is authenticated and re-indexed. */
static void
test_orphan_reindexed(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], digest[TC_SHA256_LEN];
	char path[SFX_PATH + 64], hex[33];
	struct tc_store_rec r;
	uint8_t *obj;
	size_t len;
	int status;
	pid_t pid;

	(void)state;
	sfx_close(&fx);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (sfx_open(&fx) != 0)
			_exit(3);
		tc_fault_crash_at("store.commit.dir_synced", 1);
		(void)!sfx_capture(&fx, PHOTO_LEN, 21, id);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

	expect_rc(sfx_open(&fx), 0, "reopen");
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.reindex", NULL), 1);
	assert_consistent();
	/* Find it: the only row, captured, digest and size from the file. */
	{
		struct tc_store_stats st;

		expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
		assert_int_equal(st.count[TC_PHOTO_CAPTURED], 1);
	}
	{
		char dpath[SFX_PATH + 16];
		DIR *d;
		struct dirent *de;

		snprintf(dpath, sizeof(dpath), "%s/objects", fx.store_dir);
		assert_non_null(d = opendir(dpath));
		while ((de = readdir(d)) != NULL)
			if (strlen(de->d_name) == 36)
				break;
		assert_non_null(de);
		memcpy(hex, de->d_name, 32);
		hex[32] = '\0';
		closedir(d);
	}
	assert_int_equal(tc_hex_decode(hex, id, sizeof(id)), 0);
	expect_rc(tc_store_get(fx.s, id, &r), 0, "re-indexed row");
	assert_int_equal(r.state, TC_PHOTO_CAPTURED);
	obj_path(path, sizeof(path), id);
	assert_int_equal(sfx_slurp(path, &obj, &len), 0);
	assert_int_equal(r.size, len);
	assert_int_equal(mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), obj, len, digest), 0);
	assert_memory_equal(r.digest, digest, sizeof(digest));
	free(obj);
	assert_true(r.created_us > 0);
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.reindex", hex), 1);
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 21), 0, "re-indexed photo opens");
	/* It moves through the lifecycle like any other. */
	expect_rc(sfx_receipt(&fx, id), 0, "receipt");
	expect_rc(tc_store_secure_delete(fx.s, id), 0, "delete");
}

/* Objects the device cannot vouch for are never kept as photos. */
static void
test_unauthentic_objects_rejected(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], fake[TC_PHOTO_ID_LEN], *obj, junk[5000];
	char path[SFX_PATH + 64], fpath[SFX_PATH + 64], tpath[SFX_PATH + 64];
	struct tc_store_stats st;
	size_t len;

	(void)state;
	/* A real object of this store, copied under another id, and one cut short. */
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 31, id), 0, "capture");
	obj_path(path, sizeof(path), id);
	assert_int_equal(sfx_slurp(path, &obj, &len), 0);
	expect_rc(tc_store_discard(fx.s, id, "staff:S1"), 0, "discard");
	sfx_close(&fx);
	assert_int_equal(tc_random_bytes(fake, sizeof(fake)), 0);
	obj_path(fpath, sizeof(fpath), fake);
	assert_int_equal(write_file(fpath, obj, len), 0);	/* id in header != name */
	assert_int_equal(tc_random_bytes(fake, sizeof(fake)), 0);
	obj_path(tpath, sizeof(tpath), fake);
	assert_int_equal(write_file(tpath, obj, len / 2), 0);	/* truncated */
	free(obj);
	assert_int_equal(tc_random_bytes(fake, sizeof(fake)), 0);
	obj_path(path, sizeof(path), fake);
	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(write_file(path, junk, sizeof(junk)), 0);	/* not an object */

	expect_rc(sfx_open(&fx), 0, "reopen");
	assert_int_equal(sfx_audit_count(&fx, "store.alarm.rejected_object", NULL), 3);
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.reindex", NULL), 0);
	expect_rc(tc_store_stats(fx.s, &st), 0, "stats");
	assert_int_equal(st.used_photos, 0);
	assert_consistent();
}

/* A live row whose object vanished: alarm once, tombstone as lost, recover if it returns. */
static void
test_missing_object_alarms(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], *obj;
	char path[SFX_PATH + 64], hex[33];
	struct tc_store_rec r;
	size_t len;

	(void)state;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 41, id), 0, "capture");
	expect_rc(tc_store_mark_uploading(fx.s, id), 0, "uploading");
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	obj_path(path, sizeof(path), id);
	assert_int_equal(sfx_slurp(path, &obj, &len), 0);
	sfx_close(&fx);
	assert_int_equal(unlink(path), 0);

	expect_rc(sfx_open(&fx), 0, "reopen");
	assert_int_equal(sfx_audit_count(&fx, "store.alarm.data_loss", hex), 1);
	expect_rc(tc_store_get(fx.s, id, &r), 0, "row");
	assert_int_equal(r.state, TC_PHOTO_LOST);
	assert_consistent();
	sfx_close(&fx);
	expect_rc(sfx_open(&fx), 0, "reopen again");
	assert_int_equal(sfx_audit_count(&fx, "store.alarm.data_loss", hex), 1);	/* not repeated */

	/* The object comes back (a remounted card): it is checked and restored. */
	sfx_close(&fx);
	assert_int_equal(write_file(path, obj, len), 0);
	free(obj);
	expect_rc(sfx_open(&fx), 0, "reopen with the object back");
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.recovered", hex), 1);
	expect_rc(tc_store_get(fx.s, id, &r), 0, "row");
	assert_int_equal(r.state, TC_PHOTO_CAPTURED);
	expect_rc(sfx_check_photo(&fx, id, PHOTO_LEN, 41), 0, "recovered photo opens");
	assert_consistent();
}

/* A copy of a deleted photo's object turns up: erased, not resurrected. */
static void
test_stale_object_erased(void **state)
{
	uint8_t id[TC_PHOTO_ID_LEN], *obj;
	char path[SFX_PATH + 64], hex[33];
	struct tc_store_rec r;
	size_t len;

	(void)state;
	expect_rc(sfx_capture(&fx, PHOTO_LEN, 51, id), 0, "capture");
	expect_rc(sfx_receipt(&fx, id), 0, "receipt");
	obj_path(path, sizeof(path), id);
	assert_int_equal(sfx_slurp(path, &obj, &len), 0);
	expect_rc(tc_store_secure_delete(fx.s, id), 0, "delete");
	sfx_close(&fx);
	assert_int_equal(write_file(path, obj, len), 0);
	free(obj);

	expect_rc(sfx_open(&fx), 0, "reopen");
	tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.stale", NULL), 1);
	expect_rc(tc_store_get(fx.s, id, &r), 0, "row");
	assert_int_equal(r.state, TC_PHOTO_DELETED);
	assert_consistent();
}

/* A second opener must not repair what a running process has in flight. */
static void
test_second_opener_leaves_work_in_flight(void **state)
{
	struct tc_store_config cfg = { 0 };
	struct tc_store_writer *w;
	struct tc_store *second;
	char path[SFX_PATH + 16];

	(void)state;
	expect_rc(tc_store_begin(fx.s, &w), 0, "begin");
	expect_rc(tc_store_sink(w, "\x01\x02", 2), 0, "sink");
	cfg.dir = fx.store_dir;
	cfg.device_mac_key = fx.mac_key;
	cfg.audit = fx.audit;
	expect_rc(tc_store_open(&second, &cfg), 0, "second open");
	snprintf(path, sizeof(path), "%s/objects", fx.store_dir);
	assert_int_equal(sfx_grep_tree(path, "\x01\x02", 2), 1);
	assert_int_equal(sfx_audit_count(&fx, "store.reconcile.partial", NULL), 0);
	tc_store_close(second);
	tc_store_abort(fx.s, w);
	assert_int_equal(sfx_grep_tree(path, "", 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_partial_object_discarded, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphan_reindexed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unauthentic_objects_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_object_alarms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_object_erased, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_opener_leaves_work_in_flight, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("store_reconcile", tests, NULL, NULL);
}
