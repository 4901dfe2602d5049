/* syncd_report.h - audit upload and policy fetch (syncd_report.c).  Private. */
#ifndef SYNCD_REPORT_H
#define SYNCD_REPORT_H

#include "syncd.h"

struct syncd_link;

/* POST the audit log since the last acknowledged entry; 0 or why not (recorded). */
int syncd_report_audit(struct syncd *d, struct syncd_link *l) TC_MUST_CHECK;
/* GET /v1/policy; a newer bundle that verifies goes to photod.  Failures are recorded, not fatal. */
void syncd_report_policy(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p);

#define SYNCD_PHOTOD_FDS_MAX 3
/*
 * Hand photod n buffers as memfds with a request of type (TC_MSG_POLICY_REQ:
 * a bundle; TC_MSG_INSTALL_REQ: certificate, CA, bundle) and wait for its
 * answer: 0, or its error code; text gets photod's words either way.
 */
int syncd_to_photod(struct syncd *d, uint16_t type, const uint8_t *const bufs[],
		    const size_t lens[], size_t n, char *text, size_t cap) TC_MUST_CHECK;

#endif /* SYNCD_REPORT_H */
