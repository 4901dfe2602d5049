/*
 * tc_flood.c - unauthenticated connections that never finish a TLS
 * handshake, for trust-server's handshake-budget test and benchmark.
 *
 *   tc_flood -a ADDR:PORT -n SILENT -T TRICKLE [-m MS] [-s SOURCES]
 *
 * SILENT connections say nothing; TRICKLE connections send a TLS 1.2
 * ClientHello one byte every MS milliseconds (default 200).  They come
 * from SOURCES loopback addresses 127.0.0.2, 127.0.0.3, ... (default 1),
 * as an attacker with several hosts would.  A connection the server
 * closes is opened again MS milliseconds later, so the load holds.
 * Prints "holding N" once every connection has been opened the first
 * time, then runs until its standard input reaches end of file (the
 * caller decides how long the flood lasts), and prints "opened N
 * dropped M": connections opened in all, and how many the server closed.
 * IPv4 loopback only.  Exit 0, or 1 if a socket could not be made.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tc_io.h"

#define MAX_CONNS 4096

static const unsigned char hello[] = {
	0x16, 0x03, 0x01, 0x00, 0x43,	/* record: handshake, 67 bytes */
	0x01, 0x00, 0x00, 0x3f,		/* ClientHello, 63 bytes */
	0x03, 0x03,			/* client_version: TLS 1.2 */
	[11 ... 42] = 0x5a,		/* random */
	0x00,				/* no session id */
	0x00, 0x08, 0xcc, 0xa9, 0xc0, 0x2b, 0xc0, 0x2c, 0xc0, 0x09,	/* suites */
	0x01, 0x00,			/* compression: null */
	0x00, 0x0e,			/* extensions, 14 bytes: */
	0x00, 0x0a, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,	/* groups: secp256r1 */
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,		/* point formats: uncompressed */
};

struct fc {
	int fd;
	bool trickle;
	size_t sent;		/* bytes of the hello sent */
	uint64_t next_us;	/* next byte (trickle) or reopen (closed) */
};

static struct sockaddr_in dst;
static unsigned n_sources = 1;
static uint64_t opened, dropped;

static int
open_one(struct fc *f, unsigned i)
{
	struct sockaddr_in src = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	src.sin_addr.s_addr = htonl(0x7f000002u + i % n_sources);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) != 0 ||
	    (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) != 0 && errno != EINPROGRESS)) {
		close(fd);
		return -1;
	}
	f->fd = fd;
	f->sent = 0;
	opened++;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct fc fc[MAX_CONNS];
	static struct pollfd p[MAX_CONNS + 1];
	unsigned n_silent = 0, n_trickle = 0, n, i, k;
	uint64_t v, ms = 200, now, next;
	char host[64], *port;
	char buf[512];
	int ch, wait_ms;

	while ((ch = getopt(argc, argv, "a:n:T:m:s:")) != -1) {
		switch (ch) {
		case 'a':
			if (tc_strlcpy(host, optarg, sizeof(host)) >= sizeof(host) ||
			    !(port = strrchr(host, ':')))
				return 2;
			*port++ = '\0';
			dst.sin_family = AF_INET;
			if (inet_pton(AF_INET, host, &dst.sin_addr) != 1 ||
			    tc_parse_u64(port, 1, 65535, &v) != 0)
				return 2;
			dst.sin_port = htons((uint16_t)v);
			break;
		case 'n':
		case 'T':
			if (tc_parse_u64(optarg, 0, MAX_CONNS, &v) != 0)
				return 2;
			*(ch == 'n' ? &n_silent : &n_trickle) = (unsigned)v;
			break;
		case 'm': if (tc_parse_u64(optarg, 1, 60000, &ms) != 0) return 2; break;
		case 's': if (tc_parse_u64(optarg, 1, 250, &v) != 0) return 2; n_sources = (unsigned)v; break;
		default: return 2;
		}
	}
	n = n_silent + n_trickle;
	if (!dst.sin_family || n == 0 || n > MAX_CONNS || optind != argc)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	now = tc_time_mono_us();
	for (i = 0; i < n; i++) {
		fc[i].trickle = i >= n_silent;
		fc[i].next_us = now;
		if (open_one(&fc[i], i) != 0) {
			printf("socket %u: %s\n", i, strerror(errno));
			return 1;
		}
	}
	printf("holding %u\n", n);
	for (;;) {
		/* stdin, and every open connection: readable means the server spoke or closed. */
		p[0] = (struct pollfd){ 0, POLLIN, 0 };
		now = tc_time_mono_us();
		next = now + ms * 1000;
		for (i = 0, k = 1; i < n; i++) {
			if (fc[i].fd >= 0)
				p[k++] = (struct pollfd){ fc[i].fd, POLLIN, 0 };
			if ((fc[i].fd < 0 || fc[i].trickle) && fc[i].next_us < next)
				next = fc[i].next_us;
		}
		wait_ms = next > now ? (int)((next - now + 999) / 1000) : 0;
		if (poll(p, k, wait_ms) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents & (POLLIN | POLLHUP)) {
			if (read(0, buf, sizeof(buf)) <= 0)
				break;
		}
		now = tc_time_mono_us();
		for (i = 0, k = 1; i < n; i++) {
			struct fc *f = &fc[i];

			if (f->fd >= 0 && (p[k++].revents & (POLLIN | POLLHUP | POLLERR))) {
				/* An alert or a close: either way the server let go. */
				if (recv(f->fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
					continue;
				close(f->fd);
				f->fd = -1;
				dropped++;
				f->next_us = now + ms * 1000;
				continue;
			}
			if (f->fd < 0 && f->next_us <= now) {
				f->next_us = now + ms * 1000;
				if (open_one(f, i) != 0)
					f->fd = -1;
				continue;
			}
			if (f->fd >= 0 && f->trickle && f->next_us <= now && f->sent < sizeof(hello)) {
				if (send(f->fd, hello + f->sent, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1)
					f->sent++;
				f->next_us = now + ms * 1000;
			}
		}
	}
	printf("opened %llu dropped %llu\n", (unsigned long long)opened,
	       (unsigned long long)dropped);
	for (i = 0; i < n; i++)
		if (fc[i].fd >= 0)
			close(fc[i].fd);
	return 0;
}
