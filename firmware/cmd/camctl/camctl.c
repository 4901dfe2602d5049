/*
 * camctl.c - the device CLI for staff and IT, over photod's socket.
 * See camctl(1).
 *
 * camctl holds no key and opens no photo: every command is a request to
 * photod, which decides, acts and audits.  There is no command that reads
 * photo bytes; `camctl export` exists only to refuse (rule R3), and
 * photod records the attempt.
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

#include "tc_io.h"
#include "tc_ipc.h"

enum { EX_OK = 0, EX_FAIL = 1, EX_USAGE = 2, EX_REFUSED = 3, EX_NODAEMON = 4 };

static const char *run_dir = "/run/trustcam";

static void
usage(void)
{
	fprintf(stderr,
		"usage: camctl [-r RUN_DIR] command\n"
		"  status               device, camera and store state\n"
		"  cameras              cameras and their modes\n"
		"  capture [--count N]  take N photos (1..%d, default 1)\n"
		"  list                 photos on the device (ids, times, sizes, states)\n"
		"  discard ID           securely delete a photo not yet synced\n"
		"  export [ID]          refused: photos leave only by sync (rule R3)\n",
		TC_IPC_MAX_BURST);
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

/* Print an ERROR reply; map it to an exit status. */
static int
report_error(const struct tc_msg_error *e, const char *what)
{
	if (!tc_ipc_str_ok(e->text, sizeof(e->text)) || !tc_ipc_str_ok(e->rule, sizeof(e->rule))) {
		fprintf(stderr, "camctl: %s failed (malformed reply)\n", what);
		return EX_FAIL;
	}
	if (e->rule[0]) {
		fprintf(stderr, "camctl: %s refused: rule %s: %s\n", what, e->rule, e->text);
		return EX_REFUSED;
	}
	fprintf(stderr, "camctl: %s failed: %s\n", what, e->text);
	return EX_FAIL;
}

/* Receive the next reply of one of the expected types (or ERROR). */
static int
expect(int fd, uint16_t *type, void *buf, size_t cap, uint16_t a, uint16_t b)
{
	int rc = tc_ipc_recv(fd, type, buf, cap, 120000);

	if (rc != 0) {
		fprintf(stderr, "camctl: lost photod: %s\n", strerror(-rc));
		return EX_FAIL;
	}
	if (*type != a && *type != b && *type != TC_MSG_ERROR) {
		fprintf(stderr, "camctl: unexpected reply '%s'\n", tc_ipc_type_name(*type));
		return EX_FAIL;
	}
	return 0;
}

static void
fmt_time(uint64_t us, char *out, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (!us || !gmtime_r(&t, &tm) || !strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		tc_strlcpy(out, "-", len);
}

static int
cmd_status(int fd)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_status s; struct tc_msg_error e; } u;
	char oldest[32];
	uint16_t t;
	int rc;

	if (tc_ipc_send(fd, TC_MSG_STATUS_REQ, NULL, 0) != 0 ||
	    (rc = expect(fd, &t, &u, sizeof(u), TC_MSG_STATUS, 0)) != 0)
		return EX_FAIL;
	if (t == TC_MSG_ERROR)
		return report_error(&u.e, "status");
	if (!tc_ipc_str_ok(u.s.board, sizeof(u.s.board)) || !tc_ipc_str_ok(u.s.camera, sizeof(u.s.camera)) ||
	    !tc_ipc_str_ok(u.s.capture_blocked, sizeof(u.s.capture_blocked)))
		return EX_FAIL;
	fmt_time(u.s.oldest_unsynced_us, oldest, sizeof(oldest));
	printf("board:            %s\n", u.s.board);
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
	printf("capture:          %s\n", u.s.capture_blocked[0] ? u.s.capture_blocked : "ready");
	return EX_OK;
}

static int
cmd_cameras(int fd)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_camera c; struct tc_msg_end end; struct tc_msg_error e; } u;
	uint16_t t;
	uint32_t m;

	if (tc_ipc_send(fd, TC_MSG_CAMERAS_REQ, NULL, 0) != 0)
		return EX_FAIL;
	for (;;) {
		if (expect(fd, &t, &u, sizeof(u), TC_MSG_CAMERA, TC_MSG_CAMERAS_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return report_error(&u.e, "cameras");
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
	fmt_time(p->created_us, when, sizeof(when));
	printf("%s  %s  %10llu  %s\n", id, when, (unsigned long long)p->size,
	       tc_ipc_str_ok(p->state, sizeof(p->state)) ? p->state : "?");
}

static int
cmd_capture(int fd, uint32_t count)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_photo p; struct tc_msg_end end; struct tc_msg_error e; } u;
	struct tc_msg_capture_req req = { count };
	uint32_t got = 0;
	uint16_t t;

	if (tc_ipc_send(fd, TC_MSG_CAPTURE_REQ, &req, sizeof(req)) != 0)
		return EX_FAIL;
	for (;;) {
		if (expect(fd, &t, &u, sizeof(u), TC_MSG_CAPTURED, TC_MSG_CAPTURE_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR) {
			if (got)
				printf("captured %u of %u\n", got, count);
			return report_error(&u.e, "capture");
		}
		if (t == TC_MSG_CAPTURE_END)
			break;
		got++;
		print_photo(&u.p);
	}
	printf("captured %u of %u%s\n", u.end.count, count,
	       u.end.result ? " (photod is stopping)" : "");
	return u.end.count == count ? EX_OK : EX_FAIL;
}

static int
cmd_list(int fd)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_photo p; struct tc_msg_end end; struct tc_msg_error e; } u;
	uint16_t t;

	if (tc_ipc_send(fd, TC_MSG_LIST_REQ, NULL, 0) != 0)
		return EX_FAIL;
	printf("%-32s  %-20s  %10s  %s\n", "ID", "CAPTURED (UTC)", "BYTES", "STATE");
	for (;;) {
		if (expect(fd, &t, &u, sizeof(u), TC_MSG_PHOTO, TC_MSG_LIST_END) != 0)
			return EX_FAIL;
		if (t == TC_MSG_ERROR)
			return report_error(&u.e, "list");
		if (t == TC_MSG_LIST_END) {
			printf("%u photo(s)\n", u.end.count);
			return u.end.result == 0 ? EX_OK : EX_FAIL;
		}
		print_photo(&u.p);
	}
}

static int
parse_id(const char *s, struct tc_msg_id *id)
{
	if (!s || tc_hex_decode(s, id->id, sizeof(id->id)) != 0) {
		fprintf(stderr, "camctl: a photo id is %d hex digits (see camctl list)\n",
			2 * TC_IPC_ID_LEN);
		return -EINVAL;
	}
	return 0;
}

static int
cmd_discard(int fd, const char *arg)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_id id; struct tc_msg_error e; } u;
	struct tc_msg_id id;
	uint16_t t;

	if (parse_id(arg, &id) != 0)
		return EX_USAGE;
	if (tc_ipc_send(fd, TC_MSG_DISCARD_REQ, &id, sizeof(id)) != 0 ||
	    expect(fd, &t, &u, sizeof(u), TC_MSG_DISCARDED, 0) != 0)
		return EX_FAIL;
	if (t == TC_MSG_ERROR)
		return report_error(&u.e, "discard");
	printf("discarded %s (securely deleted)\n", arg);
	return EX_OK;
}

/* Ask photod so the attempt is audited; the answer is always no. */
static int
cmd_export(int fd, const char *arg)
{
	union { unsigned char raw[TC_IPC_MAX_PAYLOAD]; struct tc_msg_error e; } u;
	struct tc_msg_id id;
	uint16_t t;

	memset(&id, 0, sizeof(id));
	if (arg && tc_hex_decode(arg, id.id, sizeof(id.id)) != 0)
		memset(&id, 0, sizeof(id));	/* still refused, still audited */
	if (tc_ipc_send(fd, TC_MSG_EXPORT_REQ, &id, sizeof(id)) != 0 ||
	    expect(fd, &t, &u, sizeof(u), TC_MSG_ERROR, 0) != 0)
		return EX_REFUSED;
	return report_error(&u.e, "export");
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t count = 1;
	const char *cmd;
	int c, fd, rc;

	/* Progress lines (one per photo) reach a pipe as they happen. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt_long(argc, argv, "+r:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'r': run_dir = optarg; break;
		case 'h': usage(); return EX_OK;
		default: usage(); return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage();
		return EX_USAGE;
	}
	cmd = argv[optind++];
	if (strcmp(cmd, "capture") == 0) {
		/* capture [--count N | --count=N | -n N] */
		const char *n = NULL;

		if (optind < argc && strncmp(argv[optind], "--count=", 8) == 0)
			n = argv[optind++] + 8;
		else if (optind + 1 < argc && (strcmp(argv[optind], "--count") == 0 ||
					       strcmp(argv[optind], "-n") == 0)) {
			n = argv[optind + 1];
			optind += 2;
		}
		if ((n && tc_parse_u64(n, 1, TC_IPC_MAX_BURST, &count) != 0) || optind != argc) {
			fprintf(stderr, "camctl: usage: capture [--count N], N in 1..%d\n",
				TC_IPC_MAX_BURST);
			return EX_USAGE;
		}
	}
	if (strcmp(cmd, "export") == 0) {
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
	if (strcmp(cmd, "status") && strcmp(cmd, "cameras") && strcmp(cmd, "capture") &&
	    strcmp(cmd, "list") && strcmp(cmd, "discard")) {
		fprintf(stderr, "camctl: unknown command '%s'\n", cmd);
		usage();
		return EX_USAGE;
	}
	if ((strcmp(cmd, "discard") == 0 && optind + 1 != argc) ||
	    (strcmp(cmd, "discard") != 0 && optind != argc)) {
		fprintf(stderr, "camctl: wrong arguments for '%s'\n", cmd);
		usage();
		return EX_USAGE;
	}
	fd = connect_photod();
	if (fd < 0)
		return EX_NODAEMON;
	if (strcmp(cmd, "status") == 0)
		rc = cmd_status(fd);
	else if (strcmp(cmd, "cameras") == 0)
		rc = cmd_cameras(fd);
	else if (strcmp(cmd, "capture") == 0)
		rc = cmd_capture(fd, (uint32_t)count);
	else if (strcmp(cmd, "list") == 0)
		rc = cmd_list(fd);
	else
		rc = cmd_discard(fd, optind < argc ? argv[optind] : NULL);
	close(fd);
	return rc;
}
