/*
 * enrol_proof.c - the message a camera signs to fetch its enrolment
 * answer (tc_enrol.h).
 */
#include <string.h>

#include "tc_enrol.h"
#include "tc_sha256.h"

void
tc_enrol_proof_hash(const char *device_id, uint8_t out[32])
{
	uint8_t msg[sizeof(TC_ENROL_PROOF_CONTEXT) + 64];
	size_t n = strnlen(device_id, 64);

	/* The context with its NUL, then the id (a device id is 18 bytes; past 64 it is cut, never overrun). */
	memcpy(msg, TC_ENROL_PROOF_CONTEXT, sizeof(TC_ENROL_PROOF_CONTEXT));
	memcpy(msg + sizeof(TC_ENROL_PROOF_CONTEXT), device_id, n);
	tc_sha256(msg, sizeof(TC_ENROL_PROOF_CONTEXT) + n, out);
}
