/*
 * camctl_usb.c - `camctl usb-refused [--sysfs DIR] IFACE`: the lockdown's
 * helper (trustcam-usb-refused@.service, started by the udev rule in
 * board/common, root only).  Reads what the de-authorised USB interface
 * and its device say about themselves in sysfs and asks photod to record
 * the refusal in the audit log (photod_usb.c).
 *
 * The sysfs values are the device's words: they are copied as they are,
 * bounded, and photod validates each one; a value too long for its field
 * is sent as "?", which no field accepts.  --sysfs names another sysfs
 * root (the tests' fake tree).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "camctl.h"
#include "tc_io.h"

/* DIR/NAME's first line into out (size bytes incl. NUL): "" if absent, "?" if too long. */
static void
read_attr(const char *dir, const char *name, char *out, size_t size)
{
	char path[512], buf[256];
	size_t got = 0;
	int fd;

	out[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return;
	if (tc_read_full(fd, buf, sizeof(buf) - 1, &got) != 0)
		got = 0;
	close(fd);
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	if (strlen(buf) >= size)
		tc_strlcpy(out, "?", size);
	else
		tc_strlcpy(out, buf, size);
}

int
camctl_usb_usage(int argc, char **argv)
{
	if (argc == 1)
		return 0;
	return argc == 3 && strcmp(argv[0], "--sysfs") == 0 ? 0 : -1;
}

int
camctl_usb_refused(int fd, int argc, char **argv)
{
	const char *sysfs = argc == 3 ? argv[1] : "/sys", *iface = argv[argc - 1];
	struct tc_msg_usb_refused m;
	char dir[256], dev[256], cls[8];

	/* The name becomes a path: one component, no dot-dot, before anything is read. */
	if (!iface[0] || strchr(iface, '/') || strstr(iface, "..") || strlen(iface) >= sizeof(m.iface)) {
		fprintf(stderr, "camctl: usb-refused: '%s' is not a USB interface name\n", iface);
		return EX_USAGE;
	}
	memset(&m, 0, sizeof(m));
	tc_strlcpy(m.iface, iface, sizeof(m.iface));
	snprintf(dir, sizeof(dir), "%s/bus/usb/devices/%s", sysfs, iface);
	/* The interface "1-1:1.0" belongs to the device "1-1". */
	snprintf(dev, sizeof(dev), "%s/bus/usb/devices/%.*s", sysfs, (int)strcspn(iface, ":"), iface);
	read_attr(dir, "bInterfaceClass", cls, sizeof(cls));
	m.iface_class = (uint32_t)strtoul(cls, NULL, 16);
	read_attr(dev, "idVendor", m.vendor, sizeof(m.vendor));
	read_attr(dev, "idProduct", m.product_id, sizeof(m.product_id));
	read_attr(dev, "product", m.product, sizeof(m.product));
	return camctl_simple(fd, TC_MSG_USB_REFUSED_REQ, &m, sizeof(m), "usb-refused");
}
