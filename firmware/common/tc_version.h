/*
 * tc_version.h - which firmware this is and which device model it is for,
 * the same words in every program (ETSI EN 303 645 provision 5.3-16: the
 * user can tell the software version and the model).
 *
 * The version comes from `git describe --always --dirty` at build time, or
 * from a VERSION file at the top of a source tree that is not a git
 * checkout, else "unknown"; the model is the board's CONFIG_BOARD_MODEL.
 */
#ifndef TC_VERSION_H
#define TC_VERSION_H

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

/* "v1.2-3-gabcdef0-dirty", "abcdef0" or "unknown": printable, no spaces. */
const char *tc_version(void);
/* The device model, CONFIG_BOARD_MODEL; "unknown" if it holds a byte unsafe in a header. */
const char *tc_model(void);
/* The board's folder name, CONFIG_BOARD_NAME. */
const char *tc_board(void);
/* "trustcam VERSION, model MODEL, board BOARD" in out (truncated to fit): for logs and audit. */
void tc_version_describe(char *out, size_t size);
/* "PROG (trustcam) VERSION\nmodel: MODEL\nboard: BOARD\n" on f: what --version prints. */
void tc_version_print(FILE *f, const char *prog);
/*
 * The options every program takes, for getopt_long: --help prints usage
 * on stdout, --version what tc_version_print says; both then exit 0.
 * Put TC_VERSION_LONGOPTS in the option table and pass each getopt
 * result c to tc_version_option: true when it was one of them and the
 * caller should exit 0.  usage(f) prints the program's usage on f.
 */
#define TC_OPT_HELP	0x100
#define TC_OPT_VERSION	0x101
#define TC_VERSION_LONGOPTS \
	{ "help", no_argument, NULL, TC_OPT_HELP }, \
	{ "version", no_argument, NULL, TC_OPT_VERSION }
bool tc_version_option(int c, const char *prog, void (*usage)(FILE *f));

#endif /* TC_VERSION_H */
