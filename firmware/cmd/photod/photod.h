/*
 * photod.h - photod's state, shared by its three files.  Private.
 *
 *   photod.c          main(): defaults, parse, set up, drop privileges, run, tear down
 *   photod_serve.c    the socket loop: accept, peer check, one request at a time
 *   photod_capture.c  the capture request: frames -> tc_capture_photo -> replies
 */
#ifndef PHOTOD_H
#define PHOTOD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tc_audit.h"
#include "tc_camera.h"
#include "tc_capture.h"
#include "tc_keystore.h"
#include "tc_store.h"

/* Settings: from the command line, never changed after start-up. */
struct photod_settings {
	const char *state_dir;		/* keys/, audit/, store/, trust/ */
	const char *run_dir;		/* photod.sock */
	const char *camera_id;		/* NULL: the first camera found */
	uint32_t width, height;		/* 0: the camera's largest mode */
	enum tc_pixfmt fmt;
	const char *user;		/* drop to this user when started as root */
	int take_timeout_ms;
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
	uint8_t trust_pub[TC_P256_PUB_LEN];
	struct tc_capture_settings cs;
	int listen_fd;
	int signal_fd;
	volatile bool stopping;		/* SIGTERM seen: finish the photo in flight, then exit */
	uint64_t captured;		/* since start */
	char sock_path[256];
};

/* photod_serve.c */
int photod_serve(struct photod *d);
void photod_audit(struct photod *d, const char *actor, const char *action,
		  const uint8_t *id, int result, const char *detail);
/* Send a reply; a client that has gone away is logged (debug) and otherwise ignored. */
int photod_reply(int fd, uint16_t type, const void *payload, size_t len);
/* Send an ERROR reply: code, the rule it cites ("" for none), a sentence. */
void photod_error(int fd, int code, const char *rule, const char *text);
/* Poll the signal fd without blocking; sets d->stopping on SIGTERM/SIGINT. */
void photod_check_signals(struct photod *d);

/* photod_capture.c */
int photod_camera_up(struct photod *d);
void photod_camera_down(struct photod *d);
void photod_capture(struct photod *d, int fd, const char *actor, uint32_t count);

#endif /* PHOTOD_H */
