/*
 * tadm_metaidx.h - the Trust-side metadata index (metaidx.c): the sealed
 * metadata of each object in trust-server's store, kept once it has
 * been opened with the photo key, so that `review list`, `sar` and the
 * reviewer's queue do not unwrap every object's content key (one P-256
 * ECDH each) on every run.
 *
 * It is a cache: the sealed objects stay the truth.  It lives in the
 * Trust directory (meta-index.db, 0600, never published to the server),
 * holds nothing the objects do not already hold, and no JPEG byte.  An
 * entry is used only while the object file and the ledger row are those
 * it was made from; a missing, damaged or foreign index is rebuilt from
 * the objects, and any index failure only makes the command read the
 * objects as it did before the index existed.
 */
#ifndef TADM_METAIDX_H
#define TADM_METAIDX_H

#include <sys/stat.h>

#include "tadm_srv.h"

#define TADM_METAIDX_FILE "meta-index.db"

/*
 * Photo p's metadata from the index into m: 0 when the entry matches the
 * ledger row (digest, size) and the object file as it is now (inode,
 * size, mtime, ctime).  TC_E_NOT_FOUND otherwise (then read the object
 * and tadm_metaidx_put it); an entry whose object is gone is dropped.
 * Never prints unless the index is damaged (it says so and rebuilds).
 */
int tadm_metaidx_get(struct tadm *a, const struct tc_review_photo *p, struct tc_photo_meta *m)
	TC_MUST_CHECK;

/*
 * Record m, opened from the object whose fstat (taken before reading it)
 * is st, for p.  A failure is said once and the index is left off for
 * the rest of the run: the command goes on reading objects.
 */
void tadm_metaidx_put(struct tadm *a, const struct tc_review_photo *p, const struct stat *st,
		      const struct tc_photo_meta *m);

/*
 * Around a pass over many photos (review list, sar): one read snapshot
 * for the lookups, and the entries made meanwhile committed every
 * METAIDX_BATCH rows and at tadm_metaidx_end (a crash loses at most
 * those, which the next run makes again).  Without them every lookup
 * and entry is its own transaction.
 */
void tadm_metaidx_begin(struct tadm *a);
void tadm_metaidx_end(struct tadm *a);

/* Close the index (tadm_close does; an open batch is committed). */
void tadm_metaidx_close(struct tadm *a);

#endif /* TADM_METAIDX_H */
