/*
 * fuzz_policy.c - the policy bundle as a device receives it (camctl
 * provision install, a policy update through syncd): the whole check,
 * tc_policy_verify against the Trust CA the seeds were signed under, then
 * the parts behind the signature on their own, since no mutated input
 * keeps a valid signature: the framing (policy_frame_parse) and the JSON
 * payload decoder (policy_payload_decode) on the bundle's payload, or on
 * the whole input when it does not frame.
 */
#include <string.h>

#include "fuzz.h"
#include "policy_int.h"
#include "tc_policy.h"

FUZZ_INIT_QUIET

/* What a device does with a decoded policy next: look things up in it. */
static void
use(const struct tc_policy *p)
{
	struct tc_policy_consent c;
	size_t i;

	if (p->n_events > 0)
		(void)tc_policy_find_event(p, p->events[0].id);
	for (i = 0; i < p->n_pupils && i < 8; i++)
		tc_policy_consent_get(p, i, &c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tc_policy *p = NULL;
	struct policy_frame f;

	if (tc_policy_verify(data, size, FUZZ_TRUST_CA_PEM, FUZZ_DEVICE_ID, 0, FUZZ_POLICY_NOW,
			     &p) == 0) {
		use(p);
		tc_policy_free(p);
		p = NULL;
	}
	if (policy_frame_parse(data, size, &f) == 0) {
		data = f.payload;
		size = f.payload_len;
	}
	if (policy_payload_decode(data, size, &p) == 0) {
		use(p);
		tc_policy_free(p);
	}
	return 0;
}
