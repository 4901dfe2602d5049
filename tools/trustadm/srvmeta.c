/*
 * srvmeta.c - a photo's sealed metadata without reading the photo:
 * what `review list` and `sar` read for every object in the ledger.
 *
 * The format puts the metadata record wholly in chunk 0, so the header
 * and the first frame (TC_OBJ_META_PREFIX bytes at most, against 2-5 MB
 * for a whole photo) are enough; tc_obj_open_meta authenticates them
 * with the photo key.  The ledger's digest covers the whole object and is
 * checked only when the whole object is read (tadm_srv_open_photo), which
 * every command that needs the JPEG does.  The few kilobytes of JPEG in
 * chunk 0 are decrypted into locked memory and wiped there.
 *
 * Opening chunk 0 costs one P-256 key exchange (the content key's
 * unwrap), so what was opened once is kept in the metadata index
 * (metaidx.c) and taken from there while the object is unchanged.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "tadm_metaidx.h"
#include "tc_io.h"
#include "tc_secmem.h"

int
tadm_srv_open_meta(struct tadm *a, const struct tc_review_photo *p, const uint8_t *priv,
		   const uint8_t *pub, struct tc_photo_meta *m)
{
	uint8_t *head;	/* ciphertext: no secret */
	char idhex[2 * TC_PHOTO_ID_LEN + 1];
	struct tc_obj_info info;
	struct stat st;
	size_t want, got = 0;
	int fd, rc;

	memset(m, 0, sizeof(*m));
	if (tadm_metaidx_get(a, p, m) == 0)
		return 0;
	if ((fd = tadm_srv_object_fd(a, p)) < 0) {
		rc = fd;
		goto report;
	}
	/* Taken before reading: a write after it moves ctime, so the entry is not used. */
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		close(fd);
		goto report;
	}
	want = p->size < TC_OBJ_META_PREFIX ? (size_t)p->size : TC_OBJ_META_PREFIX;
	if (!(head = tc_malloc(want))) {
		close(fd);
		return -ENOMEM;
	}
	rc = tc_read_full(fd, head, want, &got);
	close(fd);
	if (rc == 0 && got != want)
		rc = TC_E_STORE_MISMATCH;
	if (rc != 0 || (rc = tc_obj_parse_header(head, got, &info)) != 0)
		goto fail;
	tc_hex_encode(info.photo_id, TC_PHOTO_ID_LEN, idhex);
	if (strcmp(idhex, p->photo_id) != 0) {
		tadm_err(a, "photo %s: the object names another photo id", p->photo_id);
		tc_free(head);
		return TC_E_STORE_MISMATCH;
	}
	rc = tc_obj_open_meta(head, got, p->size, priv, pub, m);
fail:
	tc_free(head);
	if (rc == 0) {
		tadm_metaidx_put(a, p, &st, m);
		return 0;
	}
report:
	tadm_err(a, "photo %s: object objects/%s/%s.tco: %s", p->photo_id, p->device,
		 p->photo_id, rc == TC_E_STORE_MISMATCH ? "size differs from the ledger" :
		 tc_strerror(rc));
	return rc;
}

int
tadm_srv_scan(struct tadm *a, tadm_photo_fn fn, void *ctx)
{
	/* Without the read transaction the pass is only slower: go on. */
	bool snap = tc_registry_begin_read(a->reg) == 0;
	int rc;

	tadm_metaidx_begin(a);
	rc = tadm_srv_photos(a, NULL, fn, ctx);
	tadm_metaidx_end(a);
	if (snap && tc_registry_commit(a->reg) != 0)
		tc_registry_rollback(a->reg);
	return rc;
}

int
tadm_srv_photo(struct tadm *a, const char *id, struct tc_review_photo *p)
{
	int rc = tadm_srv_find(a, id, p);

	if (rc == TC_E_NOT_FOUND)
		tadm_err(a, "no photo %s in the server's ledger", id);
	return rc;
}
