/*
 * syncd_update.c - signed firmware updates at the dock (issue 17).
 *
 * After a good sync pass (photos uploaded and receipted, the audit log
 * sent: the photos are never waiting behind an update), on the same
 * link:
 *
 *   HEAD /v1/firmware?board=B      Firmware-Release R, Content-Length N
 *     R <= running: nothing to do (R below it: refused, audited once)
 *     R == a release refused before: not fetched again
 *     N more than the data partition can spare: refused (photos first)
 *   GET  (Range: bytes=K- and Firmware-Release: R when K bytes of R are
 *        already in STATE/update/bundle.part): into bundle.part, resumed
 *        at the next dock if the link drops
 *   verify   tc_update_verify against the pinned Trust CA (codeSigning:
 *            the firmware signer trustadm makes, one per Trust); the
 *            signed manifest must be this board's and its release above
 *            max(running, the keystore's firmware floor)
 *   install  `rauc install STATE/update/bundle.raucb` (RAUC's service
 *            writes the other root slot and makes it the next boot);
 *            STATE/update/installed = R; the bundle is removed
 *
 * At start (syncd_update_boot): installed == running: booted (floor
 * raised to it); installed > running: the new slot did not boot and the
 * old one runs again (fell back; that release is not fetched again).
 * With --boot-confirmed FILE, installed == running is a trial until the
 * board's boot check has made FILE (photod, syncd and the kiosk all
 * run): syncd starts before that check, so the decision waits for the
 * first dock pass after it, and no other release is installed on top of
 * one on trial.  A release whose kiosk fails is then never called booted
 * and never raises the floor: its boot check reboots, and the old slot's
 * syncd says it fell back.
 * Audit actions: update.offered,
 * update.verified, update.refused, update.installed, update.failed,
 * update.booted, update.fell-back.
 *
 * Files in STATE/update (syncd's, 0700): bundle.part, part.release,
 * bundle.raucb (only while RAUC installs it), installed, refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "syncd_link.h"
#include "syncd_update.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_update.h"

/* Free space the data partition keeps beyond a bundle: photos still come first. */
#define UPDATE_RESERVE (64ull << 20)

/* Status line and log; under mu. */
static void
set_status(struct syncd *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void
set_status(struct syncd *d, const char *fmt, ...)
{
	char buf[SYNCD_TEXT_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tc_info("update: %s", buf);
	pthread_mutex_lock(&d->mu);
	tc_strlcpy(d->st.update, buf, sizeof(d->st.update));
	pthread_mutex_unlock(&d->mu);
}

/* The running release (the image's release file; 0 when it has none). */
static uint64_t
running_release(struct syncd *d)
{
	uint64_t v = 0;
	int dfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (dfd < 0)
		return 0;
	if (syncd_read_u64(dfd, d->set.release_file[0] == '/' ? d->set.release_file + 1 :
			   d->set.release_file, &v) != 0)
		v = 0;
	close(dfd);
	return v;
}

static uint64_t
read_or_zero(struct syncd *d, const char *name)
{
	uint64_t v = 0;

	return syncd_read_u64(d->update_fd, name, &v) == 0 ? v : 0;
}

void
syncd_update_boot(struct syncd *d)
{
	uint64_t run = running_release(d), installed = read_or_zero(d, "installed"), floor = 0;
	char detail[TC_AUDIT_DETAIL_MAX];
	int rc;

	pthread_mutex_lock(&d->mu);
	d->st.fw_release = run;
	pthread_mutex_unlock(&d->mu);
	d->boot_trial = installed && installed == run && d->set.boot_file &&
			access(d->set.boot_file, F_OK) != 0;
	if (d->boot_trial) {
		set_status(d, "release %" PRIu64 " on trial: waiting for the boot check", run);
		return;
	}
	if (installed && installed == run) {
		snprintf(detail, sizeof(detail), "release %" PRIu64 " runs", run);
		syncd_audit(d, "update.booted", NULL, 0, detail);
		set_status(d, "release %" PRIu64 " installed and running", run);
	} else if (installed && installed > run) {
		snprintf(detail, sizeof(detail), "release %" PRIu64 " did not boot; release %"
			 PRIu64 " runs again", installed, run);
		syncd_audit(d, "update.fell-back", NULL, TC_E_UPDATE_ROLLBACK, detail);
		set_status(d, "fell back: release %" PRIu64 " did not boot, %" PRIu64 " runs",
			   installed, run);
		/* Not again: a release that did not boot would fail the same way at every dock. */
		if (syncd_write_u64(d->update_fd, "refused", installed) != 0)
			tc_warn("update/refused: cannot record");
	}
	if (installed && unlinkat(d->update_fd, "installed", 0) != 0)
		tc_warn("update/installed: %s", strerror(errno));
	/* What runs (and booted to here) is the floor from now on. */
	if ((rc = tc_keystore_firmware_floor_get(d->ks, &floor)) != 0 ||
	    (run > floor && (rc = tc_keystore_firmware_floor_raise(d->ks, run)) != 0)) {
		snprintf(detail, sizeof(detail), "firmware floor: %s", tc_strerror(rc));
		syncd_audit(d, "update.failed", NULL, rc, detail);
	}
}

/* Refuse release rel for why: audited, remembered so it is not fetched again. */
static void
refuse(struct syncd *d, uint64_t rel, int rc, const char *why)
{
	char detail[TC_AUDIT_DETAIL_MAX];

	snprintf(detail, sizeof(detail), "release %" PRIu64 ": %.200s", rel, why);
	syncd_audit(d, "update.refused", NULL, rc, detail);
	set_status(d, "refused release %" PRIu64 ": %.160s", rel, why);
	if (syncd_write_u64(d->update_fd, "refused", rel) != 0)
		tc_warn("update/refused: cannot record");
	(void)unlinkat(d->update_fd, "bundle.part", 0);
	(void)unlinkat(d->update_fd, "part.release", 0);
}

/* HEAD: the newest release for the board and its size; 0 when there is none. */
static int
ask(struct syncd_link *l, const char *path, uint64_t *rel, uint64_t *len)
{
	struct syncd_resp r;
	int rc;

	*rel = *len = 0;
	if ((rc = syncd_link_head(l, "HEAD", path, NULL, 0)) != 0 ||
	    (rc = syncd_link_response(l, true, &r)) != 0)
		return rc;
	syncd_resp_free(&r);
	if (r.status == 404)
		return 0;
	if (r.status != 200 || !r.firmware_release)
		return TC_E_SERVER;
	*rel = r.firmware_release;
	*len = r.content_length;
	return 0;
}

/* Enough room for len more bytes, with the reserve left for photos? */
static bool
room_for(struct syncd *d, uint64_t len)
{
	struct statvfs sv;

	if (fstatvfs(d->update_fd, &sv) != 0)
		return false;
	return (uint64_t)sv.f_bavail * sv.f_frsize >= len + UPDATE_RESERVE;
}

/* Fetch release rel into bundle.part, from where a previous pass stopped. */
static int
download(struct syncd *d, struct syncd_link *l, const char *path, uint64_t rel, uint64_t len)
{
	char extra[128] = "";
	struct syncd_resp r;
	struct stat st;
	int fd, rc;

	if (read_or_zero(d, "part.release") != rel) {
		(void)unlinkat(d->update_fd, "bundle.part", 0);
		if ((rc = syncd_write_u64(d->update_fd, "part.release", rel)) != 0)
			return rc;
	}
	fd = openat(d->update_fd, "bundle.part", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		goto out;
	}
	if ((uint64_t)st.st_size == len) {
		rc = 0;		/* complete already (stopped before it was checked) */
		goto out;
	}
	if ((uint64_t)st.st_size > len && ftruncate(fd, 0) != 0) {
		rc = -errno;
		goto out;
	}
	if (st.st_size > 0 && (uint64_t)st.st_size < len)
		snprintf(extra, sizeof(extra), "Range: bytes=%lld-\r\nFirmware-Release: %" PRIu64
			 "\r\n", (long long)st.st_size, rel);
	if (lseek(fd, extra[0] ? st.st_size : 0, SEEK_SET) < 0 ||
	    (rc = syncd_link_head(l, "GET", path, extra[0] ? extra : NULL, 0)) != 0) {
		rc = rc ? rc : -errno;
		goto out;
	}
	rc = syncd_link_response_to(l, fd, &r);
	/* 200 to a range: a newer release appeared meanwhile; start over at the next dock. */
	if (rc == 0 && r.status == 200 && extra[0]) {
		syncd_resp_free(&r);
		rc = ftruncate(fd, 0) == 0 ? TC_E_SERVER : -errno;
		goto out;
	}
	if (rc == 0 && r.status != 200 && r.status != 206)
		rc = TC_E_SERVER;
	syncd_resp_free(&r);
	if (rc == 0 && r.firmware_release != rel)
		rc = TC_E_SERVER;
	if (rc == 0 && fsync(fd) != 0)
		rc = -errno;
	if (rc == 0 && (fstat(fd, &st) != 0 || (uint64_t)st.st_size != len))
		rc = TC_E_SERVER;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* rauc install of the verified bundle; 0 or why not. */
static int
install(struct syncd *d, char why[TC_UPDATE_WHY_MAX])
{
	char path[600], *out = NULL;
	char *argv[] = { (char *)d->set.rauc, "install", path, NULL };
	int rc;

	snprintf(path, sizeof(path), "%s/update/bundle.raucb", d->set.state_dir);
	if (renameat(d->update_fd, "bundle.part", d->update_fd, "bundle.raucb") != 0)
		return -errno;
	(void)unlinkat(d->update_fd, "part.release", 0);
	rc = tc_update_run(argv, NULL, 0, &out, 4096, why);
	tc_free(out);
	(void)unlinkat(d->update_fd, "bundle.raucb", 0);
	return rc > 0 ? TC_E_SERVER : rc;
}

void
syncd_update_trial(struct syncd *d)
{
	if (d->boot_trial)
		syncd_update_boot(d);
}

void
syncd_update_pass(struct syncd *d, struct syncd_link *l)
{
	char path[96], keyring[600], why[TC_UPDATE_WHY_MAX], detail[TC_AUDIT_DETAIL_MAX];
	uint64_t run = running_release(d), floor = 0, rel, len, base;
	struct tc_update_info in;
	int rc;

	if (d->boot_trial)
		return;		/* nothing is installed over a release on trial */
	snprintf(path, sizeof(path), "/v1/firmware?board=%s", CONFIG_BOARD_NAME);
	if ((rc = ask(l, path, &rel, &len)) != 0) {
		set_status(d, "cannot ask the server for firmware: %s", tc_strerror(rc));
		return;
	}
	if ((rc = tc_keystore_firmware_floor_get(d->ks, &floor)) != 0) {
		syncd_audit(d, "update.refused", NULL, rc, "firmware floor unreadable");
		set_status(d, "updates refused: the firmware floor is unreadable");
		return;
	}
	base = run > floor ? run : floor;
	if (rel == 0 || rel == run || (rel < base && read_or_zero(d, "refused") == rel))
		return;		/* nothing newer (an older one was refused and audited before) */
	if (rel < base) {
		snprintf(why, sizeof(why), "older than release %" PRIu64 " (running %" PRIu64
			 ", floor %" PRIu64 ")", base, run, floor);
		refuse(d, rel, TC_E_UPDATE_ROLLBACK, why);
		return;
	}
	if (read_or_zero(d, "refused") == rel)
		return;
	if (!room_for(d, len)) {
		snprintf(why, sizeof(why), "%" PRIu64 " bytes would not leave %llu MiB free for "
			 "photos", len, UPDATE_RESERVE >> 20);
		syncd_audit(d, "update.refused", NULL, -ENOSPC, why);
		set_status(d, "release %" PRIu64 " waits: %s", rel, why);
		return;
	}
	if (read_or_zero(d, "part.release") != rel) {
		snprintf(detail, sizeof(detail), "release %" PRIu64 ", %" PRIu64 " bytes", rel, len);
		syncd_audit(d, "update.offered", NULL, 0, detail);
	}
	set_status(d, "downloading release %" PRIu64, rel);
	if ((rc = download(d, l, path, rel, len)) != 0) {
		set_status(d, "release %" PRIu64 ": download stopped (%s), resumed at the next dock",
			   rel, tc_strerror(rc));
		return;
	}
	snprintf(keyring, sizeof(keyring), "%s/provision/trust-ca.crt", d->set.state_dir);
	{
		char bundle[600];

		snprintf(bundle, sizeof(bundle), "%s/update/bundle.part", d->set.state_dir);
		rc = tc_update_verify(d->set.rauc, keyring, bundle, &in, why);
	}
	if (rc != 0) {
		refuse(d, rel, rc, rc == TC_E_UPDATE_SIGNATURE ? why : tc_strerror(rc));
		return;
	}
	if (strcmp(in.board, CONFIG_BOARD_NAME) != 0) {
		snprintf(why, sizeof(why), "for board %s, this is %s", in.board, CONFIG_BOARD_NAME);
		refuse(d, rel, TC_E_UPDATE_MANIFEST, why);
		return;
	}
	if (in.release <= base || in.release != rel) {
		snprintf(why, sizeof(why), "its signed release %" PRIu64 " is not above %" PRIu64
			 " (running %" PRIu64 ", floor %" PRIu64 ")", in.release, base, run, floor);
		refuse(d, rel, TC_E_UPDATE_ROLLBACK, why);
		return;
	}
	snprintf(detail, sizeof(detail), "release %" PRIu64 ", version %s", in.release, in.version);
	syncd_audit(d, "update.verified", NULL, 0, detail);
	if ((rc = install(d, why)) != 0) {
		snprintf(detail, sizeof(detail), "release %" PRIu64 ": rauc install: %.180s", rel,
			 why[0] ? why : tc_strerror(rc));
		syncd_audit(d, "update.failed", NULL, rc, detail);
		set_status(d, "release %" PRIu64 " not installed: %.150s", rel, why[0] ? why :
			   tc_strerror(rc));
		return;
	}
	if ((rc = syncd_write_u64(d->update_fd, "installed", rel)) != 0)
		tc_warn("update/installed: %s", tc_strerror(rc));
	snprintf(detail, sizeof(detail), "release %" PRIu64 ", version %s: runs after a restart",
		 rel, in.version);
	syncd_audit(d, "update.installed", NULL, 0, detail);
	set_status(d, "release %" PRIu64 " (%s) installed: runs after a restart", rel, in.version);
}
