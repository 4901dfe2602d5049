/*
 * tc_image.h - which device image this is: IMAGE_VERSION and BUILD_ID
 * from os-release(5), which tools/image/mkimage writes into every image
 * (a developer's PC has neither).  camctl status shows them.
 */
#ifndef TC_IMAGE_H
#define TC_IMAGE_H

#include <stddef.h>

#define TC_IMAGE_FIELD_MAX 96	/* a field's value, with its NUL */

struct tc_image_release {
	char version[TC_IMAGE_FIELD_MAX];	/* IMAGE_VERSION, or "" */
	char build_id[TC_IMAGE_FIELD_MAX];	/* BUILD_ID, or "" */
};

/*
 * Read IMAGE_VERSION and BUILD_ID from the os-release file at path
 * (KEY=VALUE lines, the value optionally in double or single quotes).
 * A value longer than the field, or with a byte outside printable ASCII,
 * is left empty.  Returns 0 (fields possibly empty), or -errno if the
 * file cannot be read; out is zeroed first either way.
 */
int tc_image_release_read(const char *path, struct tc_image_release *out)
	__attribute__((warn_unused_result));

#endif /* TC_IMAGE_H */
