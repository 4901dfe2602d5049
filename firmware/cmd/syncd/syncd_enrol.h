/* syncd_enrol.h - enrolment at the dock (syncd_enrol.c).  Private. */
#ifndef SYNCD_ENROL_H
#define SYNCD_ENROL_H

#include "syncd.h"

/* Where the image pins the Trust CA and the enrol URL (mkimage TRUST_CA=, TRUST_URL=). */
#define SYNCD_ENROL_DIR "/usr/lib/trustcam/enrol"

/*
 * One enrolment step for an unprovisioned device: ask, wait, or install
 * IT's answer through photod.  0 once provisioned; -ENOENT when the image
 * pins no enrolment (nothing done); TC_E_NOT_PROVISIONED while waiting or
 * refused; another code on a failure.
 * Every step is audited and recorded in the status.
 */
int syncd_enrol_pass(struct syncd *d) TC_MUST_CHECK;

#endif /* SYNCD_ENROL_H */
