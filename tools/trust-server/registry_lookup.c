/*
 * registry_lookup.c - the two questions trust-server asks the Trust's
 * registry (trustadm's registry.db, through tools/trustlib): may this
 * device connect, and which policy version is its newest.  Nothing else
 * in the server knows how the registry answers them, so a schema change
 * touches this file only.
 *
 * One read-only SQLite connection (tc_registry_open_view), used under a
 * mutex: a lookup is one indexed row, at the handshake, at each request
 * and before each receipt.  In the split deployment the file is the copy
 * trustadm publishes after every change, replaced by rename: each lookup
 * compares the file's identity with the one open and reopens when it
 * changed, so `trustadm revoke` takes effect on open connections too.
 * Pointed at a whole Trust directory (one user, tests), the live WAL
 * registry is read the same way.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_trust_registry.h"

struct registry_lookup {
	pthread_mutex_t lock;
	struct tc_registry *reg;
	char path[4096];		/* the registry file, for its identity */
	dev_t dev;			/* of the file open */
	ino_t ino;
};

/* Remember which file is open; 0 or -errno. */
static int
note_identity(struct registry_lookup *l)
{
	struct stat st;

	if (stat(l->path, &st) != 0)
		return -errno;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

/* Under the lock: reopen when trustadm replaced the file (a new publish). */
static int
refresh(struct srv *s, struct registry_lookup *l)
{
	struct tc_registry *fresh;
	struct stat st;
	int rc;

	if (stat(l->path, &st) != 0)
		return l->reg ? 0 : -errno;	/* mid-rename: keep the old view */
	if (l->reg && st.st_dev == l->dev && st.st_ino == l->ino)
		return 0;
	if ((rc = tc_registry_open_view(&fresh, s->set.trust_dir)) != 0) {
		tc_err("registry %s: %s", l->path, tc_strerror(rc));
		return rc;	/* fail closed: no answer from a view we cannot read */
	}
	tc_registry_close(l->reg);
	l->reg = fresh;
	l->dev = st.st_dev;
	l->ino = st.st_ino;
	return 0;
}

int
registry_lookup_open(struct srv *s)
{
	struct registry_lookup *l = tc_calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	snprintf(l->path, sizeof(l->path), "%s/%s", s->set.trust_dir, TC_REGISTRY_FILE);
	rc = tc_registry_open_view(&l->reg, s->set.trust_dir);
	if (rc == 0)
		rc = note_identity(l);
	if (rc != 0) {
		tc_registry_close(l->reg);
		tc_err("registry %s/%s: %s", s->set.trust_dir, TC_REGISTRY_FILE, tc_strerror(rc));
		pthread_mutex_destroy(&l->lock);
		tc_free(l);
		return rc;
	}
	s->reg = l;
	return 0;
}

void
registry_lookup_close(struct srv *s)
{
	if (!s->reg)
		return;
	tc_registry_close(s->reg->reg);
	pthread_mutex_destroy(&s->reg->lock);
	tc_free(s->reg);
	s->reg = NULL;
}

static int
get(struct srv *s, const char *dev, struct tc_reg_device *d)
{
	int rc;

	pthread_mutex_lock(&s->reg->lock);
	rc = refresh(s, s->reg);
	if (rc == 0)
		rc = tc_registry_device_get(s->reg->reg, dev, d);
	pthread_mutex_unlock(&s->reg->lock);
	return rc;
}

int
registry_device_allowed(struct srv *s, const char *dev)
{
	struct tc_reg_device d;
	int rc = get(s, dev, &d);

	if (rc == TC_E_NOT_FOUND)
		return TC_E_REVOKED;	/* never enrolled: as good as revoked */
	if (rc != 0) {
		tc_err("registry lookup for %s: %s", dev, tc_strerror(rc));
		return rc;		/* fail closed */
	}
	return d.revoked ? TC_E_REVOKED : 0;
}

int
registry_device_known(struct srv *s, const char *dev)
{
	struct tc_reg_device d;
	int rc = get(s, dev, &d);

	if (rc == TC_E_NOT_FOUND)
		return 0;
	if (rc != 0) {
		tc_err("registry lookup for %s: %s", dev, tc_strerror(rc));
		return rc;
	}
	return 1;
}

int
registry_newest_policy(struct srv *s, const char *dev, uint64_t *version)
{
	struct tc_reg_device d;
	int rc = get(s, dev, &d);

	*version = 0;
	if (rc == TC_E_NOT_FOUND)
		return 0;
	if (rc != 0)
		return rc;
	*version = d.policy_version;
	return 0;
}
