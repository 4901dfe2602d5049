/*
 * fuzz_receipt.c - the signed receipt syncd checks before it deletes a
 * photo (tc_receipt_verify), with the receipt public key the seeds were
 * signed with: once against fixed expectations (a receipt for some other
 * photo: the mismatch checks), once against the fields the receipt itself
 * claims (framing, then the signature over them), and the listing parser
 * (tc_receipt_parse, trustadm) on its own.
 */
#include <string.h>

#include "fuzz.h"
#include "tc_receipt.h"

static uint8_t pub[TC_P256_PUB_LEN];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_hex(FUZZ_RECEIPT_PUB, pub, sizeof(pub));
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t photo_id[TC_PHOTO_ID_LEN] = { 1, 2, 3, 4 };
	static const uint8_t digest[TC_SHA256_LEN] = { 5, 6, 7, 8 };
	struct tc_receipt r, out;

	(void)tc_receipt_verify(data, size, pub, FUZZ_DEVICE_ID, photo_id, digest, 4096, &out);
	if (tc_receipt_parse(data, size, &r) == 0)
		(void)tc_receipt_verify(data, size, pub, r.device_id, r.photo_id, r.digest, r.size,
					&out);
	return 0;
}
