/*
 * exif.c - the only metadata a trustcam JPEG carries: an Exif APP1 with
 * one IFD0 entry, Orientation (rule R6: no GPS, serial, owner, maker
 * notes or thumbnail, and no JFIF segment either).  A fixed 32-byte
 * writer, not a parser.
 */
#include <string.h>

#include "jpeg_enc.h"
#include "tc_io.h"

void
tc_exif_orientation(uint16_t orientation, uint8_t out[TC_EXIF_ORIENT_LEN])
{
	static const uint8_t head[] = {
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0x00, 0x2a, 0x00, 0x00, 0x00, 0x08,	/* big-endian TIFF, IFD0 at 8 */
		0x00, 0x01,					/* one entry */
		0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01,	/* Orientation, SHORT, 1 */
	};

	if (orientation < 1 || orientation > 8)
		orientation = 1;
	memcpy(out, head, sizeof(head));
	tc_put_be16(out + 24, orientation);
	memset(out + 26, 0, 2);			/* value padding */
	memset(out + 28, 0, 4);			/* no next IFD */
}
