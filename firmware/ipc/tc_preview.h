/*
 * tc_preview.h - the viewfinder's shared-memory ring between photod
 * (writer) and the kiosk (reader).
 *
 * photod makes a sealed memfd (it cannot grow or shrink, so a reader's
 * mapping can never fault) holding a header and TC_PREVIEW_SLOTS frames
 * of RGB24 at a downscaled size, and passes it to the kiosk once with
 * SCM_RIGHTS (TC_MSG_PREVIEW_RING).  After each frame it writes, it
 * sends TC_MSG_PREVIEW_FRAME {slot, seq} on the socket: the notification.
 * Frames never touch a file.  Each slot carries a generation counter
 * (odd while photod writes it, a seqlock): a reader that copies a slot
 * while it is rewritten sees the generation change and drops that frame
 * instead of showing a torn one.
 */
#ifndef TC_PREVIEW_H
#define TC_PREVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "tc_err.h"

#define TC_PREVIEW_MAGIC 0x56504354u	/* "TCPV" */
#define TC_PREVIEW_SLOTS 3
#define TC_PREVIEW_MAX_W 640
#define TC_PREVIEW_MAX_H 480

struct tc_preview_hdr {
	uint32_t magic;
	uint32_t width, height;
	uint32_t nslots;
	uint64_t slot_bytes;		/* width * height * 3 */
	uint64_t gen[TC_PREVIEW_SLOTS];	/* odd while the slot is written */
	uint64_t seq[TC_PREVIEW_SLOTS];	/* the camera frame in the slot */
} __attribute__((aligned(64)));

struct tc_preview_map {
	struct tc_preview_hdr *hdr;
	uint8_t *pixels;		/* slot i at pixels + i * slot_bytes */
	size_t len;
	uint32_t width, height;
};

/* Writer: a sealed memfd for w x h frames, mapped read-write.  0 or -errno. */
int tc_preview_create(uint32_t w, uint32_t h, int *fd, struct tc_preview_map *map) TC_MUST_CHECK;
/* Reader: map fd read-only after checking its size, seals and header.  0 or -errno. */
int tc_preview_attach(int fd, struct tc_preview_map *map) TC_MUST_CHECK;
void tc_preview_unmap(struct tc_preview_map *map);
/* Writer: the slot's pixels, marked as being written. */
uint8_t *tc_preview_begin(struct tc_preview_map *map, uint32_t slot);
/* Writer: the slot holds camera frame seq now. */
void tc_preview_end(struct tc_preview_map *map, uint32_t slot, uint64_t seq);
/*
 * Reader: copy slot into dst (slot_bytes).  0 and *seq, or -EAGAIN when
 * the slot was being written (the frame is dropped), -EINVAL for a bad slot.
 */
int tc_preview_read(const struct tc_preview_map *map, uint32_t slot, uint8_t *dst,
		    uint64_t *seq) TC_MUST_CHECK;

#endif /* TC_PREVIEW_H */
