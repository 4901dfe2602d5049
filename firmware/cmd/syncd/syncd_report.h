/* syncd_report.h - audit upload and policy fetch (syncd_report.c).  Private. */
#ifndef SYNCD_REPORT_H
#define SYNCD_REPORT_H

#include "syncd.h"

struct syncd_link;

/* POST the audit log since the last acknowledged entry; 0 or why not (recorded). */
int syncd_report_audit(struct syncd *d, struct syncd_link *l) TC_MUST_CHECK;
/* GET /v1/policy; a newer bundle that verifies goes to photod.  Failures are recorded, not fatal. */
void syncd_report_policy(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p);

#endif /* SYNCD_REPORT_H */
