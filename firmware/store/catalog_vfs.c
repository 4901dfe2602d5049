/*
 * catalog_vfs.c - a SQLite VFS shim that lets tests fail catalog I/O.
 *
 * Fault-injection builds only.  It wraps the default VFS; every xWrite
 * and xSync first passes the WRITE or FSYNC site of tc_fault.h, so a test
 * that fails "the Nth write" or "the Nth fsync" reaches the catalog's
 * WAL and database file too, not only the object files.  An injected
 * ENOSPC/EDQUOT reads as SQLITE_FULL, anything else as an I/O error, as
 * a real disk would report it.  Everything else is forwarded untouched.
 */
#include "autoconf.h"

#include <stddef.h>

#include "catalog.h"

#ifdef CONFIG_FAULT_INJECTION
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <sqlite3.h>

#include "tc_fault.h"

#define FV_NAME "tc-fault"

struct fv_file {
	sqlite3_file base;
	sqlite3_file *real;	/* the wrapped file, allocated right after this struct */
};

static sqlite3_vfs fv_vfs;
static sqlite3_vfs *fv_root;
static sqlite3_io_methods fv_methods[3];	/* one per io_methods version */
static pthread_once_t fv_once = PTHREAD_ONCE_INIT;
static int fv_ok;

#define REAL(f) (((struct fv_file *)(f))->real)

static int fv_close(sqlite3_file *f) { return REAL(f)->pMethods->xClose(REAL(f)); }

static int
fv_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	return REAL(f)->pMethods->xRead(REAL(f), buf, amt, off);
}

static int
fv_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	int e = tc_fault_hit(TC_FAULT_WRITE);

	if (e)
		return (e == -ENOSPC || e == -EDQUOT) ? SQLITE_FULL : SQLITE_IOERR_WRITE;
	return REAL(f)->pMethods->xWrite(REAL(f), buf, amt, off);
}

static int
fv_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	return REAL(f)->pMethods->xTruncate(REAL(f), size);
}

static int
fv_sync(sqlite3_file *f, int flags)
{
	int e = tc_fault_hit(TC_FAULT_FSYNC);

	if (e)
		return (e == -ENOSPC || e == -EDQUOT) ? SQLITE_FULL : SQLITE_IOERR_FSYNC;
	return REAL(f)->pMethods->xSync(REAL(f), flags);
}

static int
fv_size(sqlite3_file *f, sqlite3_int64 *size)
{
	return REAL(f)->pMethods->xFileSize(REAL(f), size);
}

static int fv_lock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xLock(REAL(f), l); }
static int fv_unlock(sqlite3_file *f, int l) { return REAL(f)->pMethods->xUnlock(REAL(f), l); }

static int
fv_check_lock(sqlite3_file *f, int *out)
{
	return REAL(f)->pMethods->xCheckReservedLock(REAL(f), out);
}

static int
fv_fcntl(sqlite3_file *f, int op, void *arg)
{
	return REAL(f)->pMethods->xFileControl(REAL(f), op, arg);
}

static int fv_sector(sqlite3_file *f) { return REAL(f)->pMethods->xSectorSize(REAL(f)); }

static int
fv_devchar(sqlite3_file *f)
{
	return REAL(f)->pMethods->xDeviceCharacteristics(REAL(f));
}

static int
fv_shm_map(sqlite3_file *f, int pg, int pgsz, int extend, void volatile **pp)
{
	return REAL(f)->pMethods->xShmMap(REAL(f), pg, pgsz, extend, pp);
}

static int
fv_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
	return REAL(f)->pMethods->xShmLock(REAL(f), off, n, flags);
}

static void fv_shm_barrier(sqlite3_file *f) { REAL(f)->pMethods->xShmBarrier(REAL(f)); }

static int
fv_shm_unmap(sqlite3_file *f, int del)
{
	return REAL(f)->pMethods->xShmUnmap(REAL(f), del);
}

static int
fv_fetch(sqlite3_file *f, sqlite3_int64 off, int amt, void **pp)
{
	return REAL(f)->pMethods->xFetch(REAL(f), off, amt, pp);
}

static int
fv_unfetch(sqlite3_file *f, sqlite3_int64 off, void *p)
{
	return REAL(f)->pMethods->xUnfetch(REAL(f), off, p);
}

static int
fv_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *outflags)
{
	struct fv_file *p = (struct fv_file *)f;
	int rc, v;

	(void)vfs;
	memset(p, 0, sizeof(*p));
	p->real = (sqlite3_file *)(p + 1);
	rc = fv_root->xOpen(fv_root, name, p->real, flags, outflags);
	/* SQLite calls xClose whenever pMethods is set, even after a failed open. */
	if (p->real->pMethods) {
		v = p->real->pMethods->iVersion;
		p->base.pMethods = &fv_methods[(v < 1 ? 1 : v > 3 ? 3 : v) - 1];
	}
	return rc;
}

static void
fv_register(void)
{
	static const sqlite3_io_methods tmpl = {
		0, fv_close, fv_read, fv_write, fv_truncate, fv_sync, fv_size, fv_lock,
		fv_unlock, fv_check_lock, fv_fcntl, fv_sector, fv_devchar, fv_shm_map,
		fv_shm_lock, fv_shm_barrier, fv_shm_unmap, fv_fetch, fv_unfetch,
	};
	int i;

	if (sqlite3_initialize() != SQLITE_OK || !(fv_root = sqlite3_vfs_find(NULL)))
		return;
	for (i = 0; i < 3; i++) {
		fv_methods[i] = tmpl;
		fv_methods[i].iVersion = i + 1;
	}
	/* Same functions and app data as the default VFS; only opening differs. */
	fv_vfs = *fv_root;
	fv_vfs.szOsFile = (int)sizeof(struct fv_file) + fv_root->szOsFile;
	fv_vfs.zName = FV_NAME;
	fv_vfs.pNext = NULL;
	fv_vfs.xOpen = fv_open;
	fv_ok = sqlite3_vfs_register(&fv_vfs, 0) == SQLITE_OK;
}

const char *
tc_catalog_vfs(void)
{
	pthread_once(&fv_once, fv_register);
	return fv_ok ? FV_NAME : NULL;
}

#else /* !CONFIG_FAULT_INJECTION */

const char *
tc_catalog_vfs(void)
{
	return NULL;
}

#endif /* CONFIG_FAULT_INJECTION */
