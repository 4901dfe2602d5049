/*
 * jpeg_enc.h - YUV 4:2:0 frame to baseline JPEG, streamed out in blocks.
 * Private to firmware/capture.
 */
#ifndef TC_JPEG_ENC_H
#define TC_JPEG_ENC_H

#include <stddef.h>
#include <stdint.h>

#include "tc_camera.h"
#include "tc_err.h"

/*
 * Receives each block of JPEG output as the encoder produces it.  Returns
 * a pointer to the next empty block of block_len bytes to fill, or NULL
 * to abort the encode (the encoder then returns TC_E_CAPTURE_ABORTED).
 */
typedef uint8_t *(*tc_jpeg_block_fn)(void *ctx, uint8_t *full, size_t len);

/*
 * Encode frame at quality (1..100) with an APP1 Exif segment that holds
 * only the orientation tag (1..8), no JFIF and nothing else.  first is the
 * first empty block; every full block goes to emit, and the last, partial
 * one too (possibly empty) before the function returns 0.
 */
int tc_jpeg_encode(const struct tc_frame *frame, int quality, uint16_t orientation,
		   uint8_t *first, size_t block_len, tc_jpeg_block_fn emit, void *ctx)
	TC_MUST_CHECK;

/* The 34-byte APP1 payload ("Exif\0\0" + a TIFF IFD with one Orientation tag). */
#define TC_EXIF_ORIENT_LEN 32
void tc_exif_orientation(uint16_t orientation, uint8_t out[TC_EXIF_ORIENT_LEN]);

#endif /* TC_JPEG_ENC_H */
