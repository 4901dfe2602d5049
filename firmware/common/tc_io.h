/*
 * tc_io.h - file and memory primitives every module uses.
 *
 * Each wrapper retries EINTR and short transfers, returns 0 or a negative
 * errno, and passes through a fault-injection site (tc_fault.h) so tests
 * can fail the Nth write, fsync, rename or allocation.  Files are opened
 * O_NOFOLLOW|O_CLOEXEC, created 0600; directories 0700.
 */
#ifndef TC_IO_H
#define TC_IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "tc_err.h"

/* Allocation through the ALLOC fault site; tc_free(NULL) is a no-op. */
void *tc_malloc(size_t n) TC_MUST_CHECK;
void *tc_calloc(size_t nmemb, size_t size) TC_MUST_CHECK;
void *tc_realloc(void *p, size_t n) TC_MUST_CHECK;
void tc_free(void *p);

int tc_write_all(int fd, const void *buf, size_t len) TC_MUST_CHECK;
/* Reads up to len bytes; *got says how many (short only at end of file). */
int tc_read_full(int fd, void *buf, size_t len, size_t *got) TC_MUST_CHECK;
int tc_fsync(int fd) TC_MUST_CHECK;
/* fsync the directory dirfd (an O_DIRECTORY descriptor). */
int tc_fsync_dir(int dirfd) TC_MUST_CHECK;
int tc_renameat(int dirfd, const char *from, const char *to) TC_MUST_CHECK;

/*
 * Replace dirfd/name with buf durably: write ".name.tmp" (0600), fsync,
 * rename over name, fsync the directory.  A crash leaves the old file or
 * the new one, never a mix; a stale temporary is replaced next time.
 */
int tc_write_file_atomic(int dirfd, const char *name, const void *buf, size_t len)
	TC_MUST_CHECK;

/* openat() with O_NOFOLLOW|O_CLOEXEC added; mode 0600 when creating. */
int tc_openat(int dirfd, const char *name, int flags) TC_MUST_CHECK;

/*
 * Open (creating with mode 0700 if create is set and it is missing) a
 * directory that only its owner may use: refuses a symlink, a directory
 * owned by another uid, or one with any group/other permission bits.
 * Returns an O_DIRECTORY descriptor or a negative code (TC_E_UNSAFE_PATH).
 */
int tc_open_private_dir(const char *path, int create) TC_MUST_CHECK;
/*
 * The same for the run directory photod and syncd share (made if
 * missing), which is left mode 0710: the daemons' group (the kiosk's user
 * is in it) may pass through to a socket (0660) and do nothing else.
 * More access than group traverse, a symlink or another owner is
 * TC_E_UNSAFE_PATH.
 */
int tc_open_run_dir(const char *path) TC_MUST_CHECK;

/* Lower-case hex of len bytes into out (2*len+1 bytes). */
void tc_hex_encode(const void *in, size_t len, char *out);
/* Exactly 2*len hex digits into len bytes; 0 or -EINVAL. */
int tc_hex_decode(const char *in, void *out, size_t len) TC_MUST_CHECK;

/* Strict decimal parse of a whole string into [min, max]; 0 or -EINVAL/-ERANGE. */
int tc_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out) TC_MUST_CHECK;

/* Copy at most size-1 bytes and terminate; returns strlen(src) (truncated if >= size). */
size_t tc_strlcpy(char *dst, const char *src, size_t size);

/* The word for n of a thing in messages people read: one or many ("1 photo", "2 photos"). */
static inline const char *
tc_plural(unsigned long long n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Microseconds: wall clock (CLOCK_REALTIME) and monotonic (CLOCK_MONOTONIC). */
uint64_t tc_time_wall_us(void);
uint64_t tc_time_mono_us(void);

/* Big-endian integer helpers for on-disk formats. */
static inline void tc_put_be16(unsigned char *p, uint16_t v) { p[0] = (unsigned char)(v >> 8); p[1] = (unsigned char)v; }
static inline void tc_put_be32(unsigned char *p, uint32_t v) { tc_put_be16(p, (uint16_t)(v >> 16)); tc_put_be16(p + 2, (uint16_t)v); }
static inline void tc_put_be64(unsigned char *p, uint64_t v) { tc_put_be32(p, (uint32_t)(v >> 32)); tc_put_be32(p + 4, (uint32_t)v); }
static inline uint16_t tc_get_be16(const unsigned char *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline uint32_t tc_get_be32(const unsigned char *p) { return ((uint32_t)tc_get_be16(p) << 16) | tc_get_be16(p + 2); }
static inline uint64_t tc_get_be64(const unsigned char *p) { return ((uint64_t)tc_get_be32(p) << 32) | tc_get_be32(p + 4); }

#endif /* TC_IO_H */
