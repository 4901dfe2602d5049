/*
 * tc_client.c - a trust-server client for tests and benchmarks, speaking
 * the sync protocol over mutual TLS the way syncd will.
 *
 *   tc_client [-a ADDR:PORT] -C CA [-c CERT|none -k KEY] [-n NAME] [-R RECEIPT_PUB]
 *             [-l LOG] [-j CONNS] [-t TIMEOUT_MS] [-S SUITE] [-V 1.1] COMMAND ...
 *   handshake                  connect and handshake only
 *   head ID                    "offset N complete 0|1", or "status 404"
 *   put FILE [-o OFF] [-p] [-s N] [-w N] [-i ID] [-g FILE] [-L LEN] [-r OUT]
 *        one PUT (PATCH with -p) from offset OFF; -s N: send N body bytes, then
 *        cut the connection; -w N: send N bytes, say "paused N", wait for the
 *        server to close (with Expect: 100-continue, so the server has taken
 *        the request when "paused" is printed); -e: Expect: 100-continue;
 *        -i/-g/-L: lie about the id, digest or length
 *   upload FILE...             resume or start each upload (HEAD first); with
 *                              -j CONNS, that many connections share the files
 *   audit SEGMENT | audit-status | policy OUT | policy-head
 *   push BYTES                 raw TLS push to tc_tlssink (the benchmark baseline)
 *   send FILE...               the minimal sender (a benchmark baseline): each file
 *                              read and sent to tc_tlssink -D as a be64 length and
 *                              its bytes, then its 32-byte digest awaited; with -j
 *                              CONNS, that many connections share the files
 * -M MANIFEST: tc_mkobj's "<id> <sha256> <bytes>" lines; those digests are
 * taken as known (as a device knows them) instead of hashing each file.
 *
 * Receipts are verified with -R (trustadm's receipt.pub) against our
 * certificate's device id; -l appends "<id> <seq> <receipt hex>" lines.
 * Exit: 0 a 2xx answer (and a valid receipt), 3 another HTTP status,
 * 1 a TLS, I/O or receipt failure, 2 usage.
 */
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

#include <mbedtls/base64.h>
#include <mbedtls/md.h>

#include "client_http.h"
#include "client_tls.h"
#include "tc_receipt.h"
#include "tc_seal.h"

struct obj {
	const char *path;
	uint8_t *data;
	size_t size;
	uint8_t id[TC_PHOTO_ID_LEN], digest[TC_SHA256_LEN];
	char hex[2 * TC_PHOTO_ID_LEN + 1];
};

static struct cl_opts o = { "127.0.0.1:8443", NULL, NULL, NULL, "trust-server.local", NULL,
			    NULL, false, 0, 0 };
static struct cl base;
static uint8_t receipt_pub[TC_P256_PUB_LEN];
static bool check_receipts;
static FILE *receipt_log;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
/* -M: digests known in advance (tc_mkobj's output), as a device knows them from its catalog. */
static struct known { uint8_t id[TC_PHOTO_ID_LEN], digest[TC_SHA256_LEN]; } *known;
static size_t n_known;

static double
now_s(void)
{
	return (double)tc_time_mono_us() / 1e6;
}

static int
load_obj(struct obj *ob, const char *path)
{
	struct tc_obj_info info;
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	memset(ob, 0, sizeof(*ob));
	ob->path = path;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
		printf("%s: cannot read\n", path);
		return -1;
	}
	ob->size = (size_t)st.st_size;
	ob->data = mmap(NULL, ob->size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (ob->data == MAP_FAILED)
		return -1;
	if (tc_obj_parse_header(ob->data, ob->size, &info) == 0)
		memcpy(ob->id, info.photo_id, TC_PHOTO_ID_LEN);
	tc_hex_encode(ob->id, TC_PHOTO_ID_LEN, ob->hex);
	for (size_t i = 0; i < n_known; i++)
		if (memcmp(known[i].id, ob->id, TC_PHOTO_ID_LEN) == 0) {
			memcpy(ob->digest, known[i].digest, TC_SHA256_LEN);
			return 0;
		}
	return mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), ob->data, ob->size,
			  ob->digest) == 0 ? 0 : -1;
}

struct put_opts {
	uint64_t offset, stop, pause, length;
	bool patch, has_offset, has_length, expect;
	const char *digest_of, *id, *receipt_out;
};

static int
send_request(struct cl *c, const char *method, const struct obj *ob, const struct put_opts *po,
	     uint64_t body_len)
{
	unsigned char b64[64];
	char head[768], off[64] = "";
	uint8_t dg[TC_SHA256_LEN];
	size_t olen = 0;
	int n;

	memcpy(dg, ob->digest, sizeof(dg));
	if (po->digest_of) {
		struct obj other;

		if (load_obj(&other, po->digest_of) != 0)
			return -1;
		memcpy(dg, other.digest, sizeof(dg));
	}
	if (mbedtls_base64_encode(b64, sizeof(b64), &olen, dg, sizeof(dg)) != 0)
		return -1;
	b64[olen] = '\0';
	if (po->has_offset)
		snprintf(off, sizeof(off), "Upload-Offset: %" PRIu64 "\r\n", po->offset);
	n = snprintf(head, sizeof(head),
		     "%s /v1/photos/%s HTTP/1.1\r\nHost: %s\r\nUpload-Length: %" PRIu64
		     "\r\nContent-Digest: sha-256=:%s:\r\n%s%sContent-Length: %" PRIu64 "\r\n\r\n",
		     method, po->id ? po->id : ob->hex, o.name,
		     po->has_length ? po->length : (uint64_t)ob->size, b64, off,
		     po->expect ? "Expect: 100-continue\r\n" : "", body_len);
	if (cl_write(c, head, (size_t)n) != 0)
		return -1;
	if (po->expect && body_len > 0) {
		struct response r;

		/* The server has taken the request (and locked the upload) once it says 100. */
		if (read_response(c, false, &r) != 0)
			return -1;
		free(r.body);
		if (r.status != 100) {
			printf("status %d\n", r.status);
			return -1;
		}
	}
	return 0;
}

/* One PUT/PATCH; fills r unless cut short on purpose (then r->status = 0). */
static int
put_once(struct cl *c, const struct obj *ob, const struct put_opts *po, struct response *r)
{
	uint64_t from = po->has_offset ? po->offset : 0, body = ob->size - from, cut = body;
	size_t got = 0;

	if (from > ob->size)
		return -1;
	if (po->stop && po->stop < cut)
		cut = po->stop;
	if (po->pause && po->pause < cut)
		cut = po->pause;
	if (send_request(c, po->patch ? "PATCH" : "PUT", ob, po, body) != 0 ||
	    cl_write(c, ob->data + from, (size_t)cut) != 0) {
		/* The server may have answered and hung up without reading the body. */
		printf("send cut short\n");
		return read_response(c, false, r);
	}
	if (cut < body) {
		memset(r, 0, sizeof(*r));
		if (po->pause) {
			printf("paused %" PRIu64 "\n", cut);
			fflush(stdout);
		} else {
			shutdown(c->fd, SHUT_WR);	/* the line drops mid-body */
		}
		printf(cl_wait_close(c, &got) ? "closed by server after %" PRIu64 " bytes\n" :
						 "not closed after %" PRIu64 " bytes\n", cut);
		return 0;
	}
	return read_response(c, false, r);
}

/* Check, print and log the receipt in r; 0 or -1. */
static int
take_receipt(const struct obj *ob, const struct response *r, const char *out)
{
	struct tc_receipt rc;
	char hex[2 * TC_RECEIPT_MAX + 1];
	int e;

	if (r->len == 0 || r->len > TC_RECEIPT_MAX || tc_receipt_parse(r->body, r->len, &rc) != 0) {
		printf("receipt INVALID: malformed\n");
		return -1;
	}
	if (check_receipts && (e = tc_receipt_verify(r->body, r->len, receipt_pub, base.device,
						     ob->id, ob->digest, ob->size, &rc)) != 0) {
		printf("receipt INVALID: %s\n", tc_strerror(e));
		return -1;
	}
	if (out) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || tc_write_all(fd, r->body, r->len) != 0 || close(fd) != 0)
			return -1;
	}
	tc_hex_encode(r->body, r->len, hex);
	pthread_mutex_lock(&out_lock);
	printf("receipt %s %" PRIu64 "\n", ob->hex, rc.ledger_seq);
	if (receipt_log) {
		fprintf(receipt_log, "%s %" PRIu64 " %s\n", ob->hex, rc.ledger_seq, hex);
		fflush(receipt_log);
	}
	pthread_mutex_unlock(&out_lock);
	return 0;
}

static int
report(const struct obj *ob, const struct response *r, const char *receipt_out)
{
	printf("status %d\n", r->status);
	if (r->has_offset)
		printf("offset %" PRIu64 "\n", r->offset);
	if (r->status == 200 || r->status == 201)
		return take_receipt(ob, r, receipt_out) == 0 ? 0 : 1;
	if (r->status >= 200 && r->status < 300)
		return 0;
	if (r->len)
		printf("body %.*s", (int)r->len, (const char *)r->body);
	return 3;
}

static int
cmd_head(struct cl *c, const char *id)
{
	struct response r;
	char req[256];
	int n = snprintf(req, sizeof(req), "HEAD /v1/photos/%s HTTP/1.1\r\nHost: %s\r\n\r\n", id,
			 o.name);

	if (cl_write(c, req, (size_t)n) != 0 || read_response(c, true, &r) != 0)
		return 1;
	if (r.status != 200) {
		printf("status %d\n", r.status);
		return 3;
	}
	printf("offset %" PRIu64 " complete %d\n", r.offset, r.complete == 1);
	return 0;
}

static int
cmd_put(struct cl *c, int argc, char **argv)
{
	struct put_opts po;
	struct response r;
	struct obj ob;
	int ch, rc;

	memset(&po, 0, sizeof(po));
	optind = 0;
	while ((ch = getopt(argc, argv, "o:ps:w:ei:g:L:r:")) != -1) {
		switch (ch) {
		case 'o': po.has_offset = tc_parse_u64(optarg, 0, UINT64_MAX, &po.offset) == 0; break;
		case 'p': po.patch = true; break;
		case 's': (void)!tc_parse_u64(optarg, 1, UINT64_MAX, &po.stop); break;
		case 'w': po.expect = tc_parse_u64(optarg, 1, UINT64_MAX, &po.pause) == 0; break;
		case 'e': po.expect = true; break;
		case 'i': po.id = optarg; break;
		case 'g': po.digest_of = optarg; break;
		case 'L': po.has_length = tc_parse_u64(optarg, 0, UINT64_MAX, &po.length) == 0; break;
		case 'r': po.receipt_out = optarg; break;
		default: return 2;
		}
	}
	if (optind != argc - 1 || load_obj(&ob, argv[optind]) != 0) {
		fprintf(stderr, "usage: tc_client ... put FILE [-o OFF] [-p] [-s N] [-w N] [-i ID]"
			" [-g FILE] [-L LEN] [-r OUT]\n");
		return 2;
	}
	if (put_once(c, &ob, &po, &r) != 0)
		return 1;
	if (r.status == 0)
		return 0;	/* cut short on purpose */
	rc = report(&ob, &r, po.receipt_out);
	free(r.body);
	return rc;
}

/* upload and send: the files, shared by -j connections. */
static char **files;
static int n_files, next_file, upload_rc;
static int (*per_file)(struct cl *c, const char *path);
static int (*per_conn_end)(struct cl *c);

static int
upload_one(struct cl *c, const char *path)
{
	struct put_opts po;
	struct response r;
	struct obj ob;
	char req[256];
	int n, rc;

	if (load_obj(&ob, path) != 0)
		return 1;
	n = snprintf(req, sizeof(req), "HEAD /v1/photos/%s HTTP/1.1\r\nHost: %s\r\n\r\n", ob.hex,
		     o.name);
	if (cl_write(c, req, (size_t)n) != 0 || read_response(c, true, &r) != 0)
		return 1;
	memset(&po, 0, sizeof(po));
	if (r.status == 200) {
		po.has_offset = po.patch = true;
		po.offset = r.offset;
	} else if (r.status != 404) {
		printf("status %d\n", r.status);
		return 3;
	}
	pthread_mutex_lock(&out_lock);
	printf("start %s %" PRIu64 "\n", ob.hex, po.offset);
	fflush(stdout);
	pthread_mutex_unlock(&out_lock);
	if (put_once(c, &ob, &po, &r) != 0)
		return 1;
	rc = r.status == 200 || r.status == 201 ? (take_receipt(&ob, &r, NULL) ? 1 : 0) : 3;
	if (rc == 3)
		printf("status %d for %s\n", r.status, ob.hex);
	free(r.body);
	munmap(ob.data, ob.size);
	return rc;
}

static void *
upload_worker(void *arg)
{
	struct cl c;
	int i, rc = 0;

	(void)arg;
	memset(&c, 0, sizeof(c));
	c.fd = -1;
	c.timeout_ms = base.timeout_ms;
	c.shared = &base.conf;
	if (cl_open(&c, &o) != 0) {
		rc = 1;
		goto out;
	}
	while (rc == 0 && (i = __atomic_fetch_add(&next_file, 1, __ATOMIC_RELAXED)) < n_files)
		rc = per_file(&c, files[i]);
	if (rc == 0 && per_conn_end)
		rc = per_conn_end(&c);
out:
	cl_close(&c);
	if (rc)
		__atomic_store_n(&upload_rc, rc, __ATOMIC_RELAXED);
	return NULL;
}

/* send: read the file and send it, length first; the sink answers with its digest. */
static int
send_one(struct cl *c, const char *path)
{
	unsigned char *buf = malloc(64 * 1024), len[8], digest[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 1;
	struct stat st;
	ssize_t n;

	if (!buf || fd < 0 || fstat(fd, &st) != 0) {
		printf("%s: cannot read\n", path);
		goto out;
	}
	tc_put_be64(len, (uint64_t)st.st_size);
	if (cl_write(c, len, sizeof(len)) != 0)
		goto out;
	while ((n = read(fd, buf, 64 * 1024)) > 0)
		if (cl_write(c, buf, (size_t)n) != 0)
			goto out;
	if (n < 0)
		goto out;
	for (size_t got = 0; got < sizeof(digest);) {
		int k = mbedtls_ssl_read(&c->ssl, digest + got, sizeof(digest) - got);

		if (k == MBEDTLS_ERR_SSL_WANT_READ || k == MBEDTLS_ERR_SSL_WANT_WRITE)
			continue;
		if (k <= 0)
			goto out;
		got += (size_t)k;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	return rc;
}

/* send: a length of 0 ends the connection. */
static int
send_end(struct cl *c)
{
	static const unsigned char zero[8];

	return cl_write(c, zero, sizeof(zero)) == 0 ? 0 : 1;
}

static int
cmd_upload(int argc, char **argv, int conns)
{
	pthread_t t[64];
	double t0 = now_s();
	int i;

	files = argv;
	n_files = argc;
	if (conns < 1 || conns > 64)
		return 2;
	for (i = 0; i < conns; i++)
		pthread_create(&t[i], NULL, upload_worker, NULL);
	for (i = 0; i < conns; i++)
		pthread_join(t[i], NULL);
	printf("elapsed %.6f\n", now_s() - t0);
	return upload_rc;
}

static int
cmd_simple(struct cl *c, const char *method, const char *path, const char *file, const char *out)
{
	struct response r;
	struct obj ob;
	char req[256];
	int n, rc = 0;

	memset(&ob, 0, sizeof(ob));
	if (file && load_obj(&ob, file) != 0)
		return 1;
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %zu\r\n\r\n",
		     method, path, o.name, ob.size);
	/* A refused body may be cut short; the answer is still worth reading. */
	if (cl_write(c, req, (size_t)n) != 0)
		return 1;
	if (file && cl_write(c, ob.data, ob.size) != 0)
		printf("send cut short\n");
	if (read_response(c, strcmp(method, "HEAD") == 0, &r) != 0)
		return 1;
	printf("status %d\n", r.status);
	if (r.policy_version)
		printf("policy-version %" PRIu64 "\n", r.policy_version);
	if (out && r.status == 200) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd < 0 || tc_write_all(fd, r.body, r.len) != 0 || close(fd) != 0)
			rc = 1;
	} else if (r.len) {
		printf("%.*s", (int)r.len, (const char *)r.body);
	}
	free(r.body);
	return rc ? rc : r.status / 100 == 2 ? 0 : 3;
}

/* The baseline: BYTES of data after an 8-byte length, then the sink's 1-byte ack. */
static int
cmd_push(struct cl *c, const char *arg)
{
	static unsigned char buf[64 * 1024];
	unsigned char len[8], ack;
	uint64_t total, sent = 0;
	double t0;
	int n;

	if (tc_parse_u64(arg, 1, UINT64_MAX, &total) != 0)
		return 2;
	memset(buf, 0x5a, sizeof(buf));
	tc_put_be64(len, total);
	t0 = now_s();
	if (cl_write(c, len, sizeof(len)) != 0)
		return 1;
	while (sent < total) {
		size_t k = total - sent < sizeof(buf) ? (size_t)(total - sent) : sizeof(buf);

		if (cl_write(c, buf, k) != 0)
			return 1;
		sent += k;
	}
	do
		n = mbedtls_ssl_read(&c->ssl, &ack, 1);
	while (n == MBEDTLS_ERR_SSL_WANT_READ);
	if (n != 1)
		return 1;
	printf("elapsed %.6f\n", now_s() - t0);
	return 0;
}

static int
load_manifest(const char *path)
{
	char idhex[64], dhex[80];
	unsigned long long size;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	while (fscanf(f, "%63s %79s %llu", idhex, dhex, &size) == 3) {
		struct known *k = realloc(known, (n_known + 1) * sizeof(*known));

		if (!k)
			break;
		known = k;
		if (tc_hex_decode(idhex, known[n_known].id, TC_PHOTO_ID_LEN) == 0 &&
		    tc_hex_decode(dhex, known[n_known].digest, TC_SHA256_LEN) == 0)
			n_known++;
	}
	fclose(f);
	return 0;
}

static int
load_receipt_pub(const char *path)
{
	char hex[2 * TC_P256_PUB_LEN + 2];
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || tc_read_full(fd, hex, sizeof(hex) - 1, &got) != 0)
		return -1;
	close(fd);
	while (got > 0 && (hex[got - 1] == '\n' || hex[got - 1] == '\r'))
		got--;
	hex[got] = '\0';
	return tc_hex_decode(hex, receipt_pub, sizeof(receipt_pub));
}

int
main(int argc, char **argv)
{
	const char *cmd;
	uint64_t conns = 1, t;
	int ch, rc;

	while ((ch = getopt(argc, argv, "+a:C:c:k:n:R:l:j:t:S:V:M:")) != -1) {
		switch (ch) {
		case 'a': o.addr = optarg; break;
		case 'C': o.ca = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 'n': o.name = optarg; break;
		case 'R':
			if (load_receipt_pub(optarg) != 0)
				return 2;
			check_receipts = true;
			break;
		case 'l':
			if (!(receipt_log = fopen(optarg, "a")))
				return 2;
			break;
		case 'j': if (tc_parse_u64(optarg, 1, 64, &conns) != 0) return 2; break;
		case 't': if (tc_parse_u64(optarg, 1, 600000, &t) != 0) return 2; o.timeout_ms = (int)t; break;
		case 'S': o.suite = optarg; break;
		case 'V': o.max_version = optarg; break;
		case 'M': if (load_manifest(optarg) != 0) return 2; break;
		default: return 2;
		}
	}
	if (optind >= argc || cl_setup(&base, &o) != 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	cmd = argv[optind];
	if (strcmp(cmd, "upload") == 0 || strcmp(cmd, "send") == 0) {
		per_file = cmd[0] == 'u' ? upload_one : send_one;
		per_conn_end = cmd[0] == 'u' ? NULL : send_end;
		rc = cmd_upload(argc - optind - 1, argv + optind + 1, (int)conns);
		goto out;
	}
	if (cl_open(&base, &o) != 0) {
		rc = 1;
		goto out;
	}
	if (strcmp(cmd, "handshake") == 0) {
		printf("handshake ok %s %s\n", mbedtls_ssl_get_version(&base.ssl),
		       mbedtls_ssl_get_ciphersuite(&base.ssl));
		rc = 0;
	} else if (strcmp(cmd, "head") == 0 && argc - optind == 2) {
		rc = cmd_head(&base, argv[optind + 1]);
	} else if (strcmp(cmd, "put") == 0) {
		rc = cmd_put(&base, argc - optind, argv + optind);
	} else if (strcmp(cmd, "audit") == 0 && argc - optind == 2) {
		rc = cmd_simple(&base, "POST", "/v1/audit", argv[optind + 1], NULL);
	} else if (strcmp(cmd, "audit-status") == 0) {
		rc = cmd_simple(&base, "GET", "/v1/audit", NULL, NULL);
	} else if (strcmp(cmd, "policy") == 0 && argc - optind == 2) {
		rc = cmd_simple(&base, "GET", "/v1/policy", NULL, argv[optind + 1]);
	} else if (strcmp(cmd, "policy-head") == 0) {
		rc = cmd_simple(&base, "HEAD", "/v1/policy", NULL, NULL);
	} else if (strcmp(cmd, "push") == 0 && argc - optind == 2) {
		rc = cmd_push(&base, argv[optind + 1]);
	} else {
		rc = 2;
	}
out:
	cl_free(&base);
	free(known);
	if (receipt_log)
		fclose(receipt_log);
	return rc;
}
