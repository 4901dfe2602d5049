/*
 * tc_preview.c - see tc_preview.h.
 */
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tc_preview.h"

#define SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

static size_t
ring_len(uint32_t w, uint32_t h)
{
	return sizeof(struct tc_preview_hdr) + (size_t)TC_PREVIEW_SLOTS * w * h * 3;
}

static void
set_map(struct tc_preview_map *map, void *p, size_t len)
{
	map->hdr = p;
	map->pixels = (uint8_t *)p + sizeof(struct tc_preview_hdr);
	map->len = len;
	map->width = map->hdr->width;
	map->height = map->hdr->height;
}

int
tc_preview_create(uint32_t w, uint32_t h, int *fd, struct tc_preview_map *map)
{
	size_t len = ring_len(w, h);
	void *p;
	int f, rc;

	memset(map, 0, sizeof(*map));
	*fd = -1;
	if (w == 0 || h == 0 || w > TC_PREVIEW_MAX_W || h > TC_PREVIEW_MAX_H)
		return -EINVAL;
	f = memfd_create("trustcam-preview", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f < 0)
		return -errno;
	if (ftruncate(f, (off_t)len) != 0 || fcntl(f, F_ADD_SEALS, SEALS) != 0) {
		rc = -errno;
		close(f);
		return rc;
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, f, 0);
	if (p == MAP_FAILED) {
		rc = -errno;
		close(f);
		return rc;
	}
	((struct tc_preview_hdr *)p)->width = w;
	((struct tc_preview_hdr *)p)->height = h;
	((struct tc_preview_hdr *)p)->nslots = TC_PREVIEW_SLOTS;
	((struct tc_preview_hdr *)p)->slot_bytes = (uint64_t)w * h * 3;
	__atomic_store_n(&((struct tc_preview_hdr *)p)->magic, TC_PREVIEW_MAGIC, __ATOMIC_RELEASE);
	set_map(map, p, len);
	*fd = f;
	return 0;
}

int
tc_preview_attach(int fd, struct tc_preview_map *map)
{
	const struct tc_preview_hdr *h;
	struct stat st;
	void *p;
	int seals;

	memset(map, 0, sizeof(*map));
	seals = fcntl(fd, F_GET_SEALS);
	if (fstat(fd, &st) != 0 || seals < 0)
		return -errno;
	/* Unsealed, it could shrink under the mapping and fault the reader. */
	if ((seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW) ||
	    st.st_size < (off_t)sizeof(struct tc_preview_hdr))
		return -EPROTO;
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	h = p;
	if (h->magic != TC_PREVIEW_MAGIC || h->nslots != TC_PREVIEW_SLOTS || h->width == 0 ||
	    h->height == 0 || h->width > TC_PREVIEW_MAX_W || h->height > TC_PREVIEW_MAX_H ||
	    h->slot_bytes != (uint64_t)h->width * h->height * 3 ||
	    (size_t)st.st_size != ring_len(h->width, h->height)) {
		munmap(p, (size_t)st.st_size);
		return -EPROTO;
	}
	set_map(map, p, (size_t)st.st_size);
	return 0;
}

void
tc_preview_unmap(struct tc_preview_map *map)
{
	if (map->hdr)
		munmap(map->hdr, map->len);
	memset(map, 0, sizeof(*map));
}

uint8_t *
tc_preview_begin(struct tc_preview_map *map, uint32_t slot)
{
	__atomic_add_fetch(&map->hdr->gen[slot], 1, __ATOMIC_ACQ_REL);	/* odd: writing */
	return map->pixels + (size_t)slot * map->hdr->slot_bytes;
}

void
tc_preview_end(struct tc_preview_map *map, uint32_t slot, uint64_t seq)
{
	__atomic_store_n(&map->hdr->seq[slot], seq, __ATOMIC_RELAXED);
	__atomic_add_fetch(&map->hdr->gen[slot], 1, __ATOMIC_RELEASE);	/* even: done */
}

int
tc_preview_read(const struct tc_preview_map *map, uint32_t slot, uint8_t *dst, uint64_t *seq)
{
	size_t n = (size_t)map->width * map->height * 3;
	uint64_t g1, g2;

	if (!map->hdr || slot >= TC_PREVIEW_SLOTS)
		return -EINVAL;
	g1 = __atomic_load_n(&map->hdr->gen[slot], __ATOMIC_ACQUIRE);
	if (g1 & 1)
		return -EAGAIN;
	memcpy(dst, map->pixels + (size_t)slot * n, n);
	*seq = __atomic_load_n(&map->hdr->seq[slot], __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	g2 = __atomic_load_n(&map->hdr->gen[slot], __ATOMIC_RELAXED);
	return g1 == g2 ? 0 : -EAGAIN;
}
