/*
 * photod_wipe.c - crypto-erase of the device (`camctl wipe`).
 *
 * What goes, in this order (so a crash part way leaves a device that is
 * already unprovisioned, and running wipe again finishes the job):
 *   1. STATE/provision: device certificate first (the device stops being
 *      provisioned), then every other file (CA, policy, rollback mark,
 *      last-sync), each overwritten, fsynced and unlinked;
 *   2. the store: every object's key-wrap records overwritten with random
 *      bytes and fsynced (the cryptographic erase: the content keys were
 *      wrapped only there), then unlinked; the catalog and its WAL/SHM
 *      overwritten and unlinked;
 *   3. the keystore: identity key, store key, PIN secret and the
 *      wrong-PIN counter.
 * What stays: the audit log and the audit key.  The Trust must be able to
 * verify, at the next dock, that the wipe happened, who asked, whether it
 * was forced and how many photos it destroyed; erasing the audit key
 * would make the log unverifiable, and the log holds no photo, pupil ref
 * or PIN.  The device then has a new identity (a new key, a new device
 * id) once it is provisioned again; that is why the anti-rollback mark
 * may go with the rest: no bundle issued before the wipe names the new
 * device id, so none of them verifies afterwards.
 *
 * Refused while unsynced photos remain (rule R4: the device deletes a
 * photo only once the server holds it) unless forced; refused while
 * another process (syncd) has the store open.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photod.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_random.h"
#include "tc_seal.h"

#define HDR_READ_MAX 4096

/* The cryptographic erase of one object: its wrap records := random, fsync, unlink. */
static int
erase_object(int dirfd, const char *name)
{
	uint8_t buf[HDR_READ_MAX];
	struct tc_obj_info info;
	size_t got = 0, off, n;
	int fd, rc;

	fd = tc_openat(dirfd, name, O_RDWR);
	if (fd < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = tc_read_full(fd, buf, sizeof(buf), &got);
	if (rc == 0 && tc_obj_parse_header(buf, got, &info) == 0 && info.wraps_len &&
	    lseek(fd, (off_t)info.wraps_off, SEEK_SET) >= 0) {
		for (off = 0; rc == 0 && off < info.wraps_len; off += n) {
			n = info.wraps_len - off < sizeof(buf) ? info.wraps_len - off : sizeof(buf);
			rc = tc_random_bytes(buf, n);
			if (rc == 0)
				rc = tc_write_all(fd, buf, n);
		}
		if (rc == 0)
			rc = tc_fsync(fd);
	}
	close(fd);
	if (rc != 0)
		return rc;
	/* Unrecognisable (a torn temporary): its first bytes are all it can hold of a header. */
	if (got && tc_obj_parse_header(buf, got, &info) != 0)
		rc = photod_file_erase(dirfd, name);
	else if (unlinkat(dirfd, name, 0) != 0 && errno != ENOENT)
		rc = -errno;
	return rc;
}

/* Every regular file in dirfd, through erase (objects) or photod_file_erase. */
static int
erase_dir(int dirfd, bool objects, unsigned *count)
{
	struct dirent *de;
	struct stat st;
	DIR *dir;
	int fd = dup(dirfd), rc, first = 0;

	if (fd < 0)
		return -errno;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -errno;
	}
	rewinddir(dir);
	while ((de = readdir(dir))) {
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
			continue;
		rc = objects ? erase_object(dirfd, de->d_name) : photod_file_erase(dirfd, de->d_name);
		if (rc && !first)
			first = rc;
		if (rc == 0 && count)
			(*count)++;
	}
	closedir(dir);
	rc = tc_fsync_dir(dirfd);
	return first ? first : rc;
}

static int
wipe_store(struct photod *d, int storefd, unsigned *objects)
{
	char path[512];
	int objfd, rc, rc2;

	snprintf(path, sizeof(path), "%s/store/objects", d->set.state_dir);
	objfd = tc_open_private_dir(path, 0);
	if (objfd == -ENOENT)
		return erase_dir(storefd, false, NULL);
	if (objfd < 0)
		return objfd;
	rc = erase_dir(objfd, true, objects);
	close(objfd);
	rc2 = erase_dir(storefd, false, NULL);
	return rc ? rc : rc2;
}

static int
reopen_store(struct photod *d)
{
	struct tc_store_config cfg;
	char path[512];
	int rc;

	rc = tc_keystore_secret(d->ks, TC_SECRET_STORE, 1, d->keys + PHOTOD_KEY_STORE);
	if (rc != 0)
		return rc;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(path, sizeof(path), "%s/store", d->set.state_dir);
	cfg.dir = path;
	cfg.device_mac_key = d->keys + PHOTOD_KEY_STORE;
	cfg.audit = d->audit;
	cfg.actor = "photod";
	d->cs.device_mac_key = d->keys + PHOTOD_KEY_STORE;
	return tc_store_open(&d->store, &cfg);
}

/* Take the store for ourselves: no other process may have it open during the wipe. */
static int
take_store(struct photod *d, int *storefd)
{
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/store", d->set.state_dir);
	tc_store_close(d->store);
	d->store = NULL;
	*storefd = tc_open_private_dir(path, 0);
	if (*storefd < 0)
		return *storefd;
	if (flock(*storefd, LOCK_EX | LOCK_NB) == 0)
		return 0;
	rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
	close(*storefd);
	*storefd = -1;
	return rc;
}

void
photod_wipe(struct photod *d, struct photod_client *c, const struct tc_msg_wipe_req *m)
{
	struct tc_store_stats ss;
	char detail[TC_AUDIT_DETAIL_MAX], text[TC_IPC_TEXT_MAX];
	unsigned objects = 0;
	int rc, storefd = -1, step;

	if (!c->admin) {
		photod_audit(d, c->actor, "refuse.admin", NULL, -EPERM, "wipe");
		photod_error(c->fd, -EPERM, "", "only root or photod's own user may wipe");
		return;
	}
	if ((rc = tc_store_stats(d->store, &ss)) != 0) {
		photod_error(c->fd, rc, "", "cannot count the photos on the device");
		return;
	}
	if (ss.unsynced && !m->force) {
		snprintf(text, sizeof(text), "%llu unsynced %s on the device: dock to sync, "
			 "or wipe --force to destroy them", (unsigned long long)ss.unsynced,
			 tc_plural(ss.unsynced, "photo", "photos"));
		photod_audit(d, c->actor, "refuse.wipe", NULL, TC_E_UNSYNCED, text);
		photod_error(c->fd, TC_E_UNSYNCED, "R4", text);
		return;
	}
	if ((rc = take_store(d, &storefd)) != 0) {
		photod_error(c->fd, rc, "", rc == -EBUSY ? "the store is in use (syncd?): try again"
			     : "cannot lock the store");
		goto reopen;
	}
	snprintf(detail, sizeof(detail), "%s%llu photo(s) destroyed, %llu of them unsynced; "
		 "device %s", m->force ? "forced: " : "", (unsigned long long)ss.used_photos,
		 (unsigned long long)ss.unsynced, d->prov.device_id[0] ? d->prov.device_id : "-");
	/* No audit entry, no wipe: the Trust must be able to see it happened. */
	if ((rc = tc_audit_append(d->audit, c->actor, "wipe", "", 0, detail)) != 0) {
		photod_error(c->fd, rc, "", "cannot audit the wipe: nothing was erased");
		goto reopen;
	}
	tc_warn("wipe: %s", detail);
	photod_logout(d, "wipe");
	photod_prov_release(d);
	step = 1;
	if ((rc = photod_file_erase(d->prov.dirfd, "device.crt")) != 0 ||
	    (rc = erase_dir(d->prov.dirfd, false, NULL)) != 0)
		goto failed;
	step = 2;
	if ((rc = wipe_store(d, storefd, &objects)) != 0)
		goto failed;
	step = 3;
	if ((rc = tc_keystore_erase(d->ks, TC_KEY_IDENTITY | TC_KEY_BIT(TC_SECRET_STORE) |
				    TC_KEY_BIT(TC_SECRET_PIN) | TC_KEY_PIN_FAILURES |
				    TC_KEY_POLICY_FLOOR)) != 0)
		goto failed;
	close(storefd);
	storefd = -1;
	if ((rc = reopen_store(d)) != 0 || (rc = photod_prov_load(d)) != 0 ||
	    (rc = photod_login_load(d)) != 0) {
		step = 4;
		goto failed;
	}
	snprintf(detail, sizeof(detail), "%u object file(s) crypto-erased", objects);
	photod_audit(d, c->actor, "wipe.done", NULL, 0, detail);
	snprintf(text, sizeof(text), "wiped: %llu %s destroyed (%llu unsynced); keys, "
		 "store and provisioning erased; audit log kept", (unsigned long long)ss.used_photos,
		 tc_plural(ss.used_photos, "photo", "photos"), (unsigned long long)ss.unsynced);
	photod_ok(c->fd, ss.used_photos, text);
	return;
failed:
	snprintf(detail, sizeof(detail), "failed at step %d: %s", step, tc_strerror(rc));
	photod_audit(d, c->actor, "wipe.done", NULL, rc, detail);
	snprintf(text, sizeof(text), "wipe failed at step %d (%s): run camctl wipe --force again",
		 step, tc_strerror(rc));
	photod_error(c->fd, rc, "", text);
reopen:
	if (storefd >= 0)
		close(storefd);
	if (!d->store && reopen_store(d) != 0) {
		/* photod cannot serve without its store: stop, and let the supervisor restart it. */
		tc_err("wipe: cannot reopen the store: stopping");
		d->stopping = true;
	}
	if (photod_prov_load(d) != 0)
		d->stopping = true;
}
