/*
 * main.c - trust-server, the Trust's sync receiver.  See trust-server(8).
 *
 * main() reads as: defaults, parse, set up (listening sockets), drop
 * privileges, load the Trust's certificates and keys, open the data
 * directory and reconcile it with the ledger, open the registry, announce
 * readiness, accept until SIGTERM, then wait for the connections to
 * finish or abandon their requests, and tear down in reverse.
 *
 * The main thread only accepts (accept.c); each connection gets a thread
 * of its own (conn.c).  Process plumbing (-u, -b, -P) is in daemon.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_daemon.h"
#include "tc_log.h"
#include "tc_secmem.h"
#include "tc_version.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: trust-server -d DATA_DIR -t TRUST_DIR [-l ADDR:PORT]... [-e ADDR:PORT] [-u USER]\n"
		"                    [-K PASSFILE] [-o NAME=VALUE]... [-L err|warn|info|debug]\n"
		"                    [-s] [-b] [-P PIDFILE]\n"
		"       trust-server --help | --version\n");
}

/* "64M", "4G", "1048576": bytes. */
static int
parse_size(const char *s, uint64_t *out)
{
	char buf[32];
	size_t n = tc_strlcpy(buf, s, sizeof(buf));
	uint64_t mul = 1, v;

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	switch (buf[n - 1]) {
	case 'K': mul = 1ULL << 10; break;
	case 'M': mul = 1ULL << 20; break;
	case 'G': mul = 1ULL << 30; break;
	case 'T': mul = 1ULL << 40; break;
	default: break;
	}
	if (mul != 1)
		buf[n - 1] = '\0';
	if (tc_parse_u64(buf, 1, UINT64_MAX / mul, &v) != 0)
		return -EINVAL;
	*out = v * mul;
	return 0;
}

/* -o NAME=VALUE: the tunables trust-server(8) lists. */
static int
parse_tunable(struct srv_settings *set, const char *arg)
{
	static const struct { const char *name; size_t off; } secs[] = {
		{ "handshake-timeout", offsetof(struct srv_settings, handshake_ms) },
		{ "idle-timeout", offsetof(struct srv_settings, idle_ms) },
		{ "header-timeout", offsetof(struct srv_settings, header_ms) },
		{ "body-timeout", offsetof(struct srv_settings, body_ms) },
		{ "send-timeout", offsetof(struct srv_settings, send_ms) },
	};
	const char *eq = strchr(arg, '=');
	const char *v = eq ? eq + 1 : "";
	size_t klen = eq ? (size_t)(eq - arg) : 0, i;
	uint64_t n;

#define KEY(k) (klen == sizeof(k) - 1 && strncmp(arg, k, klen) == 0)
	if (KEY("max-object"))
		return parse_size(v, &set->max_object);
	if (KEY("quota"))
		return parse_size(v, &set->quota);
	if (KEY("partial-ttl"))	/* seconds; 0: keep partials for ever */
		return tc_parse_u64(v, 0, 10ULL * 366 * 86400, &set->partial_ttl_s);
	if (KEY("sweep-interval"))	/* seconds; 0: sweep at start-up only */
		return tc_parse_u64(v, 0, 366ULL * 86400, &set->sweep_s);
	if (KEY("audit-max"))
		return parse_size(v, &set->audit_max);
	if (KEY("max-conns") || KEY("device-conns") || KEY("handshake-conns") ||
	    KEY("handshake-per-addr") || KEY("enrol-max") || KEY("enrol-conns")) {
		if (tc_parse_u64(v, 1, 4096, &n) != 0)
			return -EINVAL;
		*(KEY("max-conns") ? &set->max_conns : KEY("device-conns") ? &set->device_conns :
		  KEY("handshake-conns") ? &set->hs_conns : KEY("enrol-max") ? &set->enrol_max :
		  KEY("enrol-conns") ? &set->enrol_conns : &set->hs_per_addr) = (unsigned)n;
		return 0;
	}
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		if (klen != strlen(secs[i].name) || strncmp(arg, secs[i].name, klen) != 0)
			continue;
		/* seconds, with up to 3 decimals ("0.5") */
		{
			char buf[32], *dot;
			uint64_t whole, frac = 0;
			size_t fl = 0;

			if (tc_strlcpy(buf, v, sizeof(buf)) >= sizeof(buf))
				return -EINVAL;
			if ((dot = strchr(buf, '.'))) {
				*dot = '\0';
				fl = strlen(dot + 1);
				if (fl < 1 || fl > 3 || tc_parse_u64(dot + 1, 0, 999, &frac) != 0)
					return -EINVAL;
				while (fl++ < 3)
					frac *= 10;
			}
			if (tc_parse_u64(buf, 0, 86400, &whole) != 0 || whole * 1000 + frac == 0)
				return -EINVAL;
			*(unsigned *)((char *)set + secs[i].off) = (unsigned)(whole * 1000 + frac);
			return 0;
		}
	}
#undef KEY
	return -EINVAL;
}

static int
setup_runtime(struct srv *s, int *signal_fd)
{
	sigset_t set;
	unsigned i;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	/* Blocked before any thread starts, so only the signalfd sees them. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	*signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	s->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	s->slot_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (*signal_fd < 0 || s->stop_fd < 0 || s->slot_fd < 0)
		return -errno;
	for (i = 0; i < s->set.n_listen; i++) {
		fd = srv_listen(s->set.listen[i]);
		if (fd < 0) {
			tc_err("listen on %s: %s", s->set.listen[i], tc_strerror(fd));
			return fd;
		}
		s->listen_fd[s->n_listen_fd++] = fd;
	}
	if (s->set.enrol_listen) {
		fd = srv_listen(s->set.enrol_listen);
		if (fd < 0) {
			tc_err("listen on %s: %s", s->set.enrol_listen, tc_strerror(fd));
			return fd;
		}
		s->listen_anon[s->n_listen_fd] = true;
		s->listen_fd[s->n_listen_fd++] = fd;
	}
	s->devices = tc_calloc(s->set.max_conns, sizeof(*s->devices));
	return s->devices ? 0 : -ENOMEM;
}

static int
open_trust_dir(struct srv *s)
{
	s->trust_fd = open(s->set.trust_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->trust_fd < 0) {
		tc_err("Trust directory %s: %s", s->set.trust_dir, strerror(errno));
		return -errno;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = { TC_VERSION_LONGOPTS, { NULL, 0, NULL, 0 } };
	static struct srv s;
	struct tc_daemon dm;
	int c, rc = 1, signal_fd = -1;

	/* defaults */
	tc_daemon_init(&dm, "trust-server");
	s.set.max_object = 64ULL << 20;
	s.set.quota = 8ULL << 30;
	s.set.partial_ttl_s = 30ULL * 86400;
	s.set.sweep_s = 86400;
	s.set.audit_max = 8ULL << 20;
	s.set.max_conns = 64;
	s.set.device_conns = 4;
	s.set.hs_conns = 128;
	s.set.hs_per_addr = 8;
	s.set.handshake_ms = 5000;
	s.set.idle_ms = 60000;
	s.set.header_ms = 10000;
	s.set.body_ms = 30000;
	s.set.send_ms = 30000;
	s.set.enrol_max = 64;
	s.set.enrol_conns = 8;
	s.enrol_fd = -1;
	s.data_fd = s.objects_fd = s.partial_fd = s.audit_fd = s.trust_fd = -1;
	s.stop_fd = s.slot_fd = -1;
	pthread_mutex_init(&s.lock, NULL);
	pthread_mutex_init(&s.commit_lock, NULL);
	pthread_cond_init(&s.idle, NULL);
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&s.auth_free, &ca);
		pthread_condattr_destroy(&ca);
	}
	tls_init(&s);

	/* parse */
	while ((c = getopt_long(argc, argv, "d:t:l:e:u:K:o:L:sbP:h", lopts, NULL)) != -1) {
		if (c == 'h')
			c = TC_OPT_HELP;
		if (tc_version_option(c, "trust-server", usage))
			return 0;
		if ((rc = tc_daemon_option(&dm, c, optarg, 'L')) != 0) {
			if (rc < 0)
				return 2;
			continue;
		}
		switch (c) {
		case 'd': s.set.data_dir = optarg; break;
		case 't': s.set.trust_dir = optarg; break;
		case 'l':
			if (s.set.n_listen == SRV_MAX_LISTEN) {
				fprintf(stderr, "trust-server: at most %d -l\n", SRV_MAX_LISTEN);
				return 2;
			}
			s.set.listen[s.set.n_listen++] = optarg;
			break;
		case 'e': s.set.enrol_listen = optarg; break;
		case 'u': s.set.user = optarg; break;
		case 'K': s.set.passfile = optarg; break;
		case 'o':
			if (parse_tunable(&s.set, optarg) != 0) {
				fprintf(stderr, "trust-server: bad -o '%s'\n", optarg);
				return 2;
			}
			break;
		default: usage(stderr); return 2;
		}
	}
	if (!s.set.data_dir || !s.set.trust_dir || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (s.set.n_listen == 0)
		s.set.listen[s.set.n_listen++] = "127.0.0.1:8443";

	/* set up: the receipt key must never reach a core file */
	/* Group read, never others: the administrators review through the server's group. */
	umask(027);
	if (tc_daemon_start(&dm) != 0)
		return 1;
	if ((rc = setup_runtime(&s, &signal_fd)) != 0)
		goto out;
	if ((rc = srv_drop_privileges(&s)) != 0) {
		tc_err("dropping privileges: %s", tc_strerror(rc));
		goto out;
	}
	if ((rc = tc_daemon_lock(&dm)) != 0)
		goto out;
	if ((rc = open_trust_dir(&s)) != 0 || (rc = tls_setup(&s)) != 0 ||
	    (rc = storage_open(&s)) != 0 || (rc = storage_reconcile(&s)) != 0 ||
	    (rc = upload_expire_all(&s)) != 0 || (rc = registry_lookup_open(&s)) != 0 ||
	    (rc = enrol_open(&s)) != 0)
		goto out;
	if (s.set.enrol_listen)
		tc_info("enrolment (no client certificate, /v1/enrol only) on %s", s.set.enrol_listen);
	tc_info("serving on %s%s%s (max %u connections, %u per device; handshakes: %u, "
		"%u per address)", s.set.listen[0], s.set.n_listen > 1 ? " and " : "",
		s.set.n_listen > 1 ? "more" : "", s.set.max_conns, s.set.device_conns,
		s.set.hs_conns, s.set.hs_per_addr);
	tc_daemon_ready(&dm.ready_fd);

	/* run */
	srv_serve(&s, signal_fd);
	srv_stop(&s);
	tc_info("stopped: %llu receipt(s) issued, %llu connection(s) refused",
		(unsigned long long)s.n_receipts, (unsigned long long)s.n_refused);
	rc = 0;

out:	/* tear down in reverse */
	registry_lookup_close(&s);
	if (s.enrol_fd >= 0)
		close(s.enrol_fd);
	storage_close(&s);
	tls_teardown(&s);
	if (s.trust_fd >= 0)
		close(s.trust_fd);
	for (unsigned i = 0; i < s.n_listen_fd; i++)
		close(s.listen_fd[i]);
	tc_free(s.devices);
	if (s.stop_fd >= 0)
		close(s.stop_fd);
	if (s.slot_fd >= 0)
		close(s.slot_fd);
	if (signal_fd >= 0)
		close(signal_fd);
	tc_daemon_unlock(&dm, rc == 0);
	tc_log_close();
	return rc == 0 ? 0 : 1;
}
