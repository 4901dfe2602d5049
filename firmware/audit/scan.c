/*
 * scan.c - walk an audit log file and verify it against a MAC'd head.
 *
 * One streaming pass with a small fixed buffer (the log may be far larger
 * than the RAM we want to spend on it), so opening, exporting and
 * verifying cost O(log size) time and O(1) memory.  Also the read-only
 * full verification of a directory, tc_audit_verify_dir().
 *
 * Errors are chosen so a test (and the Trust's monitor) can say what was
 * done to the log:
 *   file ends before the head's log_len        TC_E_AUDIT_TRUNCATED
 *   bad magic, lengths, text bytes             TC_E_AUDIT_FORMAT
 *   record does not hash to its stored hash    TC_E_AUDIT_CHAIN (edited)
 *   seq is not previous + 1                    TC_E_AUDIT_SEQUENCE
 *   prev is not the previous entry's hash      TC_E_AUDIT_CHAIN
 *   last entry is not the one the head names   TC_E_AUDIT_SEQUENCE / CHAIN
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit_int.h"
#include "tc_io.h"

struct rd {
	int fd;
	uint64_t file_off;	/* file offset just past buf[len - 1] */
	uint64_t limit;		/* never read at or past this offset */
	size_t pos, len;
	bool eof;		/* the file ended before limit */
	uint8_t buf[8192];
};

/*
 * Make n (<= sizeof(buf)) bytes available at buf + pos.  0 when they are,
 * 1 when the file or the limit ends first (r->eof says which), or a
 * negative errno.
 */
static int
rd_need(struct rd *r, size_t n)
{
	size_t have = r->len - r->pos, want, got;
	int ret;

	if (have >= n)
		return 0;
	memmove(r->buf, r->buf + r->pos, have);
	r->pos = 0;
	r->len = have;
	while (r->len < n && !r->eof && r->file_off < r->limit) {
		want = sizeof(r->buf) - r->len;
		if (want > r->limit - r->file_off)
			want = (size_t)(r->limit - r->file_off);
		if ((ret = tc_read_full(r->fd, r->buf + r->len, want, &got)) != 0)
			return ret;
		r->len += got;
		r->file_off += got;
		if (got < want)
			r->eof = true;
	}
	return r->len >= n ? 0 : 1;
}

int
tc_audit_scan(int fd, const struct audit_head *h, uint64_t off, uint64_t seq,
	      const uint8_t hash[TC_AUDIT_HASH_LEN], audit_sink_fn sink, void *arg,
	      uint64_t *bad_off)
{
	struct tc_audit_entry e;
	uint8_t cur_hash[TC_AUDIT_HASH_LEN];
	struct rd r;
	size_t rec_len = 0;
	int ret = 0;

	if (off > h->log_len || seq > h->seq)
		return TC_E_AUDIT_TRUNCATED;
	if (lseek(fd, (off_t)off, SEEK_SET) < 0)
		return -errno;
	memset(&r, 0, offsetof(struct rd, buf));
	r.fd = fd;
	r.file_off = off;
	r.limit = h->log_len;
	memcpy(cur_hash, hash, sizeof(cur_hash));
	while (off < h->log_len) {
		if ((ret = rd_need(&r, AUDIT_REC_PREFIX)) < 0)
			goto out;
		if (ret == 1) {
			ret = r.eof ? TC_E_AUDIT_TRUNCATED : TC_E_AUDIT_FORMAT;
			goto out;
		}
		if ((ret = tc_audit_rec_prefix(r.buf + r.pos, &rec_len)) != 0)
			goto out;
		if ((ret = rd_need(&r, rec_len)) < 0)
			goto out;
		if (ret == 1) {
			/* A record crossing log_len in a long enough file: lengths were changed. */
			ret = r.eof ? TC_E_AUDIT_TRUNCATED : TC_E_AUDIT_FORMAT;
			goto out;
		}
		if ((ret = tc_audit_rec_decode(r.buf + r.pos, rec_len, &e)) != 0)
			goto out;
		if (e.seq != seq + 1) {
			ret = TC_E_AUDIT_SEQUENCE;
			goto out;
		}
		if (memcmp(e.prev, cur_hash, sizeof(cur_hash)) != 0) {
			ret = TC_E_AUDIT_CHAIN;
			goto out;
		}
		if (sink && (ret = sink(arg, r.buf + r.pos, rec_len, &e)) != 0)
			goto out;
		seq = e.seq;
		memcpy(cur_hash, e.hash, sizeof(cur_hash));
		r.pos += rec_len;
		off += rec_len;
	}
	if (seq != h->seq)
		ret = TC_E_AUDIT_SEQUENCE;
	else if (memcmp(cur_hash, h->hash, sizeof(cur_hash)) != 0)
		ret = TC_E_AUDIT_CHAIN;
out:
	if (ret && bad_off)
		*bad_off = off;
	return ret;
}

int
tc_audit_open_file(int dirfd, const char *name, int flags)
{
	struct stat st;
	int fd, fl;

	/* O_NONBLOCK: a FIFO planted under our name must not hang the open. */
	fd = tc_openat(dirfd, name, flags | O_NONBLOCK);
	if (fd < 0)
		return fd == -ELOOP ? TC_E_UNSAFE_PATH : fd;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return TC_E_UNSAFE_PATH;
	}
	/* Back to blocking I/O: harmless for a regular file, but say what we mean. */
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
		fl = -errno;
		close(fd);
		return fl;
	}
	return fd;
}

int
tc_audit_head_read(int dirfd, uint8_t *raw)
{
	uint8_t buf[TC_AUDIT_HEAD_LEN + 1];
	size_t got;
	int fd, ret;

	if ((fd = tc_audit_open_file(dirfd, AUDIT_HEAD_NAME, O_RDONLY)) < 0)
		return fd;
	ret = tc_read_full(fd, buf, sizeof(buf), &got);
	close(fd);
	if (ret)
		return ret;
	if (got != TC_AUDIT_HEAD_LEN)
		return TC_E_AUDIT_FORMAT;
	memcpy(raw, buf, TC_AUDIT_HEAD_LEN);
	return 0;
}

int
tc_audit_head_missing(int dirfd)
{
	struct stat st;
	int fd = tc_audit_open_file(dirfd, AUDIT_LOG_NAME, O_RDONLY), ret;

	if (fd < 0)
		return fd;
	ret = fstat(fd, &st) != 0 ? -errno : st.st_size > 0 ? TC_E_AUDIT_MAC : -ENOENT;
	close(fd);
	return ret;
}

/* Fill a verify result from each entry as the scan passes it. */
static int
result_sink(void *arg, const uint8_t *rec, size_t len, const struct tc_audit_entry *e)
{
	struct tc_audit_verify_result *res = arg;

	(void)rec;
	(void)len;
	if (res->count++ == 0) {
		res->first_seq = e->seq;
		memcpy(res->prev, e->prev, TC_AUDIT_HASH_LEN);
	}
	res->last_seq = e->seq;
	memcpy(res->last_hash, e->hash, TC_AUDIT_HASH_LEN);
	return 0;
}

int
tc_audit_verify_dir(const char *dir, const uint8_t *key, struct tc_audit_verify_result *out)
{
	static const uint8_t zero[TC_AUDIT_HASH_LEN];
	struct tc_audit_verify_result res;
	uint8_t raw[TC_AUDIT_HEAD_LEN];
	struct audit_head h;
	struct stat st;
	int dirfd = -1, logfd = -1, ret;

	memset(&res, 0, sizeof(res));
	if (!dir || !key) {
		ret = -EINVAL;
		goto out;
	}
	if ((dirfd = ret = tc_open_private_dir(dir, 0)) < 0)
		goto out;
	if ((ret = tc_audit_head_read(dirfd, raw)) != 0) {
		if (ret == -ENOENT)
			ret = tc_audit_head_missing(dirfd);
		goto out;
	}
	if ((ret = tc_audit_head_decode(raw, sizeof(raw), key, &h)) != 0)
		goto out;
	res.head_present = res.head_mac_ok = true;
	res.head_seq = h.seq;
	memcpy(res.head_hash, h.hash, sizeof(h.hash));
	if ((logfd = tc_audit_open_file(dirfd, AUDIT_LOG_NAME, O_RDONLY)) < 0) {
		/* A log never written to may not exist yet; one that was may not vanish. */
		ret = logfd != -ENOENT ? logfd : h.seq == 0 ? 0 : TC_E_AUDIT_TRUNCATED;
		goto out;
	}
	if (fstat(logfd, &st) != 0) {
		ret = -errno;
		goto out;
	}
	ret = tc_audit_scan(logfd, &h, 0, 0, zero, result_sink, &res, &res.bad_offset);
	if (ret == 0 && (uint64_t)st.st_size > h.log_len)
		res.tail_bytes = (uint64_t)st.st_size - h.log_len;
out:
	if (logfd >= 0)
		close(logfd);
	if (dirfd >= 0)
		close(dirfd);
	if (out)
		*out = res;
	return ret;
}
