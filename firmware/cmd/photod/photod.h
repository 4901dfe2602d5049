/*
 * photod.h - photod's state, shared by its files.  Private.
 *
 *   photod.c            main(): defaults, parse, set up, drop privileges, run, tear down
 *   photod_serve.c      the socket loop: accept, peer check, dispatch, one request at a time
 *   photod_status.c     status, cameras, list, discard, export (refused, R3)
 *   photod_capture.c    the camera, and the capture request (consent, R5)
 *   photod_gate.c       may a photo be taken now?  (R1, R10, policy rules, quota); events
 *   photod_login.c      staff login, lockout with back-off, idle logout (R10)
 *   photod_provision.c  STATE/provision: load at start, CSR, install, policy update (R1)
 *   photod_cert.c       checks of the device certificate against the CA and the key
 *   photod_wipe.c       crypto-erase of the device
 *   photod_usb.c        the lockdown's USB refusals, into the audit log (R3)
 *   photod_ui.c         the kiosk's lists: staff ids, the consent roster
 *   photod_preview.c    the kiosk's viewfinder: frames through a shared-memory ring
 *   photod_files.c      small durable files, capped reads, erase
 *   photod_clock.c      the one clock photod reads (injectable in test builds)
 */
#ifndef PHOTOD_H
#define PHOTOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_audit.h"
#include "tc_camera.h"
#include "tc_capture.h"
#include "tc_ipc.h"
#include "tc_keystore.h"
#include "tc_policy.h"
#include "tc_store.h"

/* Settings: from the command line, never changed after start-up. */
struct photod_settings {
	const char *state_dir;		/* keys/, audit/, store/, provision/ */
	const char *run_dir;		/* photod.sock */
	const char *camera_id;		/* NULL: the first camera found */
	uint32_t width, height;		/* 0: the camera's largest mode */
	enum tc_pixfmt fmt;
	const char *user;		/* drop to this user when started as root */
	int take_timeout_ms;
	bool identity_at_start;		/* -k: make the identity key at start (first boot) */
};

/*
 * Provisioning, as found in STATE/provision and the keystore.  state says
 * why capture is refused at this level (0: certificate and policy valid).
 */
struct photod_prov {
	int dirfd;			/* STATE/provision, 0700 */
	bool provisioned;		/* device.crt is installed */
	int state;			/* 0, TC_E_NOT_PROVISIONED, TC_E_CERT, TC_E_NO_POLICY, TC_E_POLICY_* */
	const char *why;		/* a sentence for state (static) */
	char device_id[TC_POLICY_ID_MAX];	/* "" until the identity key exists */
	char *ca_pem;			/* the pinned Trust CA (heap), NULL unless provisioned */
	struct tc_policy *policy;	/* NULL unless state is 0 */
	uint64_t high_water;		/* policy.version: the newest policy ever installed */
	int64_t provisioned_at;		/* device.crt's mtime: "last sync" before the first sync */
};

/* Who is logged in, and the persisted lockout counter. */
struct photod_login {
	char staff[TC_POLICY_ID_MAX];	/* "" when nobody */
	char event[TC_POLICY_ID_MAX];	/* chosen for this session, or "" */
	int64_t last_active;		/* photod_now() of the last login, capture or event set */
	uint32_t failures;		/* consecutive wrong PINs (tc_keystore_pin_failures_*) */
	int64_t locked_until;		/* no login attempt is checked before this */
};

/* Runtime state. */
struct photod {
	struct photod_settings set;
	struct tc_keystore *ks;
	struct tc_audit *audit;
	struct tc_store *store;
	struct tc_camera *cam;
	int cam_err;			/* 0, or why the camera is unavailable */
	char cam_id[TC_CAMERA_ID_MAX];	/* the open camera */
	uint8_t *keys;			/* locked: store MAC key, audit key */
	struct photod_prov prov;
	struct photod_login login;
	struct tc_capture_settings cs;
	int listen_fd;
	int signal_fd;
	volatile bool stopping;		/* SIGTERM seen: finish the photos in flight, then exit */
	uint64_t captured;		/* since start */
	unsigned pending_photos;	/* sealed, not yet committed: the gate counts them */
	uint64_t pending_bytes;
	char sock_path[256];
	struct photod_preview *preview;	/* the viewfinder stream, or NULL */
};

/* A connected client. */
struct photod_client {
	int fd;
	uid_t uid;
	bool admin;			/* root or photod's own user: may provision and wipe */
	char actor[48];			/* "camctl:uid=N" */
};

/* Why capture is refused: a code, the rule it cites ("" for none), a sentence. */
struct photod_refusal {
	int code;
	const char *rule;
	char text[TC_IPC_TEXT_MAX];
};

enum { PHOTOD_KEY_STORE = 0, PHOTOD_KEY_AUDIT = TC_SECRET_LEN, PHOTOD_KEYS_LEN = 2 * TC_SECRET_LEN };

/* photod_serve.c */
int photod_serve(struct photod *d);
void photod_audit(struct photod *d, const char *actor, const char *action,
		  const uint8_t *id, int result, const char *detail);
/* Send a reply; a client that has gone away is logged (debug) and otherwise ignored. */
int photod_reply(int fd, uint16_t type, const void *payload, size_t len);
/* Send an ERROR reply: code, the rule it cites ("" for none), a sentence. */
void photod_error(int fd, int code, const char *rule, const char *text);
/* Send an OK reply with a sentence (and a count, for wipe). */
void photod_ok(int fd, uint64_t count, const char *text);
/* Poll the signal fd without blocking; sets d->stopping on SIGTERM/SIGINT. */
void photod_check_signals(struct photod *d);

/* photod_status.c */
void photod_status(struct photod *d, int fd);
void photod_cameras(int fd);
void photod_list(struct photod *d, int fd);
void photod_discard(struct photod *d, struct photod_client *c, const struct tc_msg_id *m);
void photod_export(struct photod *d, struct photod_client *c, const struct tc_msg_id *m);

/* photod_capture.c */
int photod_camera_up(struct photod *d);
void photod_camera_down(struct photod *d);
void photod_capture(struct photod *d, struct photod_client *c,
		    const struct tc_msg_capture_req *req);

/* photod_gate.c */
/* 0 if a photo may be taken now, else the refusal (code < 0) in *r. */
int photod_gate(struct photod *d, int64_t now, struct photod_refusal *r);
void photod_event_set(struct photod *d, struct photod_client *c, const struct tc_msg_event_req *m);
void photod_event_clear(struct photod *d, struct photod_client *c);
void photod_events(struct photod *d, int fd);

/* photod_login.c */
int photod_login_load(struct photod *d) TC_MUST_CHECK;
void photod_login(struct photod *d, struct photod_client *c, struct tc_msg_login_req *m);
void photod_logout_req(struct photod *d, struct photod_client *c);
/* Log out whoever is logged in (audited with why); no-op when nobody is. */
void photod_logout(struct photod *d, const char *why);
/* Idle logout if due.  Returns the ms until it would be due (-1: nobody logged in). */
int photod_idle_check(struct photod *d);
/* After a policy change: end a session the new policy no longer allows. */
void photod_session_check(struct photod *d);
/* A staff action: the idle timer starts again. */
void photod_touch(struct photod *d);
/* "staff:ID" when someone is logged in, else the client's actor; written into buf, returned. */
const char *photod_actor(const struct photod *d, const struct photod_client *c, char *buf,
			 size_t len);

/* photod_provision.c */
/* What opening a policy's sealed staff table and checking a PIN ask of the keystore. */
int photod_policy_device(struct photod *d, struct tc_policy_device *dev) TC_MUST_CHECK;
/* Read STATE/provision and the identity key; fills d->prov.  Fails only on I/O trouble. */
int photod_prov_load(struct photod *d) TC_MUST_CHECK;
void photod_prov_release(struct photod *d);
void photod_provision_request(struct photod *d, struct photod_client *c);
/*
 * First boot (-k): an unprovisioned device without an identity key makes
 * it now, so IT's `camctl provision request` only prints its CSR.  A
 * failure is logged and audited, never fatal: the request tries again.
 */
void photod_identity_at_start(struct photod *d);
/* fds: certificate, Trust CA, policy bundle; closed here. */
void photod_provision_install(struct photod *d, struct photod_client *c, int fds[3]);
/* fd: a newer policy bundle; closed here. */
void photod_policy_install(struct photod *d, struct photod_client *c, int fd);
/* The last sync (STATE/provision/last-sync, else the provisioning time); < 0 if unreadable. */
int64_t photod_last_sync(struct photod *d);
/* Whether the device has synced at least once (a last-sync time exists). */
bool photod_synced_ever(struct photod *d);
/* STATE/provision/revoked exists: the Trust server refused the device as revoked. */
bool photod_revoked(struct photod *d);

/* photod_cert.c */
/*
 * Check cert (PEM or DER; cert[cert_len] must be a NUL, as the buffers of
 * photod_file_read and photod_fd_read are) against the pinned CA (one
 * certificate, PEM): it chains to the
 * CA, its public key is spki, its CN is device_id, and (if policy_ca_pem
 * is set) the CA in the policy is this same CA.  0 or TC_E_CERT; why
 * gets a short reason.
 */
int photod_cert_check(const uint8_t *cert, size_t cert_len, const char *ca_pem,
		      const uint8_t *spki, size_t spki_len, const char *device_id,
		      const char *policy_ca_pem, const char **why) TC_MUST_CHECK;

/* photod_ui.c */
void photod_staff_list(struct photod *d, int fd);
/* The roster rows [first, first + max), only while someone is logged in (R10). */
void photod_roster(struct photod *d, int fd, const struct tc_msg_roster_req *req);

/* photod_preview.c */
void photod_preview_start(struct photod *d, struct photod_client *c);
void photod_preview_stop_req(struct photod *d, struct photod_client *c);
void photod_preview_stop(struct photod *d);
/* A client closed: its stream, if any, ends. */
void photod_preview_gone(struct photod *d, int fd);
/* poll's timeout: ms, or sooner when the next preview frame is due. */
int photod_preview_timeout(const struct photod *d, int ms);
/* Write and announce a new frame if one is due and the camera has it. */
void photod_preview_tick(struct photod *d);
/*
 * The frame the kiosk was last told about, for the shutter: true and *fr
 * on loan (the caller releases it with tc_camera_release), or false when
 * no stream holds one.
 */
bool photod_preview_claim(struct photod *d, struct tc_frame *fr);

/* photod_wipe.c */
void photod_wipe(struct photod *d, struct photod_client *c, const struct tc_msg_wipe_req *m);

/* photod_usb.c: root only; the description is validated field by field. */
void photod_usb_refused(struct photod *d, struct photod_client *c,
			const struct tc_msg_usb_refused *m);

/* photod_files.c */
/* Write name under dirfd durably: temp, fsync, rename, fsync the directory. */
int photod_file_write(int dirfd, const char *name, const void *buf, size_t len) TC_MUST_CHECK;
/*
 * Read a regular file of at most cap bytes into *buf (tc_malloc, NUL
 * appended, not counted in *len).  -EFBIG if larger, -ENOENT if missing.
 */
int photod_file_read(int dirfd, const char *name, size_t cap, uint8_t **buf,
		     size_t *len) TC_MUST_CHECK;
/* The same from an open descriptor (a file camctl passed): must be a regular file. */
int photod_fd_read(int fd, size_t cap, uint8_t **buf, size_t *len) TC_MUST_CHECK;
/* Overwrite with zeros, fsync, unlink.  A missing file is not an error. */
int photod_file_erase(int dirfd, const char *name) TC_MUST_CHECK;
/* A decimal number file ("123\n"), as policy.version and last-sync hold. */
int photod_file_read_u64(int dirfd, const char *name, uint64_t *out) TC_MUST_CHECK;
int photod_file_write_u64(int dirfd, const char *name, uint64_t v) TC_MUST_CHECK;

/* photod_clock.c */
/*
 * Unix seconds, the only clock photod's rules read (policy expiry, last
 * sync age, lockout, idle logout).  CONFIG_FAULT_INJECTION builds add the
 * signed number of seconds in the file $TC_CLOCK_OFFSET_FILE, re-read at
 * every call, so tests can move time without sleeping.
 */
int64_t photod_now(void);

#endif /* PHOTOD_H */
