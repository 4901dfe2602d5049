/*
 * api_policy.c - GET (and HEAD) /v1/policy: the newest signed policy
 * bundle trustadm issued for the device on the other end of this
 * connection, byte for byte as trustadm wrote it to
 * TRUST_DIR/policies/<device>-v<N>.bundle.  The server does not verify it:
 * the device does (signature, device id, expiry, anti-rollback), which is
 * the only check that counts.  The version is also in a Policy-Version
 * header, so a device can HEAD first and skip a bundle it already has.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>

#include "server.h"
#include "tc_io.h"
#include "tc_log.h"
#include "tc_policy.h"
#include "tc_trust_key.h"

#define POLICY_CONTENT_TYPE "application/vnd.trustcam.policy"
/* Payload plus signer certificate and signature: leave room beyond the payload limit. */
#define POLICY_FILE_MAX (TC_POLICY_BUNDLE_MAX + 64 * 1024)

int
policy_begin(struct conn *c)
{
	struct resp *r = &c->req.resp;
	uint64_t version = 0;
	uint8_t *buf = NULL;
	char name[128];
	size_t len = 0;
	int pfd, rc;

	if (registry_newest_policy(c->s, c->device, &version) != 0) {
		resp_text(r, 500, false, "registry error\n");
		return -1;
	}
	if (version == 0) {
		resp_text(r, 404, false, "no policy has been issued for this device\n");
		return -1;
	}
	snprintf(name, sizeof(name), "%s-v%" PRIu64 ".bundle", c->device, version);
	pfd = openat(c->s->trust_fd, "policies", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	rc = pfd < 0 ? -errno : tc_trust_file_read(pfd, name, POLICY_FILE_MAX, &buf, &len);
	if (pfd >= 0)
		close(pfd);
	if (rc != 0) {
		tc_warn("%s %s: policy v%" PRIu64 " is in the registry but policies/%s: %s",
			c->peer, c->device, version, name, tc_strerror(rc));
		resp_text(r, rc == -ENOENT ? 404 : 500, false, "the policy bundle is not available\n");
		return -1;
	}
	r->body_own = buf;
	r->body = buf;
	r->body_len = len;
	r->content_type = POLICY_CONTENT_TYPE;
	resp_set(r, 200, false);
	resp_header(r, "Policy-Version: %" PRIu64 "\r\n", version);
	return -1;
}
