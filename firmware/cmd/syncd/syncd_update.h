/* syncd_update.h - firmware updates at the dock (syncd_update.c).  Private. */
#ifndef SYNCD_UPDATE_H
#define SYNCD_UPDATE_H

#include "syncd.h"

struct syncd_link;

/*
 * At start: what the last install became (booted, or fell back to the
 * old slot), audited; the firmware floor raised to the running release.
 * Never fatal: a problem is logged and audited.
 */
void syncd_update_boot(struct syncd *d);
/*
 * At each pass, before the audit upload: a release on trial at start
 * (--boot-confirmed) whose boot check has confirmed it since is decided
 * as syncd_update_boot decides it.  Pass thread.
 */
void syncd_update_trial(struct syncd *d);
/*
 * After a good sync pass: ask for the newest bundle for this board,
 * download it resumably into STATE/update, verify it, check the
 * release against the floor and hand it to RAUC.  Every outcome is
 * audited and shown in the status; none fails the pass.
 */
void syncd_update_pass(struct syncd *d, struct syncd_link *l);

#endif /* SYNCD_UPDATE_H */
