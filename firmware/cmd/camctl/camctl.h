/*
 * camctl.h - what camctl's files share.  Private.
 *
 *   camctl.c            main(), status, cameras, capture, list, discard, export
 *   camctl_session.c    login (PIN without echo), logout, events
 *   camctl_provision.c  provision request/install, policy install, wipe
 *   camctl_sync.c       sync (syncd's socket) and the sync section of status
 *   camctl_usb.c        usb-refused: the lockdown's USB refusals into photod's audit log
 */
#ifndef CAMCTL_H
#define CAMCTL_H

#include <stddef.h>
#include <stdint.h>

#include "tc_ipc.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_REFUSED = 3, EX_NODAEMON = 4 };

/* Every reply camctl may receive fits in this. */
union camctl_reply {
	unsigned char raw[TC_IPC_MAX_PAYLOAD];
	struct tc_msg_error e;
	struct tc_msg_ok ok;
	struct tc_msg_status s;
	struct tc_msg_camera c;
	struct tc_msg_photo p;
	struct tc_msg_end end;
	struct tc_msg_chunk ch;
	struct tc_msg_csr_end csr;
	struct tc_msg_event ev;
};

/* Print an ERROR reply; map it to an exit status (3 when it cites a rule). */
int camctl_report_error(const struct tc_msg_error *e, const char *what);
/*
 * Send a request to photod: 0 or the negative errno (reported).  A
 * connection photod closed is remembered, so camctl exits 4 (photod gone)
 * rather than 1, as camctl(1) says.
 */
int camctl_send(int fd, uint16_t type, const void *req, size_t len);
int camctl_send_fds(int fd, uint16_t type, const void *req, size_t len, const int *fds, size_t n);
/*
 * Receive the next reply of type a or b (or ERROR); 0 or EX_FAIL
 * (reported; a photod gone is remembered as for camctl_send).
 */
int camctl_expect(int fd, uint16_t *type, union camctl_reply *u, uint16_t a, uint16_t b);
/* Send req (no payload beyond len), expect OK or ERROR, print the OK's text. */
int camctl_simple(int fd, uint16_t type, const void *req, size_t len, const char *what);
void camctl_fmt_time(uint64_t secs, char *out, size_t len);
/* one when n is 1, else many: "1 photo", "2 photos", "0 photos". */

/* camctl_session.c: argv after the command word. */
int camctl_login(int fd, int argc, char **argv);
int camctl_logout(int fd, int argc, char **argv);
int camctl_event(int fd, int argc, char **argv);
/* Usage checks that need no photod (exit 2 before connecting). */
int camctl_login_usage(int argc, char **argv);
int camctl_event_usage(int argc, char **argv);

/* camctl_provision.c */
int camctl_provision(int fd, int argc, char **argv);
int camctl_policy(int fd, int argc, char **argv);
int camctl_wipe(int fd, int argc, char **argv);
int camctl_provision_usage(int argc, char **argv);
int camctl_policy_usage(int argc, char **argv);
int camctl_wipe_usage(int argc, char **argv);

/* camctl_usb.c */
int camctl_usb_refused(int fd, int argc, char **argv);
int camctl_usb_usage(int argc, char **argv);

/* camctl_sync.c */
int camctl_sync(const char *run_dir, int argc, char **argv);
int camctl_sync_usage(int argc, char **argv);
/* The sync lines of camctl status ("syncd is not running" if so). */
void camctl_sync_status(const char *run_dir);

#endif /* CAMCTL_H */
