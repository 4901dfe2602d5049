/*
 * camctl_sync.c - `camctl sync` and the sync section of `camctl status`:
 * syncd's socket (RUN/syncd.sock, syncd_proto.h), not photod's.
 *
 * sync [--wait]: ask syncd for a pass now; with --wait, print progress
 * (photos and bytes done, rate, the last error; "stalled" when nothing
 * moved for SYNCD_STALL_SECS) until that pass ends, and exit 0 if it
 * succeeded, 1 if it failed, 4 if syncd is not running or went away.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "camctl.h"
#include "syncd_proto.h"
#include "tc_err.h"
#include "tc_ipc.h"
#include "tc_io.h"

#define PROGRESS_MS 250	/* how often --wait asks syncd for progress */

static int
syncd_connect(const char *run_dir)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", run_dir, SYNCD_SOCKET_NAME);
	return tc_ipc_connect(path);
}

/* One request, one status reply of exactly the right length: 0 or -1. */
static int
ask(int fd, uint16_t type, struct syncd_status *st)
{
	struct syncd_msg_hdr h = { type, SYNCD_PROTO_VERSION, 0 };
	unsigned char buf[sizeof(h) + sizeof(*st) + 1];
	struct pollfd p = { fd, POLLIN, 0 };
	ssize_t n;

	if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != (ssize_t)sizeof(h) || poll(&p, 1, 30000) != 1)
		return -1;
	n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
	if (n != (ssize_t)(sizeof(h) + sizeof(*st)))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.type != SYNCD_MSG_STATUS || h.version != SYNCD_PROTO_VERSION || h.len != sizeof(*st))
		return -1;
	memcpy(st, buf + sizeof(h), sizeof(*st));
	st->last_error[sizeof(st->last_error) - 1] = '\0';
	st->device_id[sizeof(st->device_id) - 1] = '\0';
	st->update[sizeof(st->update) - 1] = '\0';
	return 0;
}

static const char *
state_name(const struct syncd_status *st)
{
	if (st->state == SYNCD_SYNCING)
		return st->now - st->last_progress > SYNCD_STALL_SECS ? "syncing (stalled)" : "syncing";
	if (st->state == SYNCD_BACKOFF)
		return "waiting to retry";
	return "idle";
}

static void
print_progress(const struct syncd_status *st)
{
	printf("sync: %llu/%llu photos, %llu/%llu bytes, %.1f MB/s%s%s%s\n",
	       (unsigned long long)st->photos_done, (unsigned long long)st->photos_total,
	       (unsigned long long)st->bytes_done, (unsigned long long)st->bytes_total,
	       (double)st->rate_bps / 1e6,
	       st->state == SYNCD_SYNCING && st->now - st->last_progress > SYNCD_STALL_SECS ?
	       ", stalled: no progress" : "",
	       st->last_error[0] ? "; last error: " : "", st->last_error);
}

/* After a failed pass: what syncd does next, so nobody has to guess. */
static void
print_next(const struct syncd_status *st)
{
	if (st->state == SYNCD_BACKOFF && st->docked)
		printf("sync next: syncd retries by itself in %lld s while the camera stays "
		       "docked; unsynced photos stay on the camera until then "
		       "(camctl sync tries now)\n",
		       (long long)(st->next_retry > st->now ? st->next_retry - st->now : 0));
	else
		printf("sync next: syncd tries again at the next dock; unsynced photos stay on the "
		       "camera until then (camctl sync tries now)\n");
}

void
camctl_sync_status(const char *run_dir)
{
	struct syncd_status st;
	int fd = syncd_connect(run_dir);

	if (fd < 0 || ask(fd, SYNCD_MSG_STATUS_REQ, &st) != 0) {
		printf("sync:             syncd is not running\n");
		if (fd >= 0)
			close(fd);
		return;
	}
	close(fd);
	printf("sync:             %s; %s (power %s, link %s)\n", state_name(&st),
	       st.docked ? "docked" : "not docked", st.power ? "on" : "off", st.link ? "up" : "down");
	printf("sync pending:     %llu photos; %llu receipted awaiting delete\n",
	       (unsigned long long)st.pending, (unsigned long long)st.receipted);
	if (st.passes_started)
		printf("sync progress:    %llu/%llu photos, %llu/%llu bytes, %.1f MB/s, %llu deleted\n",
		       (unsigned long long)st.photos_done, (unsigned long long)st.photos_total,
		       (unsigned long long)st.bytes_done, (unsigned long long)st.bytes_total,
		       (double)st.rate_bps / 1e6, (unsigned long long)st.deleted);
	if (st.last_error[0])
		printf("sync last error:  %s\n", st.last_error);
	if (st.state == SYNCD_BACKOFF)
		printf("sync retry in:    %lld s (%u %s in a row)\n",
		       (long long)(st.next_retry - st.now), st.failures,
		       tc_plural(st.failures, "failure", "failures"));
	if (st.fw_release)
		printf("firmware release: %llu\n", (unsigned long long)st.fw_release);
	else
		printf("firmware release: not known (an image without a release number)\n");
	if (st.update[0])
		printf("update:           %s\n", st.update);
}

int
camctl_sync_usage(int argc, char **argv)
{
	return argc == 0 || (argc == 1 && strcmp(argv[0], "--wait") == 0) ? 0 : -EINVAL;
}

int
camctl_sync(const char *run_dir, int argc, char **argv)
{
	struct syncd_status st, last;
	uint64_t want;
	int fd, rc = EX_FAIL;

	fd = syncd_connect(run_dir);
	if (fd < 0) {
		fprintf(stderr, "camctl: syncd is not running (%s)\n", strerror(-fd));
		return EX_NODAEMON;
	}
	if (ask(fd, SYNCD_MSG_SYNC_REQ, &st) != 0)
		goto gone;
	want = st.wait_pass;
	printf("sync: pass %llu requested (%s)\n", (unsigned long long)want,
	       st.docked ? "docked" : "not docked: by hand");
	if (argc == 0) {
		close(fd);
		return EX_OK;
	}
	(void)argv;
	memset(&last, 0xff, sizeof(last));
	for (;;) {
		if (ask(fd, SYNCD_MSG_STATUS_REQ, &st) != 0)
			goto gone;
		if (st.passes_done >= want)
			break;
		if (st.passes_started >= want &&
		    (st.photos_done != last.photos_done || st.bytes_done != last.bytes_done ||
		     (st.now - st.last_progress > SYNCD_STALL_SECS) !=
		     (last.now - last.last_progress > SYNCD_STALL_SECS))) {
			print_progress(&st);
			last = st;
		}
		(void)poll(NULL, 0, PROGRESS_MS);
	}
	print_progress(&st);
	if (st.last_result == 0) {
		printf("sync done: %llu %s uploaded, %llu deleted\n",
		       (unsigned long long)st.photos_done,
		       tc_plural(st.photos_done, "photo", "photos"), (unsigned long long)st.deleted);
		rc = EX_OK;
	} else {
		printf("sync failed: %s\n", st.last_error[0] ? st.last_error :
		       tc_strerror(st.last_result));
		print_next(&st);
	}
	close(fd);
	return rc;
gone:
	fprintf(stderr, "camctl: syncd went away\n");
	close(fd);
	return EX_NODAEMON;
}
