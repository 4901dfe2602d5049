/*
 * metaidx_int.h - what metaidx.c (the file) and metaidx_row.c (its rows)
 * share.  Not for other files: they use tadm_metaidx.h.
 */
#ifndef METAIDX_INT_H
#define METAIDX_INT_H

#include <stdbool.h>

#include "tadm_metaidx.h"

struct sqlite3_stmt;

struct tadm_metaidx {
	struct sqlite3 *db;
	struct sqlite3_stmt *get, *put, *del;
	bool off;		/* unusable this run: every object is read */
	bool batch;		/* inside tadm_metaidx_begin/end: a transaction is open */
	unsigned pending;	/* entries written in it */
};

#define METAIDX_BATCH 256

/* The columns after (device, photo_id), in the order get reads and put binds them (?3...). */
#define METAIDX_COLS "digest, size, ino, mtime_ns, ctime_ns, event, staff, pupils, platforms," \
	" capture_us, frame_seq, width, height, sensor_mode, sum"

/* idx_connect's "the file is damaged: rebuild it". */
#define METAIDX_DAMAGED (-10000)

/* The open index, opening it on first use; NULL when off (said once). */
struct tadm_metaidx *metaidx_open(struct tadm *a);
/* Say why, remove the file, make a new one (or turn the index off). */
void metaidx_rebuild(struct tadm *a, const char *why);
/* Say why and leave the index off for the rest of the run. */
void metaidx_off(struct tadm *a, const char *why);
/* In a batch: commit what it wrote and open the next transaction. */
void metaidx_flush(struct tadm_metaidx *ix);
/* Whether an SQLite result code means a damaged file. */
bool metaidx_damage_rc(int rc);

#endif /* METAIDX_INT_H */
