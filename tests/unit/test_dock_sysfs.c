/*
 * test_dock_sysfs.c - drivers/dock over a fake sysfs tree: docked only
 * with external power (Mains/USB, not a battery) and a link other than
 * lo up; each change makes tc_dock_fd() readable (inotify on a fake
 * tree), so a daemon needs no polling.
 */
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tc_dock.h"

static char root[512];

static void
put(const char *rel, const char *val)
{
	char p[700];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(val, f);
	fclose(f);
}

static void
mk(const char *rel)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
setup(void **state)
{
	const char *tmp = getenv("TC_TEST_TMP");

	(void)state;
	snprintf(root, sizeof(root), "%s/sysfsXXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(root));
	mk("class");
	mk("class/power_supply");
	mk("class/power_supply/AC");
	mk("class/power_supply/BAT0");
	mk("class/net");
	mk("class/net/lo");
	mk("class/net/eth0");
	put("class/power_supply/AC/type", "Mains\n");
	put("class/power_supply/AC/online", "0\n");
	put("class/power_supply/BAT0/type", "Battery\n");
	put("class/power_supply/BAT0/online", "1\n");
	put("class/net/lo/operstate", "up\n");
	put("class/net/eth0/operstate", "down\n");
	return 0;
}

static int
readable(struct tc_dock *d)
{
	struct pollfd p = { tc_dock_fd(d), POLLIN, 0 };

	return poll(&p, 1, 2000) == 1;
}

static void
test_dock_undock(void **state)
{
	struct tc_dock *d = NULL;

	(void)state;
	assert_int_equal(tc_dock_open(&d, root), 0);
	assert_false(tc_dock_docked(d));	/* battery and lo do not count */
	put("class/power_supply/AC/online", "1\n");
	assert_true(readable(d));
	assert_false(tc_dock_docked(d));	/* power but no link */
	assert_true(tc_dock_power(d));
	put("class/net/eth0/operstate", "up\n");
	assert_true(readable(d));
	assert_true(tc_dock_docked(d));
	put("class/power_supply/AC/online", "0\n");
	assert_true(readable(d));
	assert_false(tc_dock_docked(d));	/* unplugged */
	tc_dock_close(d);
}

static void
test_usb_and_new_device(void **state)
{
	struct tc_dock *d = NULL;

	(void)state;
	assert_int_equal(tc_dock_open(&d, root), 0);
	put("class/net/eth0/operstate", "up\n");
	assert_true(readable(d));
	assert_false(tc_dock_docked(d));
	/* A USB supply that appears after open is seen (the class directory is watched). */
	mk("class/power_supply/usb");
	assert_true(readable(d));
	(void)tc_dock_docked(d);
	put("class/power_supply/usb/type", "USB_PD\n");
	put("class/power_supply/usb/online", "1\n");
	assert_true(readable(d));
	assert_true(tc_dock_docked(d));
	tc_dock_close(d);
}

static void
test_env_root(void **state)
{
	struct tc_dock *d = NULL;

	(void)state;
	put("class/power_supply/AC/online", "1\n");
	put("class/net/eth0/operstate", "up\n");
	setenv("TC_SYSFS_ROOT", root, 1);
	assert_int_equal(tc_dock_open(&d, NULL), 0);
	unsetenv("TC_SYSFS_ROOT");
	assert_true(tc_dock_docked(d));
	tc_dock_close(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_dock_undock, setup),
		cmocka_unit_test_setup(test_usb_and_new_device, setup),
		cmocka_unit_test_setup(test_env_root, setup),
	};

	return cmocka_run_group_tests_name("dock_sysfs", tests, NULL, NULL);
}
