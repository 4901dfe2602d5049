/*
 * pic_tess.h - the part of libtesseract's C API (tesseract/capi.h) that
 * pic_ocr.c uses.  With libtesseract-dev installed (tools/deps/packages)
 * this is its header; without it (a machine with only the libtesseract5
 * runtime) these declarations, copied from capi.h of tesseract 5, let
 * the same code build against libtesseract.so.5.
 */
#ifndef TC_PIC_TESS_H
#define TC_PIC_TESS_H

#if __has_include(<tesseract/capi.h>)
#include <tesseract/capi.h>
#else
typedef int BOOL;
typedef struct TessBaseAPI TessBaseAPI;
typedef struct TessResultIterator TessResultIterator;
typedef struct TessPageIterator TessPageIterator;
typedef struct ETEXT_DESC ETEXT_DESC;
typedef enum TessPageIteratorLevel {
	RIL_BLOCK, RIL_PARA, RIL_TEXTLINE, RIL_WORD, RIL_SYMBOL
} TessPageIteratorLevel;
typedef enum TessPageSegMode {
	PSM_OSD_ONLY, PSM_AUTO_OSD, PSM_AUTO_ONLY, PSM_AUTO, PSM_SINGLE_COLUMN,
	PSM_SINGLE_BLOCK_VERT_TEXT, PSM_SINGLE_BLOCK, PSM_SINGLE_LINE, PSM_SINGLE_WORD,
	PSM_CIRCLE_WORD, PSM_SINGLE_CHAR, PSM_SPARSE_TEXT, PSM_SPARSE_TEXT_OSD, PSM_RAW_LINE,
	PSM_COUNT
} TessPageSegMode;

TessBaseAPI *TessBaseAPICreate(void);
void TessBaseAPIDelete(TessBaseAPI *handle);
BOOL TessBaseAPISetVariable(TessBaseAPI *handle, const char *name, const char *value);
int TessBaseAPIInit3(TessBaseAPI *handle, const char *datapath, const char *language);
void TessBaseAPISetPageSegMode(TessBaseAPI *handle, TessPageSegMode mode);
void TessBaseAPISetImage(TessBaseAPI *handle, const unsigned char *imagedata, int width,
			 int height, int bytes_per_pixel, int bytes_per_line);
void TessBaseAPISetSourceResolution(TessBaseAPI *handle, int ppi);
int TessBaseAPIRecognize(TessBaseAPI *handle, ETEXT_DESC *monitor);
TessResultIterator *TessBaseAPIGetIterator(TessBaseAPI *handle);
void TessBaseAPIEnd(TessBaseAPI *handle);
void TessResultIteratorDelete(TessResultIterator *handle);
TessPageIterator *TessResultIteratorGetPageIterator(TessResultIterator *handle);
BOOL TessResultIteratorNext(TessResultIterator *handle, TessPageIteratorLevel level);
char *TessResultIteratorGetUTF8Text(const TessResultIterator *handle,
				    TessPageIteratorLevel level);
float TessResultIteratorConfidence(const TessResultIterator *handle,
				   TessPageIteratorLevel level);
BOOL TessPageIteratorBoundingBox(const TessPageIterator *handle, TessPageIteratorLevel level,
				 int *left, int *top, int *right, int *bottom);
void TessDeleteText(const char *text);
#endif

#endif /* TC_PIC_TESS_H */
