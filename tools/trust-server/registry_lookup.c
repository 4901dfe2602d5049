/*
 * registry_lookup.c - the two questions trust-server asks the Trust's
 * registry (trustadm's registry.db, through tools/trustlib): may this
 * device connect, and which policy version is its newest.  Nothing else
 * in the server knows how the registry answers them, so a schema change
 * touches this file only.
 *
 * One SQLite connection, opened read-write because the registry is in WAL
 * mode (readers need the shared-memory index), used under a mutex: a
 * lookup is one indexed row, at the handshake, at each request and before
 * each receipt.  The registry is read live, so `trustadm revoke` takes
 * effect on open connections too.
 */
#include <errno.h>
#include <pthread.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_trust_registry.h"

struct registry_lookup {
	pthread_mutex_t lock;
	struct tc_registry *reg;
};

int
registry_lookup_open(struct srv *s)
{
	struct registry_lookup *l = tc_calloc(1, sizeof(*l));
	int rc;

	if (!l)
		return -ENOMEM;
	pthread_mutex_init(&l->lock, NULL);
	rc = tc_registry_open(&l->reg, s->set.trust_dir, false);
	if (rc != 0) {
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
