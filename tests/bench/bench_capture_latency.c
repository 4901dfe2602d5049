/*
 * bench_capture_latency.c - capture-to-durable latency at 4056x3040,
 * quality 90 (frame ready -> sealed object fsynced and catalogued), over
 * a bare TurboJPEG encode of the same frame, both measured here.  The
 * target (<= 1.10) holds only if sealing and writing overlap the encode.
 * Each pair encodes a frame bare, then captures the same frame.
 * As in photod, each photo's seal key (its ECDH) is prepared ahead,
 * between shots (tc_capture_keys_refill, outside the timing): photod does
 * it at start-up and on the committer thread after every photo.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bench.h"
#include "capture_common.h"
#include "tc_audit.h"
#include "tc_capture.h"
#include "tc_random.h"
#include "tc_store.h"

#define RUNS 7

int
main(void)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN], mac[32], akey[32];
	struct bench_pairs p = { 0 };
	double cap, bare;
	char dir[] = "/tmp/tcbench-latXXXXXX", sub[64];
	struct tc_store_config cfg = { 0 };
	struct tc_capture_settings cs = { 0 };
	struct tc_capture_result res;
	struct tc_photo_meta meta;
	struct tc_audit *audit;
	struct tc_store *store;
	struct tc_camera *cam;
	struct tc_frame fr;
	int i;

	if (!mkdtemp(dir) || tc_p256_keygen(priv, pub) || tc_random_bytes(mac, 32) ||
	    tc_random_bytes(akey, 32))
		return 1;
	snprintf(sub, sizeof(sub), "%s/audit", dir);
	mkdir(sub, 0700);
	if (tc_audit_open(&audit, sub, akey))
		return 1;
	snprintf(sub, sizeof(sub), "%s/store", dir);
	cfg.dir = sub;
	cfg.device_mac_key = mac;
	cfg.audit = audit;
	if (tc_store_open(&store, &cfg) || tc_camera_open(&cam, "synthetic:7") ||
	    tc_camera_configure(cam, BENCH_W, BENCH_H, TC_PIXFMT_NV12) || tc_camera_start(cam))
		return 1;
	cs.trust_pub = pub;
	cs.device_mac_key = mac;
	if (tc_capture_keys_new(&cs.keys) != 0)
		return 1;
	memset(&meta, 0, sizeof(meta));
	snprintf(meta.staff_id, sizeof(meta.staff_id), "bench");
	meta.width = BENCH_W;
	meta.height = BENCH_H;
	for (i = 0; i < RUNS; i++) {
		struct tc_frame spare;

		/*
		 * Hold both pool buffers so the synthetic sensor's render-ahead
		 * thread is idle while we measure: a real sensor fills its
		 * buffers by DMA, at no CPU cost, and neither figure should be
		 * charged for the synthetic one's rendering.
		 */
		if (tc_capture_keys_refill(cs.keys, &cs) != 0 ||
		    tc_camera_take(cam, &fr, 10000) || tc_camera_take(cam, &spare, 10000))
			return 1;
		bare = bench_bare_encode(&fr) * 1e3;
		if (tc_capture_photo(&cs, &fr, &meta, store, &res) != 0)
			return 1;
		cap = (double)res.latency_us / 1e3;
		if (bench_pair_add(&p, bare, cap) != 0)
			return 1;
		if (tc_camera_release(cam, &fr) || tc_camera_release(cam, &spare))
			return 1;
	}
	tc_capture_keys_free(cs.keys);
	tc_camera_close(cam);
	tc_store_close(store);
	tc_audit_close(audit);
	if (bench_rm_tree(dir) != 0)
		return 1;
	return bench_report_pairs("capture-latency", "ms", &p, "<=", 1.10, NULL) == 0 ? 0 : 1;
}
