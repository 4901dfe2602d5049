# foreign.sh - sourced by mkimage: a root file system for another
# architecture than the build machine's (rpi4's arm64 on a PC).
# mmdebstrap runs the image's maintainer scripts, and mkimage its
# update-initramfs and ldd, inside the root file system: the kernel hands
# those arm64 programs to qemu-user-static through binfmt_misc.

# foreign_check: return if the board's QEMU_ARCH is this machine's (or
# unset); otherwise make sure binfmt_misc runs QEMU_ARCH programs through
# qemu-user-static, mounting binfmt_misc and registering Debian's entry
# (/usr/lib/binfmt.d) if needed, or exit 1 saying what is missing.
# Sets FOREIGN_MMDEBSTRAP to mmdebstrap's options for this case.
foreign_check() {
	FOREIGN_MMDEBSTRAP=
	[ -n "${QEMU_ARCH:-}" ] && [ "$(uname -m)" != "$QEMU_ARCH" ] || return 0
	bm=/proc/sys/fs/binfmt_misc
	entry=$bm/qemu-$QEMU_ARCH
	conf=/usr/lib/binfmt.d/qemu-$QEMU_ARCH.conf
	[ -f "$conf" ] || foreign_fail "no $conf: install qemu-user-static (make deps CROSS=$ARCH)"
	[ -e "$bm/register" ] || mount -t binfmt_misc binfmt_misc "$bm" 2>/dev/null ||
		foreign_fail "binfmt_misc is not mounted and mounting it failed (as root: mount -t binfmt_misc binfmt_misc $bm; a container must be privileged)"
	[ -e "$entry" ] || cat "$conf" > "$bm/register" 2>/dev/null ||
		foreign_fail "writing $conf to $bm/register failed"
	grep -qx enabled "$bm/status" || foreign_fail "binfmt_misc is disabled ($bm/status)"
	grep -qx enabled "$entry" || foreign_fail "$entry is disabled (echo 1 > $entry)"
	# F: the kernel opens qemu when the entry is registered, so it runs
	# inside a chroot that has no qemu of its own.
	grep -q '^flags: .*F' "$entry" ||
		foreign_fail "$entry lacks the F flag (echo -1 > $entry, then register $conf again)"
	# The proof: a static $ARCH program, made by the board's cross
	# compiler, runs.  (mmdebstrap's own check wants arch-test, which
	# Debian 12 does not need for this: mkimage passes --skip=check/qemu.)
	probe=$(mktemp -d)
	echo 'int main(void) { return 0; }' > "$probe/t.c"
	"${CROSS_COMPILE}gcc" -static -o "$probe/t" "$probe/t.c" ||
		foreign_fail "${CROSS_COMPILE}gcc cannot build a static test program (make deps CROSS=$ARCH)"
	"$probe/t" || foreign_fail "a static $ARCH program does not run through $entry"
	rm -rf "$probe"
	FOREIGN_MMDEBSTRAP=--skip=check/qemu
}

foreign_fail() {
	echo "mkimage: cannot run $ARCH programs on this $(uname -m) machine: $*" >&2
	exit 1
}
