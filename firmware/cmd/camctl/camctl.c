/*
 * camctl.c - the device CLI for staff and IT, over photod's socket.
 * See camctl(1).
 *
 * camctl holds no key and opens no photo: every command is a request to
 * photod, which decides, acts and audits.  There is no command that reads
 * photo bytes; `camctl export` exists only to refuse (rule R3), and
 * photod records the attempt.  The files of `provision install` are
 * opened here, with the caller's own permissions, and handed to photod as
 * descriptors.
 *
 * Exit status: 0 done, 1 failed, 2 usage, 3 refused by a device rule,
 * 4 photod not reachable.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "camctl.h"
#include "tc_image.h"
#include "tc_io.h"
#include "tc_version.h"

static const char *run_dir = "/run/trustcam";
/* photod closed the connection mid-request (it stopped or crashed): exit 4, not 1. */
static bool photod_gone;

static bool
lost(int rc)
{
	if (rc != -ECONNRESET && rc != -EPIPE && rc != -ENOTCONN)
		return false;
	if (!photod_gone)
		fprintf(stderr, "camctl: photod is gone: it closed the connection before "
			"answering (it stopped or crashed; see its log, restart it)\n");
	photod_gone = true;
	return true;
}

int
camctl_send_fds(int fd, uint16_t type, const void *req, size_t len, const int *fds, size_t n)
{
	int rc = tc_ipc_send_fds(fd, type, req, len, fds, n);

	if (rc != 0 && !lost(rc))
		fprintf(stderr, "camctl: cannot send the request to photod: %s\n", strerror(-rc));
	return rc;
}

int
camctl_send(int fd, uint16_t type, const void *req, size_t len)
{
	return camctl_send_fds(fd, type, req, len, NULL, 0);
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: camctl [-r RUN_DIR] command\n"
		"       camctl --help | --version\n"
		"  status                  device, policy, login, camera and store state\n"
		"  cameras                 cameras and their modes\n"
		"  login STAFF [--pin-stdin]  log in (PIN from the terminal, or stdin)\n"
		"  logout                  log out\n"
		"  event set ID | clear | list   the event photos are taken at\n"
		"  capture [--count N] [--pupils REF,REF,...]\n"
		"                          take N photos (1..%d) of up to %d tagged pupils\n"
		"  list                    photos on the device (ids, times, sizes, states)\n"
		"  discard ID              securely delete a photo not yet synced\n"
		"  export [ID]             refused: photos leave only by sync (rule R3)\n"
		"  provision request       make the identity key, print its CSR (PEM)\n"
		"  provision install --cert F --ca F --policy F\n"
		"                          install the device certificate, Trust CA, policy\n"
		"  policy install F        install a newer policy bundle\n"
		"  wipe [--force]          crypto-erase keys, photos and provisioning\n"
		"  sync [--wait]           sync with the Trust server now (syncd); --wait\n"
		"                          shows progress until the pass ends\n"
		"  usb-refused [--sysfs DIR] IFACE\n"
		"                          record a USB refusal in the audit log (root; udev)\n",
		TC_IPC_MAX_BURST, TC_IPC_MAX_PUPILS);
}

static int
connect_photod(void)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", run_dir, TC_IPC_SOCKET_NAME);
	fd = tc_ipc_connect(path);
	if (fd < 0)
		fprintf(stderr, "camctl: photod is not running (%s: %s)\n", path, strerror(-fd));
	return fd;
}

int
camctl_report_error(const struct tc_msg_error *e, const char *what)
{
	if (!tc_ipc_str_ok(e->text, sizeof(e->text)) || !tc_ipc_str_ok(e->rule, sizeof(e->rule))) {
		fprintf(stderr, "camctl: %s failed (malformed reply)\n", what);
		return EX_FAIL;
	}
	if (e->rule[0] == 'R') {
		fprintf(stderr, "camctl: %s refused: rule %s: %s\n", what, e->rule, e->text);
		return EX_REFUSED;
	}
	if (e->rule[0]) {
		fprintf(stderr, "camctl: %s refused by the %s: %s\n", what, e->rule, e->text);
		return EX_REFUSED;
	}
	fprintf(stderr, "camctl: %s failed: %s\n", what, e->text);
	return EX_FAIL;
}

int
camctl_expect(int fd, uint16_t *type, union camctl_reply *u, uint16_t a, uint16_t b)
{
	int rc = tc_ipc_recv(fd, type, u, sizeof(*u), 120000);

	if (rc != 0) {
		if (!lost(rc))
			fprintf(stderr, "camctl: no answer from photod: %s\n", strerror(-rc));
		return EX_FAIL;
	}
	if (*type != a && *type != b && *type != TC_MSG_ERROR) {
		fprintf(stderr, "camctl: unexpected reply '%s'\n", tc_ipc_type_name(*type));
		return EX_FAIL;
	}
	return 0;
}

int
camctl_simple(int fd, uint16_t type, const void *req, size_t len, const char *what)
{
	union camctl_reply u;
	uint16_t t;

	if (camctl_send(fd, type, req, len) != 0 ||
	    camctl_expect(fd, &t, &u, TC_MSG_OK, 0) != 0)
		return EX_FAIL;
	if (t == TC_MSG_ERROR)
		return camctl_report_error(&u.e, what);
	if (!tc_ipc_str_ok(u.ok.text, sizeof(u.ok.text)))
		return EX_FAIL;
	printf("%s\n", u.ok.text);
	return EX_OK;
}

void
camctl_fmt_time(uint64_t secs, char *out, size_t len)
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!secs || !gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		tc_strlcpy(out, "-", len);
}

static bool
status_strings_ok(const struct tc_msg_status *s)
{
	return tc_ipc_str_ok(s->board, sizeof(s->board)) &&
	       tc_ipc_str_ok(s->camera, sizeof(s->camera)) &&
	       tc_ipc_str_ok(s->capture_blocked, sizeof(s->capture_blocked)) &&
	       tc_ipc_str_ok(s->blocked_rule, sizeof(s->blocked_rule)) &&
	       tc_ipc_str_ok(s->device_id, sizeof(s->device_id)) &&
	       tc_ipc_str_ok(s->device_class, sizeof(s->device_class)) &&
	       tc_ipc_str_ok(s->staff, sizeof(s->staff)) &&
	       tc_ipc_str_ok(s->event, sizeof(s->event)) &&
	       tc_ipc_str_ok(s->firmware, sizeof(s->firmware)) &&
	       tc_ipc_str_ok(s->model, sizeof(s->model)) &&
	       tc_ipc_str_ok(s->keystore, sizeof(s->keystore));
}

static void
print_provisioning(const struct tc_msg_status *s)
{
	char when[32];

	printf("device:           %s (%s)\n", s->device_id[0] ? s->device_id : "no identity key",
	       s->provisioned ? "provisioned" : "not provisioned");
	if (s->policy_version) {
		camctl_fmt_time((uint64_t)s->policy_expires, when, sizeof(when));
		printf("class:            %s\n", s->device_class);
		printf("policy:           v%llu, expires %s\n",
		       (unsigned long long)s->policy_version, when);
	} else {
		printf("class:            -\n");
		printf("policy:           none valid (%s)\n", tc_strerror(s->policy_state));
	}
	if (s->provisioned && s->last_sync == 0) {
		printf("last sync:        never\n");
	} else if (s->provisioned && s->last_sync < 0) {
		printf("last sync:        unknown (photod cannot read the time)\n");
	} else if (s->provisioned) {
		camctl_fmt_time((uint64_t)s->last_sync, when, sizeof(when));
		printf("last sync:        %s (%lld h ago)\n", when, s->now > s->last_sync ?
		       (long long)((s->now - s->last_sync) / 3600) : 0LL);
	}
	printf("staff:            %s\n", s->staff[0] ? s->staff : "nobody logged in");
	printf("event:            %s%s\n", s->event[0] ? s->event : "-",
	       s->require_event ? " (the policy requires one)" : "");
	if (s->login_locked_until) {
		camctl_fmt_time((uint64_t)s->login_locked_until, when, sizeof(when));
		printf("login:            locked until %s\n", when);
	}
}

/* Which image the device runs (os-release, written by tools/image/mkimage); nothing on a PC. */
static void
print_image(void)
{
	struct tc_image_release r;

	if (tc_image_release_read("/etc/os-release", &r) == 0 && r.version[0])
		printf("image:            %s (%s)\n", r.version, r.build_id[0] ? r.build_id : "no build id");
}

static int
cmd_status(int fd)
{
	union camctl_reply u;
	char oldest[32];
	uint16_t t;
	int rc;

	if (camctl_send(fd, TC_MSG_STATUS_REQ, NULL, 0) != 0 ||
	    (rc = camctl_expect(fd, &t, &u, TC_MSG_STATUS, 0)) != 0)
		return EX_FAIL;
	if (t == TC_MSG_ERROR)
		return camctl_report_error(&u.e, "status");
	if (!status_strings_ok(&u.s))
		return EX_FAIL;
	camctl_fmt_time(u.s.oldest_unsynced_us / 1000000, oldest, sizeof(oldest));
	printf("board:            %s\n", u.s.board);
	printf("model:            %s\n", u.s.model);
	printf("firmware:         %s\n", u.s.firmware);
	printf("keys:             %s\n", strcmp(u.s.keystore, "tpm") == 0 ?
	       "tpm (sealed to this device's TPM 2.0)" :
	       strcmp(u.s.keystore, "file") == 0 ? "file (key files on this device's disk)" :
	       u.s.keystore);
	print_image();
	print_provisioning(&u.s);
	if (u.s.camera_state == 0)
		printf("camera:           %s at %ux%u\n", u.s.camera, u.s.width, u.s.height);
	else
		printf("camera:           unavailable\n");
	printf("photos held:      %llu (%llu bytes sealed)\n", (unsigned long long)u.s.photos_total,
	       (unsigned long long)u.s.bytes_total);
	printf("unsynced:         %llu (oldest %s)\n", (unsigned long long)u.s.unsynced, oldest);
	printf("quota:            %llu photos, %llu MiB\n", (unsigned long long)u.s.quota_photos,
	       (unsigned long long)(u.s.quota_bytes >> 20));
	printf("captured:         %llu since photod started\n",
	       (unsigned long long)u.s.captured_since_start);
	printf("audit entries:    %llu\n", (unsigned long long)u.s.audit_seq);
	if (!u.s.capture_blocked[0])
		printf("capture:          ready\n");
	else if (u.s.blocked_rule[0])
		printf("capture:          blocked (%s): %s\n", u.s.blocked_rule, u.s.capture_blocked);
	else
		printf("capture:          blocked: %s\n", u.s.capture_blocked);
	camctl_sync_status(run_dir);
	return EX_OK;
}

static int
cmd_cameras(int fd)
{
	union camctl_reply u;
	uint16_t t;
	uint32_t m;

	if (camctl_send(fd, TC_MSG_CAMERAS_REQ, NULL, 0) != 0)
		return EX_FAIL;
	for (;;) {
		if (camctl_expect(fd, &t, &u, TC_MSG_CAMERA, TC_MSG_CAMERAS_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return camctl_report_error(&u.e, "cameras");
		if (t == TC_MSG_CAMERAS_END) {
			if (u.end.count == 0)
				printf("no cameras\n");
			return u.end.result == 0 ? EX_OK : EX_FAIL;
		}
		if (!tc_ipc_str_ok(u.c.id, sizeof(u.c.id)) || !tc_ipc_str_ok(u.c.model, sizeof(u.c.model)))
			return EX_FAIL;
		printf("%-24s %-28s", u.c.id, u.c.model);
		for (m = 0; m < u.c.nmodes && m < 8; m++)
			printf(" %ux%u", u.c.width[m], u.c.height[m]);
		printf("\n");
	}
}

static void
print_photo(const struct tc_msg_photo *p)
{
	char id[2 * TC_IPC_ID_LEN + 1], when[32];

	tc_hex_encode(p->id, sizeof(p->id), id);
	camctl_fmt_time(p->created_us / 1000000, when, sizeof(when));
	printf("%s  %s  %10llu  %s\n", id, when, (unsigned long long)p->size,
	       tc_ipc_str_ok(p->state, sizeof(p->state)) ? p->state : "?");
}

/* --pupils A,B,C into req; 0 or -EINVAL. */
static int
parse_pupils(const char *list, struct tc_msg_capture_req *req)
{
	char buf[TC_IPC_MAX_PUPILS * TC_IPC_NAME_MAX], *save = NULL, *tok;

	if (tc_strlcpy(buf, list, sizeof(buf)) >= sizeof(buf))
		return -EINVAL;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (req->n_pupils == TC_IPC_MAX_PUPILS ||
		    tc_strlcpy(req->pupils[req->n_pupils], tok, TC_IPC_NAME_MAX) >= TC_IPC_NAME_MAX)
			return -EINVAL;
		req->n_pupils++;
	}
	return req->n_pupils ? 0 : -EINVAL;
}

/* capture [--count N | -n N | --count=N] [--pupils L | --pupils=L], any order. */
static int
parse_capture(int argc, char **argv, struct tc_msg_capture_req *req)
{
	uint64_t count = 1;
	const char *n = NULL, *p = NULL;
	int i;

	memset(req, 0, sizeof(*req));
	for (i = 0; i < argc; i++) {
		if (strncmp(argv[i], "--count=", 8) == 0)
			n = argv[i] + 8;
		else if (strncmp(argv[i], "--pupils=", 9) == 0)
			p = argv[i] + 9;
		else if (i + 1 < argc && (!strcmp(argv[i], "--count") || !strcmp(argv[i], "-n")))
			n = argv[++i];
		else if (i + 1 < argc && !strcmp(argv[i], "--pupils"))
			p = argv[++i];
		else
			return -EINVAL;
	}
	if ((n && tc_parse_u64(n, 1, TC_IPC_MAX_BURST, &count) != 0) ||
	    (p && parse_pupils(p, req) != 0))
		return -EINVAL;
	req->count = (uint32_t)count;
	return 0;
}

static int
capture_usage(int argc, char **argv)
{
	struct tc_msg_capture_req req;

	if (parse_capture(argc, argv, &req) == 0)
		return 0;
	fprintf(stderr, "camctl: usage: capture [--count N] [--pupils REF,REF,...], N in 1..%d, "
		"at most %d refs of 1..63 characters\n", TC_IPC_MAX_BURST, TC_IPC_MAX_PUPILS);
	return -EINVAL;
}

static int
cmd_capture(int fd, int argc, char **argv)
{
	union camctl_reply u;
	struct tc_msg_capture_req req;
	uint32_t got = 0;
	uint16_t t;

	if (parse_capture(argc, argv, &req) != 0 ||
	    camctl_send(fd, TC_MSG_CAPTURE_REQ, &req, sizeof(req)) != 0)
		return EX_FAIL;
	for (;;) {
		if (camctl_expect(fd, &t, &u, TC_MSG_CAPTURED, TC_MSG_CAPTURE_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR) {
			if (got)
				printf("captured %u of %u\n", got, req.count);
			return camctl_report_error(&u.e, "capture");
		}
		if (t == TC_MSG_CAPTURE_END)
			break;
		got++;
		print_photo(&u.p);
	}
	printf("captured %u of %u%s%s\n", u.end.count, req.count,
	       u.end.result ? " (photod is stopping)" : "",
	       req.n_pupils ? "" : " (untagged: pupils are tagged at review)");
	return u.end.count == req.count ? EX_OK : EX_FAIL;
}

static int
cmd_list(int fd)
{
	union camctl_reply u;
	uint16_t t;

	if (camctl_send(fd, TC_MSG_LIST_REQ, NULL, 0) != 0)
		return EX_FAIL;
	printf("%-32s  %-20s  %10s  %s\n", "ID", "CAPTURED (UTC)", "BYTES", "STATE");
	for (;;) {
		if (camctl_expect(fd, &t, &u, TC_MSG_PHOTO, TC_MSG_LIST_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return camctl_report_error(&u.e, "list");
		if (t == TC_MSG_LIST_END) {
			printf("%u %s\n", u.end.count, tc_plural(u.end.count, "photo", "photos"));
			return u.end.result == 0 ? EX_OK : EX_FAIL;
		}
		print_photo(&u.p);
	}
}

static int
cmd_discard(int fd, const char *arg)
{
	union camctl_reply u;
	struct tc_msg_id id;
	uint16_t t;

	if (!arg || tc_hex_decode(arg, id.id, sizeof(id.id)) != 0) {
		fprintf(stderr, "camctl: a photo id is %d hex digits (see camctl list)\n",
			2 * TC_IPC_ID_LEN);
		return EX_USAGE;
	}
	if (camctl_send(fd, TC_MSG_DISCARD_REQ, &id, sizeof(id)) != 0 ||
	    camctl_expect(fd, &t, &u, TC_MSG_DISCARDED, 0) != 0)
		return EX_FAIL;
	if (t == TC_MSG_ERROR)
		return camctl_report_error(&u.e, "discard");
	printf("discarded %s (securely deleted)\n", arg);
	return EX_OK;
}

/* Ask photod so the attempt is audited; the answer is always no. */
static int
cmd_export(int fd, const char *arg)
{
	union camctl_reply u;
	struct tc_msg_id id;
	uint16_t t;

	memset(&id, 0, sizeof(id));
	if (arg && tc_hex_decode(arg, id.id, sizeof(id.id)) != 0)
		memset(&id, 0, sizeof(id));	/* still refused, still audited */
	if (camctl_send(fd, TC_MSG_EXPORT_REQ, &id, sizeof(id)) != 0 ||
	    camctl_expect(fd, &t, &u, TC_MSG_ERROR, 0) != 0)
		return EX_REFUSED;
	return camctl_report_error(&u.e, "export");
}

static int
no_args(int argc, char **argv)
{
	(void)argv;
	return argc == 0 ? 0 : -EINVAL;
}

static int
one_arg(int argc, char **argv)
{
	(void)argv;
	return argc == 1 ? 0 : -EINVAL;
}

static int
run_status(int fd, int argc, char **argv) { (void)argc; (void)argv; return cmd_status(fd); }
static int
run_cameras(int fd, int argc, char **argv) { (void)argc; (void)argv; return cmd_cameras(fd); }
static int
run_list(int fd, int argc, char **argv) { (void)argc; (void)argv; return cmd_list(fd); }
static int
run_discard(int fd, int argc, char **argv) { (void)argc; return cmd_discard(fd, argv[0]); }

static const struct command {
	const char *name;
	int (*check)(int argc, char **argv);	/* usage, before photod is asked */
	int (*run)(int fd, int argc, char **argv);
} commands[] = {
	{ "status", no_args, run_status },
	{ "cameras", no_args, run_cameras },
	{ "capture", capture_usage, cmd_capture },
	{ "list", no_args, run_list },
	{ "discard", one_arg, run_discard },
	{ "login", camctl_login_usage, camctl_login },
	{ "logout", no_args, camctl_logout },
	{ "event", camctl_event_usage, camctl_event },
	{ "provision", camctl_provision_usage, camctl_provision },
	{ "policy", camctl_policy_usage, camctl_policy },
	{ "wipe", camctl_wipe_usage, camctl_wipe },
	{ "usb-refused", camctl_usb_usage, camctl_usb_refused },
};

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, TC_OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	const struct command *cmd = NULL;
	const char *name;
	size_t i;
	int c, fd, rc;

	/* Progress lines (one per photo) reach a pipe as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "+r:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'r': run_dir = optarg; break;
		case 'h': usage(stdout); return EX_OK;
		case TC_OPT_VERSION: tc_version_print(stdout, "camctl"); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	name = argv[optind++];
	if (strcmp(name, "export") == 0) {
		/* Whatever follows, the answer is no; photod records the attempt. */
		fd = connect_photod();
		if (fd < 0) {
			fprintf(stderr, "camctl: export refused: rule R3: photos leave the device "
				"only to the Trust server, by sync at a dock\n");
			return EX_REFUSED;
		}
		rc = cmd_export(fd, optind < argc ? argv[optind] : NULL);
		close(fd);
		return rc;
	}
	if (strcmp(name, "sync") == 0) {
		/* syncd's socket, not photod's */
		if (camctl_sync_usage(argc - optind, argv + optind) != 0) {
			usage(stderr);
			return EX_USAGE;
		}
		return camctl_sync(run_dir, argc - optind, argv + optind);
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			cmd = &commands[i];
	if (!cmd) {
		fprintf(stderr, "camctl: unknown command '%s'\n", name);
		usage(stderr);
		return EX_USAGE;
	}
	if (cmd->check(argc - optind, argv + optind) != 0) {
		fprintf(stderr, "camctl: wrong arguments for '%s'\n", name);
		usage(stderr);
		return EX_USAGE;
	}
	fd = connect_photod();
	if (fd < 0)
		return EX_NODAEMON;
	rc = cmd->run(fd, argc - optind, argv + optind);
	close(fd);
	return rc == EX_FAIL && photod_gone ? EX_NODAEMON : rc;
}
