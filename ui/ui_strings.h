/*
 * ui_strings.h - every word the kiosk shows, in one table
 * (ui_strings.c) ready for translation.  Strings with a printf
 * conversion say so in their name (_FMT) and take the arguments the
 * comment in the table gives.
 */
#ifndef UI_STRINGS_H
#define UI_STRINGS_H

#define UI_STRINGS(X)                                                                         \
	X(NONE, "")                                                                          \
	X(APP_NAME, "trustcam")                                                               \
	/* locked screen */                                                                   \
	X(LOCKED_TAP, "Tap here to log in")                                                   \
	X(PROVISIONED, "Set up for the Trust")                                                \
	X(NOT_PROVISIONED, "Not set up yet")                                                  \
	X(WAITING_FMT, "%llu photos waiting to sync")                                         \
	X(STORE_FMT, "Store: %llu of %llu photos (%llu%% full)")                              \
	X(LAST_SYNC_FMT, "Last sync: %s ago")                                                 \
	X(LAST_SYNC_NEVER, "Not synced yet")                                                  \
	X(DOCK_HINT, "To sync: put the camera in its dock")                                   \
	X(NO_PHOTOD, "The camera service is not running")                                     \
	X(NO_PHOTOD_DO, "Restart the camera. If this stays, ask the school's IT team.")       \
	/* what to do, and whom to ask (R1) */                                                \
	X(DO_PROVISION, "This camera cannot take photos until IT sets it up.\n"              \
			"Ask the school's IT team to provision it.")                          \
	X(DO_ENROL, "This camera cannot take photos until IT sets it up.\n"                  \
		    "Dock it, and ask IT to approve the id shown at the top.")                \
	X(DO_EXPIRED, "Its policy has expired: it cannot take photos.\n"                    \
		      "Dock the camera to get a new policy, or ask the IT team.")             \
	X(DO_REVOKED, "Its certificate is not valid (revoked or replaced).\n"               \
		      "Give the camera to the school's IT team.")                             \
	X(DO_NO_POLICY, "It has no valid policy: it cannot take photos.\n"                  \
			"Ask the school's IT team for one.")                                  \
	X(DO_SERVER_REVOKED, "Refused by the Trust server: this device may be revoked.\n"   \
			     "Photos taken now could never leave it. Ask the IT team.")      \
	/* staff and PIN */                                                                   \
	X(WHO_ARE_YOU, "Who are you? Tap your staff number")                                  \
	X(PIN_FOR_FMT, "PIN for %s")                                                          \
	X(PIN_OK, "Log in")                                                                   \
	X(PIN_DEL, "Delete")                                                                  \
	X(BACK, "Back")                                                                       \
	X(MORE, "More")                                                                       \
	X(LOCKED_FMT, "Too many wrong PINs. Try again in %lld s.")                            \
	/* events */                                                                          \
	X(PICK_EVENT, "Which event are you photographing?")                                   \
	X(NO_EVENTS, "The policy lists no events. Ask the data protection lead.")             \
	X(LOGOUT, "Log out")                                                                  \
	X(NO_EVENT, "No event")                                                               \
	/* viewfinder and tags */                                                             \
	X(SHUTTER, "Take photo")                                                              \
	X(BURST_OFF, "Burst: off")                                                             \
	X(BURST_ON_FMT, "Burst of %d")                                                        \
	X(TAG_PUPILS, "Tag pupils")                                                           \
	X(TAGGED_FMT, "Tagged: %u")                                                           \
	X(NOBODY_TAGGED, "No pupils tagged: the photo is tagged at review")                   \
	X(ALLOWED_FMT, "Allowed on: %s")                                                      \
	X(INTERNAL_ONLY, "Internal only: no platform that all these pupils consent to")    \
	X(CHANGE_EVENT, "Change event")                                                              \
	X(NO_PREVIEW, "Preview off")                                                          \
	X(PICK_PUPILS, "Tap each pupil in the photo")                                         \
	X(DONE, "Done")                                                                       \
	X(NO_CONSENT, "no consent")                                                           \
	X(BUSY, "Working...")                                                                 \
	/* confirmation */                                                                    \
	X(SEALED_FMT, "Sealed: %u of %u photos")                                              \
	X(SEALED_NOTE, "Encrypted for the Trust. Nobody on this camera can open it.")         \
	X(NOT_SEALED, "Not taken")                                                            \
	/* status bar */                                                                      \
	X(BAR_SYNC_FMT, "%llu to sync")                                                       \
	X(BAR_STORE_FMT, "Store %llu%%")                                                      \
	X(BAR_POLICY_FMT, "Policy to %s")                                                     \
	X(BAR_NO_POLICY, "No policy")                                                         \
	X(BAR_DOCK_SOON, "Dock soon")                                                         \
	X(BAR_BLOCKED, "Blocked")                                                             \
	/* refusals: which rule, what to do */                                                \
	X(REFUSED_PIN, "Wrong staff number or PIN (rule R10). Try again.")                    \
	X(REFUSED_LOCKOUT, "Login is locked after too many wrong PINs (rule R10). Wait.")     \
	X(REFUSED_LOGIN, "Nobody is logged in (rule R10). Log in first.")                     \
	X(REFUSED_EVENT, "Choose an event first: the policy requires one.")                   \
	X(REFUSED_DOCK, "Dock the camera to sync: the policy blocks photos until then.")      \
	X(REFUSED_FULL, "The camera's store is full. Dock the camera to sync.")               \
	X(REFUSED_PROVISION, "This camera is not set up (rule R1). Ask the IT team.")         \
	X(REFUSED_POLICY, "The policy is missing or has expired (rule R1). Dock the camera.") \
	X(REFUSED_REVOKED, "Photos are blocked on this camera: ask the IT team.")             \
	X(REFUSED_CAMERA, "The camera sensor is not working. Ask the IT team.")               \
	X(REFUSED_OTHER, "The camera refused this.")                                          \
	X(REFUSED_BUSY, "Still working on the last request. Wait a moment.")                 \
	X(REFUSED_GONE, "Lost contact with the camera service. Retrying.")

#define UI_STR_ENUM(id, text) UI_S_##id,
enum ui_str { UI_STRINGS(UI_STR_ENUM) UI_S_MAX };
#undef UI_STR_ENUM

#include <stddef.h>

/* The text of s (never NULL). */
const char *ui_str(enum ui_str s);
/*
 * snprintf with the table's format s.  Returns the bytes stored (never
 * more than size - 1), so appends can chain without overrunning.  The
 * compiler cannot check a table format against its arguments: the unit
 * test test_ui_strings checks every _FMT string's conversions instead.
 */
int ui_fmt(char *buf, size_t size, enum ui_str s, ...);
/* The same for a literal format. */
int ui_put(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* UI_STRINGS_H */
