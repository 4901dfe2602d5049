/*
 * tc_hostile.c - clients that misbehave, for trust-server's tests.  Each
 * reports what the server did; none of them waits for the server's state
 * by sleeping: they pace their own sends and read until the server closes.
 *
 *   tc_hostile [-a ADDR:PORT] -C CA -c CERT -k KEY [-n NAME] [-t TIMEOUT_MS] MODE ...
 *   raw FILE         after the handshake send FILE's bytes, then print every
 *                    status line received and "closed" when the server hangs up
 *   plain FILE|-     the same over plain TCP, no TLS at all ("-": send nothing)
 *   slowloris MS     send a request header one byte every MS milliseconds;
 *                    "dropped after N of M bytes" when the server hangs up
 *   idle             handshake, then say nothing: "closed" when dropped
 *   reneg            handshake, then ask to renegotiate: "renegotiation refused"
 *                    or "renegotiated" (a failure)
 *   noread N         after the handshake send N pipelined HEAD requests and
 *                    read no answer; "reset by the server" once the server
 *                    gives up on sending to us, "not reset" at the timeout
 *   gate FILE1 FILE2 after the handshake send FILE1, print the status line of
 *                    the first answer (up to its empty line: a bodiless answer
 *                    or a 100 Continue), say "waiting", read a line from
 *                    standard input (the test changes something meanwhile),
 *                    then send FILE2 on the same connection and go on as raw
 * Exit: 0 when the server refused or dropped as it should, 1 otherwise.
 */
#include <fcntl.h>
#include <sys/time.h>
#include <stdlib.h>

#include "client_tls.h"

static struct cl_opts o = { "127.0.0.1:8443", NULL, NULL, NULL, "trust-server.local", NULL,
			    NULL, false, 0, 0 };

static int
read_file(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = 1 << 20, got = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	if (strcmp(path, "-") == 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	*buf = malloc(cap);
	if (fd < 0 || !*buf || tc_read_full(fd, *buf, cap, &got) != 0)
		return -1;
	close(fd);
	*len = got;
	return 0;
}

/* Print each "HTTP/1.1 NNN" line start in what arrives, until EOF or timeout. */
static int
print_statuses(struct cl *c, bool tls)
{
	char buf[8192];
	size_t have = 0;
	int n, closed = 0;

	for (;;) {
		if (tls)
			n = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf + have,
					     sizeof(buf) - 1 - have);
		else {
			struct pollfd p = { c->fd, POLLIN, 0 };

			n = poll(&p, 1, c->timeout_ms) > 0 ?
				    (int)recv(c->fd, buf + have, sizeof(buf) - 1 - have, 0) : -2;
			if (n == -2)
				n = MBEDTLS_ERR_SSL_TIMEOUT;
		}
		if (n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0) {
			closed = n != MBEDTLS_ERR_SSL_TIMEOUT;
			break;
		}
		have += (size_t)n;
		if (have == sizeof(buf) - 1)
			have = 0;	/* only status lines matter */
	}
	buf[have] = '\0';
	for (char *p = buf; (p = strstr(p, "HTTP/1.1 ")) != NULL; p += 9)
		printf("%.12s\n", p);
	printf(closed ? "closed\n" : "not closed\n");
	return closed ? 0 : 1;
}

static int
mode_raw(struct cl *c, const char *file)
{
	uint8_t *data;
	size_t len;

	if (read_file(file, &data, &len) != 0 || cl_open(c, &o) != 0)
		return 1;
	/* A write may fail once the server has hung up mid-way: that is fine. */
	(void)cl_write(c, data, len);
	free(data);
	return print_statuses(c, true);
}

static int
mode_plain(struct cl *c, const char *file)
{
	uint8_t *data;
	size_t len;

	if (read_file(file, &data, &len) != 0 || (c->fd = cl_connect_tcp(o.addr, 0)) < 0)
		return 1;
	if (len)
		(void)!send(c->fd, data, len, MSG_NOSIGNAL);
	free(data);
	return print_statuses(c, false);
}

static int
mode_slowloris(struct cl *c, const char *ms_arg)
{
	static const char req[] = "HEAD /v1/photos/00000000000000000000000000000000 HTTP/1.1\r\n"
				  "Host: trust-server.local\r\nUser-Agent: slow\r\n"
				  "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
	struct pollfd p;
	uint64_t ms;
	size_t i, n = sizeof(req) - 1;

	if (tc_parse_u64(ms_arg, 1, 60000, &ms) != 0 || cl_open(c, &o) != 0)
		return 1;
	for (i = 0; i < n; i++) {
		if (cl_write(c, req + i, 1) != 0)
			break;
		/* Pace the next byte; a readable socket means the server answered or hung up. */
		p = (struct pollfd){ c->fd, POLLIN, 0 };
		if (poll(&p, 1, (int)ms) > 0) {
			unsigned char b[512];
			int r = mbedtls_ssl_read(&c->ssl, b, sizeof(b));

			if (r <= 0 && r != MBEDTLS_ERR_SSL_WANT_READ) {
				i++;
				break;
			}
		}
	}
	if (i < n) {
		printf("dropped after %zu of %zu bytes\n", i, n);
		return 0;
	}
	printf("not dropped: whole header sent\n");
	return 1;
}

static int
mode_idle(struct cl *c)
{
	if (cl_open(c, &o) != 0)
		return 1;
	if (cl_wait_close(c, NULL)) {
		printf("closed\n");
		return 0;
	}
	printf("not closed\n");
	return 1;
}

static int
mode_reneg(struct cl *c)
{
	int rc;

	if (cl_open(c, &o) != 0)
		return 1;
	do
		rc = mbedtls_ssl_renegotiate(&c->ssl);
	while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
	if (rc == 0) {
		printf("renegotiated\n");
		return 1;
	}
	cl_error("renegotiation refused", rc);
	return 0;
}

static int
mode_noread(struct cl *c, const char *n_arg)
{
	static const char req[] = "HEAD /v1/photos/00000000000000000000000000000000 HTTP/1.1\r\n"
				  "Host: trust-server.local\r\n\r\n";
	struct pollfd p;
	uint64_t n, i;
	char *buf;

	struct timeval tv = { o.timeout_ms / 1000, (o.timeout_ms % 1000) * 1000 };

	o.rcvbuf = 4096;	/* a small window, from the SYN on, fills soon */
	if (tc_parse_u64(n_arg, 1, 1000000, &n) != 0 || cl_open(c, &o) != 0)
		return 1;
	/* A send blocked past our timeout gives up. */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	buf = malloc(n * (sizeof(req) - 1));
	if (!buf)
		return 1;
	for (i = 0; i < n; i++)
		memcpy(buf + i * (sizeof(req) - 1), req, sizeof(req) - 1);
	/* Blocks once the server stops reading; fails once it has reset us. */
	(void)cl_write(c, buf, n * (sizeof(req) - 1));
	free(buf);
	/* No POLLIN: the answers stay unread; a reset shows as POLLERR/POLLHUP. */
	p = (struct pollfd){ c->fd, 0, 0 };
	if (poll(&p, 1, c->timeout_ms) > 0 && (p.revents & (POLLERR | POLLHUP))) {
		printf("reset by the server\n");
		return 0;
	}
	printf("not reset\n");
	return 1;
}

/* Read up to the end of one answer's head; print its status line.  0 or -1. */
static int
read_head(struct cl *c)
{
	char buf[4096];
	size_t have = 0;
	int n;

	while (have < sizeof(buf) - 1) {
		n = mbedtls_ssl_read(&c->ssl, (unsigned char *)buf + have, 1);
		if (n == MBEDTLS_ERR_SSL_WANT_READ)
			continue;
		if (n <= 0)
			break;
		have++;
		buf[have] = '\0';
		if (have >= 4 && memcmp(buf + have - 4, "\r\n\r\n", 4) == 0) {
			printf("%.12s\n", buf);
			return 0;
		}
	}
	printf("no answer\n");
	return -1;
}

static int
mode_gate(struct cl *c, const char *file1, const char *file2)
{
	uint8_t *d1 = NULL, *d2 = NULL;
	size_t l1, l2;
	char line[64];
	int rc = 1;

	if (read_file(file1, &d1, &l1) != 0 || read_file(file2, &d2, &l2) != 0 ||
	    cl_open(c, &o) != 0 || cl_write(c, d1, l1) != 0 || read_head(c) != 0)
		goto out;
	printf("waiting\n");
	if (!fgets(line, sizeof(line), stdin))
		goto out;
	(void)cl_write(c, d2, l2);
	rc = print_statuses(c, true);
out:
	free(d1);
	free(d2);
	return rc;
}

int
main(int argc, char **argv)
{
	struct cl c;
	uint64_t t;
	int ch, rc;

	o.reneg = true;
	while ((ch = getopt(argc, argv, "+a:C:c:k:n:t:")) != -1) {
		switch (ch) {
		case 'a': o.addr = optarg; break;
		case 'C': o.ca = optarg; break;
		case 'c': o.cert = optarg; break;
		case 'k': o.key = optarg; break;
		case 'n': o.name = optarg; break;
		case 't': if (tc_parse_u64(optarg, 1, 600000, &t) != 0) return 2; o.timeout_ms = (int)t; break;
		default: return 2;
		}
	}
	if (optind >= argc || cl_setup(&c, &o) != 0)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[optind], "raw") == 0 && argc - optind == 2)
		rc = mode_raw(&c, argv[optind + 1]);
	else if (strcmp(argv[optind], "plain") == 0 && argc - optind == 2)
		rc = mode_plain(&c, argv[optind + 1]);
	else if (strcmp(argv[optind], "slowloris") == 0 && argc - optind == 2)
		rc = mode_slowloris(&c, argv[optind + 1]);
	else if (strcmp(argv[optind], "idle") == 0)
		rc = mode_idle(&c);
	else if (strcmp(argv[optind], "noread") == 0 && argc - optind == 2)
		rc = mode_noread(&c, argv[optind + 1]);
	else if (strcmp(argv[optind], "gate") == 0 && argc - optind == 3)
		rc = mode_gate(&c, argv[optind + 1], argv[optind + 2]);
	else if (strcmp(argv[optind], "reneg") == 0)
		rc = mode_reneg(&c);
	else
		rc = 2;
	cl_free(&c);	/* close_notify is refused harmlessly on a plain socket */
	return rc;
}
