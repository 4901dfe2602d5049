/*
 * fuzz_audit.c - an audit segment (tc_audit_export's format) as each side
 * reads it: the device with its audit key (the head MAC checked), the
 * server without it, first with no expectations, then as api_audit.c
 * does with the segment's own first sequence and previous hash (the
 * chain walked to the end), and the entry iterator trustadm and camctl
 * list entries with.  The seeds come from tc_auditseg, whose key (32
 * bytes of 0x42) is the one here.
 */
#include <string.h>

#include "fuzz.h"
#include "tc_audit.h"

FUZZ_INIT_QUIET

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t key[TC_AUDIT_KEY_LEN], prev[TC_AUDIT_HASH_LEN];
	struct tc_audit_verify_result res;
	struct tc_audit_entry e;
	struct tc_audit_iter it;
	uint64_t first;

	memset(key, 0x42, sizeof(key));
	(void)tc_audit_verify_segment(data, size, NULL, 0, key, &res);
	(void)tc_audit_verify_segment(data, size, NULL, 0, NULL, &res);
	if (tc_audit_segment_begin(&it, data, size) != 0)
		return 0;
	first = it.first_seq;
	memcpy(prev, it.prev, sizeof(prev));
	(void)tc_audit_verify_segment(data, size, prev, first, NULL, NULL);
	while (tc_audit_segment_next(&it, &e) > 0)
		continue;
	return 0;
}
