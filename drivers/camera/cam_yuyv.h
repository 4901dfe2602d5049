/*
 * cam_yuyv.h - YUYV (packed 4:2:2) to NV12 or YUV420 (private to
 * drivers/camera; yuyv.c).
 */
#ifndef CAM_YUYV_H
#define CAM_YUYV_H

#include <stddef.h>
#include <stdint.h>

#include "tc_camera.h"

/*
 * Convert one YUYV frame of width x height (both even, non-zero) at src
 * (src_stride bytes a row, src_len bytes in all) into fmt's planes
 * (plane[] with stride[] bytes a row: Y, then UV or U and V).  Returns 0,
 * or -EINVAL (odd or zero size, a source shorter than its rows, a stride
 * too small, a missing plane, an unknown format) having written nothing.
 */
int tc_yuyv_to_420(const uint8_t *src, size_t src_stride, size_t src_len, uint32_t width,
		   uint32_t height, enum tc_pixfmt fmt, uint8_t *const plane[3],
		   const size_t stride[3]);

#endif /* CAM_YUYV_H */
