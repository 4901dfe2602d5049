/*
 * cmd_enrol_dock.c - enrolment at the dock (issue 16): `enrol pending`,
 * `enrol approve ID ...` and `enrol refuse ID`.
 *
 * A camera that has no certificate sends its CSR to trust-server's enrol
 * listener, which checks it and keeps it in SERVER_DATA/enrol/<id>.csr
 * (with <id>.peer, where it came from).  IT compares the device id on
 * the camera's locked screen with the one listed here, then:
 *
 *   approve  = enrol --csr SERVER_DATA/enrol/<id>.csr --class --label
 *              + policy issue <id> (the same code, called as is), then
 *              the answer TRUST/enrol/<id>.answer: JSON
 *              {"device_id", "cert" (PEM), "ca" (PEM), "policy" (base64)}
 *   refuse   = TRUST/enrol/<id>.refused (and an audit row)
 *
 * Both reach the server through publish (cmd_publish.c copies enrol/):
 * the server never reads the Trust directory and issues nothing.  The
 * camera checks the answer as `camctl provision install` does (photod).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/base64.h>

#include "tadm.h"
#include "tc_io.h"
#include "tc_pki.h"
#include "tc_review.h"
#include "tc_trust_key.h"
#include "tc_trust_valid.h"

#define APPROVE_SYN "enrol approve DEVICE --class trust-owned|approved --label TEXT " \
	"[policy issue options]"
#define ANSWER_MAX (4 * TC_POLICY_BUNDLE_MAX)
#define CSR_MAX ENROL_REQ_MAX
#define ENROL_REQ_MAX (16 * 1024)
#define POLICY_ARGS_MAX 32

/* TRUST/enrol, created when create; an fd or negative (message printed). */
static int
trust_enrol_dir(struct tadm *a, bool create)
{
	int fd;

	if (create && mkdirat(a->dirfd, "enrol", 0700) != 0 && errno != EEXIST) {
		tadm_err(a, "%s/enrol: %s", a->dir, strerror(errno));
		return -errno;
	}
	fd = tc_openat(a->dirfd, "enrol", O_RDONLY | O_DIRECTORY);
	if (fd < 0 && (create || fd != -ENOENT))
		tadm_err(a, "%s/enrol: %s", a->dir, tc_strerror(fd));
	return fd;
}

/* Has IT answered id already (an answer or a refusal in TRUST/enrol)? */
static bool
answered(int efd, const char *id)
{
	char name[TC_POLICY_ID_MAX + 16];

	if (efd < 0)
		return false;
	snprintf(name, sizeof(name), "%s.answer", id);
	if (faccessat(efd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
		return true;
	snprintf(name, sizeof(name), "%s.refused", id);
	return faccessat(efd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int
need_srv(struct tadm *a)
{
	if (a->srvdir)
		return 0;
	tadm_err(a, "the server's data directory is needed: -S DIR or $%s", TADM_SRV_ENV);
	return TADM_USAGE;
}

static int
pending(struct tadm *a, int argc, char **argv)
{
	static const struct option opts[] = { TADM_COMMON_OPTS, { NULL, 0, NULL, 0 } };
	char peer[96], when[32], name[300];
	struct tc_reg_device d;
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int c, rc, sfd, efd, fd;
	unsigned n = 0;

	while ((c = tadm_getopt(argc, argv, TADM_COMMON_SHORT, opts)) != -1)
		if ((rc = tadm_common_opt(a, c, "enrol pending")) >= 0)
			return rc;
	if (optind != argc)
		return tadm_usage(a, "enrol pending");
	if ((rc = need_srv(a)) != 0 || tadm_open(a) != 0)
		return rc ? rc : TADM_FAIL;
	sfd = open(a->srvdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = sfd < 0 ? -errno : tc_openat(sfd, "enrol", O_RDONLY | O_DIRECTORY);
	if (sfd >= 0)
		close(sfd);
	if (fd == -ENOENT) {
		printf("no camera waits for enrolment\n");
		return TADM_OK;
	}
	if (fd < 0 || !(dir = fdopendir(fd))) {
		tadm_err(a, "%s/enrol: %s", a->srvdir, tc_strerror(fd < 0 ? fd : -errno));
		if (fd >= 0)
			close(fd);
		return TADM_FAIL;
	}
	efd = trust_enrol_dir(a, false);
	printf("%-18s  %-20s  %s\n", "DEVICE", "REQUESTED", "FROM");
	while ((de = readdir(dir)) != NULL) {
		size_t l = strlen(de->d_name);
		char id[TC_POLICY_ID_MAX];
		uint8_t *p = NULL;
		size_t plen;

		if (l < 5 || l - 4 >= sizeof(id) || strcmp(de->d_name + l - 4, ".csr") != 0)
			continue;
		memcpy(id, de->d_name, l - 4);
		id[l - 4] = '\0';
		if (!tc_trust_valid_device_id(id) || answered(efd, id) ||
		    fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;
		snprintf(name, sizeof(name), "%s.peer", id);
		tc_strlcpy(peer, "?", sizeof(peer));
		if (tc_trust_file_read(dirfd(dir), name, sizeof(peer) - 1, &p, &plen) == 0) {
			while (plen > 0 && p[plen - 1] == '\n')
				p[--plen] = '\0';
			/* Written by the server from the socket address; printed only if printable. */
			if (plen > 0 && strspn((const char *)p, "0123456789abcdefABCDEF.:[]") == plen)
				tc_strlcpy(peer, (const char *)p, sizeof(peer));
			tc_free(p);
		}
		tc_review_iso_time((int64_t)st.st_mtime, when, sizeof(when));
		printf("%-18s  %-20s  %s%s\n", id, when, peer,
		       tc_registry_device_get(a->reg, id, &d) == 0 ? "  (enrolled already)" : "");
		n++;
	}
	closedir(dir);
	if (efd >= 0)
		close(efd);
	fprintf(stderr, "trustadm: enrol pending: %u camera(s) wait; compare the id with the "
		"camera's screen before 'trustadm enrol approve'\n", n);
	return TADM_OK;
}

/* The answer: device certificate, CA and bundle as one JSON object, into TRUST/enrol. */
static int
write_answer(struct tadm *a, int efd, const char *id, const char *bundle_name)
{
	char name[TC_POLICY_ID_MAX + 16];
	uint8_t *cert = NULL, *ca = NULL, *bundle = NULL;
	unsigned char *b64 = NULL;
	size_t clen, calen, blen, b64len = 0;
	json_t *o = NULL;
	char *text = NULL;
	int rc = TADM_FAIL;

	snprintf(name, sizeof(name), "devices/%s.crt", id);
	if (tc_trust_file_read(a->dirfd, name, TC_PKI_CERT_MAX, &cert, &clen) != 0 ||
	    tadm_load_public(a, "ca.crt", TC_PKI_CERT_MAX, &ca, &calen) != 0 ||
	    tc_trust_file_read(efd, bundle_name, TC_POLICY_BUNDLE_MAX + 65536, &bundle,
			       &blen) != 0) {
		tadm_err(a, "cannot read the certificate, CA or bundle of %s", id);
		goto out;
	}
	(void)mbedtls_base64_encode(NULL, 0, &b64len, bundle, blen);
	b64 = tc_malloc(b64len + 1);
	if (!b64 || mbedtls_base64_encode(b64, b64len + 1, &b64len, bundle, blen) != 0)
		goto out;
	o = json_pack("{s:s, s:s, s:s, s:s}", "device_id", id, "cert", (const char *)cert,
		      "ca", (const char *)ca, "policy", (const char *)b64);
	text = o ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	snprintf(name, sizeof(name), "%s.answer", id);
	if (!text || tc_trust_file_write(efd, name, text, strlen(text), 0644) != 0) {
		tadm_err(a, "cannot write enrol/%s", name);
		goto out;
	}
	rc = TADM_OK;
out:
	free(text);
	json_decref(o);
	tc_free(b64);
	tc_free(cert);
	tc_free(ca);
	tc_free(bundle);
	return rc;
}

/* The CSR IT approves must be the request of the device id IT named. */
static int
check_request(struct tadm *a, const char *path, const char *id)
{
	mbedtls_x509_csr csr;
	char got[TC_POLICY_ID_MAX], why[256];
	uint8_t *buf = NULL;
	size_t len;
	int rc = TADM_FAIL;

	mbedtls_x509_csr_init(&csr);
	if (tadm_read_input(a, path, CSR_MAX, &buf, &len) != 0) {
		tadm_err(a, "no request from %s waits (trustadm enrol pending)", id);
		goto out;
	}
	mbedtls_x509_csr_free(&csr);
	if (tc_pki_csr_load(&csr, buf, len, got, why, sizeof(why)) != 0 || strcmp(got, id) != 0) {
		tadm_err(a, "%s: %s", path, why[0] ? why : "the request is for another device");
		goto out;
	}
	rc = TADM_OK;
out:
	mbedtls_x509_csr_free(&csr);
	tc_free(buf);
	return rc;
}

/*
 * The server's enrol directory, for a request IT has not answered yet:
 * its descriptor, or -1 with the reason said (an answer is never replaced).
 */
static int
open_unanswered(struct tadm *a, const char *id)
{
	int efd;

	if (tadm_open(a) != 0 || (efd = trust_enrol_dir(a, true)) < 0)
		return -1;
	if (answered(efd, id)) {
		tadm_err(a, "%s was answered already", id);
		close(efd);
		return -1;
	}
	return efd;
}

static int
approve(struct tadm *a, int argc, char **argv)
{
	char csr[4200], bundle[4200], bname[TC_POLICY_ID_MAX + 16];
	char *eargv[8], *pargv[POLICY_ARGS_MAX + 6];
	const char *id, *cls = NULL, *label = NULL;
	struct tc_reg_device d;
	int i, pn = 0, efd = -1, rc;

	if (argc < 2 || argv[1][0] == '-')
		return tadm_usage(a, APPROVE_SYN);
	id = argv[1];
	if (!tc_trust_valid_device_id(id)) {
		tadm_err(a, "'%s' is not a device id (D- and 16 hex digits)", id);
		return TADM_USAGE;
	}
	pargv[pn++] = "policy";
	pargv[pn++] = "issue";
	pargv[pn++] = (char *)id;
	pargv[pn++] = "-o";
	pargv[pn++] = bundle;
	/* --class and --label are enrol's; everything else is policy issue's. */
	for (i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--class") == 0 || strcmp(argv[i], "--label") == 0) &&
		    i + 1 < argc) {
			*(argv[i][2] == 'c' ? &cls : &label) = argv[i + 1];
			i++;
		} else if (strcmp(argv[i], "-o") == 0 || strncmp(argv[i], "--output", 8) == 0) {
			tadm_err(a, "the bundle goes into the answer: no -o here");
			return TADM_USAGE;
		} else if (pn < POLICY_ARGS_MAX + 5) {
			pargv[pn++] = argv[i];
		} else {
			return tadm_usage(a, APPROVE_SYN);
		}
	}
	pargv[pn] = NULL;
	if (!cls || !label)
		return tadm_usage(a, APPROVE_SYN);
	if ((rc = need_srv(a)) != 0)
		return rc;
	if ((efd = open_unanswered(a, id)) < 0)
		return TADM_FAIL;
	rc = TADM_FAIL;
	snprintf(csr, sizeof(csr), "%s/enrol/%s.csr", a->srvdir, id);
	snprintf(bname, sizeof(bname), "%s.bundle", id);
	snprintf(bundle, sizeof(bundle), "%s/enrol/%s", a->dir, bname);
	if (check_request(a, csr, id) != TADM_OK)
		goto out;
	eargv[0] = "enrol";
	eargv[1] = "--csr";
	eargv[2] = csr;
	eargv[3] = "--class";
	eargv[4] = (char *)cls;
	eargv[5] = "--label";
	eargv[6] = (char *)label;
	eargv[7] = NULL;
	/* Enrolled by an approve whose policy failed: that is the only step left. */
	optind = 0;
	if (tc_registry_device_get(a->reg, id, &d) != 0 &&
	    (rc = cmd_enrol(a, 7, eargv)) != TADM_OK)
		goto out;
	optind = 0;
	if ((rc = cmd_policy(a, pn, pargv)) != TADM_OK) {
		tadm_err(a, "%s is enrolled but has no policy yet: fix the above and run "
			 "'trustadm enrol approve' again", id);
		goto out;
	}
	a->cmd = "enrol approve";
	if ((rc = write_answer(a, efd, id, bname)) != TADM_OK)
		goto out;
	printf("enrolment of %s answered: the camera installs it at its next dock\n", id);
out:
	close(efd);
	return rc;
}

static int
refuse(struct tadm *a, int argc, char **argv)
{
	char name[TC_POLICY_ID_MAX + 16];
	const char *id;
	int efd, rc;

	if (argc != 2)
		return tadm_usage(a, "enrol refuse DEVICE");
	id = argv[1];
	if (!tc_trust_valid_device_id(id)) {
		tadm_err(a, "'%s' is not a device id (D- and 16 hex digits)", id);
		return TADM_USAGE;
	}
	if ((efd = open_unanswered(a, id)) < 0)
		return TADM_FAIL;
	rc = TADM_FAIL;
	snprintf(name, sizeof(name), "%s.refused", id);
	/* The audit row first: it is also what makes trustadm publish the refusal. */
	if (tc_registry_begin(a->reg) != 0 ||
	    tc_registry_audit(a->reg, "enrol.refuse", id, "") != 0 ||
	    tc_trust_file_write(efd, name, "", 0, 0644) != 0 ||
	    tc_registry_commit(a->reg) != 0) {
		tc_registry_rollback(a->reg);
		(void)unlinkat(efd, name, 0);
		tadm_err(a, "cannot record the refusal of %s", id);
		goto out;
	}
	printf("enrolment of %s refused: the camera stays unprovisioned\n", id);
	rc = TADM_OK;
out:
	close(efd);
	return rc;
}

int
tadm_enrol_dock(struct tadm *a, int argc, char **argv)
{
	static const struct tadm_sub subs[] = {
		{ "pending", "enrol pending", pending },
		{ "approve", "enrol approve", approve },
		{ "refuse", "enrol refuse", refuse },
	};

	return tadm_subcommand(a, argc, argv, "enrol pending | approve DEVICE ... | refuse DEVICE",
			       subs, sizeof(subs) / sizeof(subs[0]));
}
