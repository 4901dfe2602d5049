/*
 * export.c - cut a range of the audit log into a segment for upload.
 *
 * syncd calls this at each dock with the range the Trust server does not
 * hold yet.  The whole chain is re-verified on the way (an export is rare
 * and the log small next to a photo), so tampering while the device runs
 * is caught at the latest when the log leaves it.  Reads through its own
 * descriptor without the flock: bytes below a MAC'd head never change,
 * so a concurrent append cannot disturb it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "audit_int.h"
#include "tc_io.h"

struct export_buf {
	uint8_t *buf;
	size_t len, cap;
	uint64_t from, to;
};

static int
reserve(struct export_buf *x, size_t more)
{
	size_t cap = x->cap ? x->cap : 4096;
	uint8_t *p;

	if (more > SIZE_MAX - x->len)
		return -ENOMEM;
	while (cap - x->len < more) {
		if (cap > SIZE_MAX / 2)
			return -ENOMEM;
		cap *= 2;
	}
	if (cap == x->cap)
		return 0;
	if (!(p = tc_realloc(x->buf, cap)))
		return -ENOMEM;
	x->buf = p;
	x->cap = cap;
	return 0;
}

static int
export_sink(void *arg, const uint8_t *rec, size_t len, const struct tc_audit_entry *e)
{
	struct export_buf *x = arg;
	int ret;

	if (e->seq < x->from || e->seq > x->to)
		return 0;
	/* The header carries the hash the first exported entry follows. */
	if (e->seq == x->from)
		memcpy(x->buf + 20, e->prev, TC_AUDIT_HASH_LEN);
	if ((ret = reserve(x, len)) != 0)
		return ret;
	memcpy(x->buf + x->len, rec, len);
	x->len += len;
	return 0;
}

/*
 * The export itself, over a directory descriptor and a key.  min_seq: the
 * head the caller already verified (the on-disk head may not be older).
 */
static int
export_core(int dirfd, const uint8_t *key, uint64_t min_seq, uint64_t from_seq,
	    uint64_t to_seq, uint8_t **buf, size_t *len)
{
	static const uint8_t zero[TC_AUDIT_HASH_LEN];
	struct export_buf x = { NULL, 0, 0, 0, 0 };
	uint8_t raw[TC_AUDIT_HEAD_LEN];
	struct audit_head h;
	int fd = -1, ret;

	ret = tc_audit_head_read(dirfd, raw);
	if (ret == -ENOENT)
		ret = tc_audit_head_missing(dirfd);
	if (ret || (ret = tc_audit_head_decode(raw, sizeof(raw), key, &h)) != 0)
		goto out;
	if (h.seq < min_seq) {
		ret = TC_E_AUDIT_TRUNCATED;	/* the head went backwards under us */
		goto out;
	}
	if (to_seq == TC_AUDIT_SEQ_HEAD)
		to_seq = h.seq;
	if (from_seq == 0 || from_seq > to_seq || to_seq > h.seq ||
	    to_seq - from_seq >= UINT32_MAX) {
		ret = -ERANGE;
		goto out;
	}
	if ((fd = ret = tc_audit_open_file(dirfd, AUDIT_LOG_NAME, O_RDONLY)) < 0)
		goto out;
	x.from = from_seq;
	x.to = to_seq;
	if ((ret = reserve(&x, AUDIT_SEG_HDR_LEN)) != 0)
		goto out;
	memset(x.buf, 0, AUDIT_SEG_HDR_LEN);
	memcpy(x.buf, "TCAS", 4);
	x.buf[4] = AUDIT_SEG_VERSION;
	x.buf[5] = AUDIT_SEG_FLAG_HEAD;
	tc_put_be64(x.buf + 8, from_seq);
	tc_put_be32(x.buf + 16, (uint32_t)(to_seq - from_seq + 1));
	x.len = AUDIT_SEG_HDR_LEN;
	if ((ret = tc_audit_scan(fd, &h, 0, 0, zero, export_sink, &x, NULL)) != 0)
		goto out;
	if ((ret = reserve(&x, TC_AUDIT_HEAD_LEN)) != 0)
		goto out;
	memcpy(x.buf + x.len, raw, TC_AUDIT_HEAD_LEN);
	x.len += TC_AUDIT_HEAD_LEN;
	*buf = x.buf;
	*len = x.len;
	x.buf = NULL;
out:
	if (fd >= 0)
		close(fd);
	tc_free(x.buf);
	return ret;
}

int
tc_audit_export(struct tc_audit *a, uint64_t from_seq, uint64_t to_seq,
		uint8_t **buf, size_t *len)
{
	int ret;

	if (!a || !buf || !len)
		return -EINVAL;
	*buf = NULL;
	*len = 0;
	pthread_mutex_lock(&a->mu);
	ret = a->failed;
	pthread_mutex_unlock(&a->mu);
	if (ret)
		return ret;
	ret = export_core(a->dirfd, a->key, tc_audit_head_seq(a), from_seq, to_seq, buf, len);
	if (tc_audit_is_verify_err(ret))
		tc_audit_fail(a, ret);
	return ret;
}

int
tc_audit_export_dir(const char *dir, const uint8_t *key, uint64_t from_seq, uint64_t to_seq,
		    uint8_t **buf, size_t *len)
{
	int dirfd, ret;

	if (!dir || !key || !buf || !len)
		return -EINVAL;
	*buf = NULL;
	*len = 0;
	if ((dirfd = tc_open_private_dir(dir, 0)) < 0)
		return dirfd;
	ret = export_core(dirfd, key, 0, from_seq, to_seq, buf, len);
	close(dirfd);
	return ret;
}
