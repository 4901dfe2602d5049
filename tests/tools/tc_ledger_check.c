/*
 * tc_ledger_check.c - does trust-server's ledger agree with its object
 * files, and was every receipt a client got issued for a durable object?
 *
 *   tc_ledger_check DATA_DIR [RECEIPT_PUB [RECEIPT_LOG...]]
 *
 * Every ledger row: its object file exists, has the row's size and
 * SHA-256, parses as an object whose header names the row's photo id,
 * and the row's receipt verifies (with RECEIPT_PUB) and names the row.
 * Every object file under objects/ has a row.  Every line
 * "<id> <seq> <receipt hex>" of each RECEIPT_LOG (tc_client -l) is a row
 * with that sequence and exactly those receipt bytes.  Prints each
 * problem and a summary; exit 0 when there is none.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mbedtls/md.h>
#include <sqlite3.h>

#include "tc_io.h"
#include "tc_receipt.h"
#include "tc_seal.h"

static const char *data;
static sqlite3 *db;
static uint8_t pub[TC_P256_PUB_LEN];
static int have_pub;
static unsigned long problems, rows, objects, receipts;

static void
problem(const char *what, const char *dev, const char *hex)
{
	printf("PROBLEM: %s: %s %s\n", what, dev, hex);
	problems++;
}

static void
check_object(const char *dev, const char *hex, uint64_t size, const char *dhex,
	     const uint8_t *rc, int rclen, uint64_t seq)
{
	char path[4096];
	uint8_t digest[TC_SHA256_LEN], want[TC_SHA256_LEN], id[TC_PHOTO_ID_LEN], *map;
	struct tc_obj_info info;
	struct tc_receipt r;
	struct stat st;
	int fd, e;

	snprintf(path, sizeof(path), "%s/objects/%s/%s.tco", data, dev, hex);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		problem("ledger row without its object", dev, hex);
		if (fd >= 0)
			close(fd);
		return;
	}
	if ((uint64_t)st.st_size != size || size == 0) {
		problem("object size differs from its row", dev, hex);
		close(fd);
		return;
	}
	map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		problem("cannot map object", dev, hex);
		return;
	}
	if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), map, size, digest) != 0 ||
	    tc_hex_decode(dhex, want, sizeof(want)) != 0 || memcmp(digest, want, sizeof(want)) != 0)
		problem("object does not hash to its row's digest", dev, hex);
	if (tc_obj_parse_header(map, size, &info) != 0 || tc_hex_decode(hex, id, sizeof(id)) != 0 ||
	    memcmp(info.photo_id, id, sizeof(id)) != 0)
		problem("object header does not name its photo id", dev, hex);
	munmap(map, size);
	e = have_pub ? tc_receipt_verify(rc, (size_t)rclen, pub, dev, id, want, size, &r) :
		       tc_receipt_parse(rc, (size_t)rclen, &r);
	if (e != 0 || r.ledger_seq != seq)
		problem("stored receipt does not verify or name its row", dev, hex);
}

static void
check_rows(void)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "SELECT device, photo_id, size, digest, receipt, seq FROM photos",
			       -1, &st, NULL) != SQLITE_OK) {
		problem("cannot read the ledger", "", sqlite3_errmsg(db));
		return;
	}
	while (sqlite3_step(st) == SQLITE_ROW) {
		rows++;
		check_object((const char *)sqlite3_column_text(st, 0),
			     (const char *)sqlite3_column_text(st, 1),
			     (uint64_t)sqlite3_column_int64(st, 2),
			     (const char *)sqlite3_column_text(st, 3), sqlite3_column_blob(st, 4),
			     sqlite3_column_bytes(st, 4), (uint64_t)sqlite3_column_int64(st, 5));
	}
	sqlite3_finalize(st);
}

static int
has_row(const char *dev, const char *hex, uint64_t *seq, uint8_t *rc, int *rclen)
{
	sqlite3_stmt *st;
	int found = 0;

	sqlite3_prepare_v2(db, "SELECT seq, receipt FROM photos WHERE device = ?1 AND photo_id = ?2",
			   -1, &st, NULL);
	sqlite3_bind_text(st, 1, dev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hex, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		if (seq)
			*seq = (uint64_t)sqlite3_column_int64(st, 0);
		if (rc) {
			*rclen = sqlite3_column_bytes(st, 1);
			if (*rclen > 0 && *rclen <= TC_RECEIPT_MAX)
				memcpy(rc, sqlite3_column_blob(st, 1), (size_t)*rclen);
		}
	}
	sqlite3_finalize(st);
	return found;
}

static void
check_files(void)
{
	char path[4096], hex[64];
	struct dirent *d, *e;
	DIR *top, *dev;

	snprintf(path, sizeof(path), "%s/objects", data);
	if (!(top = opendir(path)))
		return;
	while ((d = readdir(top)) != NULL) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/objects/%s", data, d->d_name);
		if (!(dev = opendir(path)))
			continue;
		while ((e = readdir(dev)) != NULL) {
			size_t n = strlen(e->d_name);

			if (e->d_name[0] == '.' || n < 5 || n - 4 >= sizeof(hex))
				continue;
			objects++;
			memcpy(hex, e->d_name, n - 4);
			hex[n - 4] = '\0';
			if (!has_row(d->d_name, hex, NULL, NULL, NULL))
				problem("object file without a ledger row", d->d_name, hex);
		}
		closedir(dev);
	}
	closedir(top);
}

/* Each receipt a client got must be the ledger's, for a row that exists. */
static void
check_log(const char *path)
{
	char line[1024], hex[64], rhex[2 * TC_RECEIPT_MAX + 2], dev[64];
	uint8_t got[TC_RECEIPT_MAX], stored[TC_RECEIPT_MAX];
	unsigned long long seq;
	uint64_t rseq;
	struct tc_receipt r;
	int len;
	FILE *f = fopen(path, "r");

	if (!f) {
		problem("cannot read receipt log", path, "");
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t rl;

		receipts++;
		if (sscanf(line, "%63s %llu %431s", hex, &seq, rhex) != 3 ||
		    (rl = strlen(rhex)) % 2 != 0 || rl / 2 > TC_RECEIPT_MAX ||
		    tc_hex_decode(rhex, got, rl / 2) != 0 ||
		    tc_receipt_parse(got, rl / 2, &r) != 0) {
			problem("malformed receipt log line", path, hex);
			continue;
		}
		tc_strlcpy(dev, r.device_id, sizeof(dev));
		if (!has_row(dev, hex, &rseq, stored, &len))
			problem("RECEIPT FOR AN OBJECT THE LEDGER DOES NOT HOLD", dev, hex);
		else if (rseq != seq || (size_t)len != rl / 2 || memcmp(stored, got, rl / 2) != 0)
			problem("receipt differs from the ledger's", dev, hex);
	}
	fclose(f);
}

int
main(int argc, char **argv)
{
	char path[4096], hexpub[2 * TC_P256_PUB_LEN + 2];
	size_t got = 0;
	int i, fd;

	if (argc < 2) {
		fprintf(stderr, "usage: tc_ledger_check DATA_DIR [RECEIPT_PUB [RECEIPT_LOG...]]\n");
		return 2;
	}
	data = argv[1];
	if (argc >= 3) {
		fd = open(argv[2], O_RDONLY | O_CLOEXEC);
		if (fd < 0 || tc_read_full(fd, hexpub, sizeof(hexpub) - 1, &got) != 0 || got < 130)
			return 2;
		close(fd);
		hexpub[130] = '\0';
		have_pub = tc_hex_decode(hexpub, pub, sizeof(pub)) == 0;
	}
	snprintf(path, sizeof(path), "%s/ledger.db", data);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		printf("PROBLEM: cannot open %s\n", path);
		return 1;
	}
	check_rows();
	check_files();
	for (i = 3; i < argc; i++)
		check_log(argv[i]);
	sqlite3_close(db);
	printf("ledger: %lu rows, %lu object files, %lu client receipts, %lu problem(s)\n", rows,
	       objects, receipts, problems);
	return problems ? 1 : 0;
}
