/*
 * yuyv.c - packed YUYV (YUY2, 4:2:2) to the pipeline's 4:2:0 layouts.
 *
 * A USB UVC camera offers YUYV where a sensor's ISP offers NV12: the
 * libcamera shim takes such a camera's frames in YUYV and converts each
 * one, in the camera layer, into a buffer of its own (tc_secure_alloc:
 * locked, out of core dumps).  Luma is copied; each chroma sample of the
 * output is the rounded mean of the two 4:2:2 rows it covers (the
 * vertical half of 4:2:0; the horizontal siting of YUYV is kept).  Plain
 * C, no libcamera type: the unit test checks it without a camera.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "cam_yuyv.h"

int
tc_yuyv_to_420(const uint8_t *src, size_t src_stride, size_t src_len, uint32_t width,
	       uint32_t height, enum tc_pixfmt fmt, uint8_t *const plane[3], const size_t stride[3])
{
	uint32_t x, y;

	if (!src || !plane || !stride || width == 0 || height == 0 || (width | height) & 1)
		return -EINVAL;
	if (fmt != TC_PIXFMT_NV12 && fmt != TC_PIXFMT_YUV420)
		return -EINVAL;
	if (!plane[0] || !plane[1] || (fmt == TC_PIXFMT_YUV420 && !plane[2]))
		return -EINVAL;
	if (src_stride / 2 < width || src_stride > SIZE_MAX / height || src_stride * height > src_len)
		return -EINVAL;
	if (stride[0] < width || stride[1] < (fmt == TC_PIXFMT_NV12 ? width : width / 2) ||
	    (fmt == TC_PIXFMT_YUV420 && stride[2] < width / 2))
		return -EINVAL;

	for (y = 0; y < height; y += 2) {
		const uint8_t *r0 = src + (size_t)y * src_stride;
		const uint8_t *r1 = r0 + src_stride;
		uint8_t *y0 = plane[0] + (size_t)y * stride[0];
		uint8_t *y1 = y0 + stride[0];
		uint8_t *u = plane[1] + (size_t)(y / 2) * stride[1];
		uint8_t *v = fmt == TC_PIXFMT_YUV420 ? plane[2] + (size_t)(y / 2) * stride[2] : NULL;

		for (x = 0; x < width; x += 2) {
			const uint8_t *p0 = r0 + 2 * (size_t)x, *p1 = r1 + 2 * (size_t)x;
			const uint8_t cb = (uint8_t)((p0[1] + p1[1] + 1) >> 1);
			const uint8_t cr = (uint8_t)((p0[3] + p1[3] + 1) >> 1);

			y0[x] = p0[0];
			y0[x + 1] = p0[2];
			y1[x] = p1[0];
			y1[x + 1] = p1[2];
			if (v) {
				u[x / 2] = cb;
				v[x / 2] = cr;
			} else {
				u[x] = cb;
				u[x + 1] = cr;
			}
		}
	}
	return 0;
}
