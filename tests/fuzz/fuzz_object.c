/*
 * fuzz_object.c - a sealed photo object, read by the three parsers that
 * take one: the header alone (tc_obj_parse_header: the store and
 * trust-server's upload check), the device's whole-object check
 * (tc_obj_verify_device, as the store's reconcile runs it on a file: here
 * a memfd) and the Trust side's open with the photo private key
 * (tc_obj_open: trustadm review, tc_verify).  The seeds are sealed to the
 * key pair and device MAC key in fuzz_keys.h, so they get past every
 * check and the mutations start from real objects.
 */
#define _GNU_SOURCE /* memfd_create */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "tc_seal.h"
#include "tc_secmem.h"

static int memfd = -1;
static uint8_t priv[TC_P256_PRIV_LEN], mac[TC_DEVICE_MAC_KEY_LEN];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	fuzz_hex(FUZZ_PHOTO_PRIV, priv, sizeof(priv));
	fuzz_hex(FUZZ_DEVICE_MAC, mac, sizeof(mac));
	memfd = memfd_create("fuzz_object", MFD_CLOEXEC);
	if (memfd < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_photo_meta *meta;
	struct tc_obj_info info;
	uint8_t digest[TC_SHA256_LEN], *jpeg = NULL;
	size_t jpeg_len = 0;

	(void)tc_obj_parse_header(data, size, &info);

	/* The device reads the object from its file, from offset 0. */
	if (ftruncate(memfd, 0) != 0 || pwrite(memfd, data, size, 0) != (ssize_t)size ||
	    lseek(memfd, 0, SEEK_SET) != 0)
		abort();
	(void)tc_obj_verify_device(memfd, mac, &info, digest);

	/* struct tc_photo_meta is 5 KiB: on the heap, so ASan sees its bounds. */
	meta = malloc(sizeof(*meta));
	if (!meta)
		abort();
	if (tc_obj_open(data, size, priv, meta, &jpeg, &jpeg_len) == 0)
		tc_secure_free(jpeg);
	free(meta);
	return 0;
}
