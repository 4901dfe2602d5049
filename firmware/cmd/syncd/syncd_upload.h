/* syncd_upload.h - one photo's upload and receipt (syncd_upload.c).  Private. */
#ifndef SYNCD_UPLOAD_H
#define SYNCD_UPLOAD_H

#include "syncd.h"

struct syncd_link;

struct syncd_upload_result {
	const char *what;		/* on failure: the step that failed */
	int status;			/* the server's HTTP status, 0 if none */
	bool skip;			/* the object itself is bad: go on with the others */
	uint64_t resumed_at;		/* the server's offset before this upload */
	uint64_t bytes;			/* body bytes sent */
	uint64_t ledger_seq, receipt_time_us;
};

/*
 * Upload rec's object and record its verified receipt.  0: the photo is
 * receipted.  Otherwise the photo is captured again (or untouched) and
 * res->what says which step failed.
 */
int syncd_upload_one(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p,
		     const struct tc_store_rec *rec, struct syncd_upload_result *res)
	TC_MUST_CHECK;

#endif /* SYNCD_UPLOAD_H */
