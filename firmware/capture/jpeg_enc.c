/*
 * jpeg_enc.c - baseline JPEG straight from the camera's YUV 4:2:0 planes
 * with libjpeg-turbo, streamed out in fixed blocks.
 *
 * Why libjpeg-turbo's jpeglib API here rather than its TurboJPEG API:
 * TurboJPEG only writes into one whole output buffer, and the pipeline
 * must hand JPEG bytes to the sealer while the encoder is still running.
 * jpeglib's destination manager gives exactly that, and raw_data_in takes
 * the Y/Cb/Cr planes as they are (no colour conversion, the same codec and
 * settings TurboJPEG's tjCompressFromYUVPlanes uses: 4:2:0, ISLOW DCT,
 * standard tables scaled to the quality).  Luma rows are read in place
 * from the frame; chroma is copied 8 rows at a time into two small padded
 * row buffers (splitting NV12's interleaved chroma on the way).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include <jpeglib.h>

#include "jpeg_enc.h"
#include "tc_io.h"
#include "tc_secmem.h"

struct enc_err {
	struct jpeg_error_mgr mgr;
	jmp_buf jb;
	int code;
};

struct enc_dest {
	struct jpeg_destination_mgr mgr;
	uint8_t *block;
	size_t block_len;
	tc_jpeg_block_fn emit;
	void *ctx;
	int aborted;
};

static void
enc_error_exit(j_common_ptr cinfo)
{
	struct enc_err *e = (struct enc_err *)(void *)cinfo->err;

	longjmp(e->jb, 1);
}

/* libjpeg's messages are about the codec, never the image: still, stay quiet. */
static void
enc_output_message(j_common_ptr cinfo)
{
	(void)cinfo;
}

static void
dest_init(j_compress_ptr cinfo)
{
	struct enc_dest *d = (struct enc_dest *)(void *)cinfo->dest;

	d->mgr.next_output_byte = d->block;
	d->mgr.free_in_buffer = d->block_len;
}

static boolean
dest_empty(j_compress_ptr cinfo)
{
	struct enc_dest *d = (struct enc_dest *)(void *)cinfo->dest;
	uint8_t *next = d->emit(d->ctx, d->block, d->block_len);

	if (!next) {
		struct enc_err *e = (struct enc_err *)(void *)cinfo->err;

		d->aborted = 1;
		e->code = TC_E_CAPTURE_ABORTED;
		longjmp(e->jb, 1);
	}
	d->block = next;
	d->mgr.next_output_byte = next;
	d->mgr.free_in_buffer = d->block_len;
	return TRUE;
}

static void
dest_term(j_compress_ptr cinfo)
{
	(void)cinfo;	/* the caller emits the last block after finish */
}

/* Row pointers for one 16-line MCU row; rows past the bottom repeat the last. */
static void
set_rows(JSAMPROW *rows, const uint8_t *plane, size_t stride, uint32_t first,
	 uint32_t n, uint32_t height)
{
	uint32_t i, r;

	for (i = 0; i < n; i++) {
		r = first + i < height ? first + i : height - 1;
		rows[i] = (JSAMPROW)(uintptr_t)(plane + (size_t)r * stride);
	}
}

/*
 * libjpeg's raw-data path reads whole 8-sample blocks: a row must be
 * padded to a multiple of 8, the padding a copy of the last sample (as
 * libjpeg does for its own input).  Chroma rows are always copied into
 * padded scratch (NV12's interleaved chroma has to be split anyway);
 * luma rows only when the width is not a multiple of 8 (never for the
 * real sensor modes).
 */
static size_t
pad8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static void
pad_row(uint8_t *row, size_t w, size_t wp)
{
	memset(row + w, row[w - 1], wp - w);
}

/* Rows crow..crow+7 of the chroma planes into u and v (8 rows of cwp each). */
static void
copy_chroma(const struct tc_frame *f, uint32_t crow, uint8_t *u, uint8_t *v, size_t cwp)
{
	uint32_t cw = f->width / 2, ch = f->height / 2, i, x, r;

	for (i = 0; i < 8; i++) {
		uint8_t *ur = u + (size_t)i * cwp, *vr = v + (size_t)i * cwp;

		r = crow + i < ch ? crow + i : ch - 1;
		if (f->fmt == TC_PIXFMT_NV12) {
			const uint8_t *src = f->plane[1] + (size_t)r * f->stride[1];

			for (x = 0; x < cw; x++) {
				ur[x] = src[2 * x];
				vr[x] = src[2 * x + 1];
			}
		} else {
			memcpy(ur, f->plane[1] + (size_t)r * f->stride[1], cw);
			memcpy(vr, f->plane[2] + (size_t)r * f->stride[2], cw);
		}
		pad_row(ur, cw, cwp);
		pad_row(vr, cw, cwp);
	}
}

/* Rows line..line+15 of luma into y (16 rows of wp each), for widths not a multiple of 8. */
static void
copy_luma(const struct tc_frame *f, uint32_t line, uint8_t *y, size_t wp)
{
	uint32_t i, r;

	for (i = 0; i < 16; i++) {
		r = line + i < f->height ? line + i : f->height - 1;
		memcpy(y + (size_t)i * wp, f->plane[0] + (size_t)r * f->stride[0], f->width);
		pad_row(y + (size_t)i * wp, f->width, wp);
	}
}

/*
 * The libjpeg part, with its setjmp error path.  scratch: 8 padded rows
 * of U, then of V, then (if the width is not a multiple of 8) 16 padded
 * rows of Y.
 */
static int
encode(const struct tc_frame *frame, int quality, uint16_t orientation, uint8_t *first,
       size_t block_len, tc_jpeg_block_fn emit, void *ctx, uint8_t *const scratch)
{
	struct jpeg_compress_struct cinfo;
	struct enc_err err;
	struct enc_dest dest;
	JSAMPROW yrows[16], urows[8], vrows[8];
	JSAMPARRAY planes[3] = { yrows, urows, vrows };
	uint8_t exif[TC_EXIF_ORIENT_LEN];
	volatile int rc = 0;
	const size_t cwp = pad8(frame->width / 2), wp = pad8(frame->width);
	uint8_t *const u = scratch, *const v = scratch + 8 * cwp, *const y = scratch + 16 * cwp;

	memset(&cinfo, 0, sizeof(cinfo));
	memset(&dest, 0, sizeof(dest));
	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = enc_error_exit;
	err.mgr.output_message = enc_output_message;
	err.code = TC_E_JPEG;
	if (setjmp(err.jb)) {
		rc = err.code;
		goto out;
	}
	jpeg_create_compress(&cinfo);
	dest.mgr.init_destination = dest_init;
	dest.mgr.empty_output_buffer = dest_empty;
	dest.mgr.term_destination = dest_term;
	dest.block = first;
	dest.block_len = block_len;
	dest.emit = emit;
	dest.ctx = ctx;
	cinfo.dest = &dest.mgr;

	cinfo.image_width = frame->width;
	cinfo.image_height = frame->height;
	cinfo.input_components = 3;
	cinfo.in_color_space = JCS_YCbCr;
	jpeg_set_defaults(&cinfo);
	jpeg_set_colorspace(&cinfo, JCS_YCbCr);
	jpeg_set_quality(&cinfo, quality, TRUE);
	cinfo.raw_data_in = TRUE;
	cinfo.dct_method = JDCT_ISLOW;
	cinfo.write_JFIF_header = FALSE;
	cinfo.write_Adobe_marker = FALSE;
	cinfo.comp_info[0].h_samp_factor = 2;
	cinfo.comp_info[0].v_samp_factor = 2;
	cinfo.comp_info[1].h_samp_factor = cinfo.comp_info[1].v_samp_factor = 1;
	cinfo.comp_info[2].h_samp_factor = cinfo.comp_info[2].v_samp_factor = 1;

	jpeg_start_compress(&cinfo, TRUE);
	tc_exif_orientation(orientation, exif);
	jpeg_write_marker(&cinfo, JPEG_APP0 + 1, exif, sizeof(exif));
	while (cinfo.next_scanline < frame->height) {
		uint32_t line = cinfo.next_scanline;

		if (wp == frame->width) {
			set_rows(yrows, frame->plane[0], frame->stride[0], line, 16, frame->height);
		} else {
			copy_luma(frame, line, y, wp);
			set_rows(yrows, y, wp, 0, 16, 16);
		}
		copy_chroma(frame, line / 2, u, v, cwp);
		set_rows(urows, u, cwp, 0, 8, 8);
		set_rows(vrows, v, cwp, 0, 8, 8);
		if (jpeg_write_raw_data(&cinfo, planes, 16) != 16) {
			rc = TC_E_JPEG;
			goto out;
		}
	}
	jpeg_finish_compress(&cinfo);
	/* The last, partial block (the encoder never returns it through empty). */
	if (!emit(ctx, dest.block, block_len - dest.mgr.free_in_buffer))
		rc = TC_E_CAPTURE_ABORTED;
out:
	jpeg_destroy_compress(&cinfo);
	return rc;
}

int
tc_jpeg_encode(const struct tc_frame *frame, int quality, uint16_t orientation,
	       uint8_t *first, size_t block_len, tc_jpeg_block_fn emit, void *ctx)
{
	uint8_t *scratch;
	size_t len;
	int rc;

	if (!frame || frame->width < 16 || frame->height < 16 || (frame->width & 1) ||
	    (frame->height & 1) || quality < 1 || quality > 100 || block_len < 1024)
		return -EINVAL;
	if (frame->fmt == TC_PIXFMT_NV12 ? frame->nplanes != 2 : frame->nplanes != 3)
		return -EINVAL;
	len = 16 * pad8(frame->width / 2) + (frame->width % 8 ? 16 * pad8(frame->width) : 0);
	/* Rows of a photo are image content: they live in locked memory too. */
	scratch = tc_secure_alloc(len);
	if (!scratch)
		return -ENOMEM;
	rc = encode(frame, quality, orientation, first, block_len, emit, ctx, scratch);
	tc_secure_free(scratch);
	return rc;
}
