/*
 * verify.c - the device's check of an object it sealed but cannot open.
 *
 * The store calls tc_obj_verify_device() when it reconciles its folder
 * with its catalog (after a crash, at boot): an object counts only if it
 * is whole and carries this device's footer.  Tuned for a 5 MB object on
 * a small board: one pass over the file in 64 KiB reads, the framing
 * walked as the bytes go by, and one SHA-256 that yields both the footer
 * MAC's input and the whole-file digest the catalog and receipts use.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/constant_time.h>

#include "seal_int.h"
#include "tc_sha256.h"
#include "tc_io.h"
#include "tc_secmem.h"

#define UNKNOWN UINT64_MAX

struct vstate {
	uint64_t total;		/* file size at the start */
	uint64_t pos;		/* file offset of buf[0] */
	uint64_t next;		/* offset of the next frame header */
	uint64_t foot_off;	/* where the footer starts, once the last frame is seen */
	uint64_t n_frames;
	uint8_t fh[SEAL_FRAME_HDR];
	size_t fh_got;
	uint8_t foot[SEAL_FOOTER_LEN];
	uint8_t pre_hash[TC_SHA256_LEN];	/* SHA-256 of the bytes before the footer */
	bool pre_done;
	struct tc_sha256 sha;
};

/* Advance the frame walk over buf (file bytes [pos, pos+got)). */
static int
walk_buf(struct vstate *v, const uint8_t *buf, size_t got)
{
	uint64_t end = v->pos + got, at;
	struct seal_frame f;
	size_t take;
	int rc;

	while (v->foot_off == UNKNOWN && v->next < end) {
		if (v->fh_got == 0 && (rc = seal_frame_room(v->next, v->total)) != 0)
			return rc;
		/* A frame header may straddle two reads. */
		at = v->next + v->fh_got;
		take = SEAL_FRAME_HDR - v->fh_got;
		if (take > end - at)
			take = (size_t)(end - at);
		memcpy(v->fh + v->fh_got, buf + (at - v->pos), take);
		v->fh_got += take;
		if (v->fh_got < SEAL_FRAME_HDR)
			break;
		v->fh_got = 0;
		if ((rc = seal_frame_decode(v->fh, v->next, v->total, false, &f)) != 0)
			return rc;
		if (++v->n_frames > SEAL_MAX_CHUNKS)
			return -EFBIG;
		if (f.flags & SEAL_FLAG_LAST)
			v->foot_off = f.end;
		else
			v->next = f.end;
	}
	return 0;
}

/* Hash buf; snapshot the hash where the footer starts; collect the footer. */
static int
hash_buf(struct vstate *v, const uint8_t *buf, size_t got)
{
	uint64_t end = v->pos + got, a, b;
	size_t cut = got;

	if (!v->pre_done && v->foot_off != UNKNOWN && v->foot_off <= end)
		cut = (size_t)(v->foot_off - v->pos);
	tc_sha256_update(&v->sha, buf, cut);
	if (cut < got || (!v->pre_done && v->foot_off == end)) {
		tc_sha256_peek(&v->sha, v->pre_hash);
		v->pre_done = true;
		tc_sha256_update(&v->sha, buf + cut, got - cut);
	}
	if (v->foot_off != UNKNOWN) {
		a = v->foot_off > v->pos ? v->foot_off : v->pos;
		b = v->foot_off + SEAL_FOOTER_LEN < end ? v->foot_off + SEAL_FOOTER_LEN : end;
		if (a < b)
			memcpy(v->foot + (a - v->foot_off), buf + (a - v->pos), (size_t)(b - a));
	}
	return 0;
}

static int
check_footer(struct vstate *v, const uint8_t *key)
{
	uint8_t mac[SEAL_FOOTER_LEN];
	int rc;

	if ((rc = seal_footer_mac(key, v->pre_hash, mac)) != 0)
		return rc;
	/* Constant time: the footer is a MAC. */
	rc = mbedtls_ct_memcmp(mac, v->foot, sizeof(mac)) == 0 ? 0 : TC_E_BAD_FOOTER;
	tc_zeroize(mac, sizeof(mac));
	return rc;
}

int
seal_verify_fd(int fd, const uint8_t *device_mac_key, struct tc_obj_info *info,
	       uint8_t digest[TC_SHA256_LEN], size_t bufsize)
{
	struct vstate v = { .foot_off = UNKNOWN, .next = UNKNOWN };
	struct tc_obj_info hi = { 0 };
	uint8_t *buf = NULL;
	struct stat st;
	size_t want, got;
	int rc;

	/* The whole header must arrive in the first read. */
	if (fd < 0 || !device_mac_key || !digest || bufsize < SEAL_HEADER_MAX)
		return -EINVAL;
	if ((rc = tc_sha256_init(&v.sha)) != 0)
		return rc;
	if (fstat(fd, &st) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
		rc = -errno;
		goto out;
	}
	v.total = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	if (v.total > SEAL_MAX_OBJECT) {
		rc = -EFBIG;	/* over the format's limit: not read at all */
		goto out;
	}
	if (!(buf = tc_malloc(bufsize))) {
		rc = -ENOMEM;
		goto out;
	}
	do {
		want = v.total - v.pos < bufsize ? (size_t)(v.total - v.pos) : bufsize;
		if ((rc = tc_read_full(fd, buf, want, &got)) != 0)
			goto out;
		if (got < want) {
			rc = TC_E_TRUNCATED;	/* shrank under us */
			goto out;
		}
		if (v.pos == 0) {
			/* bufsize >= SEAL_HEADER_MAX: a short first read is a short file. */
			if ((rc = tc_obj_parse_header(buf, got, &hi)) != 0)
				goto out;
			v.next = hi.header_len;
		}
		if ((rc = walk_buf(&v, buf, got)) != 0 || (rc = hash_buf(&v, buf, got)) != 0)
			goto out;
		v.pos += got;
	} while (v.pos < v.total);
	if ((rc = tc_read_full(fd, buf, 1, &got)) != 0)
		goto out;
	if (got != 0) {
		rc = TC_E_TRAILING;	/* grew under us */
		goto out;
	}
	/* The framing rules leave exactly the footer after the last frame. */
	if (v.foot_off == UNKNOWN || !v.pre_done || v.foot_off + SEAL_FOOTER_LEN != v.total) {
		rc = TC_E_TRUNCATED;
		goto out;
	}
	if ((rc = check_footer(&v, device_mac_key)) != 0)
		goto out;
	if ((rc = tc_sha256_finish(&v.sha, digest)) != 0)
		goto out;
	if (info)
		*info = hi;
	rc = 0;
out:
	tc_sha256_free(&v.sha);
	tc_free(buf);
	return rc;
}

int
tc_obj_verify_device(int fd, const uint8_t *device_mac_key, struct tc_obj_info *info,
		     uint8_t digest[TC_SHA256_LEN])
{
	return seal_verify_fd(fd, device_mac_key, info, digest, TC_SEAL_CHUNK);
}
