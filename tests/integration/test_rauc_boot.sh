#!/bin/sh
# test_rauc_boot.sh - kiosk-x86's RAUC boot backend
# (board/kiosk-x86/rootfs/usr/lib/trustcam/rauc-boot) on a stand-in EFI
# partition (a directory) and slot images (squashfs, loop-mounted): the
# image's slot A entry is primary; set-primary b copies B's kernel and
# initrd and writes B's entry with 3 tries, a higher version and A's
# options for root B; an entry with no tries left (as systemd-boot leaves
# it after three failed boots) is bad and not primary, so A is primary
# again; set-state good blesses (drops the counter), bad takes the tries;
# a slot without a kernel is refused and nothing changes.  systemd-boot's
# own choice and its counting run in tools/image/update-test (qemu).
set -eu
T=$(cd "${TC_TEST_TMP:?}" && pwd)
. tests/integration/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "not ok - test_rauc_boot.sh must run as root (it loop-mounts slot images)"; exit 1; }

RB=board/kiosk-x86/rootfs/usr/lib/trustcam/rauc-boot
export RAUC_BOOT_ESP="$T/esp" RAUC_BOOT_DEVDIR="$T/dev"
E=$T/esp/loader/entries
mkdir -p "$E" "$T/dev"
# As tools/image/boot-efi writes slot A's entry.
cat > "$E/trustcam-a.conf" <<ENTRY
title trustcam v1 (slot A, 20261206)
sort-key trustcam
version 1
linux /trustcam/a/vmlinuz
initrd /trustcam/a/initrd.img
options root=PARTLABEL=trustcam-root-a rauc.slot=a rootfstype=squashfs ro systemd.gpt_auto=0 quiet
ENTRY
# slot IMAGE VERSION [nokernel]: a root image with a kernel and an initrd in /boot.
slot() {
	rm -rf "$T/root"; mkdir -p "$T/root/boot" "$T/root/usr/lib"
	echo "IMAGE_VERSION=$2" > "$T/root/usr/lib/os-release"
	if [ "${3:-}" != nokernel ]; then
		echo "kernel $2" > "$T/root/boot/vmlinuz-6.1.0-9-amd64"
		echo "older" > "$T/root/boot/vmlinuz-6.1.0-2-amd64"
		echo "initrd $2" > "$T/root/boot/initrd.img-6.1.0-9-amd64"
	fi
	mksquashfs "$T/root" "$1" -quiet -noappend >/dev/null
}
slot "$T/dev/trustcam-root-b" v2

expect_exit "the image's slot A is primary" 0 '^a$' "$RB" get-primary
expect_exit "slot A is good" 0 '^good$' "$RB" get-state a
expect_exit "slot B, with no entry, is bad" 0 '^bad$' "$RB" get-state b
expect_exit "marking it bad (RAUC does before writing it) is nothing to do" 0 '' "$RB" set-state b bad
expect_exit "blessing a slot with no entry is refused" 1 'slot b has no entry' "$RB" set-state b good
expect_exit "set-primary b" 0 '' "$RB" set-primary b
check "B's newest kernel is on the EFI partition" test "$(cat "$T/esp/trustcam/b/vmlinuz")" = "kernel v2"
check "with its initrd" test "$(cat "$T/esp/trustcam/b/initrd.img")" = "initrd v2"
check "B's entry has 3 tries" test -f "$E/trustcam-b+3.conf"
B=$(cat "$E/trustcam-b+3.conf")
check "B's entry is above A's" has '^version 2$' "$B"
check "B's entry sorts with A's" has '^sort-key trustcam$' "$B"
check "B's entry roots B, with A's other options" \
	has '^options root=PARTLABEL=trustcam-root-b rauc.slot=b rootfstype=squashfs ro systemd.gpt_auto=0 quiet$' "$B"
check "B's entry names its image" has '^title trustcam v2 \(slot B\)$' "$B"
check "no temporary file is left" test -z "$(find "$T/esp" -name '*.tmp')"
expect_exit "B is primary now" 0 '^b$' "$RB" get-primary
expect_exit "B is good while it has tries" 0 '^good$' "$RB" get-state b

# systemd-boot took every try: B is bad, A is primary again (the fallback).
mv "$E/trustcam-b+3.conf" "$E/trustcam-b+0-3.conf"
expect_exit "B with no tries left is bad" 0 '^bad$' "$RB" get-state b
expect_exit "A is primary again" 0 '^a$' "$RB" get-primary

# Installed again, then blessed.
expect_exit "set-primary b again" 0 '' "$RB" set-primary b
check "the exhausted entry is replaced" test "$(ls "$E" | tr '\n' ' ')" = "trustcam-a.conf trustcam-b+3.conf "
expect_exit "set-state b good" 0 '' "$RB" set-state b good
check "good drops the counter" test -f "$E/trustcam-b.conf"
expect_exit "set-state a bad" 0 '' "$RB" set-state a bad
check "bad leaves A no tries" test -f "$E/trustcam-a+0-3.conf"
expect_exit "B stays primary" 0 '^b$' "$RB" get-primary

# A slot image without a kernel: refused, the entries as they were.
slot "$T/dev/trustcam-root-a" v3 nokernel
before=$(ls "$E" | tr '\n' ' ')
expect_exit "set-primary of a slot without a kernel is refused" 1 'slot a has no kernel and initrd in /boot' \
	"$RB" set-primary a
check "and the entries are as they were" test "$(ls "$E" | tr '\n' ' ')" = "$before"
check "no mount is left behind" sh -c "! grep -q ' /run/rauc-boot' /proc/mounts"
expect_exit "an unknown slot is refused" 1 "unknown slot 'c'" "$RB" get-state c
expect_exit "an unknown state is refused" 1 'state must be good or bad' "$RB" set-state b maybe
finish
