/*
 * catalog_common.h - what bench_catalog_insert_100k and
 * bench_catalog_delete_100k share: two catalogs side by side in a fresh
 * directory (one to fill with 100,000 rows, one kept small) and the
 * synthetic rows that fill them.
 */
#ifndef CATALOG_COMMON_H
#define CATALOG_COMMON_H

#include <stdint.h>

#include "catalog.h"

struct bcat {
	char base[256];			/* $TMPDIR/<tag>XXXXXX, removed by bcat_close */
	struct tc_catalog *empty, *full;
	int fd_empty, fd_full;
};

/* Open the two catalogs ("empty" and "full") under a new directory: 0 or -1. */
int bcat_open(struct bcat *b, const char *tag);
/* Close both and remove the directory; safe after a failed bcat_open. */
void bcat_close(struct bcat *b);
/* Row number t in state: random id and digest, size and times from t.  0 or -1. */
int bcat_rec(struct tc_store_rec *r, enum tc_photo_state state, uint64_t t);

#endif /* CATALOG_COMMON_H */
