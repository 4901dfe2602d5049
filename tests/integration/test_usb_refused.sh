#!/bin/sh
# test_usb_refused.sh - the lockdown's USB refusals reach photod's audit
# log (the hash-chained one that syncs), on the host with a fake sysfs
# tree: `camctl usb-refused` (what trustcam-usb-refused@.service runs for
# the udev rule) records a mass-storage and a still-image interface with
# the device's ids and product string; a hostile description (control
# characters, quotes, an overlong string, ids that are not hex, a name
# that is not an interface's) is recorded as "invalid" field by field,
# the refusal itself still recorded; only root may record one (photod's
# own user is refused and that is audited); a name that would leave the
# sysfs tree is a usage error; with photod down camctl exits 4.  The
# boot test (tools/image/image-test) checks the udev rule and unit on a
# booted image.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

setup_device "$T"
start_photod -m 1920x1080

# usb_dev SYSFS DEV VENDOR PRODUCT_ID PRODUCT: a USB device's attributes.
usb_dev() {
	mkdir -p "$1/bus/usb/devices/$2"
	printf '%s\n' "$3" > "$1/bus/usb/devices/$2/idVendor"
	printf '%s\n' "$4" > "$1/bus/usb/devices/$2/idProduct"
	printf '%s\n' "$5" > "$1/bus/usb/devices/$2/product"
}
# usb_iface SYSFS IFACE CLASS: one of its interfaces.
usb_iface() {
	mkdir -p "$1/bus/usb/devices/$2"
	printf '%s\n' "$3" > "$1/bus/usb/devices/$2/bInterfaceClass"
}
SYS=$T/sys
usb_dev "$SYS" 1-1 0781 5567 "Cruzer Blade"
usb_iface "$SYS" 1-1:1.0 08
usb_dev "$SYS" 1-2.3 04a9 31dd "PowerShot (PTP)"
usb_iface "$SYS" 1-2.3:1.0 06
# A hostile stick: an escape sequence and a quote in its product string, ids that are not hex.
usb_dev "$SYS" 2-1 zzzz 12345 "$(printf 'Evil\033[2J" ok')"
usb_iface "$SYS" 2-1:1.0 08
# One whose product string does not fit the message (80 characters).
usb_dev "$SYS" 2-2 1234 abcd "$(printf 'A%.0s' $(seq 80))"
usb_iface "$SYS" 2-2:1.0 08
# A name no kernel gives an interface.
usb_dev "$SYS" 'x;y' 1234 abcd "fine"
usb_iface "$SYS" 'x;y' 08

out=$(camctl usb-refused --sysfs "$SYS" 1-1:1.0)
check "usb-refused says the refusal is in the audit log" has '^USB refusal recorded in the audit log \(entry [0-9]+\)$' "$out"
seq=$(printf '%s\n' "$out" | sed -n 's/.*(entry \([0-9]*\)).*/\1/p')
log=$(audit_log)
check "the audit log holds it at the entry camctl named, as a refusal by the lockdown" \
	has "^$seq lockdown usb.refuse .*USB mass-storage interface 1-1:1.0 refused \(R3\): device 0781:5567 \"Cruzer Blade\"" "$log"
camctl usb-refused --sysfs "$SYS" 1-2.3:1.0 >/dev/null
camctl usb-refused --sysfs "$SYS" 2-1:1.0 >/dev/null
camctl usb-refused --sysfs "$SYS" 2-2:1.0 >/dev/null
camctl usb-refused --sysfs "$SYS" 'x;y' >/dev/null
log=$(audit_log)
check "a still-image (PTP/MTP) interface is recorded as such" \
	has 'usb.refuse .*USB still-image interface 1-2.3:1.0 refused \(R3\): device 04a9:31dd "PowerShot \(PTP\)"' "$log"
check "a hostile description is recorded field by field as invalid" \
	has 'usb.refuse .*USB mass-storage interface 2-1:1.0 refused \(R3\): device invalid:invalid "invalid"$' "$log"
check "no escape character reached the audit log" sh -c '! printf "%s\n" "$1" | grep -q "$(printf "\033")"' _ "$log"
check "an overlong product string is recorded as invalid" \
	has 'usb.refuse .*interface 2-2:1.0 refused \(R3\): device 1234:abcd "invalid"$' "$log"
check "a name that is not an interface's is recorded as invalid, the refusal kept" \
	has 'usb.refuse .*USB mass-storage interface invalid refused \(R3\): device 1234:abcd "fine"$' "$log"
check "five refusals recorded" test "$(count_lines ' usb.refuse ' "$log")" -eq 5

# Only root: photod's own user may not forge refusals into the log.
expect_exit "photod's own user may not record a USB refusal" 1 'only root' \
	as_device_user "$B/camctl" -r "$RUN" usb-refused --sysfs "$SYS" 1-1:1.0
check "the attempt is audited" has 'refuse.admin .*may not record a USB refusal' "$(audit_log)"
check "and recorded no refusal" test "$(count_lines ' usb.refuse ' "$(audit_log)")" -eq 5

expect_exit "a name that leaves the sysfs tree is a usage error" 2 'not a USB interface name' \
	camctl usb-refused --sysfs "$SYS" ../../../etc
expect_exit "usb-refused without an interface is a usage error" 2 'wrong arguments' camctl usb-refused

stop_photod
expect_exit "with photod down, usb-refused exits 4 (the unit fails; the journal keeps the refusal)" 4 \
	'photod is not running' camctl usb-refused --sysfs "$SYS" 1-1:1.0
finish
