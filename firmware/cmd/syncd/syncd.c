/*
 * syncd.c - the sync daemon: when the camera is docked (or on `camctl
 * sync`), sends every photo to the Trust server over mutual TLS, checks
 * each signed receipt, then securely deletes the photo (rules R2, R4,
 * R8).  See syncd(8).
 *
 * main() reads as: defaults, parse, set up (keys, audit, store handles,
 * provisioning dir, dock, socket), drop privileges, run (pass thread,
 * deleter thread, main loop), tear down in reverse.
 *
 * What syncd holds: the store's MAC key (to open the store), the audit
 * key (to append), and the identity key only inside the TLS context of a
 * pass.  It holds no key that opens a photo (the device has none), and it
 * never opens the camera device (it is not in its code); unlike photod it
 * keeps network sockets, so tc_sandbox_no_network does not apply.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"
#include "syncd.h"
#include "syncd_enrol.h"
#include "syncd_update.h"
#include "tc_daemon.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"
#include "tc_sandbox.h"
#include "tc_secmem.h"
#include "tc_version.h"

/* Long options only; past tc_version's. */
enum { OPT_RAUC = 0x200, OPT_RELEASE_FILE, OPT_ENROL_DIR, OPT_BOOT_FILE };

/* --OPT FILE: an absolute path, or a clear error. */
static int
absolute(const char *arg, const char *opt, const char **out)
{
	if (arg[0] != '/') {
		fprintf(stderr, "syncd: --%s wants an absolute path\n", opt);
		return -1;
	}
	*out = arg;
	return 0;
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: syncd -d STATE_DIR -r RUN_DIR [-S SYSFS_ROOT] [-D DOCK_MODE] [-u USER] [-t TIMEOUT_MS]\n"
		"             [-l err|warn|info|debug] [-s] [-b] [-P PIDFILE]\n"
		"             [--rauc PROGRAM] [--release-file FILE] [--boot-confirmed FILE]\n"
		"             [--enrol-dir DIR]\n"
		"       syncd --help | --version\n");
}

void
syncd_audit(struct syncd *d, const char *action, const uint8_t *id, int result,
	    const char *detail)
{
	char hex[2 * TC_PHOTO_ID_LEN + 1] = "";
	int rc;

	if (id)
		tc_hex_encode(id, TC_PHOTO_ID_LEN, hex);
	rc = tc_audit_append(d->audit, "syncd", action, hex, result, detail);
	if (rc != 0)
		tc_err("audit %s: %s", action, tc_strerror(rc));
}

/*
 * Dock mode always: a photo's commit renames its object into
 * store/objects, so IN_MOVED_TO there means a photo arrived.
 */
static int
watch_arrivals(struct syncd *d)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/store/objects", d->set.state_dir);
	d->arrive_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (d->arrive_fd < 0)
		return -errno;
	if (inotify_add_watch(d->arrive_fd, path, IN_MOVED_TO | IN_ONLYDIR) < 0)
		return -errno;
	return 0;
}

static int
open_store(struct syncd *d, struct tc_store **s)
{
	struct tc_store_config cfg;
	char path[512];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	snprintf(path, sizeof(path), "%s/store", d->set.state_dir);
	cfg.dir = path;
	cfg.device_mac_key = d->keys + SYNCD_KEY_STORE;
	cfg.audit = d->audit;
	cfg.actor = "syncd";
	if ((rc = tc_store_open(s, &cfg)) != 0)
		tc_err("store %s: %s", path, tc_strerror(rc));
	return rc;
}

static int
setup_state(struct syncd *d, struct tc_store **ms)
{
	char path[512];
	int rc;

	d->keys = tc_secure_alloc(SYNCD_KEYS_LEN);
	if (!d->keys)
		return -ENOMEM;
	/* photod makes the keys; syncd only reads them (started after photod). */
	snprintf(path, sizeof(path), "%s/keys", d->set.state_dir);
	if ((rc = tc_keystore_open(&d->ks, path)) != 0 ||
	    (rc = tc_keystore_secret(d->ks, TC_SECRET_STORE, 0, d->keys + SYNCD_KEY_STORE)) != 0 ||
	    (rc = tc_keystore_secret(d->ks, TC_SECRET_AUDIT, 0, d->keys + SYNCD_KEY_AUDIT)) != 0) {
		tc_err("keystore %s: %s (start photod first)", path, tc_strerror(rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/audit", d->set.state_dir);
	if ((rc = tc_audit_open(&d->audit, path, d->keys + SYNCD_KEY_AUDIT)) != 0) {
		tc_err("audit log %s: %s", path, tc_strerror(rc));
		return rc;
	}
	if ((rc = open_store(d, &d->store)) != 0 || (rc = open_store(d, &d->dstore)) != 0 ||
	    (rc = open_store(d, ms)) != 0)
		return rc;
	snprintf(path, sizeof(path), "%s/provision", d->set.state_dir);
	if ((d->state_fd = tc_open_private_dir(path, 1)) < 0) {
		tc_err("%s: %s", path, tc_strerror(d->state_fd));
		return d->state_fd;
	}
	snprintf(path, sizeof(path), "%s/sync", d->set.state_dir);
	if ((d->sync_fd = tc_open_private_dir(path, 1)) < 0) {
		tc_err("%s: %s", path, tc_strerror(d->sync_fd));
		return d->sync_fd;
	}
	snprintf(path, sizeof(path), "%s/update", d->set.state_dir);
	if ((d->update_fd = tc_open_private_dir(path, 1)) < 0) {
		tc_err("%s: %s", path, tc_strerror(d->update_fd));
		return d->update_fd;
	}
	if ((rc = tc_dock_open(&d->dock, d->set.sysfs)) != 0) {
		tc_err("dock: %s", tc_strerror(rc));
		return rc;
	}
	tc_dock_set_mode(d->dock, d->set.dock_mode);
	tc_info("dock mode: %s", tc_dock_mode_name(d->set.dock_mode));
	if (d->set.dock_mode == TC_DOCK_ALWAYS && (rc = watch_arrivals(d)) != 0) {
		tc_err("watching %s/store/objects: %s", d->set.state_dir, tc_strerror(rc));
		return rc;
	}
	return 0;
}

static int
setup_socket(struct syncd *d)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);	/* before the threads: they inherit the mask */
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (d->signal_fd < 0 || d->wake_fd < 0)
		return -errno;
	fd = tc_open_run_dir(d->set.run_dir);
	if (fd < 0) {
		tc_err("run directory %s: %s", d->set.run_dir, tc_strerror(fd));
		return fd;
	}
	close(fd);
	snprintf(d->sock_path, sizeof(d->sock_path), "%s/%s", d->set.run_dir, SYNCD_SOCKET_NAME);
	d->listen_fd = tc_ipc_listen(d->sock_path);
	if (d->listen_fd < 0) {
		tc_err("socket %s: %s", d->sock_path, tc_strerror(d->listen_fd));
		return d->listen_fd;
	}
	return 0;
}

/* Started as root with -u: become USER (photod's user: they share STATE) for good. */
static int
drop_privileges(struct syncd *d)
{
	return tc_daemon_drop_to(d->set.user);
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = {
		TC_VERSION_LONGOPTS,
		{ "rauc", required_argument, NULL, OPT_RAUC },
		{ "release-file", required_argument, NULL, OPT_RELEASE_FILE },
		{ "boot-confirmed", required_argument, NULL, OPT_BOOT_FILE },
		{ "enrol-dir", required_argument, NULL, OPT_ENROL_DIR },
		{ NULL, 0, NULL, 0 } };
	static struct syncd d;
	struct tc_store *ms = NULL;
	struct tc_daemon dm;
	bool threads = false, del = false;
	char fw[TC_AUDIT_DETAIL_MAX];
	uint64_t v;
	int c, rc = 1;

	/* defaults */
	tc_daemon_init(&dm, "syncd");
	d.set.timeout_ms = 30000;
	d.listen_fd = d.signal_fd = d.state_fd = d.sync_fd = d.wake_fd = d.arrive_fd = -1;
	d.update_fd = -1;
	d.set.rauc = "rauc";
	d.set.release_file = SYNCD_RELEASE_FILE;
	d.set.enrol_dir = SYNCD_ENROL_DIR;
	d.set.dock_mode = tc_dock_mode_default();
	pthread_mutex_init(&d.mu, NULL);
	pthread_cond_init(&d.cv, NULL);
	pthread_mutex_init(&d.dmu, NULL);
	pthread_cond_init(&d.dcv, NULL);
	pthread_mutex_init(&d.nmu, NULL);

	/* parse */
	while ((c = getopt_long(argc, argv, "d:r:S:D:u:t:l:sbP:h", lopts, NULL)) != -1) {
		if (c == 'h')
			c = TC_OPT_HELP;
		if (tc_version_option(c, "syncd", usage))
			return 0;
		if ((rc = tc_daemon_option(&dm, c, optarg, 'l')) != 0) {
			if (rc < 0)
				return 2;
			continue;
		}
		switch (c) {
		case 'd': d.set.state_dir = optarg; break;
		case OPT_RAUC: d.set.rauc = optarg; break;
		case OPT_RELEASE_FILE:
			if (absolute(optarg, "release-file", &d.set.release_file) != 0)
				return 2;
			break;
		case OPT_BOOT_FILE:
			if (absolute(optarg, "boot-confirmed", &d.set.boot_file) != 0)
				return 2;
			break;
		case OPT_ENROL_DIR: d.set.enrol_dir = optarg; break;
		case 'r': d.set.run_dir = optarg; break;
		case 'S': d.set.sysfs = optarg; break;
		case 'D':
			if (tc_dock_mode_parse(optarg, &d.set.dock_mode) != 0) {
				fprintf(stderr, "syncd: bad dock mode '%s' (power-link, link or always)\n", optarg);
				return 2;
			}
			break;
		case 'u': d.set.user = optarg; break;
		case 't':
			if (tc_parse_u64(optarg, 100, 600000, &v) != 0) {
				fprintf(stderr, "syncd: bad timeout '%s' (100..600000 ms)\n", optarg);
				return 2;
			}
			d.set.timeout_ms = (int)v;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (!d.set.state_dir || !d.set.run_dir || optind != argc) {
		usage(stderr);
		return 2;
	}

	/* set up */
	if (tc_daemon_start(&dm) != 0)
		return 1;
	if ((rc = drop_privileges(&d)) != 0) {
		tc_err("dropping privileges: %s", tc_strerror(rc));
		return 1;
	}
	rc = 1;
	if (tc_daemon_lock(&dm) != 0 || setup_state(&d, &ms) != 0 || setup_socket(&d) != 0)
		goto out;
	if (syncd_delete_start(&d) != 0)
		goto out;
	del = true;
	if (pthread_create(&d.pass_thr, NULL, syncd_pass_thread, &d) != 0)
		goto out;
	threads = true;
	syncd_audit(&d, "syncd.start", NULL, 0, CONFIG_BOARD_NAME);
	/* Which firmware ran from here on, for the Trust reading the log (EN 303 645 5.3-16). */
	tc_version_describe(fw, sizeof(fw));
	tc_info("%s", fw);
	syncd_audit(&d, "syncd.firmware", NULL, 0, fw);
	syncd_update_boot(&d);
	tc_info("serving on %s", d.sock_path);
	tc_daemon_ready(&dm.ready_fd);

	/* run */
	rc = syncd_serve(&d, ms) == 0 ? 0 : 1;

out:	/* tear down in reverse */
	pthread_mutex_lock(&d.mu);
	d.stopping = true;
	atomic_store(&d.abort_pass, true);
	pthread_cond_broadcast(&d.cv);
	pthread_mutex_unlock(&d.mu);
	if (threads)
		pthread_join(d.pass_thr, NULL);
	if (del)
		syncd_delete_stop(&d);
	if (d.audit && rc == 0)
		syncd_audit(&d, "syncd.stop", NULL, 0, "");
	if (d.listen_fd >= 0) {
		close(d.listen_fd);
		unlink(d.sock_path);
	}
	if (d.signal_fd >= 0)
		close(d.signal_fd);
	if (d.wake_fd >= 0)
		close(d.wake_fd);
	if (d.arrive_fd >= 0)
		close(d.arrive_fd);
	tc_dock_close(d.dock);
	if (d.sync_fd >= 0)
		close(d.sync_fd);
	if (d.update_fd >= 0)
		close(d.update_fd);
	if (d.state_fd >= 0)
		close(d.state_fd);
	tc_store_close(ms);
	tc_store_close(d.dstore);
	tc_store_close(d.store);
	tc_audit_close(d.audit);
	tc_keystore_close(d.ks);
	tc_secure_free(d.keys);
	tc_daemon_unlock(&dm, rc == 0);
	tc_log_close();
	return rc;
}
