/*
 * keystore_int.h - what a keystore backend implements.  Private to
 * drivers/keystore.
 */
#ifndef TC_KEYSTORE_INT_H
#define TC_KEYSTORE_INT_H

#include "tc_keystore.h"

struct tc_keystore_ops {
	const char *name;
	int (*open)(struct tc_keystore *ks, const char *dir);
	void (*close)(struct tc_keystore *ks);
	int (*secret)(struct tc_keystore *ks, enum tc_secret_id id, int create,
		      uint8_t out[TC_SECRET_LEN]);
	int (*wipe)(struct tc_keystore *ks);
};

struct tc_keystore {
	const struct tc_keystore_ops *ops;
	void *priv;
};

extern const struct tc_keystore_ops tc_keystore_file_ops;

#endif /* TC_KEYSTORE_INT_H */
