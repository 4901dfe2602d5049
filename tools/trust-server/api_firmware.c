/*
 * api_firmware.c - GET (and HEAD) /v1/firmware?board=BOARD: the newest
 * signed firmware bundle trustadm published for the board, from the
 * share's firmware/BOARD-RELEASE.raucb (issue 17).
 *
 * Resumable like uploads: a device that holds the first N bytes asks
 * with "Range: bytes=N-" and "Firmware-Release: R" (the release it was
 * downloading); when R is still the newest it gets 206 and the rest,
 * otherwise 200 and the whole newer bundle.  Every answer names the
 * release (Firmware-Release) and its length, so a HEAD tells a device
 * whether there is anything newer than what it runs.  The body is read
 * from the file as it is sent (bundles are hundreds of MiB), never held
 * in memory.  The server does not verify the bundle: the device does,
 * against the firmware-signing certificate it pins, which is the only
 * check that counts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_update.h"

#define FIRMWARE_CONTENT_TYPE "application/vnd.rauc.bundle"

/* The release in "BOARD-RELEASE.raucb" for board; 0 for any other name. */
static uint64_t
release_of(const char *name, const char *board)
{
	size_t bl = strlen(board), n = strlen(name);
	char num[24];
	uint64_t r;

	if (n <= bl + 7 || n - bl - 7 >= sizeof(num) || strncmp(name, board, bl) != 0 ||
	    name[bl] != '-' || strcmp(name + n - 6, ".raucb") != 0 || name[bl + 1] == '0')
		return 0;
	memcpy(num, name + bl + 1, n - bl - 7);
	num[n - bl - 7] = 0;
	return tc_parse_u64(num, 1, TC_UPDATE_RELEASE_MAX, &r) == 0 ? r : 0;
}

/* The newest release for board in the share's firmware/ (0: none), or a negative errno. */
static int64_t
newest(int fwfd, const char *board)
{
	int fd = dup(fwfd);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	uint64_t best = 0, r;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	while ((de = readdir(d)) != NULL)
		if ((r = release_of(de->d_name, board)) > best)
			best = r;
	closedir(d);
	return (int64_t)best;
}

int
firmware_begin(struct conn *c)
{
	struct req *q = &c->req;
	struct resp *r = &q->resp;
	char name[TC_UPDATE_BOARD_MAX + 32];
	struct stat st;
	int64_t rel;
	uint64_t start = 0;
	int fwfd, fd;

	fwfd = openat(c->s->trust_fd, "firmware", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rel = fwfd < 0 ? (errno == ENOENT ? 0 : -errno) : newest(fwfd, q->board);
	if (rel <= 0) {
		if (fwfd >= 0)
			close(fwfd);
		if (rel < 0)
			tc_warn("%s %s: firmware/: %s", c->peer, c->device, strerror((int)-rel));
		resp_text(r, rel < 0 ? 500 : 404, false, rel < 0 ? "firmware is not available\n" :
			  "no firmware has been published for this board\n");
		return -1;
	}
	snprintf(name, sizeof(name), "%s-%" PRId64 ".raucb", q->board, rel);
	fd = openat(fwfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(fwfd);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		tc_warn("%s %s: firmware/%s: %s", c->peer, c->device, name, strerror(errno));
		if (fd >= 0)
			close(fd);
		resp_text(r, 500, false, "firmware is not available\n");
		return -1;
	}
	/* A range only continues the same release; anything else starts over. */
	if (q->has_range && q->has_release && q->want_release == (uint64_t)rel)
		start = q->range_start;
	if (start > (uint64_t)st.st_size || (start == (uint64_t)st.st_size && start > 0)) {
		close(fd);
		resp_header(r, "Content-Range: bytes */%lld\r\nFirmware-Release: %" PRId64 "\r\n",
			    (long long)st.st_size, rel);
		resp_text(r, 416, false, "the range starts past the bundle's end\n");
		return -1;
	}
	r->body_fd = fd;
	r->fd_off = start;
	r->fd_len = (uint64_t)st.st_size - start;
	r->content_type = FIRMWARE_CONTENT_TYPE;
	resp_set(r, start ? 206 : 200, false);
	if (start)
		resp_header(r, "Content-Range: bytes %" PRIu64 "-%lld/%lld\r\n", start,
			    (long long)st.st_size - 1, (long long)st.st_size);
	resp_header(r, "Firmware-Release: %" PRId64 "\r\nAccept-Ranges: bytes\r\n", rel);
	if (q->method != HTTP_HEAD)
		tc_info("%s %s: firmware %s offered from byte %" PRIu64 " of %lld", c->peer,
			c->device, name, start, (long long)st.st_size);
	return -1;
}
