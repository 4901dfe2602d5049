/*
 * keystore.c - dispatch to the configured keystore backend.
 */
#include <errno.h>

#include "autoconf.h"
#include "keystore_int.h"
#include "tc_io.h"

int
tc_keystore_open(struct tc_keystore **out, const char *dir)
{
	struct tc_keystore *ks;
	int rc;

	*out = NULL;
	ks = tc_calloc(1, sizeof(*ks));
	if (!ks)
		return -ENOMEM;
#ifdef CONFIG_KEYSTORE_FILE
	ks->ops = &tc_keystore_file_ops;
#else
#error "no keystore backend configured"
#endif
	rc = ks->ops->open(ks, dir);
	if (rc != 0) {
		tc_free(ks);
		return rc;
	}
	*out = ks;
	return 0;
}

void
tc_keystore_close(struct tc_keystore *ks)
{
	if (!ks)
		return;
	ks->ops->close(ks);
	tc_free(ks);
}

int
tc_keystore_secret(struct tc_keystore *ks, enum tc_secret_id id, int create,
		   uint8_t out[TC_SECRET_LEN])
{
	if ((int)id < 0 || id >= TC_SECRET_COUNT)
		return -EINVAL;
	return ks->ops->secret(ks, id, create, out);
}

int
tc_keystore_wipe(struct tc_keystore *ks)
{
	return ks->ops->wipe(ks);
}

const char *
tc_keystore_backend(const struct tc_keystore *ks)
{
	return ks->ops->name;
}
