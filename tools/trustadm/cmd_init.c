/*
 * cmd_init.c - `trustadm init`: a new Trust in an empty directory.
 *
 * Makes the Trust CA (self-signed), the policy signer and trust-server
 * certificates it issues, the photo and receipt key pairs (raw P-256 in
 * hex, as the device and trust-server read them) and an empty registry.
 * Private keys are 0600 files.  The Trust's own (CA, policy signer,
 * photo) are sealed under a passphrase, asked for at the terminal
 * unless given by file or environment; --no-passphrase leaves them
 * plain, for tests and the demo only.  trust-server's keys (TLS and
 * receipt) are plain either way: the server starts unattended from the
 * copies `trustadm publish` gives it (trust-server(8)).  Everything is generated and checked in memory first; a
 * failure while writing removes what was written, so the directory is
 * empty again and init can simply be re-run.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tadm.h"
#include "tc_io.h"
#include "tc_pki.h"
#include "tc_secmem.h"
#include "tc_seal.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define SYNOPSIS "init [DIR] [--server-name NAME] [--server-ip IP] " \
		 "[--passphrase-file FILE | --ask-passphrase | --no-passphrase]"
#define CA_DAYS (20 * 365 + 5)
#define SIGNER_DAYS (10 * 365 + 2)
#define SERVER_DAYS (5 * 365 + 1)
#define SERVER_PORT 8443

/* Every name init may create, for the clean-up after a failure. */
static const char *const created[] = {
	"ca.key", "ca.crt", "policy-signer.key", "policy-signer.crt", "server.key",
	"server.crt", "photo.key", "photo.pub", "receipt.key", "receipt.pub",
	TC_REGISTRY_FILE, TC_REGISTRY_FILE "-wal", TC_REGISTRY_FILE "-shm",
	TC_REGISTRY_FILE "-journal",
};

/* One certified key pair, in memory until everything is ready. */
struct pair {
	mbedtls_pk_context pk;
	char *key_pem;			/* tc_secure_alloc */
	size_t key_len;
	char *crt_pem;			/* tc_malloc */
	char serial[2 * TC_PKI_SERIAL_LEN + 1];
};

/* A raw P-256 pair for the photo and receipt keys, in hex with a newline. */
struct raw {
	char priv_hex[2 * TC_P256_PRIV_LEN + 2];
	char pub_hex[2 * TC_P256_PUB_LEN + 2];
};

struct init {
	const char *server_name, *server_ip;
	uint8_t ip[16];
	size_t ip_len;
	char url[TC_POLICY_URL_MAX];
	struct pair ca, signer, server;
	struct raw photo, receipt;
	bool no_pass;			/* --no-passphrase */
};

static void
pair_free(struct pair *p)
{
	mbedtls_pk_free(&p->pk);
	tc_secure_free(p->key_pem);
	tc_free(p->crt_pem);
}

/* A fresh key certified with profile by the CA (or by itself for the CA). */
static int
make_pair(struct init *in, struct pair *p, enum tc_pki_profile profile, const char *subject,
	  unsigned days)
{
	struct tc_pki_cert c = {
		.profile = profile, .subject = subject, .subject_key = &p->pk,
		.issuer_key = profile == TC_PKI_CA ? &p->pk : &in->ca.pk,
		.now = tadm_now(), .days = days,
	};
	int rc;

	if (profile == TC_PKI_SERVER) {
		c.dns_name = in->server_name;
		c.ip = in->ip;
		c.ip_len = in->ip_len;
	}
	if ((rc = tc_pki_keygen(&p->pk)) != 0 ||
	    (rc = tc_pki_key_pem(&p->pk, &p->key_pem, &p->key_len)) != 0 ||
	    (rc = tc_pki_issue(&c, &p->crt_pem, p->serial)) != 0)
		return rc;
	/* Check what was written before anything trusts it. */
	return tc_pki_check_chain(p->crt_pem, profile == TC_PKI_CA ? p->crt_pem : in->ca.crt_pem);
}

static int
make_raw(struct raw *r)
{
	uint8_t priv[TC_P256_PRIV_LEN], pub[TC_P256_PUB_LEN];
	int rc = tc_p256_keygen(priv, pub);

	if (rc == 0) {
		tc_hex_encode(priv, sizeof(priv), r->priv_hex);
		tc_hex_encode(pub, sizeof(pub), r->pub_hex);
		memcpy(r->priv_hex + 2 * sizeof(priv), "\n", 2);
		memcpy(r->pub_hex + 2 * sizeof(pub), "\n", 2);
	}
	tc_zeroize(priv, sizeof(priv));
	return rc;
}

/*
 * Make dir (0700) or accept an existing empty directory of ours (then
 * made 0700).  1 if we created it, 0 if it existed, or a negative code.
 */
static int
prepare_dir(struct tadm *a)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, n = 0;

	if (mkdir(a->dir, 0700) == 0)
		return 1;
	if (errno != EEXIST) {
		tadm_err(a, "cannot create %s: %s", a->dir, strerror(errno));
		return -errno;
	}
	fd = open(a->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_uid != geteuid()) {
		tadm_err(a, "%s exists and is not a directory of ours", a->dir);
		if (fd >= 0)
			close(fd);
		return TC_E_UNSAFE_PATH;
	}
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, ".."))
			n++;
	if (n == 0 && fchmod(dirfd(d), 0700) != 0)
		n = -1;
	closedir(d);
	if (n != 0) {
		tadm_err(a, "%s is not empty: init makes a new Trust only in an empty directory",
			 a->dir);
		return TC_E_EXISTS;
	}
	return 0;
}

static void
cleanup(struct tadm *a, int made_dir)
{
	size_t i;
	char tmp[64];

	if (a->dirfd < 0)
		return;
	for (i = 0; i < sizeof(created) / sizeof(created[0]); i++) {
		(void)unlinkat(a->dirfd, created[i], 0);
		snprintf(tmp, sizeof(tmp), ".tmp-%s", created[i]);
		(void)unlinkat(a->dirfd, tmp, 0);
	}
	(void)unlinkat(a->dirfd, "devices", AT_REMOVEDIR);
	(void)unlinkat(a->dirfd, "policies", AT_REMOVEDIR);
	close(a->dirfd);
	a->dirfd = -1;
	if (made_dir)
		(void)rmdir(a->dir);
}

static int
write_files(struct tadm *a, struct init *in)
{
	const char *p = a->pass;
	size_t pl = a->passlen;
	int rc;

	if ((rc = mkdirat(a->dirfd, "devices", 0700)) != 0 ||
	    (rc = mkdirat(a->dirfd, "policies", 0700)) != 0)
		return -errno;
	if ((rc = tc_trust_key_store(a->dirfd, "ca.key", (uint8_t *)in->ca.key_pem,
				     in->ca.key_len, p, pl)) != 0 ||
	    (rc = tc_trust_key_store(a->dirfd, "policy-signer.key", (uint8_t *)in->signer.key_pem,
				     in->signer.key_len, p, pl)) != 0 ||
	    (rc = tc_trust_key_store(a->dirfd, "server.key", (uint8_t *)in->server.key_pem,
				     in->server.key_len, NULL, 0)) != 0 ||
	    (rc = tc_trust_key_store(a->dirfd, "photo.key", (uint8_t *)in->photo.priv_hex,
				     strlen(in->photo.priv_hex), p, pl)) != 0 ||
	    (rc = tc_trust_key_store(a->dirfd, "receipt.key", (uint8_t *)in->receipt.priv_hex,
				     strlen(in->receipt.priv_hex), NULL, 0)) != 0)
		return rc;
	if ((rc = tc_trust_file_write(a->dirfd, "ca.crt", in->ca.crt_pem,
				      strlen(in->ca.crt_pem), 0644)) != 0 ||
	    (rc = tc_trust_file_write(a->dirfd, "policy-signer.crt", in->signer.crt_pem,
				      strlen(in->signer.crt_pem), 0644)) != 0 ||
	    (rc = tc_trust_file_write(a->dirfd, "server.crt", in->server.crt_pem,
				      strlen(in->server.crt_pem), 0644)) != 0 ||
	    (rc = tc_trust_file_write(a->dirfd, "photo.pub", in->photo.pub_hex,
				      strlen(in->photo.pub_hex), 0644)) != 0 ||
	    (rc = tc_trust_file_write(a->dirfd, "receipt.pub", in->receipt.pub_hex,
				      strlen(in->receipt.pub_hex), 0644)) != 0)
		return rc;
	return 0;
}

static int
write_registry(struct tadm *a, struct init *in)
{
	char detail[256];
	int rc;

	if ((rc = tc_registry_open(&a->reg, a->dir, true)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "server %s %s, CA serial %s, keys %s", in->server_name,
		 in->server_ip, in->ca.serial, a->pass ? "sealed" : "plain");
	if ((rc = tc_registry_begin(a->reg)) != 0)
		return rc;
	if ((rc = tc_registry_meta_set(a->reg, "server_name", in->server_name)) != 0 ||
	    (rc = tc_registry_meta_set(a->reg, "server_ip", in->server_ip)) != 0 ||
	    (rc = tc_registry_meta_set(a->reg, "server_url", in->url)) != 0 ||
	    (rc = tc_registry_meta_set(a->reg, "keys", a->pass ? "sealed" : "plain")) != 0 ||
	    (rc = tc_registry_audit(a->reg, "init", a->dir, detail)) != 0 ||
	    (rc = tc_registry_commit(a->reg)) != 0) {
		tc_registry_rollback(a->reg);
		return rc;
	}
	return 0;
}

/* Options: -1 to go on, or an exit status (0 after --help). */
static int
parse(struct tadm *a, struct init *in, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server-name", required_argument, NULL, 'n' },
		{ "server-ip", required_argument, NULL, 'i' },
		{ "no-passphrase", no_argument, NULL, 'N' },
		TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	int c, r;

	in->server_name = "trust-server.local";
	in->server_ip = "127.0.0.1";
	while ((c = tadm_getopt(argc, argv, "n:i:" TADM_COMMON_SHORT, opts)) != -1) {
		if (c == 'n')
			in->server_name = optarg;
		else if (c == 'i')
			in->server_ip = optarg;
		else if (c == 'N')
			in->no_pass = true;
		else if ((r = tadm_common_opt(a, c, SYNOPSIS)) >= 0)
			return r;
	}
	if (optind + 1 < argc)
		return tadm_usage(a, SYNOPSIS);
	if (optind < argc)
		a->dir = argv[optind];
	if (in->no_pass && (a->passfile || a->ask_pass)) {
		tadm_err(a, "--no-passphrase and a passphrase option exclude each other");
		return TADM_USAGE;
	}
	/* A policy carries the name in TC_POLICY_NAME_MAX bytes. */
	if (!tc_trust_valid_hostname(in->server_name) ||
	    strlen(in->server_name) >= TC_POLICY_NAME_MAX) {
		tadm_err(a, "--server-name: '%s' is not a DNS host name of at most %d bytes",
			 in->server_name, TC_POLICY_NAME_MAX - 1);
		return TADM_USAGE;
	}
	if (inet_pton(AF_INET, in->server_ip, in->ip) == 1) {
		in->ip_len = 4;
		snprintf(in->url, sizeof(in->url), "https://%s:%d", in->server_ip, SERVER_PORT);
	} else if (inet_pton(AF_INET6, in->server_ip, in->ip) == 1) {
		in->ip_len = 16;
		snprintf(in->url, sizeof(in->url), "https://[%s]:%d", in->server_ip, SERVER_PORT);
	} else {
		tadm_err(a, "--server-ip: '%s' is not an IPv4 or IPv6 address", in->server_ip);
		return TADM_USAGE;
	}
	return -1;
}

/* Keys and certificates, all in memory; 0 or TADM_FAIL (message printed). */
static int
generate(struct tadm *a, struct init *in)
{
	char subj[300];

	if (make_pair(in, &in->ca, TC_PKI_CA, TC_PKI_CA_SUBJECT, CA_DAYS) != 0 ||
	    make_pair(in, &in->signer, TC_PKI_POLICY_SIGNER, TC_PKI_SIGNER_SUBJECT,
		      SIGNER_DAYS) != 0) {
		tadm_err(a, "cannot make the CA and policy signer certificates");
		return TADM_FAIL;
	}
	snprintf(subj, sizeof(subj), "CN=%s,O=trustcam", in->server_name);
	if (make_pair(in, &in->server, TC_PKI_SERVER, subj, SERVER_DAYS) != 0) {
		tadm_err(a, "cannot make the server certificate");
		return TADM_FAIL;
	}
	if (make_raw(&in->photo) != 0 || make_raw(&in->receipt) != 0) {
		tadm_err(a, "cannot make the photo and receipt keys");
		return TADM_FAIL;
	}
	return 0;
}

int
cmd_init(struct tadm *a, int argc, char **argv)
{
	struct init in;
	int rc, made;

	memset(&in, 0, sizeof(in));
	mbedtls_pk_init(&in.ca.pk);
	mbedtls_pk_init(&in.signer.pk);
	mbedtls_pk_init(&in.server.pk);
	if ((rc = parse(a, &in, argc, argv)) >= 0)
		goto out;
	rc = TADM_FAIL;
	if ((made = prepare_dir(a)) < 0)
		goto out;
	a->dirfd = tc_open_private_dir(a->dir, 0);
	if (a->dirfd < 0) {
		tadm_err(a, "%s: %s", a->dir, tc_strerror(a->dirfd));
		a->dirfd = -1;
		goto out;
	}
	/* Confirmed when typed: a typo here would lock the keys for good. */
	if (!in.no_pass && tadm_passphrase(a, true, true) != 0) {
		tadm_err(a, "the Trust's private keys need a passphrase (--no-passphrase: "
			 "plain keys, for tests and demos only)");
		goto fail;
	}
	if (a->pass && a->passlen < TADM_PASS_MIN) {
		tadm_err(a, "the passphrase is shorter than %d bytes", TADM_PASS_MIN);
		goto fail;
	}
	if (generate(a, &in) != 0)
		goto fail;
	if ((rc = write_files(a, &in)) != 0 || (rc = write_registry(a, &in)) != 0) {
		tadm_err(a, "cannot write the Trust in %s: %s", a->dir, tc_strerror(rc));
		goto fail;
	}
	printf("Trust created in %s\n", a->dir);
	printf("  CA certificate      %s/ca.crt\n", a->dir);
	printf("  server certificate  %s/server.crt (%s, %s; trust-server at %s)\n", a->dir,
	       in.server_name, in.server_ip, in.url);
	printf("  private keys        %s\n", a->pass ? "sealed under the passphrase" :
	       "plain, mode 0600 (no passphrase)");
	printf("  next                trustadm -d %s publish DIR (trust-server's share)\n", a->dir);
	rc = TADM_OK;
	goto out;
fail:
	tc_registry_close(a->reg);
	a->reg = NULL;
	cleanup(a, made);
	rc = TADM_FAIL;
out:
	pair_free(&in.ca);
	pair_free(&in.signer);
	pair_free(&in.server);
	tc_zeroize(&in, sizeof(in));
	return rc;
}
