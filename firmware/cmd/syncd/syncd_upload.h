/* syncd_upload.h - one photo's upload and receipt (syncd_upload.c).  Private. */
#ifndef SYNCD_UPLOAD_H
#define SYNCD_UPLOAD_H

#include "syncd.h"
#include "tc_seal.h"

struct syncd_link;

struct syncd_upload_result {
	const char *what;		/* on failure: the step that failed */
	int status;			/* the server's HTTP status, 0 if none */
	bool skip;			/* the object itself is bad: go on with the others */
	uint64_t resumed_at;		/* the server's offset before this upload */
	uint64_t bytes;			/* body bytes sent */
	uint64_t ledger_seq, receipt_time_us;
	bool delete_now;		/* recorded as deleting with the receipt: queue it */
};

/* One photo between its send and its receipt. */
struct syncd_upload {
	uint8_t id[TC_PHOTO_ID_LEN];
	uint8_t digest[TC_SHA256_LEN];	/* the catalog's: sent as Content-Digest */
	char hex[2 * TC_PHOTO_ID_LEN + 1];
	int fd;
	bool marked;			/* uploading: put back to captured on failure */
	uint64_t size, off;
};

/*
 * Send rec's object on l (HEAD for the held offset, then PUT or PATCH)
 * without waiting for the answer, so the next photo can go out on another
 * connection while the server commits this one.  0: u is in flight, end it
 * with syncd_upload_finish (or _abandon).  Otherwise the photo is captured
 * again (or untouched) and res->what says which step failed.
 */
int syncd_upload_send(struct syncd *d, struct syncd_link *l, const struct tc_store_rec *rec,
		      struct syncd_upload *u, struct syncd_upload_result *res) TC_MUST_CHECK;
/*
 * Read the server's answer for u on l, verify the receipt against our
 * record and record it.  0: the photo is receipted.  Otherwise it is
 * captured again and res->what says why (res->skip: the object itself is
 * bad, go on with the others).
 */
int syncd_upload_finish(struct syncd *d, struct syncd_link *l, const struct syncd_prov *p,
			struct syncd_upload *u, struct syncd_upload_result *res) TC_MUST_CHECK;
/* Give up u without reading its answer (the pass stops): captured again. */
void syncd_upload_abandon(struct syncd *d, struct syncd_upload *u);

#endif /* SYNCD_UPLOAD_H */
