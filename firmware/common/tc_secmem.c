/*
 * tc_secmem.c - locked, wiped memory for secrets and plaintext.
 *
 * Layout of one allocation: a header page holding the mapping length and
 * the lock state, then the caller's bytes.  Every page is mapped privately
 * and anonymously, so the kernel hands out zero pages and nothing is
 * shared with a child (MADV_WIPEONFORK where the kernel has it).
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <jansson.h>
#include <mbedtls/platform_util.h>

#include "tc_fault.h"
#include "tc_secmem.h"

struct secmem_hdr {
	size_t map_len;
	size_t user_len;
	bool locked;
};

void
tc_zeroize(void *p, size_t len)
{
	if (p && len)
		mbedtls_platform_zeroize(p, len);
}

static size_t
page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (size_t)ps : 4096;
}

void *
tc_secure_alloc(size_t len)
{
	size_t ps = page_size(), map_len;
	struct secmem_hdr *h;
	unsigned char *base;
	int ferr;

	if ((ferr = tc_fault_hit(TC_FAULT_ALLOC)) != 0) {
		errno = -ferr;
		return NULL;
	}
	if (len == 0 || len > SIZE_MAX - 2 * ps) {
		errno = EINVAL;
		return NULL;
	}
	map_len = ps + ((len + ps - 1) / ps) * ps;
	base = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (base == MAP_FAILED)
		return NULL;
	(void)madvise(base, map_len, MADV_DONTDUMP);
#ifdef MADV_WIPEONFORK
	(void)madvise(base, map_len, MADV_WIPEONFORK);
#endif
	h = (struct secmem_hdr *)(void *)base;
	h->map_len = map_len;
	h->user_len = len;
	h->locked = mlock(base, map_len) == 0;
	return base + ps;
}

static struct secmem_hdr *
hdr_of(const void *p)
{
	return (struct secmem_hdr *)(void *)((unsigned char *)(uintptr_t)p - page_size());
}

void
tc_secure_free(void *p)
{
	struct secmem_hdr *h;
	size_t map_len;

	if (!p)
		return;
	h = hdr_of(p);
	map_len = h->map_len;
	mbedtls_platform_zeroize(p, map_len - page_size());
	if (h->locked)
		(void)munlock(h, map_len);
	mbedtls_platform_zeroize(h, sizeof(*h));
	(void)munmap(h, map_len);
}

bool
tc_secure_locked(const void *p)
{
	return p && hdr_of(p)->locked;
}

size_t
tc_secure_len(const void *p)
{
	return p ? hdr_of(p)->user_len : 0;
}

void
tc_secure_wipe_heap(void *p)
{
	if (p != NULL)
		tc_zeroize(p, malloc_usable_size(p));
}

static void
json_wipe_free(void *p)
{
	tc_secure_wipe_heap(p);
	free(p);
}

int
tc_secure_process(void)
{
	struct rlimit rl = { 0, 0 };

	if (setrlimit(RLIMIT_CORE, &rl) != 0)
		return -errno;
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return -errno;
	/*
	 * jansson copies every string it parses or builds (pupil refs, staff
	 * ids, PIN hashes, photo metadata) into its own heap blocks: wipe each
	 * as it is freed.  Both hooks are plain malloc/free underneath, so
	 * blocks allocated before this point free correctly too.
	 */
	json_set_alloc_funcs(malloc, json_wipe_free);
	return 0;
}
