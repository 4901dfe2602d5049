/*
 * tc_enrol.h - what a camera enrolling at the dock and trust-server's
 * enrol listener share (issue 16; README.md, "Enrolment at the dock").
 *
 * The answer to GET /v1/enrol/<id> carries the device's policy, so it is
 * given only to the holder of the identity key: the request sends
 * Enrol-Proof: the base64 of an ECDSA signature (DER) by that key over
 * tc_enrol_proof_hash(id), which the server checks against the public
 * key of the certificate in the answer.  The context string keeps the
 * signature from meaning anything else; TLS keeps it from anyone but the
 * server, so it needs no nonce.
 */
#ifndef TC_ENROL_H
#define TC_ENROL_H

#include <stdint.h>

#define TC_ENROL_PROOF_CONTEXT "trustcam enrol answer v1"
#define TC_ENROL_PROOF_HEADER "Enrol-Proof"
#define TC_ENROL_PROOF_MAX 80		/* an ECDSA P-256 signature in DER: at most 72 bytes */

/* SHA-256 of the context string, a NUL, and the device id. */
void tc_enrol_proof_hash(const char *device_id, uint8_t out[32]);

#endif /* TC_ENROL_H */
