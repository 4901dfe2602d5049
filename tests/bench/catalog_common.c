/*
 * catalog_common.c - the two catalog benchmarks' setup (catalog_common.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "catalog_common.h"
#include "tc_io.h"
#include "tc_random.h"

static int
open_one(const char *base, const char *name, struct tc_catalog **c, int *dfd)
{
	char dir[320];

	snprintf(dir, sizeof(dir), "%s/%s", base, name);
	if ((*dfd = tc_open_private_dir(dir, 1)) < 0)
		return *dfd;
	return tc_catalog_open(c, *dfd, dir);
}

int
bcat_open(struct bcat *b, const char *tag)
{
	memset(b, 0, sizeof(*b));
	b->fd_empty = b->fd_full = -1;
	if (bench_mkdtemp(b->base, sizeof(b->base), tag, "/tmp") != 0)
		return -1;
	if (open_one(b->base, "empty", &b->empty, &b->fd_empty) != 0 ||
	    open_one(b->base, "full", &b->full, &b->fd_full) != 0)
		return -1;
	return 0;
}

void
bcat_close(struct bcat *b)
{
	tc_catalog_close(b->empty);
	tc_catalog_close(b->full);
	if (b->fd_empty >= 0)
		close(b->fd_empty);
	if (b->fd_full >= 0)
		close(b->fd_full);
	(void)bench_rm_tree(b->base);
	memset(b, 0, sizeof(*b));
	b->fd_empty = b->fd_full = -1;
}

int
bcat_rec(struct tc_store_rec *r, enum tc_photo_state state, uint64_t t)
{
	memset(r, 0, sizeof(*r));
	r->state = state;
	r->size = 3000000 + t % 1000000;
	r->created_us = r->stored_us = 1700000000000000ull + t * 1000000;
	if (tc_random_bytes(r->id, sizeof(r->id)) != 0 ||
	    tc_random_bytes(r->digest, sizeof(r->digest)) != 0)
		return -1;
	return 0;
}
