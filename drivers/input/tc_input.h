/*
 * tc_input.h - physical buttons through evdev (libevdev): the shutter
 * and, where a board has them, back and OK.  The key codes come from the
 * board's Kconfig (CONFIG_INPUT_KEY_*), so a camera whose shutter sends
 * KEY_CAMERA and a kiosk whose big button sends KEY_ENTER need no code.
 *
 * A key press becomes one enum tc_input_key; releases and auto-repeat
 * are dropped (one press, one photo).  tc_input_map() is the mapping on
 * its own, so a file of recorded struct input_event can be replayed
 * through exactly what a device goes through.
 */
#ifndef TC_INPUT_H
#define TC_INPUT_H

#include <linux/input.h>

#include "tc_err.h"

enum tc_input_key { TC_INPUT_NONE, TC_INPUT_SHUTTER, TC_INPUT_BACK, TC_INPUT_OK };

struct tc_input;

/* Open an evdev node (non-blocking).  0 or a negative errno. */
int tc_input_open(const char *path, struct tc_input **out) TC_MUST_CHECK;
void tc_input_close(struct tc_input *in);
/* The descriptor to poll for POLLIN. */
int tc_input_fd(const struct tc_input *in);
/*
 * The next key press, without blocking: 1 with *key set, 0 when nothing
 * is waiting, or a negative errno (-ENODEV: the device went away).
 */
int tc_input_next(struct tc_input *in, enum tc_input_key *key) TC_MUST_CHECK;
/* What one event means: a press of a configured key, else TC_INPUT_NONE. */
enum tc_input_key tc_input_map(const struct input_event *ev);

#endif /* TC_INPUT_H */
