/*
 * fuzz_upload.c - trust-server's resumable upload state machine: HEAD,
 * PUT and PATCH on /v1/photos/ID with their Upload-Offset, Upload-Length
 * and Content-Digest headers, run by the real handlers (api_photos.c,
 * upload.c, storage.c, ledger.c) on a fresh data directory under
 * $TMPDIR for each input, so no state passes from one input to the
 * next.  The stream is a client's plaintext as in fuzz_http (first byte:
 * read size); seeds upload real objects from tc_mkobj whole, in two
 * pieces, again, and with wrong offsets and digests.  Audit and policy
 * routes answer from stubs.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "stub_server.h"

static struct srv srv;
static char base[4096];
static uint8_t receipt_key[TC_P256_PRIV_LEN];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	fuzz_quiet();
	if (bench_mkdtemp(base, sizeof(base), "fuzz_upload.", "/tmp") != 0)
		abort();
	for (i = 0; i < sizeof(receipt_key); i++)
		receipt_key[i] = (uint8_t)(i + 1);	/* any scalar below the P-256 order */
	srv.set.max_object = 1 << 20;
	srv.set.quota = 4 << 20;
	srv.set.audit_max = 1 << 20;
	srv.set.idle_ms = srv.set.header_ms = srv.set.body_ms = 1000;
	srv.receipt_key = receipt_key;
	pthread_mutex_init(&srv.commit_lock, NULL);
	pthread_mutex_init(&srv.lock, NULL);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char dir[4200];
	struct conn *c;

	snprintf(dir, sizeof(dir), "%s/data", base);
	srv.set.data_dir = dir;
	srv.data_fd = srv.objects_fd = srv.partial_fd = srv.audit_fd = -1;
	if (storage_open(&srv) != 0)
		abort();
	c = fuzz_conn_new(&srv);
	fuzz_conn_feed(c, data, size);
	fuzz_conn_free(c);
	storage_close(&srv);
	if (bench_rm_tree(dir) != 0)
		abort();
	return 0;
}
