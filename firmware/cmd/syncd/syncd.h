/*
 * syncd.h - syncd's state, shared by its files.  Private.
 *
 *   syncd.c          main(): defaults, parse, set up, drop privileges, run, tear down
 *   syncd_serve.c    the main loop: dock events, camctl requests, back-off timer
 *   syncd_prov.c     the device's identity, Trust CA and verified policy (read-only)
 *   syncd_link.c     one mutual-TLS HTTP/1.1 connection to trust-server
 *   syncd_pass.c     one sync pass: upload oldest first, receipts, audit, policy
 *   syncd_report.c   audit log upload and policy fetch at the end of a pass
 *   syncd_upload.c   one photo: size check, HEAD, resumable PUT/PATCH; then its receipt check
 *   syncd_delete.c   the deleter thread (secure delete after receipt, overlapped)
 *   syncd_update.c   firmware updates after a good pass: fetch, verify, hand to RAUC
 *   syncd_enrol.c    enrolment at the dock while unprovisioned (pinned CA and URL)
 *
 * Threads: the main thread serves the socket and watches the dock; the
 * pass thread runs sync passes; the deleter thread deletes receipted
 * photos fed by a queue.  Each thread that touches the store has its own
 * handle.  The status block is under d->mu.
 */
#ifndef SYNCD_H
#define SYNCD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "syncd_proto.h"
#include "tc_audit.h"
#include "tc_dock.h"
#include "tc_keystore.h"
#include "tc_policy.h"
#include "tc_receipt.h"
#include "tc_store.h"

struct syncd_settings {
	const char *state_dir;		/* shared with photod: keys/, audit/, store/, provision/, sync/ */
	const char *run_dir;		/* syncd.sock; photod.sock for policy updates */
	const char *sysfs;		/* dock driver root, NULL: default */
	enum tc_dock_mode dock_mode;	/* -D, default from Kconfig */
	const char *user;
	int timeout_ms;			/* every network read */
	const char *rauc;		/* --rauc: the rauc program (info, install) */
	const char *release_file;	/* --release-file: the running image's release */
	const char *boot_file;		/* --boot-confirmed: a trial boot counts once it exists */
	const char *enrol_dir;		/* --enrol-dir: the image's enrolment pins (syncd_enrol.c) */
};

/* What the pass thread reads from STATE/provision at the start of a pass. */
struct syncd_prov {
	char device_id[TC_POLICY_ID_MAX];
	char *ca_pem;			/* heap */
	uint8_t *cert;			/* device.crt, heap, NUL-terminated */
	size_t cert_len;
	struct tc_policy *policy;
	struct tc_receipt_key *receipt_key;	/* the policy's, loaded once a pass */
	uint64_t high_water;
};

#define SYNCD_QUEUE 64
#define SYNCD_NOTES 64		/* sync.receipt entries held for one audit write */

struct syncd_note {
	uint8_t id[TC_PHOTO_ID_LEN];
	char detail[TC_AUDIT_DETAIL_MAX];
};

struct syncd {
	struct syncd_settings set;
	struct tc_keystore *ks;
	struct tc_audit *audit;
	struct tc_store *store;		/* the pass thread's */
	struct tc_store *dstore;	/* the deleter thread's */
	uint8_t *keys;			/* locked: store MAC key, audit key */
	struct tc_dock *dock;
	int listen_fd, signal_fd, state_fd, wake_fd;	/* wake_fd: eventfd, pass done */
	int arrive_fd;			/* dock mode always: inotify on store/objects, else -1 */
	char sock_path[256];
	volatile bool stopping;

	pthread_mutex_t mu;
	pthread_cond_t cv;		/* pass requested / stopping */
	struct syncd_status st;		/* under mu */
	uint64_t requested;		/* passes requested (the pass thread runs up to this) */
	atomic_bool abort_pass;		/* undock or stop: give up the pass in flight */
	uint64_t backoff_ms;		/* current back-off; 0 after a good pass */
	uint64_t retry_mono_us;		/* 0: no retry scheduled */
	uint64_t pass_mono_us;		/* when the pass in flight began */
	int sync_fd;			/* STATE/sync: syncd's own small files */
	bool pass_revoked;		/* pass thread: a request of this pass got 403 (revoked) */
	int update_fd;			/* STATE/update: firmware bundles (syncd_update.c) */
	const char *enrol_said;		/* pass thread: the enrolment answer last audited */
	bool boot_trial;		/* pass thread: an installed release runs, not yet confirmed */

	/* deleter queue, under dmu */
	pthread_mutex_t dmu;
	pthread_cond_t dcv;
	uint8_t q[SYNCD_QUEUE][TC_PHOTO_ID_LEN];
	unsigned qhead, qlen, busy;
	size_t dpending;		/* erased, waiting in the deleter's batch */
	bool dstop, dflush;		/* dflush: a waiter wants the batch finished now */
	uint64_t deleted;
	int del_err;			/* first delete error in this pass */
	/* sync.receipt audit entries not yet written, under dmu (syncd_note_receipt) */
	struct syncd_note notes[SYNCD_NOTES];
	size_t nnotes;
	pthread_mutex_t nmu;		/* one writer of notes at a time: entries keep their order */

	pthread_t pass_thr, del_thr;
};

/* The running image's release number (written by mkimage; absent: 0). */
#define SYNCD_RELEASE_FILE "/usr/lib/trustcam/release"

/* Back-off after a failed pass: doubles from MIN to MAX, each wait jittered 75..125 %. */
#define SYNCD_BACKOFF_MIN_MS 2000u
#define SYNCD_BACKOFF_MAX_MS (10u * 60u * 1000u)

enum { SYNCD_KEY_STORE = 0, SYNCD_KEY_AUDIT = TC_SECRET_LEN, SYNCD_KEYS_LEN = 2 * TC_SECRET_LEN };

/* syncd.c */
void syncd_audit(struct syncd *d, const char *action, const uint8_t *id, int result,
		 const char *detail);

/* syncd_serve.c */
/* ms: the main thread's own store handle (status counts). */
int syncd_serve(struct syncd *d, struct tc_store *ms);
/* Ask for a pass; returns the pass number that will satisfy it.  Takes mu. */
uint64_t syncd_request(struct syncd *d);
/* Wake the main loop (a pass ended: timers and waiters change). */
void syncd_wake(struct syncd *d);

/* syncd_prov.c */
int syncd_prov_load(struct syncd *d, struct syncd_prov *p) TC_MUST_CHECK;
void syncd_prov_free(struct syncd_prov *p);
/* Write STATE/provision/last-sync (decimal unix seconds) durably. */
int syncd_write_u64(int dirfd, const char *name, uint64_t v) TC_MUST_CHECK;
int syncd_read_u64(int dirfd, const char *name, uint64_t *v) TC_MUST_CHECK;
int syncd_read_file(int dirfd, const char *name, size_t cap, uint8_t **buf, size_t *len)
	TC_MUST_CHECK;

/* syncd_pass.c */
void *syncd_pass_thread(void *arg);
/* Record a failure's reason in the status (and the log). */
void syncd_fail(struct syncd *d, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add transferred bytes to the progress counters. */
void syncd_progress(struct syncd *d, uint64_t bytes, uint64_t photos);
/* R2 and the grace period: may a photo receipted at receipt_time_us be deleted now? */
bool syncd_delete_due(const struct tc_policy *pol, uint64_t receipt_time_us);

/* syncd_delete.c */
int syncd_delete_start(struct syncd *d) TC_MUST_CHECK;
void syncd_delete_stop(struct syncd *d);
/* Queue a receipted photo for secure delete (waits while the queue is full). */
void syncd_delete_queue(struct syncd *d, const uint8_t id[TC_PHOTO_ID_LEN]);
/*
 * Wait until the queue is empty, the deleter idle and its batch finished
 * (tc_store_delete_flush), and the receipt notes written; the first
 * delete error since the last wait.
 */
int syncd_delete_wait(struct syncd *d);
/*
 * Note a verified, recorded receipt for the audit log (sync.receipt,
 * detail).  The notes are written together, in one durable audit write:
 * before the deleter's next batch touches any wrap (so a photo's receipt
 * entry is in the log before the photo is erased), at the end of the pass
 * (syncd_delete_wait), and whenever SYNCD_NOTES wait.
 */
void syncd_note_receipt(struct syncd *d, const uint8_t id[TC_PHOTO_ID_LEN], const char *detail);

#endif /* SYNCD_H */
