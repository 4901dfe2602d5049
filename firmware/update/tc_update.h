/*
 * tc_update.h - firmware updates as RAUC bundles: what trustcam reads
 * from a bundle and how it asks RAUC (the rauc command line) to check
 * one.  Shared by trustadm (which signs and re-checks what it signed)
 * and syncd (which checks what it downloaded before anything installs
 * it).  No bundle format of our own: RAUC's verity bundles, signed by
 * the Trust's firmware-signing certificate (EKU codeSigning) under the
 * Trust CA.  See firmware/update/README.md.
 */
#ifndef TC_UPDATE_H
#define TC_UPDATE_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_UPDATE_COMPAT_PREFIX "trustcam-"	/* compatible = prefix + board */
#define TC_UPDATE_BOARD_MAX 32
#define TC_UPDATE_VERSION_MAX 64
#define TC_UPDATE_WHY_MAX 256
/* The release number (the manifest's build=): 1 .. 2^31-1, only ever increasing. */
#define TC_UPDATE_RELEASE_MAX 2147483647ull

/* What a verified bundle says about itself (its signed manifest). */
struct tc_update_info {
	char board[TC_UPDATE_BOARD_MAX];	/* compatible minus "trustcam-" */
	char version[TC_UPDATE_VERSION_MAX];	/* the image version (git describe) */
	uint64_t release;			/* the anti-rollback number */
};

/*
 * Check bundle's signature with rauc against the keyring (a PEM file of
 * CA certificates; the signer must have EKU codeSigning) and read its
 * manifest into *info.  rauc is the program to run ("rauc" on PATH, or a
 * path).  0, or TC_E_UPDATE_SIGNATURE when rauc refuses the bundle (why: rauc's
 * reason, one line), TC_E_UPDATE_MANIFEST when the manifest is not one of
 * ours (why says which field), a negative errno when rauc cannot be run.
 */
int tc_update_verify(const char *rauc, const char *keyring, const char *bundle,
		     struct tc_update_info *info, char why[TC_UPDATE_WHY_MAX]) TC_MUST_CHECK;

/*
 * Run argv (argv[0] looked up on PATH), the descriptors in keep[0..nkeep)
 * inherited, stdin /dev/null; its stdout into *out (tc_malloc'd,
 * NUL-terminated, at most max bytes kept) and the last non-empty line of
 * its stderr into why.  Returns the exit status (0..255), or a negative
 * errno when it could not run or was killed.
 */
int tc_update_run(char *const argv[], const int *keep, size_t nkeep, char **out, size_t max,
		  char why[TC_UPDATE_WHY_MAX]) TC_MUST_CHECK;

/* Whether s is a board name: 1..31 of [a-z0-9-]. */
int tc_update_valid_board(const char *s);
/* Whether s is a version: 1..63 of [A-Za-z0-9._+~-]. */
int tc_update_valid_version(const char *s);

#endif /* TC_UPDATE_H */
