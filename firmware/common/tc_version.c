/*
 * tc_version.c - the firmware version and device model (tc_version.h).
 *
 * TC_GIT_VERSION comes from tc_version_gen.h, which the Makefile rewrites
 * only when `git describe` changes, so only this file is rebuilt.
 */
#include <string.h>

#include "autoconf.h"
#include "tc_version.h"
#include "tc_version_gen.h"

const char *
tc_version(void)
{
	return TC_GIT_VERSION;
}

/* Printable ASCII without the bytes that would end or nest an HTTP comment. */
static bool
header_safe(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e || strchr("()\\\"", *s))
			return false;
	return true;
}

const char *
tc_model(void)
{
	return header_safe(CONFIG_BOARD_MODEL) ? CONFIG_BOARD_MODEL : "unknown";
}

const char *
tc_board(void)
{
	return CONFIG_BOARD_NAME;
}

void
tc_version_describe(char *out, size_t size)
{
	snprintf(out, size, "trustcam %s, model %s, board %s", tc_version(), tc_model(), tc_board());
}

void
tc_version_print(FILE *f, const char *prog)
{
	fprintf(f, "%s (trustcam) %s\nmodel: %s\nboard: %s\n", prog, tc_version(), tc_model(),
		tc_board());
}

bool
tc_version_option(int c, const char *prog, void (*usage)(FILE *f))
{
	if (c == TC_OPT_HELP) {
		usage(stdout);
		return true;
	}
	if (c == TC_OPT_VERSION) {
		tc_version_print(stdout, prog);
		return true;
	}
	return false;
}
