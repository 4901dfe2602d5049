/*
 * tadm_srv.h - trustadm's read-only view of trust-server's data
 * directory (-S DIR): the ledger says which photos arrived from which
 * device, objects/<device>/<id>.tco holds them sealed, audit/<device>/
 * the device's audit segments.  Also the pieces review and SAR share:
 * the photo private key, the consent roster, a photo's review state.
 *
 * trustadm never writes the server's directory: review decisions live
 * in the Trust's registry (tc_registry_review_*), so the ledger stays
 * trust-server's own record of what it received.
 */
#ifndef TADM_SRV_H
#define TADM_SRV_H

#include "tadm.h"
#include "tc_review.h"

/* Open the server data directory (a->srvdir, set) and its ledger, read-only. */
int tadm_srv_open(struct tadm *a) TC_MUST_CHECK;
/* TADM_OK if -S or $TRUSTADM_SERVER_DATA named it, else a usage message and TADM_USAGE. */
int tadm_srv_need(struct tadm *a);

typedef int (*tadm_photo_fn)(void *ctx, const struct tc_review_photo *p);
/* Every photo in the ledger (of device, or all when NULL), in ledger order. */
int tadm_srv_photos(struct tadm *a, const char *device, tadm_photo_fn fn, void *ctx)
	TC_MUST_CHECK;
/*
 * tadm_srv_photos over every photo for a pass that reads each one's
 * review state and metadata (review list, sar): the registry's reads
 * share one snapshot and the metadata index one batch (srvmeta.c).  fn
 * must not write the registry.
 */
int tadm_srv_scan(struct tadm *a, tadm_photo_fn fn, void *ctx) TC_MUST_CHECK;
/* The ledger row of photo id (32 hex digits).  TC_E_NOT_FOUND. */
int tadm_srv_find(struct tadm *a, const char *photo_id, struct tc_review_photo *p) TC_MUST_CHECK;
/* The same, saying "no photo ID in the server's ledger" when it is not there. */
int tadm_srv_photo(struct tadm *a, const char *photo_id, struct tc_review_photo *p) TC_MUST_CHECK;

struct tadm_srv_dev {
	bool known;		/* the ledger has a row for it */
	int64_t photos;		/* photos received */
	int64_t last_upload;	/* unix seconds, 0: never */
	uint64_t audit_seq;	/* last audit entry acknowledged */
	char firmware[64];	/* the version its syncd last said it runs, "" if none */
	uint64_t release;	/* ... and its release number, 0 if not said */
};
int tadm_srv_device(struct tadm *a, const char *id, struct tadm_srv_dev *out) TC_MUST_CHECK;

typedef int (*tadm_seg_fn)(void *ctx, uint64_t first_seq, uint64_t last_seq, const char *file);
/* The ledger's audit segments for a device, by first sequence. */
int tadm_srv_segments(struct tadm *a, const char *device, tadm_seg_fn fn, void *ctx)
	TC_MUST_CHECK;

/* The Trust's photo private key (32 bytes, tc_secure_alloc; tc_secure_free it). */
int tadm_photo_key(struct tadm *a, uint8_t **priv) TC_MUST_CHECK;

/*
 * Read photo p's object, check it hashes to the ledger's digest and
 * names the ledger's photo id, and open it.  jpeg may be NULL (metadata
 * only; the JPEG is wiped at once); else *jpeg is tc_secure_alloc'd.
 * Prints its own error.
 */
int tadm_srv_open_photo(struct tadm *a, const struct tc_review_photo *p, const uint8_t *priv,
			struct tc_photo_meta *m, uint8_t **jpeg, size_t *jpeg_len) TC_MUST_CHECK;

/*
 * objects/<device>/<id>.tco opened read-only: a regular file of exactly
 * the ledger's size (TC_E_STORE_MISMATCH otherwise).  An fd or a
 * negative code; prints nothing.
 */
int tadm_srv_object_fd(struct tadm *a, const struct tc_review_photo *p);
/* "objects/<device>/<id>.tco", relative to the server data directory; -EINVAL for a bad name. */
#define TADM_OBJECT_NAME_MAX (TC_POLICY_ID_MAX + 2 * TC_PHOTO_ID_LEN + 16)
int tadm_srv_object_name(const struct tc_review_photo *p, char *name, size_t cap) TC_MUST_CHECK;

/*
 * Photo p's sealed metadata alone (srvmeta.c): the object's first
 * TC_OBJ_META_PREFIX bytes are read, its header must name the ledger's
 * photo id, and chunk 0 is authenticated and opened (tc_obj_open_meta).
 * What review list and sar read for every photo; the whole object, with
 * the ledger digest check, is read only when its JPEG is needed.
 * pub: priv's public key (tc_p256_public), computed once by a caller
 * that reads many objects, or NULL.  Prints its own error.
 */
int tadm_srv_open_meta(struct tadm *a, const struct tc_review_photo *p, const uint8_t *priv,
		       const uint8_t *pub, struct tc_photo_meta *m) TC_MUST_CHECK;

/* The registry's consent roster as a policy (consent fields only); tc_policy_free it. */
int tadm_roster(struct tadm *a, struct tc_policy **out) TC_MUST_CHECK;

/* "pending_review", "approved" or "rejected" from the registry; v filled when decided. */
int tadm_review_state(struct tadm *a, const struct tc_review_photo *p, struct tc_reg_review *v,
		      const char **state) TC_MUST_CHECK;

/* A photo's review decisions as a JSON array, oldest first; NULL on failure. */
json_t *tadm_review_history(struct tadm *a, const struct tc_review_photo *p);

/*
 * Approve (for list, comma-separated platforms; NULL: all the consent
 * permits now) or reject (with reason, NULL or free text for the audit
 * log) photo id, as `review approve/reject` do.  msg: what happened, for
 * the reviewer ("photo ... approved for ...", "refused: <why>").  A
 * TADM_ status; the decision and its audit row are one transaction.
 */
int tadm_review_decide(struct tadm *a, const uint8_t *priv, const char *id, bool approve,
		       const char *list, const char *reason, char *msg, size_t msgcap);

/* Record one action in the Trust's audit log, in its own transaction (message printed). */
int tadm_audit_now(struct tadm *a, const char *action, const char *subject, const char *detail)
	TC_MUST_CHECK;

/* `review serve` (tools/trustadm/web): argv[0] is "serve". */
int tadm_review_serve(struct tadm *a, int argc, char **argv);

/* The max_hours_since_sync of d's last issued policy (cmd_device.c); 0 when unknown. */
uint32_t tadm_policy_max_hours(struct tadm *a, const struct tc_reg_device *d, const char *ca_pem);

/*
 * The subject access export of `sar` (cmd_sar.c): every photo naming
 * pupil (valid ref) into the new or empty directory out, with
 * manifest.json; audited.  msg: the outcome for the person asking.  A
 * TADM_ status.
 */
int tadm_sar_export(struct tadm *a, const uint8_t *priv, const char *pupil, const char *out,
		    char *msg, size_t msgcap);

/*
 * Tags set at review (cmd_review_tag.c).  tadm_review_tags: the newest
 * tags of p into refs[0..*n), *found false when none were set.
 * tadm_review_effective: m (the sealed metadata) as the review rules see
 * it: with tags set at review, those pupils and the platforms the
 * roster's consent allows for them (tc_review_retag); *retagged says so.
 * Both print their own error.  tadm_add_review_tags: the newest tags as
 * meta's "tagged_at_review" {pupils, reviewer, time} (nothing when none
 * were set); 0 or a negative code.  tadm_review_tag: the
 * `review tag ID REF,...` command (list comma-separated), its outcome
 * in msg; a TADM_ status.
 */
int tadm_review_tags(struct tadm *a, const struct tc_review_photo *p,
		     char (*refs)[TC_META_ID_MAX], unsigned *n, bool *found) TC_MUST_CHECK;
int tadm_review_effective(struct tadm *a, const struct tc_review_photo *p,
			  const struct tc_policy *roster, struct tc_photo_meta *m, bool *retagged)
	TC_MUST_CHECK;
int tadm_add_review_tags(struct tadm *a, const struct tc_review_photo *p, json_t *meta)
	TC_MUST_CHECK;
int tadm_review_tag(struct tadm *a, const uint8_t *priv, const char *id, const char *list,
		    char *msg, size_t msgcap);

/*
 * Names in the picture (cmd_review_pic.c).  tadm_text_check: what text
 * detection found in p (legible words and their areas, never the
 * words), from the registry's text_checks, else detected now on jpeg
 * (or on the photo opened with priv when jpeg is NULL) and recorded.
 * tadm_review_redact: `review redact ID`: areas ("x,y,w,h;...", "" =
 * nothing to blur; NULL = the detected areas) recorded and audited.
 * tadm_publishable: p's publishable copy (tc_secure_alloc'd) with boxes
 * blurred, no metadata; m receives the sealed metadata.
 * tadm_review_export: `review export ID --platform P -o DIR`: refused
 * (and audited) unless approved for P, consent allows P now and, where
 * words were found, a redaction is recorded.  All print their own
 * errors; msg says the outcome for the reviewer; TADM_ statuses, except
 * tadm_text_check and tadm_publishable (0 or a negative code).
 */
int tadm_text_check(struct tadm *a, const uint8_t *priv, const struct tc_review_photo *p,
		    const uint8_t *jpeg, size_t len, struct tc_reg_textcheck *out) TC_MUST_CHECK;
int tadm_review_redact(struct tadm *a, const uint8_t *priv, const char *id, const char *areas,
		       char *msg, size_t msgcap);
int tadm_publishable(struct tadm *a, const uint8_t *priv, const struct tc_review_photo *p,
		     const char *boxes, struct tc_photo_meta *m, uint8_t **out, size_t *out_len)
	TC_MUST_CHECK;
int tadm_review_export(struct tadm *a, const uint8_t *priv, const char *id, const char *platform,
		       const char *dir, char *msg, size_t msgcap);

/*
 * A fresh export directory for plaintext: DIR must not exist, or be an
 * empty directory of ours (not a symlink); it is made (or left) 0700.
 * Returns an fd on it, or a negative code (message printed).
 */
int tadm_export_dir(struct tadm *a, const char *dir) TC_MUST_CHECK;
/* Write name in dfd (0600, O_EXCL, fsynced) and hash it.  Prints its own error. */
int tadm_export_file(struct tadm *a, int dfd, const char *name, const void *data, size_t len,
		     uint8_t sha256[TC_SHA256_LEN]) TC_MUST_CHECK;

#endif /* TADM_SRV_H */
