/*
 * bench_secure_delete_5mb.c - how long tc_store_secure_delete takes for
 * a 5 MB photo: crypto-erase of the wrap records (overwritten, fsynced),
 * the file renamed into the store's pool of erased files (firmware/store,
 * "The pool"; punched and unlinked when the pool is full or off, and
 * overwritten first with CONFIG_STORE_OVERWRITE_ON_DELETE), directory
 * fsync, audit entry, tombstone, WAL truncation.
 *
 * Each round seals a fresh 5 MB JPEG-like payload into the store (not
 * timed), takes it through uploading and receipted, then times the
 * delete.  No baseline or target: the figure is tracked, not judged.
 *
 *   BENCH name=secure-delete-5mb value=<median ms>
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "tc_audit.h"
#include "tc_io.h"
#include "tc_random.h"
#include "tc_seal.h"
#include "tc_secmem.h"
#include "tc_store.h"

#define PHOTO_LEN (5 * 1000 * 1000)
#define ROUNDS 15

static void
make_jpeg(uint8_t *buf, size_t len, unsigned seed)
{
	static const uint8_t jfif[] = { 0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0 };
	uint32_t x = seed * 2654435761u + 1;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (uint8_t)x;
	}
	memcpy(buf, jfif, sizeof(jfif));
}

/* Seal, commit and receipt one photo. */
static int
prepare(struct tc_store *s, const struct tc_seal_params *p, const uint8_t *jpeg,
	uint8_t id[TC_PHOTO_ID_LEN])
{
	static const uint8_t sig[64] = "bench-receipt";
	struct tc_store_receipt r = { 0 };
	struct tc_store_writer *w;
	struct tc_photo_meta m = { 0 };
	struct tc_seal *seal;
	struct tc_store_rec rec;
	uint8_t digest[TC_SHA256_LEN];
	uint64_t len;
	int rc;

	memcpy(m.event_id, "bench", 6);
	memcpy(m.staff_id, "bench", 6);
	if ((rc = tc_store_begin(s, &w)) != 0)
		return rc;
	if ((rc = tc_seal_begin(&seal, p, &m, tc_store_sink, w)) != 0) {
		tc_store_abort(s, w);
		return rc;
	}
	tc_seal_photo_id(seal, id);
	if ((rc = tc_seal_write(seal, jpeg, PHOTO_LEN)) != 0) {
		tc_seal_abort(seal);
		tc_store_abort(s, w);
		return rc;
	}
	if ((rc = tc_seal_finish(seal, digest, &len)) != 0) {
		tc_store_abort(s, w);
		return rc;
	}
	if ((rc = tc_store_commit(s, w, id, digest, len, p->created_us)) != 0 ||
	    (rc = tc_store_mark_uploading(s, id)) != 0 || (rc = tc_store_get(s, id, &rec)) != 0)
		return rc;
	r.ledger_seq = 1;
	r.server_time_us = tc_time_wall_us();
	memcpy(r.digest, rec.digest, sizeof(r.digest));
	r.size = rec.size;
	r.blob = sig;
	r.blob_len = sizeof(sig);
	return tc_store_mark_receipted(s, id, &r);
}

int
main(void)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN], mac[TC_DEVICE_MAC_KEY_LEN];
	uint8_t akey[TC_AUDIT_KEY_LEN], id[TC_PHOTO_ID_LEN], *jpeg = NULL;
	char base[256], sdir[320], adir[320];
	struct tc_store_config cfg = { 0 };
	struct tc_seal_params p = { 0 };
	struct tc_audit *audit = NULL;
	struct tc_store *s = NULL;
	double t[ROUNDS], t0;
	int i, rc = 1;

	if (bench_mkdtemp(base, sizeof(base), "tc-bench-sd", "/tmp") != 0)
		return 1;
	snprintf(sdir, sizeof(sdir), "%s/store", base);
	snprintf(adir, sizeof(adir), "%s/audit", base);
	if (tc_p256_keygen(priv, pub) != 0 || tc_random_bytes(mac, sizeof(mac)) != 0 ||
	    tc_random_bytes(akey, sizeof(akey)) != 0 || !(jpeg = tc_secure_alloc(PHOTO_LEN)))
		goto out;
	if (tc_audit_open(&audit, adir, akey) != 0)
		goto out;
	cfg.dir = sdir;
	cfg.device_mac_key = mac;
	cfg.audit = audit;
	cfg.actor = "bench";
	if (tc_store_open(&s, &cfg) != 0)
		goto out;
	p.trust_pub = pub;
	p.device_mac_key = mac;
	for (i = 0; i < ROUNDS; i++) {
		make_jpeg(jpeg, PHOTO_LEN, (unsigned)i);
		p.created_us = tc_time_wall_us();
		if (prepare(s, &p, jpeg, id) != 0)
			goto out;
		t0 = bench_now();
		if (tc_store_secure_delete(s, id) != 0)
			goto out;
		t[i] = (bench_now() - t0) * 1e3;
	}
	bench_report("secure-delete-5mb", bench_median(t, ROUNDS), "ms", NAN, "<=", 0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_secure_delete_5mb: failed\n");
	tc_store_close(s);
	tc_audit_close(audit);
	tc_secure_free(jpeg);
	tc_zeroize(priv, sizeof(priv));
	(void)bench_rm_tree(base);
	return rc;
}
