/*
 * tc_policy_forge.c - re-sign a policy bundle with changes no honest
 * trustadm would make, for photod's provisioning tests:
 *
 *   tc_policy_forge [--class approved|trust-owned] [--grace H] [--version N]
 *                   [--device ID] [--expired] [--review-on-device]
 *                   IN CA_PEM SIGNER_KEY_PEM SIGNER_CRT_PEM OUT
 *
 * IN is verified against CA_PEM (any device, any version, valid now) and
 * parsed; the options change the parsed policy (--expired: issued two
 * days ago, expired yesterday; --review-on-device: the rules ask for the
 * removed on-device review key, "review_on_device": true, as bundles of
 * older trustadm could); the result is encoded and signed with
 * SIGNER_KEY/SIGNER_CRT -- the Trust's real signer for an approved device
 * with a grace period or an expired bundle, another Trust's signer for
 * the wrong-signer test.  OUT is written 0644.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "tc_io.h"
#include "tc_policy.h"

static int
slurp(const char *path, uint8_t **buf, size_t *len)
{
	size_t cap = TC_POLICY_BUNDLE_MAX + 1, got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	*buf = NULL;
	if (fd < 0)
		return -errno;
	*buf = tc_malloc(cap + 1);
	if (!*buf) {
		close(fd);
		return -ENOMEM;
	}
	rc = tc_read_full(fd, *buf, cap, &got);
	close(fd);
	(*buf)[got] = 0;
	*len = got;
	return rc;
}

/* Add "review_on_device": true to the payload's rules; *json is replaced. */
static int
ask_review(uint8_t **json, size_t *len)
{
	json_t *root = json_loadb((const char *)*json, *len, JSON_REJECT_DUPLICATES, NULL);
	json_t *rules = root ? json_object_get(root, "rules") : NULL;
	char *text = NULL;

	if (rules && json_object_set_new(rules, "review_on_device", json_true()) == 0)
		text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	if (!text)
		return -EINVAL;
	tc_free(*json);
	*len = strlen(text);
	*json = tc_malloc(*len + 1);
	if (*json)
		memcpy(*json, text, *len + 1);
	free(text);
	return *json ? 0 : -ENOMEM;
}

static int
usage(void)
{
	fprintf(stderr, "usage: tc_policy_forge [--class approved|trust-owned] [--grace H] "
		"[--version N] [--device ID] [--expired] [--review-on-device]\n"
		"       IN CA_PEM SIGNER_KEY SIGNER_CRT OUT\n");
	return 2;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "class", required_argument, NULL, 'c' },
		{ "grace", required_argument, NULL, 'g' },
		{ "version", required_argument, NULL, 'v' },
		{ "device", required_argument, NULL, 'd' },
		{ "expired", no_argument, NULL, 'e' },
		{ "review-on-device", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct tc_policy *p = NULL;
	uint8_t *in = NULL, *ca = NULL, *key = NULL, *crt = NULL, *json = NULL, *out = NULL;
	size_t inl, cal, kl, crl, jl, ol;
	uint64_t grace = UINT64_MAX, version = 0, v;
	const char *cls = NULL, *dev = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, expired = 0, review = 0, rc = 1, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': cls = optarg; break;
		case 'd': dev = optarg; break;
		case 'e': expired = 1; break;
		case 'r': review = 1; break;
		case 'g':
			if (tc_parse_u64(optarg, 0, 10000, &grace) != 0)
				return usage();
			break;
		case 'v':
			if (tc_parse_u64(optarg, 1, UINT32_MAX, &v) != 0)
				return usage();
			version = v;
			break;
		default: return usage();
		}
	}
	if (argc - optind != 5)
		return usage();
	if (slurp(argv[optind], &in, &inl) || slurp(argv[optind + 1], &ca, &cal) ||
	    slurp(argv[optind + 2], &key, &kl) || slurp(argv[optind + 3], &crt, &crl)) {
		fprintf(stderr, "tc_policy_forge: cannot read the inputs\n");
		goto out;
	}
	if ((rc = tc_policy_verify(in, inl, (const char *)ca, NULL, 0, now, &p)) != 0) {
		fprintf(stderr, "tc_policy_forge: IN: %s\n", tc_strerror(rc));
		rc = 1;
		goto out;
	}
	if (cls)
		p->device_class = strcmp(cls, "approved") == 0 ? TC_CLASS_APPROVED
							      : TC_CLASS_TRUST_OWNED;
	if (grace != UINT64_MAX)
		p->rules.delete_grace_hours = (uint32_t)grace;
	if (version)
		p->version = version;
	if (dev)
		tc_strlcpy(p->device_id, dev, sizeof(p->device_id));
	if (expired) {
		p->issued = now - 2 * 86400;
		p->expires = now - 86400;
	}
	rc = 1;
	if (tc_policy_encode(p, &json, &jl) != 0 || (review && ask_review(&json, &jl) != 0) ||
	    tc_policy_sign(json, jl, (const char *)key, (const char *)crt, &out, &ol) != 0) {
		fprintf(stderr, "tc_policy_forge: cannot encode or sign\n");
		goto out;
	}
	fd = open(argv[optind + 4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || tc_write_all(fd, out, ol) != 0) {
		fprintf(stderr, "tc_policy_forge: cannot write %s\n", argv[optind + 4]);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	rc = 0;
out:
	tc_policy_free(p);
	tc_free(in);
	tc_free(ca);
	tc_free(key);
	tc_free(crt);
	tc_free(json);
	tc_free(out);
	return rc;
}
