/*
 * tc_image.c - IMAGE_VERSION and BUILD_ID from os-release(5) (tc_image.h).
 * Tuned for a file of a few hundred bytes read once by a CLI.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tc_image.h"

/* The value of one line, quotes removed, into out; "" if unfit. */
static void
take_value(const char *v, char *out, size_t size)
{
	size_t n = strcspn(v, "\n");
	size_t i;

	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
		v++;
		n -= 2;
	}
	out[0] = '\0';
	if (n >= size)
		return;
	for (i = 0; i < n; i++)
		if (v[i] < 0x20 || v[i] > 0x7e || v[i] == '"' || v[i] == '\'' || v[i] == '\\')
			return;
	memcpy(out, v, n);
	out[n] = '\0';
}

int
tc_image_release_read(const char *path, struct tc_image_release *out)
{
	char line[512];
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (!(f = fopen(path, "re")))
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strchr(line, '\n') && !feof(f)) {
			/* a line longer than any field: skip the rest of it */
			int c;

			while ((c = fgetc(f)) != EOF && c != '\n')
				;
			continue;
		}
		if (!strncmp(line, "IMAGE_VERSION=", 14))
			take_value(line + 14, out->version, sizeof(out->version));
		else if (!strncmp(line, "BUILD_ID=", 9))
			take_value(line + 9, out->build_id, sizeof(out->build_id));
	}
	fclose(f);
	return 0;
}
