/*
 * tc_review.h - the pure rules behind trustadm's review and subject
 * access commands (rules R5, R7, R9), kept apart from the command line
 * so unit tests reach them: which platforms a photo may be approved
 * for, the JSON a reviewer or a data subject receives, and the SAR
 * manifest.
 *
 * Consent is checked twice and the stricter answer wins: the platforms
 * sealed into the photo on the device (the intersection of its pupils'
 * consents when it was taken) and the consent roster the registry holds
 * now (consent may have been withdrawn since).
 */
#ifndef TC_REVIEW_H
#define TC_REVIEW_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tc_err.h"
#include "tc_policy.h"
#include "tc_seal.h"

#define TC_REVIEW_WHY_MAX 256

/*
 * Parse a comma-separated platform list ("website,newsletter"; "" is no
 * platform: internal use only).  Each name must be a valid platform and
 * appear once, at most TC_META_MAX_PLATFORMS.  -EINVAL with why filled.
 */
int tc_review_parse_platforms(const char *list, char (*out)[TC_META_ID_MAX], unsigned *n,
			      char *why, size_t whycap) TC_MUST_CHECK;

/*
 * Parse a sep-separated list of pupil refs (each a valid id, once, at
 * most TC_META_MAX_PUPILS; "" is none).  -EINVAL with why filled.
 */
int tc_review_parse_pupils(const char *list, char sep, char (*out)[TC_META_ID_MAX],
			   unsigned *n, char *why, size_t whycap) TC_MUST_CHECK;

/*
 * Tags set at review replace the sealed ones: m's pupils become
 * pupils[0..n), and its platforms what the roster's consent allows for
 * all of them, the intersection photod computes at capture
 * (tc_policy_platforms), so the rules below treat the photo as if it had
 * been tagged so when taken.
 */
void tc_review_retag(struct tc_photo_meta *m, const char (*pupils)[TC_META_ID_MAX], unsigned n,
		     const struct tc_policy *roster);

/*
 * The platforms the photo may go to now: the sealed platforms that the
 * roster's current consent (roster->consent, n_consent) also allows for
 * every tagged pupil.  An untagged photo, or any pupil the roster does
 * not know, gives none.
 */
void tc_review_allowed(const struct tc_photo_meta *m, const struct tc_policy *roster,
		       char (*out)[TC_META_ID_MAX], unsigned *n);

/*
 * Whether requested[0..n_req) may be approved for this photo.  0, or
 * TC_E_REFUSED with the reason in why (it names the platform, never a
 * pupil ref): not tagged, not among the sealed platforms, or no longer
 * allowed by the current roster.
 */
int tc_review_check(const struct tc_photo_meta *m, const struct tc_policy *roster,
		    const char (*requested)[TC_META_ID_MAX], unsigned n_req, char *why,
		    size_t whycap) TC_MUST_CHECK;

/* names joined with sep into out ("" for none); -ENAMETOOLONG if it does not fit. */
int tc_review_join(const char (*names)[TC_META_ID_MAX], unsigned n, char sep, char *out,
		   size_t cap) TC_MUST_CHECK;

/* "2026-11-25T19:00:00Z" for unix seconds. */
void tc_review_iso_time(int64_t t, char *out, size_t cap);

/* What the server's ledger says about one photo. */
struct tc_review_photo {
	char device[TC_POLICY_ID_MAX];
	char photo_id[2 * TC_PHOTO_ID_LEN + 1];
	char digest[2 * TC_SHA256_LEN + 1];	/* of the sealed object */
	uint64_t size;
	int64_t received;			/* unix seconds */
	int64_t ledger_seq;
};

/*
 * The metadata a reviewer (or a data subject) receives for a photo: ids,
 * times, the sealed metadata and, when history is not NULL, that array
 * (stolen).  state: "pending_review", "approved" or "rejected".  NULL on
 * allocation failure.
 */
json_t *tc_review_meta_json(const struct tc_review_photo *p, const struct tc_photo_meta *m,
			    const char *state, json_t *history);

/* One exported file as the manifest lists it. */
struct tc_sar_file {
	const char *name;			/* relative to the export directory */
	uint8_t sha256[TC_SHA256_LEN];
	uint64_t size;
};

/* A new SAR manifest for pupil, made at time now.  NULL on allocation failure. */
json_t *tc_sar_manifest_new(const char *pupil, int64_t now);
/*
 * The pupil's row of the consent roster, as the Trust holds it: the
 * platforms consented to and the display label (personal data too, so
 * a subject access answer carries them); row NULL records "not on the
 * roster".  0 or -ENOMEM.
 */
int tc_sar_manifest_roster(json_t *manifest, const struct tc_policy_consent *row) TC_MUST_CHECK;
/* Add one photo and its files to the manifest.  0 or -ENOMEM. */
int tc_sar_manifest_add(json_t *manifest, const struct tc_review_photo *p,
			const struct tc_photo_meta *m, const char *state,
			const struct tc_sar_file *files, size_t n_files) TC_MUST_CHECK;

#endif /* TC_REVIEW_H */
