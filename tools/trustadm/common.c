/*
 * common.c - trustadm's shared plumbing (see tadm.h): option handling,
 * opening the Trust directory, passphrases, key loading, secrets typed
 * without echo, durable output files.
 *
 * Secrets (passphrases, PINs) are read with read(2) a byte at a time,
 * never through stdio, so no libc buffer keeps a copy; they live in
 * tc_secure_alloc memory or are wiped by the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/x509_crt.h>
#include <sqlite3.h>

#include "tadm.h"
#include "tadm_metaidx.h"
#include "tc_io.h"
#include "tc_mbedtls_compat.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_trust_key.h"

void
tadm_err(const struct tadm *a, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (a && a->cmd)
		fprintf(stderr, "trustadm: %s: %s\n", a->cmd, msg);
	else
		fprintf(stderr, "trustadm: %s\n", msg);
}

int
tadm_usage(const struct tadm *a, const char *synopsis)
{
	(void)a;
	fprintf(stderr, "usage: trustadm [-d dir] %s\n", synopsis);
	return TADM_USAGE;
}

int
tadm_subcommand(struct tadm *a, int argc, char **argv, const char *synopsis,
		const struct tadm_sub *subs, size_t n)
{
	size_t i;

	if (argc < 2)
		return tadm_usage(a, synopsis);
	optind = 0;	/* the sub-command parses its own options */
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], subs[i].name) == 0) {
			a->cmd = subs[i].cmd;
			return subs[i].fn(a, argc - 1, argv + 1);
		}
	return tadm_usage(a, synopsis);
}

int
tadm_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts)
{
	return getopt_long(argc, argv, shortopts, longopts, NULL);
}

int
tadm_common_opt(struct tadm *a, int c, const char *synopsis)
{
	switch (c) {
	case 'd':
		a->dir = optarg;
		return -1;
	case 'P':
		a->passfile = optarg;
		return -1;
	case 'p':
		a->ask_pass = true;
		return -1;
	case 'S':
		a->srvdir = optarg;
		return -1;
	case 'h':
		printf("usage: trustadm [-d dir] %s\n", synopsis);
		return TADM_OK;
	default:
		return tadm_usage(a, synopsis);
	}
}

int
tadm_open(struct tadm *a)
{
	int rc;

	/* A command that runs others (enrol approve: enrol, then policy issue) opens once. */
	if (a->reg && a->dirfd >= 0)
		return 0;
	a->dirfd = tc_open_private_dir(a->dir, 0);
	if (a->dirfd < 0) {
		rc = a->dirfd;
		a->dirfd = -1;
		if (rc == -ENOENT)
			tadm_err(a, "no Trust directory at %s (make one with 'trustadm init %s', "
				 "or name it with -d DIR)", a->dir, a->dir);
		else if (rc == TC_E_UNSAFE_PATH)
			tadm_err(a, "%s must be a directory owned by this user with mode 0700 "
				 "(not a symlink)", a->dir);
		else
			tadm_err(a, "%s: %s", a->dir, tc_strerror(rc));
		return rc;
	}
	rc = tc_registry_open(&a->reg, a->dir, false);
	if (rc == -ENOENT)
		tadm_err(a, "%s is not a Trust directory (no %s)", a->dir, TC_REGISTRY_FILE);
	else if (rc == TC_E_SCHEMA)
		tadm_err(a, "%s/%s was written by a newer trustadm", a->dir, TC_REGISTRY_FILE);
	else if (rc != 0)
		tadm_err(a, "%s/%s: cannot open the registry: %s", a->dir, TC_REGISTRY_FILE,
			 tc_strerror(rc));
	return rc;
}

void
tadm_close(struct tadm *a)
{
	tadm_metaidx_close(a);
	tc_registry_close(a->reg);
	a->reg = NULL;
	sqlite3_close_v2(a->ledger);
	a->ledger = NULL;
	if (a->srvfd >= 0)
		close(a->srvfd);
	a->srvfd = -1;
	if (a->dirfd >= 0)
		close(a->dirfd);
	a->dirfd = -1;
	tc_secure_free(a->pass);
	a->pass = NULL;
	a->passlen = 0;
}

/* The passphrase is the file's first line, without its "\n" or "\r\n". */
static int
pass_from_file(struct tadm *a, char *buf, size_t cap, size_t *n)
{
	int fd = open(a->passfile, O_RDONLY | O_CLOEXEC);
	char *nl;
	int rc;

	if (fd < 0) {
		rc = -errno;
		tadm_err(a, "%s: %s", a->passfile, strerror(errno));
		return rc;
	}
	rc = tc_read_full(fd, buf, cap - 1, n);
	close(fd);
	if (rc != 0) {
		tadm_err(a, "%s: %s", a->passfile, tc_strerror(rc));
		return rc;
	}
	buf[*n] = 0;
	nl = memchr(buf, '\n', *n);
	if (nl) {
		*nl = 0;
		*n = (size_t)(nl - buf);
	} else if (*n == cap - 1) {
		*n = cap;	/* no line end within the limit: too long */
	}
	if (*n && *n <= cap - 1 && buf[*n - 1] == '\r')
		buf[--*n] = 0;
	if (*n > TC_PASSPHRASE_MAX) {
		tadm_err(a, "%s: a passphrase is at most %d bytes", a->passfile, TC_PASSPHRASE_MAX);
		return -E2BIG;
	}
	return 0;
}

int
tadm_passphrase(struct tadm *a, bool prompt, bool confirm)
{
	const size_t cap = TC_PASSPHRASE_MAX + 3;	/* the passphrase, "\r\n", NUL */
	const char *env = getenv(TADM_PASS_ENV);
	char *buf, *again = NULL;
	size_t n = 0;
	int rc = 0;

	if (a->pass)
		return 0;
	if (!a->passfile && !(env && env[0]) && !prompt && !a->ask_pass)
		return 0;
	buf = tc_secure_alloc(cap);
	if (!buf)
		return -ENOMEM;
	if (a->passfile) {
		rc = pass_from_file(a, buf, cap, &n);
	} else if (env && env[0]) {
		n = tc_strlcpy(buf, env, cap);
		if (n > TC_PASSPHRASE_MAX) {
			tadm_err(a, "%s: a passphrase is at most %d bytes", TADM_PASS_ENV,
				 TC_PASSPHRASE_MAX);
			rc = -E2BIG;
		}
	} else {
		rc = tadm_read_secret("Passphrase: ", buf, cap);
		if (rc == 0 && confirm) {
			again = tc_secure_alloc(cap);
			rc = again ? tadm_read_secret("Passphrase again: ", again, cap) : -ENOMEM;
			if (rc == 0 && strcmp(buf, again) != 0) {
				tadm_err(a, "the passphrases do not match");
				rc = -EINVAL;
			}
		}
		n = strlen(buf);
		if (rc == 0 && n > TC_PASSPHRASE_MAX)
			rc = -E2BIG;
		if (rc == -ENOTTY)
			tadm_err(a, "no terminal to ask for the passphrase: use --passphrase-file "
				 "FILE or %s", TADM_PASS_ENV);
		else if (rc == -E2BIG)
			tadm_err(a, "a passphrase is at most %d bytes", TC_PASSPHRASE_MAX);
		else if (rc != 0 && rc != -EINVAL)
			tadm_err(a, "cannot read the passphrase: %s", tc_strerror(rc));
	}
	if (rc == 0 && n == 0) {
		tadm_err(a, "the passphrase is empty");
		rc = -EINVAL;
	}
	tc_secure_free(again);
	if (rc != 0) {
		tc_secure_free(buf);
		return rc;
	}
	a->pass = buf;
	a->passlen = n;
	return 0;
}

int
tadm_load_key(struct tadm *a, const char *name, uint8_t **key, size_t *len)
{
	int sealed = tc_trust_key_sealed(a->dirfd, name);
	int rc = sealed < 0 ? sealed : 0;

	*key = NULL;
	*len = 0;
	if (sealed == 1) {
		/* Ask at the terminal only when someone is there to answer. */
		if ((rc = tadm_passphrase(a, isatty(STDIN_FILENO) == 1, false)) != 0)
			return rc;	/* tadm_passphrase said why */
		if (!a->pass)
			rc = TC_E_NEED_PASSPHRASE;
	}
	if (rc == 0)
		rc = tc_trust_key_load(a->dirfd, name, a->pass, a->passlen, key, len);
	switch (rc) {
	case 0:
		break;
	case TC_E_NEED_PASSPHRASE:
		tadm_err(a, "%s/%s is protected by a passphrase: give --passphrase-file FILE, "
			 "set %s or use --ask-passphrase", a->dir, name, TADM_PASS_ENV);
		break;
	case TC_E_PASSPHRASE:
		tadm_err(a, "wrong passphrase for %s/%s (or the file was altered)", a->dir, name);
		break;
	case TC_E_UNSAFE_PATH:
		tadm_err(a, "%s/%s must be a file of ours with mode 0600", a->dir, name);
		break;
	default:
		tadm_err(a, "%s/%s: %s", a->dir, name, tc_strerror(rc));
	}
	return rc;
}

/* The CA key and certificate, checked to belong together. */
int
tadm_load_ca(struct tadm *a, mbedtls_pk_context *key, char **crt_pem)
{
	mbedtls_x509_crt crt;
	uint8_t *pem = NULL, *kp = NULL;
	size_t len, kl;
	int rc;

	*crt_pem = NULL;
	mbedtls_x509_crt_init(&crt);
	if ((rc = tadm_load_public(a, "ca.crt", TC_PKI_CERT_MAX, &pem, &len)) != 0)
		goto out;
	if ((rc = tadm_load_key(a, "ca.key", &kp, &kl)) != 0)
		goto out;
	if (tc_pki_key_parse(key, kp, kl) != 0 ||
	    mbedtls_x509_crt_parse(&crt, pem, len + 1) != 0 ||
	    tc_pk_check_pair(&crt.pk, key) != 0) {
		tadm_err(a, "%s/ca.key and ca.crt are not a valid pair", a->dir);
		rc = TC_E_KEYFILE;
		goto out;
	}
	*crt_pem = (char *)pem;
	pem = NULL;
out:
	mbedtls_x509_crt_free(&crt);
	tc_secure_free(kp);
	tc_free(pem);
	return rc;
}

/* Write devices/<id>.crt. */
int
tadm_load_public(struct tadm *a, const char *name, size_t max, uint8_t **buf, size_t *len)
{
	int rc = tc_trust_file_read(a->dirfd, name, max, buf, len);

	if (rc != 0)
		tadm_err(a, "%s/%s: %s", a->dir, name, tc_strerror(rc));
	return rc;
}

int
tadm_read_input(struct tadm *a, const char *path, size_t max, uint8_t **buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;
	struct stat st;
	size_t got = 0;
	uint8_t *b = NULL;

	*buf = NULL;
	*len = 0;
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = -EFBIG;
		goto out;
	}
	b = tc_malloc((size_t)st.st_size + 1);
	if (!b) {
		rc = -ENOMEM;
		goto out;
	}
	if ((rc = tc_read_full(fd, b, (size_t)st.st_size, &got)) != 0)
		goto out;
	b[got] = 0;
	*buf = b;
	*len = got;
	b = NULL;
out:
	if (rc == -EFBIG)
		tadm_err(a, "%s: larger than %zu bytes", path, max);
	else if (rc == -EINVAL)
		tadm_err(a, "%s: not a regular file", path);
	else if (rc != 0)
		tadm_err(a, "%s: %s", path, tc_strerror(rc));
	tc_free(b);
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Read one line from fd into buf a byte at a time; -E2BIG if it does not fit. */
static int
read_line_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	int too_long = 0;
	char c;

	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0 || c == '\n')
			break;
		if (n + 1 < cap)
			buf[n++] = c;
		else
			too_long = 1;
	}
	c = 0;
	buf[n] = 0;
	if (n && buf[n - 1] == '\r')
		buf[--n] = 0;
	if (too_long) {
		tc_zeroize(buf, cap);
		return -E2BIG;
	}
	return 0;
}

int
tadm_read_secret(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	sigset_t block, saved;
	int fd, rc;

	buf[0] = 0;
	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -ENOTTY;
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return -ENOTTY;
	}
	/* Signals wait until echo is back on, so the terminal is never left silent. */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &saved);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	rc = tc_write_all(fd, prompt, strlen(prompt));
	if (rc == 0 && tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		rc = -errno;
	if (rc == 0)
		rc = read_line_fd(fd, buf, cap);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	/* The newline the user typed was not echoed; a lost one is cosmetic. */
	if (tc_write_all(fd, "\n", 1) != 0) {
		/* ignored: only the line break is lost */
	}
	sigprocmask(SIG_SETMASK, &saved, NULL);
	close(fd);
	return rc;
}

int
tadm_read_stdin_line(char *buf, size_t cap)
{
	return read_line_fd(STDIN_FILENO, buf, cap);
}

void
tadm_date(int64_t t, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0 || !gmtime_r(&tt, &tm) || strftime(out, len, "%Y-%m-%d", &tm) == 0)
		tc_strlcpy(out, "-", len);
}

int64_t
tadm_now(void)
{
	return (int64_t)(tc_time_wall_us() / 1000000);
}
