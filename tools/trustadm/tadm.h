/*
 * tadm.h - what trustadm's command files share: the run's context,
 * error printing, the Trust directory, passphrases and secrets typed at
 * the terminal.  See trustadm(8).
 */
#ifndef TADM_H
#define TADM_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_trust_registry.h"

/* Exit statuses (trustadm(8), EXIT STATUS). */
enum { TADM_OK = 0, TADM_FAIL = 1, TADM_USAGE = 2 };

#define TADM_DEFAULT_DIR "trust"
#define TADM_PASS_ENV "TRUSTADM_PASSPHRASE"
#define TADM_DIR_ENV "TRUSTADM_DIR"
#define TADM_SRV_ENV "TRUSTADM_SERVER_DATA"
#define TADM_PASS_MIN 8		/* bytes, for a new passphrase at init */

struct sqlite3;
struct tadm_metaidx;

struct tadm {
	const char *dir;		/* the Trust directory */
	const char *cmd;		/* "enrol", "staff add", ... for messages */
	const char *passfile;		/* --passphrase-file */
	bool ask_pass;			/* --ask-passphrase: prompt at the terminal */
	char *pass;			/* tc_secure_alloc, once obtained; NULL: none */
	size_t passlen;
	int dirfd;			/* -1 until tadm_open */
	struct tc_registry *reg;
	const char *srvdir;		/* trust-server's data directory (-S), or NULL */
	int srvfd;			/* -1 until tadm_srv_open */
	struct sqlite3 *ledger;		/* read-only, NULL until tadm_srv_open */
	struct tadm_metaidx *idx;	/* the metadata index, NULL until first used */
};

/* Options every command accepts, for its getopt_long table and optstring. */
#define TADM_COMMON_OPTS \
	{ "dir", required_argument, NULL, 'd' }, \
	{ "passphrase-file", required_argument, NULL, 'P' }, \
	{ "ask-passphrase", no_argument, NULL, 'p' }, \
	{ "help", no_argument, NULL, 'h' }, \
	{ "server-data", required_argument, NULL, 'S' }
#define TADM_COMMON_SHORT "d:P:phS:"

/* One line on stderr: "trustadm: <cmd>: <message>". */
void tadm_err(const struct tadm *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print a usage line for the command and return TADM_USAGE. */
int tadm_usage(const struct tadm *a, const char *synopsis);
/* One sub-command of a command: "add" of "staff add". */
struct tadm_sub {
	const char *name;		/* "add" */
	const char *cmd;		/* "staff add", for messages */
	int (*fn)(struct tadm *a, int argc, char **argv);	/* argv[0] = name */
};
/* Run the sub-command argv[1] names from subs[0..n), or print synopsis: TADM_USAGE. */
int tadm_subcommand(struct tadm *a, int argc, char **argv, const char *synopsis,
		    const struct tadm_sub *subs, size_t n);
/*
 * Handle -d, -P, -p, -h and getopt's errors for a command.  Returns -1
 * if c was one of them and handled, TADM_USAGE for '?' or -h, 0 for a
 * command-specific option the caller handles.
 */
int tadm_common_opt(struct tadm *a, int c, const char *synopsis);
/* getopt_long over a command's argv (argv[0] is the command), reset first. */
int tadm_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts);

/* Open the Trust directory (private: 0700, ours, no symlink) and the registry. */
int tadm_open(struct tadm *a) TC_MUST_CHECK;
void tadm_close(struct tadm *a);

/*
 * The passphrase from --passphrase-file, TRUSTADM_PASSPHRASE or the
 * terminal (asked twice when confirm).  0 with a->pass set, 0 with
 * a->pass NULL when there is no source and prompt is false, or a
 * negative code (message printed).
 */
int tadm_passphrase(struct tadm *a, bool prompt, bool confirm) TC_MUST_CHECK;
/*
 * A private key file from the Trust directory, in tc_secure_alloc memory
 * (tc_secure_free it).  Gets the passphrase when the file is sealed.
 * Prints its own error.
 */
int tadm_load_key(struct tadm *a, const char *name, uint8_t **key, size_t *len) TC_MUST_CHECK;
/*
 * The CA's key (into key, initialised by the caller) and certificate
 * (*crt_pem, tc_malloc'd, NUL-terminated), checked to belong together.
 * Prints its own error.
 */
struct mbedtls_pk_context;
int tadm_load_ca(struct tadm *a, struct mbedtls_pk_context *key, char **crt_pem) TC_MUST_CHECK;
/* A public file from the Trust directory (certificate, public key), tc_malloc'd. */
int tadm_load_public(struct tadm *a, const char *name, size_t max, uint8_t **buf, size_t *len)
	TC_MUST_CHECK;
/* An input file named on the command line (symlinks followed), tc_malloc'd, NUL-terminated. */
int tadm_read_input(struct tadm *a, const char *path, size_t max, uint8_t **buf, size_t *len)
	TC_MUST_CHECK;
/*
 * An output file named on the command line, in two steps (output.c) so
 * that nothing is recorded for a file that cannot be written: open its
 * directory and check that this user may write there (before the
 * registry changes), then write path durably with mode (temp in the
 * same directory, fsync, rename).  Errors name the path and, for a
 * permission, the effective user.  *dfd is -1 when closed.
 */
int tadm_output_open(struct tadm *a, const char *path, int *dfd) TC_MUST_CHECK;
int tadm_output_write(struct tadm *a, int dfd, const char *path, const void *data, size_t len,
		      mode_t mode) TC_MUST_CHECK;


/*
 * A secret typed at the controlling terminal without echo (PINs,
 * passphrases); cap includes the NUL.  -ENOTTY when there is no
 * terminal, -E2BIG when longer than cap - 1.
 */
int tadm_read_secret(const char *prompt, char *buf, size_t cap) TC_MUST_CHECK;
/* One line from stdin without its newline; -E2BIG when too long. */
int tadm_read_stdin_line(char *buf, size_t cap) TC_MUST_CHECK;

/* "2026-11-25" (UTC) for a unix time; "-" for 0. */
void tadm_date(int64_t t, char *out, size_t len);
/* Unix seconds now. */
int64_t tadm_now(void);

int cmd_init(struct tadm *a, int argc, char **argv);
int cmd_enrol(struct tadm *a, int argc, char **argv);
/* enrol pending | approve ID ... | refuse ID (argv[0] = "enrol"): cmd_enrol_dock.c. */
int tadm_enrol_dock(struct tadm *a, int argc, char **argv);
int cmd_revoke(struct tadm *a, int argc, char **argv);
int cmd_devices(struct tadm *a, int argc, char **argv);
int cmd_staff(struct tadm *a, int argc, char **argv);
int cmd_event(struct tadm *a, int argc, char **argv);
int cmd_consent(struct tadm *a, int argc, char **argv);
int cmd_policy(struct tadm *a, int argc, char **argv);
/*
 * After a change that must reach devices at their next dock (staff
 * removed or re-PINned, a device revoked, a consent import): a fresh
 * policy for every active device that has had one, with the settings of
 * its last bundle, into policies/ where trust-server serves it.  Prints
 * a line per device (why says what changed); TADM_OK or TADM_FAIL.
 */
int tadm_policy_reissue(struct tadm *a, const char *why) TC_MUST_CHECK;
int cmd_audit(struct tadm *a, int argc, char **argv);
int cmd_review(struct tadm *a, int argc, char **argv);
int cmd_sar(struct tadm *a, int argc, char **argv);
/* `publish [DIR]` (cmd_publish.c): trust-server's share of the Trust into DIR. */
int cmd_publish(struct tadm *a, int argc, char **argv);
/*
 * After a command that changed the registry: publish again to the
 * recorded directory, if there is one.  TADM_OK or TADM_FAIL (printed).
 */
int tadm_publish_auto(struct tadm *a);
/* `firmware cert | sign DIR | list` (cmd_firmware.c): RAUC bundles, issue 17. */
int cmd_firmware(struct tadm *a, int argc, char **argv);
/* `audit verify DEVICE` (cmd_audit_verify.c). */
int tadm_audit_verify(struct tadm *a, const char *device);

#endif /* TADM_H */
