/*
 * audit.c - open, append to and close the device's audit log.
 *
 * Tuned for durability first: every append costs a write and three
 * fsyncs (log, head temp file, directory), which at a few entries a
 * minute is nothing, and in exchange an acknowledged entry survives a
 * power cut and a dropped one is always detected.
 *
 * Append protocol (crash points in brackets; README.md has the reasoning):
 *
 *   [audit.append.start]    write the record at head.log_len in audit.log
 *   [audit.append.written]  fsync audit.log
 *   [audit.append.synced]   write audit.head.tmp (seq, log_len, hash, MAC)
 *   [audit.head.written]    fsync it
 *   [audit.head.synced]     rename over audit.head   <- the commit point
 *   [audit.head.renamed]    fsync the directory
 *   [audit.append.done]     return 0
 *
 * A crash before the rename leaves bytes past the MAC'd head's log_len:
 * never acknowledged, so the next open (or append) cuts them off.  Only
 * the MAC'd head says what the log must contain, so nothing an attacker
 * appends without the key survives either.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_int.h"
#include "tc_fault.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_secmem.h"

static const uint8_t zero_hash[TC_AUDIT_HASH_LEN];

bool
tc_audit_is_verify_err(int err)
{
	return err <= TC_E_AUDIT_CHAIN && err >= TC_E_AUDIT_SEQUENCE;
}

void
tc_audit_fail(struct tc_audit *a, int err)
{
	pthread_mutex_lock(&a->mu);
	if (!a->failed)
		a->failed = err;
	pthread_mutex_unlock(&a->mu);
}

static int
lock_file(int fd, int op)
{
	while (flock(fd, op) != 0)
		if (errno != EINTR)
			return -errno;
	return 0;
}

static void
adopt_head(struct tc_audit *a, const struct audit_head *h, const uint8_t *raw)
{
	__atomic_store_n(&a->seq, h->seq, __ATOMIC_RELEASE);
	a->log_len = h->log_len;
	memcpy(a->hash, h->hash, TC_AUDIT_HASH_LEN);
	memcpy(a->head_raw, raw, TC_AUDIT_HEAD_LEN);
}

/*
 * Replace audit.head with h, MAC'd: temp file, fsync, rename, fsync dir.
 * raw receives the record.  On an error before the rename the old head
 * stands; after it the new one does (and the caller must not assume
 * either: the next sync_head() reads what is there).
 */
static int
head_write(struct tc_audit *a, const struct audit_head *h, uint8_t *raw)
{
	bool renamed = false;
	int fd = -1, ret;

	if ((ret = tc_audit_head_encode(h, a->key, raw)) != 0)
		return ret;
	fd = tc_audit_open_file(a->dirfd, AUDIT_HEAD_TMP, O_WRONLY | O_CREAT | O_TRUNC);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	if ((ret = tc_write_all(fd, raw, TC_AUDIT_HEAD_LEN)) != 0)
		goto out;
	tc_fault_point("audit.head.written");
	if ((ret = tc_fsync(fd)) != 0)
		goto out;
	ret = close(fd) == 0 ? 0 : -errno;
	fd = -1;
	if (ret)
		goto out;
	tc_fault_point("audit.head.synced");
	if ((ret = tc_renameat(a->dirfd, AUDIT_HEAD_TMP, AUDIT_HEAD_NAME)) != 0)
		goto out;
	renamed = true;
	tc_fault_point("audit.head.renamed");
	ret = tc_fsync_dir(a->dirfd);
out:
	if (fd >= 0)
		close(fd);
	if (ret && !renamed)
		(void)unlinkat(a->dirfd, AUDIT_HEAD_TMP, 0);
	return ret;
}

/*
 * Bring the cached head up to date with audit.head, which another process
 * (or our own append that failed after its rename) may have moved on.
 * Entries between the cached head and the new one are verified before
 * the new head is adopted.  A head that went backwards or changed at the
 * same seq was rolled back or forged.  Caller holds mu and the flock.
 */
static int
sync_head(struct tc_audit *a)
{
	uint8_t raw[TC_AUDIT_HEAD_LEN];
	struct audit_head h;
	int ret;

	ret = tc_audit_head_read(a->dirfd, raw);
	if (ret == -ENOENT)
		return TC_E_AUDIT_MAC;
	if (ret)
		return ret;
	if (memcmp(raw, a->head_raw, sizeof(raw)) == 0)
		return 0;
	if ((ret = tc_audit_head_decode(raw, sizeof(raw), a->key, &h)) != 0)
		return ret;
	if (h.seq < a->seq)
		return TC_E_AUDIT_TRUNCATED;
	if (h.seq == a->seq)
		return TC_E_AUDIT_CHAIN;
	ret = tc_audit_scan(a->logfd, &h, a->log_len, a->seq, a->hash, NULL, NULL, NULL);
	if (ret == 0)
		adopt_head(a, &h, raw);
	return ret;
}

/*
 * Cut audit.log back to the verified head: anything past it was never
 * acknowledged (a crash or an I/O error mid-append).  *dropped says how
 * many bytes went.  A log shorter than the head lost acknowledged entries.
 */
static int
trim_tail(struct tc_audit *a, uint64_t *dropped)
{
	struct stat st;

	*dropped = 0;
	if (fstat(a->logfd, &st) != 0)
		return -errno;
	if ((uint64_t)st.st_size < a->log_len)
		return TC_E_AUDIT_TRUNCATED;
	if ((uint64_t)st.st_size == a->log_len)
		return 0;
	if (ftruncate(a->logfd, (off_t)a->log_len) != 0)
		return -errno;
	*dropped = (uint64_t)st.st_size - a->log_len;
	return tc_fsync(a->logfd);
}

/*
 * The append protocol above for n entries: all records written, then one
 * fsync and one head covering the last, so a batch costs what one entry
 * does and a crash keeps all of it or none.  Caller holds mu and the
 * flock; fields are valid.
 */
static int
append_many_locked(struct tc_audit *a, const struct tc_audit_item *it, size_t n)
{
	uint8_t raw[TC_AUDIT_HEAD_LEN], *rec = NULL;
	struct tc_audit_entry e;
	struct audit_head h;
	size_t i, off = 0;
	int len, ret;

	if ((rec = tc_malloc(n * AUDIT_REC_MAX)) == NULL)
		return -ENOMEM;
	memset(&e, 0, sizeof(e));
	memcpy(e.hash, a->hash, TC_AUDIT_HASH_LEN);
	for (i = 0; i < n; i++) {
		memcpy(e.prev, e.hash, TC_AUDIT_HASH_LEN);
		e.seq = a->seq + 1 + i;
		e.wall_us = tc_time_wall_us();
		e.mono_us = tc_time_mono_us();
		tc_strlcpy(e.actor, it[i].actor, sizeof(e.actor));
		tc_strlcpy(e.action, it[i].action, sizeof(e.action));
		tc_strlcpy(e.object, it[i].object ? it[i].object : "", sizeof(e.object));
		tc_strlcpy(e.detail, it[i].detail ? it[i].detail : "", sizeof(e.detail));
		e.result = (int32_t)it[i].result;
		if ((len = tc_audit_rec_encode(&e, rec + off)) < 0) {
			ret = len;
			goto out;
		}
		off += (size_t)len;
	}
	tc_fault_point("audit.append.start");
	if (lseek(a->logfd, (off_t)a->log_len, SEEK_SET) < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = tc_write_all(a->logfd, rec, off)) != 0)
		goto out;
	tc_fault_point("audit.append.written");
	if ((ret = tc_fsync(a->logfd)) != 0)
		goto out;
	tc_fault_point("audit.append.synced");
	h.seq = e.seq;
	h.log_len = a->log_len + (uint64_t)off;
	memcpy(h.hash, e.hash, TC_AUDIT_HASH_LEN);
	if ((ret = head_write(a, &h, raw)) != 0)
		goto out;
	adopt_head(a, &h, raw);
	tc_fault_point("audit.append.done");
out:
	tc_free(rec);
	return ret;
}

static int
append_locked(struct tc_audit *a, const char *actor, const char *action,
	      const char *object, int result, const char *detail)
{
	struct tc_audit_item it = { actor, action, object, result, detail };

	return append_many_locked(a, &it, 1);
}

/*
 * Say in the log itself that dropped unacknowledged bytes were cut, so
 * the Trust sees every crash or failed write, not only syslog.
 */
static int
record_cut(struct tc_audit *a, uint64_t dropped)
{
	char detail[TC_AUDIT_DETAIL_MAX];

	if (dropped == 0)
		return 0;
	tc_warn("audit: cut %" PRIu64 " unacknowledged bytes after seq %" PRIu64,
		dropped, a->seq);
	snprintf(detail, sizeof(detail), "cut %" PRIu64 " unacknowledged bytes after seq %" PRIu64,
		 dropped, a->seq);
	return append_locked(a, "audit", "audit.recover", "", 0, detail);
}

static bool
item_ok(const struct tc_audit_item *it)
{
	return tc_audit_text_ok(it->actor, AUDIT_TEXT_MAX) && it->actor[0] != '\0' &&
	       tc_audit_text_ok(it->action, AUDIT_TEXT_MAX) && it->action[0] != '\0' &&
	       tc_audit_text_ok(it->object ? it->object : "", AUDIT_TEXT_MAX) &&
	       tc_audit_text_ok(it->detail ? it->detail : "", AUDIT_DETAIL_LEN_MAX);
}

int
tc_audit_append_many(struct tc_audit *a, const struct tc_audit_item *items, size_t n)
{
	uint64_t dropped;
	size_t i;
	int ret;

	if (!a || !items || n == 0 || n > TC_AUDIT_BATCH_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!item_ok(&items[i]))
			return -EINVAL;
	pthread_mutex_lock(&a->mu);
	if (a->failed) {
		ret = a->failed;
		goto out;
	}
	if ((ret = lock_file(a->lockfd, LOCK_EX)) != 0)
		goto out;
	/* A tail here is another process's crash or our own failed append. */
	if ((ret = sync_head(a)) == 0 && (ret = trim_tail(a, &dropped)) == 0 &&
	    (ret = record_cut(a, dropped)) == 0)
		ret = append_many_locked(a, items, n);
	(void)lock_file(a->lockfd, LOCK_UN);
	if (tc_audit_is_verify_err(ret)) {
		a->failed = ret;
		tc_err("audit: log failed verification: %s", tc_strerror(ret));
	}
out:
	pthread_mutex_unlock(&a->mu);
	return ret;
}

int
tc_audit_append(struct tc_audit *a, const char *actor, const char *action,
		const char *object, int result, const char *detail)
{
	struct tc_audit_item it = { actor, action, object, result, detail };

	if (!actor || !action)
		return -EINVAL;
	return tc_audit_append_many(a, &it, 1);
}

/*
 * Read and verify what is in the directory, creating a fresh log (genesis
 * head first, then the empty log file) when there is none.  Caller holds
 * the flock.
 */
static int
load(struct tc_audit *a)
{
	uint8_t raw[TC_AUDIT_HEAD_LEN];
	struct audit_head h;
	struct stat st;
	int ret;

	/* A temp head left by a crash before its rename was never the head. */
	(void)unlinkat(a->dirfd, AUDIT_HEAD_TMP, 0);
	a->logfd = tc_audit_open_file(a->dirfd, AUDIT_LOG_NAME, O_RDWR);
	if (a->logfd < 0 && a->logfd != -ENOENT)
		return a->logfd;
	ret = tc_audit_head_read(a->dirfd, raw);
	if (ret == -ENOENT) {
		if (a->logfd >= 0) {
			if (fstat(a->logfd, &st) != 0)
				return -errno;
			/* Entries but no head: the head that authenticated them is gone. */
			if (st.st_size > 0)
				return TC_E_AUDIT_MAC;
		}
		memset(&h, 0, sizeof(h));
		if ((ret = head_write(a, &h, raw)) != 0)
			return ret;
		tc_fault_point("audit.create.head");
	} else if (ret) {
		return ret;
	} else if ((ret = tc_audit_head_decode(raw, sizeof(raw), a->key, &h)) != 0) {
		return ret;
	}
	if (a->logfd < 0) {
		if (h.seq != 0)
			return TC_E_AUDIT_TRUNCATED;
		a->logfd = tc_audit_open_file(a->dirfd, AUDIT_LOG_NAME, O_RDWR | O_CREAT);
		if (a->logfd < 0)
			return a->logfd;
		tc_fault_point("audit.create.log");
		if ((ret = tc_fsync_dir(a->dirfd)) != 0)
			return ret;
	}
	if ((ret = tc_audit_scan(a->logfd, &h, 0, 0, zero_hash, NULL, NULL, NULL)) != 0)
		return ret;
	adopt_head(a, &h, raw);
	return 0;
}

/* Verify, repair a torn tail, and record the repair.  Caller holds the flock. */
static int
open_locked(struct tc_audit *a)
{
	uint64_t dropped;
	int ret;

	if ((ret = load(a)) != 0 || (ret = trim_tail(a, &dropped)) != 0)
		return ret;
	return record_cut(a, dropped);
}

int
tc_audit_open(struct tc_audit **out, const char *dir, const uint8_t *key)
{
	struct tc_audit *a;
	bool locked = false;
	int ret;

	if (!out || !dir || !key)
		return -EINVAL;
	*out = NULL;
	if (!(a = tc_calloc(1, sizeof(*a))))
		return -ENOMEM;
	if ((ret = pthread_mutex_init(&a->mu, NULL)) != 0) {
		tc_free(a);
		return -ret;
	}
	a->dirfd = a->lockfd = a->logfd = -1;
	if (!(a->key = tc_secure_alloc(TC_AUDIT_KEY_LEN))) {
		ret = -ENOMEM;
		goto out;
	}
	memcpy(a->key, key, TC_AUDIT_KEY_LEN);
	if ((a->dirfd = ret = tc_open_private_dir(dir, 1)) < 0)
		goto out;
	a->lockfd = ret = tc_audit_open_file(a->dirfd, AUDIT_LOCK_NAME, O_RDWR | O_CREAT);
	if (ret < 0)
		goto out;
	if ((ret = lock_file(a->lockfd, LOCK_EX)) != 0)
		goto out;
	locked = true;
	ret = open_locked(a);
out:
	if (locked)
		(void)lock_file(a->lockfd, LOCK_UN);
	if (ret < 0) {
		if (tc_audit_is_verify_err(ret))
			tc_err("audit: %s: log failed verification: %s", dir, tc_strerror(ret));
		tc_audit_close(a);
		return ret;
	}
	*out = a;
	return 0;
}

void
tc_audit_close(struct tc_audit *a)
{
	if (!a)
		return;
	if (a->logfd >= 0)
		close(a->logfd);
	if (a->lockfd >= 0)
		close(a->lockfd);
	if (a->dirfd >= 0)
		close(a->dirfd);
	tc_secure_free(a->key);
	pthread_mutex_destroy(&a->mu);
	tc_zeroize(a, sizeof(*a));
	tc_free(a);
}

uint64_t
tc_audit_head_seq(const struct tc_audit *a)
{
	return a ? __atomic_load_n(&a->seq, __ATOMIC_ACQUIRE) : 0;
}
