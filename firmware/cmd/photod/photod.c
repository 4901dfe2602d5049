/*
 * photod.c - the capture daemon: owns the camera, the store's write path
 * and the audit log; serves camctl over a Unix socket.  See photod(8).
 *
 * main() reads as: defaults, parse, set up (keys, audit, store,
 * provisioning, camera, socket), drop privileges, serve, tear down in
 * reverse.  photod never opens a network socket and no message it
 * answers carries photo bytes.  The Trust's photo key and the device
 * rules come from the verified policy (photod_provision.c): an
 * unprovisioned device serves status and provisioning but refuses to
 * capture (rule R1).
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
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "autoconf.h"
#include "photod.h"
#include "tc_daemon.h"
#include "tc_io.h"
#include "tc_ipc.h"
#include "tc_log.h"
#include "tc_random.h"
#include "tc_sandbox.h"
#include "tc_secmem.h"
#include "tc_version.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: photod -d STATE_DIR -r RUN_DIR [-c CAMERA] [-m WIDTHxHEIGHT]\n"
		"              [-f nv12|yuv420] [-u USER] [-l err|warn|info|debug] [-s]\n"
		"              [-k] [-b] [-P PIDFILE]\n"
		"       photod --help | --version\n");
}

static int
parse_mode(const char *s, uint32_t *w, uint32_t *h)
{
	char buf[32], *x;
	uint64_t a, b;

	if (tc_strlcpy(buf, s, sizeof(buf)) >= sizeof(buf) || !(x = strchr(buf, 'x')))
		return -EINVAL;
	*x = '\0';
	if (tc_parse_u64(buf, 16, 16384, &a) != 0 || tc_parse_u64(x + 1, 16, 16384, &b) != 0)
		return -EINVAL;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

/*
 * Test builds only: TC_STORE_QUOTA_PHOTOS lowers the store's photo quota
 * (as a policy may), so tests can fill the store with a few photos.
 */
static uint64_t
test_quota_photos(void)
{
#ifdef CONFIG_FAULT_INJECTION
	const char *s = getenv("TC_STORE_QUOTA_PHOTOS");
	uint64_t v;

	if (s && tc_parse_u64(s, 1, UINT32_MAX, &v) == 0)
		return v;
#endif
	return 0;
}

/*
 * Why a directory photod needs was refused, in words IT can act on: its
 * path, mode and owner, and what it must be ("run directory /run/trustcam
 * is 0755 owned by root, must be 0710 owned by trustcam").
 */
static void
dir_refused(const char *what, const char *path, int rc, const char *want)
{
	struct passwd *pw;
	struct stat st;
	char owner[64];

	if (rc != TC_E_UNSAFE_PATH || lstat(path, &st) != 0) {
		tc_err("%s %s: %s", what, path, tc_strerror(rc));
		return;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
		tc_err("%s %s is %s, must be a directory (%s owned by %s)", what, path,
		       S_ISLNK(st.st_mode) ? "a symlink" : "not a directory", want, tc_euser_name());
		return;
	}
	pw = getpwuid(st.st_uid);
	snprintf(owner, sizeof(owner), "%s", pw ? pw->pw_name : "?");
	tc_err("%s %s is %04o owned by %s, must be %s owned by %s (photod -u USER sets both)",
	       what, path, (unsigned)(st.st_mode & 07777), owner, want, tc_euser_name());
}

static int
setup_state(struct photod *d)
{
	char path[512];
	struct tc_store_config cfg;
	int fd, rc;

	fd = tc_open_private_dir(d->set.state_dir, 1);
	if (fd < 0) {
		dir_refused("state directory", d->set.state_dir, fd, "0700");
		return fd;
	}
	close(fd);
	d->keys = tc_secure_alloc(PHOTOD_KEYS_LEN);
	if (!d->keys || tc_capture_keys_new(&d->cs.keys) != 0)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/keys", d->set.state_dir);
	if ((rc = tc_keystore_open(&d->ks, path)) != 0 ||
	    (rc = tc_keystore_secret(d->ks, TC_SECRET_STORE, 1, d->keys + PHOTOD_KEY_STORE)) != 0 ||
	    (rc = tc_keystore_secret(d->ks, TC_SECRET_AUDIT, 1, d->keys + PHOTOD_KEY_AUDIT)) != 0) {
		tc_err("keystore %s: %s", path, tc_strerror(rc));
		return rc;
	}
	snprintf(path, sizeof(path), "%s/audit", d->set.state_dir);
	if ((rc = tc_audit_open(&d->audit, path, d->keys + PHOTOD_KEY_AUDIT)) != 0) {
		tc_err("audit log %s: %s", path, tc_strerror(rc));
		return rc;
	}
	memset(&cfg, 0, sizeof(cfg));
	snprintf(path, sizeof(path), "%s/store", d->set.state_dir);
	cfg.dir = path;
	cfg.device_mac_key = d->keys + PHOTOD_KEY_STORE;
	cfg.audit = d->audit;
	cfg.actor = "photod";
	cfg.quota_photos = test_quota_photos();
	if ((rc = tc_store_open(&d->store, &cfg)) != 0) {
		tc_err("store %s: %s", path, tc_strerror(rc));
		return rc;
	}
	d->cs.device_mac_key = d->keys + PHOTOD_KEY_STORE;
	/* Provisioning and the policy: a failure to verify them is not fatal, capture is refused. */
	if ((rc = photod_prov_load(d)) != 0 || (rc = photod_login_load(d)) != 0) {
		tc_err("%s/provision: %s", d->set.state_dir, tc_strerror(rc));
		return rc;
	}
	return 0;
}

/* Say at start, in the log and the audit log, why this device may not capture. */
static void
report_provisioning(struct photod *d)
{
	const struct tc_policy *p = d->prov.policy;
	char detail[TC_AUDIT_DETAIL_MAX];

	if (p) {
		snprintf(detail, sizeof(detail), "%s policy v%llu", d->prov.device_id,
			 (unsigned long long)p->version);
		tc_info("provisioned as %s", detail);
		photod_audit(d, "photod", "provision.check", NULL, 0, detail);
		return;
	}
	tc_warn("capture refused: %s", d->prov.why);
	if (d->prov.provisioned)
		photod_audit(d, "photod", "provision.check", NULL, d->prov.state, d->prov.why);
}

static int
setup_socket(struct photod *d)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (d->signal_fd < 0)
		return -errno;
	fd = tc_open_run_dir(d->set.run_dir);
	if (fd < 0) {
		dir_refused("run directory", d->set.run_dir, fd, "0710 (or 0700)");
		return fd;
	}
	close(fd);
	snprintf(d->sock_path, sizeof(d->sock_path), "%s/%s", d->set.run_dir, TC_IPC_SOCKET_NAME);
	d->listen_fd = tc_ipc_listen(d->sock_path);
	if (d->listen_fd < 0) {
		tc_err("socket %s: %s", d->sock_path, tc_strerror(d->listen_fd));
		return d->listen_fd;
	}
	return 0;
}

/*
 * Started as root with -u: chown the state and run directories to USER,
 * then become USER for good.  photod never needs root after this.
 */
static int
drop_privileges(struct photod *d)
{
	return tc_daemon_drop_to(d->set.user);
}

/*
 * Hand the state and run directories to the user photod will run as,
 * with the modes it needs: state 0700 (nobody else), run 0710 (its group,
 * the kiosk's, reaches the socket).
 */
static int
chown_dirs(struct photod *d)
{
	struct passwd *pw;
	char cmd_dirs[2][512];
	struct stat st;
	int i;

	if (geteuid() != 0 || !d->set.user)
		return 0;
	pw = getpwnam(d->set.user);
	if (!pw)
		return -ENOENT;
	snprintf(cmd_dirs[0], sizeof(cmd_dirs[0]), "%s", d->set.state_dir);
	snprintf(cmd_dirs[1], sizeof(cmd_dirs[1]), "%s", d->set.run_dir);
	for (i = 0; i < 2; i++) {
		if (mkdir(cmd_dirs[i], 0700) != 0 && errno != EEXIST)
			return -errno;
		/* chown/chmod would follow a symlink: leave it to the checks, which refuse it. */
		if (lstat(cmd_dirs[i], &st) != 0 || S_ISLNK(st.st_mode))
			continue;
		if (chown(cmd_dirs[i], pw->pw_uid, pw->pw_gid) != 0 ||
		    chmod(cmd_dirs[i], i == 0 ? 0700 : 0710) != 0)
			return -errno;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option lopts[] = { TC_VERSION_LONGOPTS, { NULL, 0, NULL, 0 } };
	static struct photod d;
	struct tc_daemon dm;
	char fw[TC_AUDIT_DETAIL_MAX];
	int c, rc = 1;

	/* defaults */
	tc_daemon_init(&dm, "photod");
	d.set.fmt = TC_PIXFMT_NV12;
	d.set.take_timeout_ms = 5000;
	d.listen_fd = d.signal_fd = d.prov.dirfd = -1;
	if (CONFIG_CAMERA_DEFAULT_MODE[0] &&
	    parse_mode(CONFIG_CAMERA_DEFAULT_MODE, &d.set.width, &d.set.height) != 0) {
		fprintf(stderr, "photod: bad CONFIG_CAMERA_DEFAULT_MODE '%s'\n", CONFIG_CAMERA_DEFAULT_MODE);
		return 2;
	}

	/* parse */
	while ((c = getopt_long(argc, argv, "d:r:c:m:f:u:l:ksbP:h", lopts, NULL)) != -1) {
		if (c == 'h')
			c = TC_OPT_HELP;
		if (tc_version_option(c, "photod", usage))
			return 0;
		if ((rc = tc_daemon_option(&dm, c, optarg, 'l')) != 0) {
			if (rc < 0)
				return 2;
			continue;
		}
		switch (c) {
		case 'd': d.set.state_dir = optarg; break;
		case 'r': d.set.run_dir = optarg; break;
		case 'c': d.set.camera_id = optarg; break;
		case 'm':
			if (parse_mode(optarg, &d.set.width, &d.set.height) != 0) {
				fprintf(stderr, "photod: bad mode '%s' (want WIDTHxHEIGHT)\n", optarg);
				return 2;
			}
			break;
		case 'f':
			if (strcmp(optarg, "nv12") == 0)
				d.set.fmt = TC_PIXFMT_NV12;
			else if (strcmp(optarg, "yuv420") == 0)
				d.set.fmt = TC_PIXFMT_YUV420;
			else {
				fprintf(stderr, "photod: bad format '%s' (nv12 or yuv420)\n", optarg);
				return 2;
			}
			break;
		case 'u': d.set.user = optarg; break;
		case 'k': d.set.identity_at_start = true; break;
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
	if ((rc = chown_dirs(&d)) != 0 || (rc = drop_privileges(&d)) != 0) {
		tc_err("dropping privileges: %s", tc_strerror(rc));
		return 1;
	}
	/* photod never talks to the network: make that impossible, not just unused. */
	if ((rc = tc_sandbox_no_network()) != 0) {
		tc_err("seccomp filter: %s", tc_strerror(rc));
		return 1;
	}
	rc = 1;
	if (tc_daemon_lock(&dm) != 0 || setup_state(&d) != 0 || setup_socket(&d) != 0)
		goto out;
	photod_audit(&d, "photod", "start", NULL, 0, CONFIG_BOARD_NAME);
	/* Which firmware ran from here on, for the Trust reading the log (EN 303 645 5.3-16). */
	tc_version_describe(fw, sizeof(fw));
	tc_info("%s", fw);
	photod_audit(&d, "photod", "firmware", NULL, 0, fw);
	if (d.set.identity_at_start)
		photod_identity_at_start(&d);
	report_provisioning(&d);
	if (photod_camera_up(&d) != 0) {
		photod_audit(&d, "photod", "camera", NULL, d.cam_err,
			     d.cam_err == -EINVAL ? "unsupported mode" : "camera unavailable");
		if (d.cam_err == -EINVAL) {
			fprintf(stderr, "photod: the camera has no %ux%u mode\n", d.set.width,
				d.set.height);
			goto out;
		}
	}
	tc_info("serving on %s", d.sock_path);
	tc_daemon_ready(&dm.ready_fd);

	/* run */
	rc = photod_serve(&d) == 0 ? 0 : 1;
	photod_audit(&d, "photod", "stop", NULL, 0, d.stopping ? "SIGTERM" : "");
	tc_info("stopped: %llu photo(s) captured", (unsigned long long)d.captured);

out:	/* tear down in reverse */
	if (d.listen_fd >= 0) {
		close(d.listen_fd);
		unlink(d.sock_path);
	}
	if (d.signal_fd >= 0)
		close(d.signal_fd);
	photod_camera_down(&d);
	photod_prov_release(&d);
	tc_capture_keys_free(d.cs.keys);
	if (d.prov.dirfd >= 0)
		close(d.prov.dirfd);
	tc_store_close(d.store);
	tc_audit_close(d.audit);
	tc_keystore_close(d.ks);
	tc_secure_free(d.keys);
	tc_daemon_unlock(&dm, rc == 0);
	tc_log_close();
	return rc;
}
