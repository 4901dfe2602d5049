/*
 * server.h - what trust-server's files share: settings, the server's
 * runtime state, one connection, one HTTP request, and the functions each
 * file offers the others.  See trust-server(8) for the protocol and
 * README.md for the design.
 *
 * Threads: the main thread accepts, always; each connection runs on its
 * own thread, which owns its TLS context, parser and request.  Until its
 * handshake is done a connection counts against the handshake budget
 * (hs_conns in all, hs_per_addr per source address; over hs_conns the
 * oldest handshake of the address holding the most is evicted);
 * after it, against max_conns: unauthenticated peers never hold a slot a
 * device needs.  Shared state is the ledger (its own mutex), the registry
 * lookups (their own mutex), the per-device connection table and the
 * commit lock (this struct's mutexes).
 */
#ifndef TRUST_SERVER_H
#define TRUST_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <http_parser.h>
#include <mbedtls/md.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "tc_err.h"
#include "tc_receipt.h"
#include "tc_seal.h"
#include "tc_sha256.h"

#define SRV_MAX_LISTEN 4
#define SRV_ID_MAX TC_RECEIPT_ID_MAX	/* device id "D-" + 16 hex, incl. NUL */
#define SRV_URL_MAX 256
#define SRV_HEADER_BYTES_MAX 8192	/* request line + every header field and value */
#define SRV_HEADERS_MAX 48
#define SRV_IO_BUF (16 * 1024)		/* one TLS record of plaintext */

/* Settings: from the command line, never changed after start. */
struct srv_settings {
	const char *data_dir, *trust_dir, *user, *passfile;
	const char *listen[SRV_MAX_LISTEN];
	unsigned n_listen;
	uint64_t max_object;		/* largest Upload-Length accepted */
	uint64_t quota;			/* bytes per device: held objects + partials */
	uint64_t partial_ttl_s;		/* a partial untouched this long is dropped; 0 never */
	uint64_t sweep_s;		/* every device's partials swept this often; 0 at start-up only */
	uint64_t audit_max;		/* largest audit segment body */
	unsigned max_conns, device_conns;
	unsigned hs_conns, hs_per_addr;	/* the handshake budget */
	unsigned handshake_ms, idle_ms, header_ms, body_ms, send_ms;
	const char *enrol_listen;	/* -e: the enrol listener (no client certificate), or NULL */
	unsigned enrol_max;		/* pending enrolment requests held */
	unsigned enrol_conns;		/* connections on the enrol listener at once */
};

struct ledger;
struct registry_lookup;

struct srv {
	struct srv_settings set;

	/* TLS: loaded once before the privilege drop, read-only afterwards */
	mbedtls_ssl_config tls_conf;
	mbedtls_ssl_config enrol_conf;	/* the enrol listener's: no client certificate asked */
	mbedtls_x509_crt ca, cert;
	mbedtls_pk_context key;
	uint8_t *receipt_key;		/* TC_P256_PRIV_LEN bytes, tc_secure_alloc */

	/* storage */
	int data_fd, objects_fd, partial_fd, audit_fd, trust_fd;
	int enrol_fd;			/* DATA/enrol: pending enrolment requests */
	struct ledger *ledger;
	struct registry_lookup *reg;

	/* runtime */
	int listen_fd[SRV_MAX_LISTEN + 1];
	bool listen_anon[SRV_MAX_LISTEN + 1];	/* the enrol listener */
	unsigned n_listen_fd;
	unsigned n_anon;		/* enrol-listener connections past the handshake */
	int stop_fd;			/* eventfd, readable once SIGTERM arrived */
	int slot_fd;			/* eventfd, a connection ended */
	pthread_mutex_t lock;		/* active, devices, hs list, the counters */
	pthread_cond_t idle;
	pthread_cond_t auth_free;	/* CLOCK_MONOTONIC: an n_auth slot came free, or stopping */
	unsigned active;		/* connection threads */
	unsigned n_auth;		/* of them past the handshake (<= max_conns) */
	unsigned n_hs;			/* in the handshake list */
	struct conn *hs_old, *hs_new;	/* handshaking connections, oldest first */
	uint64_t n_hs_refused, n_hs_evicted;	/* since the last summary line */
	uint64_t hs_logged_us;
	struct { char id[SRV_ID_MAX]; unsigned n; } *devices;	/* max_conns slots */
	pthread_mutex_t commit_lock;	/* object publish + ledger row, one at a time */
	uint64_t n_receipts, n_refused;
	int stopping;			/* set once, by the main thread on SIGTERM */
};

/* The routes a request can take. */
enum route {
	ROUTE_NONE = 0,
	ROUTE_PHOTO,			/* /v1/photos/<32 hex> */
	ROUTE_AUDIT,			/* /v1/audit */
	ROUTE_POLICY,			/* /v1/policy */
	ROUTE_FIRMWARE,			/* /v1/firmware?board=<board> */
	ROUTE_ENROL,			/* /v1/enrol (enrol listener only) */
	ROUTE_ENROL_ID,			/* /v1/enrol/<device id> (enrol listener only) */
};

#define ENROL_CSR_MAX 4096		/* a device CSR is about 500 bytes of PEM */

/* What we answer; body points at body_own or at static/request memory. */
struct resp {
	int status;
	char headers[512];		/* extra header lines, each ending in CRLF */
	size_t headers_len;
	const char *content_type;
	const uint8_t *body;
	size_t body_len;
	uint8_t *body_own;		/* tc_free'd after sending */
	int body_fd;			/* -1, or a file whose bytes [fd_off, +fd_len) are the body */
	uint64_t fd_off, fd_len;
	bool close;
};

/* Partial-file state of one PUT/PATCH (upload.c). */
struct upload {
	int dir_fd;			/* partial/<device>/ */
	int fd;				/* <photo>.part, flock'ed */
	char name[48];
	uint64_t held;			/* bytes in the file */
	uint64_t length;		/* Upload-Length */
	uint8_t want[TC_SHA256_LEN];	/* Content-Digest */
	struct tc_sha256 md;		/* SHA-256 of bytes [0, held) */
	bool md_ready;
	uint64_t wb_started;		/* writeback started up to here */
	uint64_t dropped;		/* written back and dropped from the page cache up to here */
};

struct req {
	/* parsing (http.c) */
	char url[SRV_URL_MAX];
	size_t url_len, header_bytes;
	unsigned n_headers;
	char field[64], value[512];
	size_t field_len, value_len;
	bool field_long, value_long;
	int last_cb;			/* 0 none, 1 field, 2 value */
	/* the headers this server reads */
	bool has_offset, has_length, has_digest, has_clen, has_te, dup;
	unsigned n_host;		/* Host field lines (RFC 9112: exactly one) */
	bool obs_fold;			/* a header line folded onto the next */
	char agent[80];			/* User-Agent, sanitized and bounded */
	bool expect_continue;		/* Expect: 100-continue */
	uint64_t upload_offset, upload_length, content_length;
	uint8_t digest[TC_SHA256_LEN];
	bool has_range, has_release;	/* Range: bytes=N-, Firmware-Release: R (GET /v1/firmware) */
	uint64_t running_release;	/* Trustcam-Release: what the device runs, 0 if not said */
	uint64_t range_start, want_release;
	int bad;			/* non-zero: answer this status */
	/* routing */
	unsigned method;
	enum route route;
	uint8_t photo_id[TC_PHOTO_ID_LEN];
	char photo_hex[2 * TC_PHOTO_ID_LEN + 1];
	char board[32];			/* ROUTE_FIRMWARE: tc_update_valid_board */
	char enrol_id[SRV_ID_MAX];	/* ROUTE_ENROL_ID */
	uint8_t enrol_proof[80];	/* Enrol-Proof: a signature by the device's key (tc_enrol.h) */
	size_t enrol_proof_len;		/* 0: none */
	bool has_proof;
	bool started;			/* a request's first byte was parsed */
	bool complete;			/* on_message_complete seen */
	bool begun;			/* the handler's begin ran and took the body */
	/* handler state */
	int mode;			/* api_photos: what the body is for */
	struct upload up;
	uint8_t *body;			/* api_audit: the segment */
	size_t body_len;
	struct resp resp;
};

struct conn {
	struct srv *s;
	int fd;
	char peer[64];			/* "addr:port" for logs */
	uint8_t addr[16];		/* source address (IPv6: its /64) for hs_per_addr */
	struct conn *hs_prev, *hs_next;	/* in the handshake list (s->lock) */
	unsigned hs_same;		/* handshakes listed from addr, this one too (s->lock) */
	bool in_hs, auth_counted;
	bool anon;			/* from the enrol listener: no certificate, no device */
	bool anon_counted;
	int evicted;			/* atomic: the main thread cut our handshake */
	mbedtls_ssl_context ssl;
	bool ssl_ready;
	uint64_t deadline;		/* monotonic µs: the current phase's limit */
	bool abandon_on_stop;		/* waiting for a request: SIGTERM ends us */
	char device[SRV_ID_MAX];	/* certificate CN, set by the verify callback */
	int device_rc;			/* 0, or why the verify callback refused */
	bool device_counted;
	bool established;		/* handshake done: watch the record layer */
	bool renegotiation;		/* the client tried to renegotiate */
	uint8_t rec_hdr[5];		/* the TLS record header being read */
	size_t rec_have, rec_left;
	http_parser parser;
	const uint8_t *feed_start;	/* the buffer http_feed is parsing */
	uint8_t feed_prev;		/* the last byte of the buffer fed before it */
	unsigned n_requests;		/* requests begun on this connection */
	bool send_failed;		/* a send failed or timed out: send no more */
	struct req req;
	uint8_t in[SRV_IO_BUF];
	size_t in_off, in_len;
};

/* Responses (http.c).  set_error: a short plain-text reason as the body. */
void resp_set(struct resp *r, int status, bool close);
void resp_header(struct resp *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void resp_text(struct resp *r, int status, bool close, const char *text);
/* A body kept whole in memory (an audit segment, a CSR): room for len bytes
 * and a NUL (500 answered when there is none), then each piece appended. */
int req_body_alloc(struct req *r, size_t len) TC_MUST_CHECK;
int req_body_append(struct req *r, const uint8_t *buf, size_t len) TC_MUST_CHECK;

/* http.c: the parser and its limits. */
void http_setup(struct conn *c);
void http_req_reset(struct conn *c);
/* Feed plaintext; returns bytes consumed or -1 with c->req.resp set to an error. */
long http_feed(struct conn *c, const uint8_t *buf, size_t len);
int http_send_response(struct conn *c) TC_MUST_CHECK;
/*
 * Parse and answer the plaintext buffered in c->in[in_off, in_len): each
 * request complete in it is handled and answered in turn.  0 when it is
 * all used and the connection goes on, -1 when the connection has to end
 * (an error answered, Connection: close, a failed write).  conn.c calls
 * it after each TLS read; the fuzz harnesses call it without TLS.
 */
int http_consume(struct conn *c) TC_MUST_CHECK;
/* A request cut off mid-body: its handler lets go of what it held. */
void http_abort_request(struct conn *c);

/* conn.c: the connection thread and its deadline-bound I/O. */
void *conn_main(void *arg);
int conn_write(struct conn *c, const void *buf, size_t len) TC_MUST_CHECK;
void conn_touch_body(struct conn *c);
/*
 * Ask the registry again whether c's device may go on (it may have been
 * revoked since the handshake); if not, c->req.resp is the refusal (403,
 * or 503 when the registry cannot be read) and closes the connection.
 */
bool conn_device_allowed(struct conn *c, const char *when) TC_MUST_CHECK;

/* daemon.c: privilege drop (-u), background when ready (-b), flock'ed pid file (-P). */
int srv_drop_privileges(struct srv *s) TC_MUST_CHECK;

/* tls.c: init (nothing to fail), setup (files and config), teardown. */
void tls_init(struct srv *s);
int tls_setup(struct srv *s) TC_MUST_CHECK;
void tls_teardown(struct srv *s);
/* Handshake c under its deadline; identity and registry check included. */
int tls_accept(struct conn *c) TC_MUST_CHECK;

/* Handlers (api_*.c): begin after the headers, body per piece, end when complete. */
int photo_begin(struct conn *c) TC_MUST_CHECK;
int photo_body(struct conn *c, const uint8_t *buf, size_t len) TC_MUST_CHECK;
void photo_end(struct conn *c);
void photo_abort(struct conn *c);
int audit_begin(struct conn *c) TC_MUST_CHECK;
int audit_body(struct conn *c, const uint8_t *buf, size_t len) TC_MUST_CHECK;
void audit_end(struct conn *c);
void audit_abort(struct conn *c);
/* Always answers at the headers (returns non-zero): GET/HEAD have no body. */
int policy_begin(struct conn *c) TC_MUST_CHECK;
/* api_firmware.c: GET/HEAD /v1/firmware?board=B, answered at the headers (always -1). */
int firmware_begin(struct conn *c) TC_MUST_CHECK;

/*
 * api_enrol.c: POST /v1/enrol (a CSR) and GET /v1/enrol/<id> (the answer
 * trustadm published), on the enrol listener only.  enrol_open at start.
 */
int enrol_open(struct srv *s) TC_MUST_CHECK;
int enrol_begin(struct conn *c) TC_MUST_CHECK;
int enrol_body(struct conn *c, const uint8_t *buf, size_t len) TC_MUST_CHECK;
void enrol_end(struct conn *c);
/* GET: answered at the headers (always -1). */
int enrol_answer(struct conn *c) TC_MUST_CHECK;

/* upload.c: the partial file of one photo. */
int upload_open(struct srv *s, const char *dev, const char *hex, struct upload *u) TC_MUST_CHECK;
int upload_start(struct upload *u, bool restart, uint64_t offset) TC_MUST_CHECK;
int upload_write(struct upload *u, const uint8_t *buf, size_t len) TC_MUST_CHECK;
int upload_sync(struct upload *u) TC_MUST_CHECK;
int upload_check(struct upload *u, const uint8_t photo_id[TC_PHOTO_ID_LEN]) TC_MUST_CHECK;
int upload_publish(struct srv *s, const char *dev, const char *hex, struct upload *u)
	TC_MUST_CHECK;
void upload_unpublish(struct srv *s, const char *dev, const char *hex, struct upload *u);
void upload_discard(struct upload *u);
void upload_close(struct upload *u);
/*
 * Bytes in dev's partial files other than hex's (NULL: all of them), for
 * the quota; partials past partial-ttl are expired on the way.
 */
int upload_partial_bytes(struct srv *s, const char *dev, const char *hex, uint64_t *bytes)
	TC_MUST_CHECK;
/* Expire every device's partials past partial-ttl (at start-up). */
int upload_expire_all(struct srv *s) TC_MUST_CHECK;
/* HEAD: bytes held in the partial file, -ENOENT if there is none. */
int upload_peek(struct srv *s, const char *dev, const char *hex, uint64_t *held) TC_MUST_CHECK;

/* storage.c: the data directory. */
int storage_open(struct srv *s) TC_MUST_CHECK;
void storage_close(struct srv *s);
/* parent/<dev> as a private directory (created if create); an fd or negative. */
int storage_subdir(int parent_fd, const char *name, bool create) TC_MUST_CHECK;
int storage_reconcile(struct srv *s) TC_MUST_CHECK;

/* ledger.c (SQLite, WAL, synchronous=FULL). */
struct ledger_photo {
	uint64_t seq, size, received_us;
	uint8_t digest[TC_SHA256_LEN];
	uint8_t receipt[TC_RECEIPT_MAX];
	size_t receipt_len;
};
int ledger_open(struct ledger **out, int data_fd, const char *data_dir) TC_MUST_CHECK;
void ledger_close(struct ledger *l);
/* 0 and *out, or TC_E_NOT_FOUND. */
int ledger_find(struct ledger *l, const char *dev, const char *hex, struct ledger_photo *out)
	TC_MUST_CHECK;
/*
 * 1 and *other if the ledger holds photo hex for a device other than
 * dev (a photo id belongs to one device), 0 if not, negative on error.
 */
int ledger_owner(struct ledger *l, const char *dev, const char *hex, char other[SRV_ID_MAX])
	TC_MUST_CHECK;
int ledger_device_bytes(struct ledger *l, const char *dev, uint64_t *bytes) TC_MUST_CHECK;
/*
 * Commit a row and sign its receipt inside one transaction: the receipt
 * names the row's own sequence and commit time.  TC_E_EXISTS (and *out
 * = the stored row) if the photo is already in the ledger.
 */
int ledger_commit(struct ledger *l, const char *dev, const char *hex, const uint8_t *photo_id,
		  const uint8_t digest[TC_SHA256_LEN], uint64_t size, const uint8_t *receipt_key,
		  struct ledger_photo *out) TC_MUST_CHECK;
int ledger_audit_head(struct ledger *l, const char *dev, uint64_t *seq,
		      uint8_t hash[TC_SHA256_LEN]) TC_MUST_CHECK;
int ledger_audit_advance(struct ledger *l, const char *dev, uint64_t first, uint64_t last,
			 uint64_t count, const uint8_t hash[TC_SHA256_LEN], const char *file)
	TC_MUST_CHECK;
/* What the device's syncd says it runs (its version, its release; 0: not known). */
int ledger_device_firmware(struct ledger *l, const char *dev, const char *version,
			   uint64_t release) TC_MUST_CHECK;
typedef int (*ledger_photo_fn)(void *ctx, const char *dev, const char *hex, uint64_t size);
int ledger_foreach(struct ledger *l, ledger_photo_fn fn, void *ctx) TC_MUST_CHECK;
int ledger_has(struct ledger *l, const char *dev, const char *hex) TC_MUST_CHECK;

/* registry_lookup.c: the only code that knows how the registry says it. */
int registry_lookup_open(struct srv *s) TC_MUST_CHECK;
void registry_lookup_close(struct srv *s);
/* 0 if dev is enrolled and active; TC_E_REVOKED if revoked or unknown. */
int registry_device_allowed(struct srv *s, const char *dev) TC_MUST_CHECK;
/* 1 if the registry has dev (enrolled or revoked), 0 if not, negative on error. */
int registry_device_known(struct srv *s, const char *dev) TC_MUST_CHECK;
/* The newest policy version trustadm issued for dev (0: none). */
int registry_newest_policy(struct srv *s, const char *dev, uint64_t *version) TC_MUST_CHECK;

/* accept.c: the accept loop, the per-device connection cap, stopping. */
bool srv_stopping(struct srv *s);
/* "127.0.0.1:8443", "[::1]:8443": a listening non-blocking socket or negative. */
int srv_listen(const char *spec) TC_MUST_CHECK;
/* Accept until signal_fd (SIGTERM, SIGINT) is readable. */
void srv_serve(struct srv *s, int signal_fd);
/* Stop accepting, wake every connection, return when the last has ended. */
void srv_stop(struct srv *s);
/* Leave the handshake budget: false if we were evicted meanwhile. */
bool srv_hs_leave(struct conn *c);
/*
 * Take one of the max_conns slots of authenticated connections, waiting
 * for one up to deadline (monotonic µs); false if none came free or the
 * server is stopping.
 */
bool srv_auth_enter(struct srv *s, uint64_t deadline);
void srv_auth_leave(struct srv *s);
bool srv_device_enter(struct srv *s, const char *dev);
/* One of the enrol-conns slots of the enrol listener; false when all are taken. */
bool srv_anon_enter(struct srv *s);
void srv_anon_leave(struct srv *s);
void srv_device_leave(struct srv *s, const char *dev);

#endif /* TRUST_SERVER_H */
