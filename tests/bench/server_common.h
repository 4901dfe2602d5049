/*
 * server_common.h - what the trust-server benchmarks share: a throwaway
 * Trust (trustadm) with enrolled devices, sealed objects (tc_mkobj), the
 * server itself (-b, so it serves when started), clients (tc_client) and
 * the baselines (the raw TLS link: tc_tlssink + tc_client push; the
 * minimal correct receiver and sender: tc_tlssink -D + tc_client send),
 * and the CPU time of each process involved, all on loopback in
 * a temp directory under $TMPDIR.  Programs come from $TC_BIN and the
 * test tools beside it, as `make bench` builds them.
 */
#ifndef TC_SERVER_COMMON_H
#define TC_SERVER_COMMON_H

#include <stdint.h>
#include <sys/types.h>

struct bsrv {
	char dir[256];		/* the temp directory */
	char bin[1024], tools[1024];
	unsigned port;
	pid_t pid;		/* the server */
};

/* Temp dir, a Trust with n_devices enrolled devices d1..dN. */
int bsrv_setup(struct bsrv *b, unsigned n_devices);
/* n objects of size bytes in dir/NAME, with NAME.man (tc_mkobj's manifest). */
int bsrv_objects(struct bsrv *b, const char *name, unsigned n, unsigned long size);
/* The total of the sizes in manifest (a tc_mkobj manifest in the temp dir) into *bytes. */
int bsrv_manifest_bytes(struct bsrv *b, const char *manifest, double *bytes);
/* trust-server on a free loopback port; extra: more options ("" for none). */
int bsrv_start(struct bsrv *b, const char *extra);
void bsrv_stop(struct bsrv *b);
/* Peak RSS of the server so far (VmHWM), MiB; < 0 on error. */
double bsrv_peak_rss_mib(const struct bsrv *b);

/*
 * Start device dev's tc_client uploading files (a shell glob relative to
 * the temp dir) with conns connections, knowing their digests from the
 * manifest; returns a stream whose last line is "elapsed S".
 */
int bsrv_upload_start(struct bsrv *b, unsigned dev, const char *manifest, const char *files,
		      unsigned conns, int *fd_out, pid_t *pid_out);
/* Wait for a client started above; its elapsed seconds, or < 0 on failure. */
double bsrv_upload_wait(int fd, pid_t pid);
/* The same, with the client's CPU seconds (user + system, getrusage) into *cpu_s. */
double bsrv_client_wait(int fd, pid_t pid, double *cpu_s);
/* CPU seconds (user + system) the server has used so far; < 0 on error. */
double bsrv_server_cpu_s(const struct bsrv *b);

/*
 * The minimal job: device d1's minimal sender (tc_client send) sends
 * files (a shell glob relative to the temp dir) over conns connections
 * to a minimal receiver (tc_tlssink -D) storing into a fresh sink/
 * directory, removed after.  Elapsed seconds (the sender's), or < 0 on
 * failure (message printed); the CPU seconds (getrusage) of the sender
 * and the receiver into *tx_cpu and *rx_cpu unless NULL.
 */
double bsrv_minimal(struct bsrv *b, const char *files, unsigned conns, double *tx_cpu,
		    double *rx_cpu);
/* Raw TLS: push bytes from a client to tc_tlssink; elapsed seconds or < 0. */
double bsrv_raw_push(struct bsrv *b, uint64_t bytes);
/* Remove the temp directory. */
void bsrv_cleanup(struct bsrv *b);

#endif /* TC_SERVER_COMMON_H */
