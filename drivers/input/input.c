/*
 * input.c - see tc_input.h.  libevdev reads and resynchronises the
 * device (a SYN_DROPPED is followed by the state it missed, where a
 * release can be lost but never an extra press invented).
 */
#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <stdlib.h>
#include <unistd.h>

#include "autoconf.h"
#include "tc_input.h"

struct tc_input {
	int fd;
	struct libevdev *dev;
};

enum tc_input_key
tc_input_map(const struct input_event *ev)
{
	if (ev->type != EV_KEY || ev->value != 1)	/* 1 press, 0 release, 2 repeat */
		return TC_INPUT_NONE;
	if (ev->code == CONFIG_INPUT_KEY_SHUTTER)
		return TC_INPUT_SHUTTER;
	if (ev->code == CONFIG_INPUT_KEY_BACK)
		return TC_INPUT_BACK;
	if (ev->code == CONFIG_INPUT_KEY_OK)
		return TC_INPUT_OK;
	return TC_INPUT_NONE;
}

int
tc_input_open(const char *path, struct tc_input **out)
{
	struct tc_input *in;
	int rc;

	*out = NULL;
	in = calloc(1, sizeof(*in));
	if (!in)
		return -ENOMEM;
	in->fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (in->fd < 0) {
		rc = -errno;
		goto fail;
	}
	rc = libevdev_new_from_fd(in->fd, &in->dev);
	if (rc < 0)
		goto fail;
	*out = in;
	return 0;
fail:
	tc_input_close(in);
	return rc;
}

void
tc_input_close(struct tc_input *in)
{
	if (!in)
		return;
	if (in->dev)
		libevdev_free(in->dev);
	if (in->fd >= 0)
		close(in->fd);
	free(in);
}

int
tc_input_fd(const struct tc_input *in)
{
	return in->fd;
}

int
tc_input_next(struct tc_input *in, enum tc_input_key *key)
{
	struct input_event ev;
	int rc;

	for (;;) {
		rc = libevdev_next_event(in->dev, LIBEVDEV_READ_FLAG_NORMAL, &ev);
		if (rc == LIBEVDEV_READ_STATUS_SYNC) {
			/* Drain the resync: its events are state, not presses. */
			while (rc == LIBEVDEV_READ_STATUS_SYNC)
				rc = libevdev_next_event(in->dev, LIBEVDEV_READ_FLAG_SYNC, &ev);
			continue;
		}
		if (rc == -EAGAIN)
			return 0;
		if (rc < 0)
			return rc;
		*key = tc_input_map(&ev);
		if (*key != TC_INPUT_NONE)
			return 1;
	}
}
