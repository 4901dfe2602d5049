#!/bin/sh
# test_build.sh - the build system does what README.md and the boards promise:
# defconfigs round-trip through savedefconfig, out-of-tree builds land in O=,
# a header change rebuilds exactly the objects that include it, and
# `make install` stages exactly a device's files (or, TARGET=trust, the
# Trust's).
set -eu
T=${TC_TEST_TMP:?}
# Whole trees are built here: one job per core, not the caller's make
# flags (a jobserver this script cannot reach, a sanitizer build's).
MAKEFLAGS=-j$(nproc)
export MAKEFLAGS
fails=0
ok() { echo "ok - $*"; }
no() { echo "not ok - $*"; fails=$((fails + 1)); }

for b in host rpi4 kiosk-x86; do
	make -s O="$T/cfg-$b" "${b}_defconfig" >/dev/null
	make -s O="$T/cfg-$b" savedefconfig >/dev/null
	if cmp -s "$T/cfg-$b/defconfig" "board/$b/defconfig"; then
		ok "$b defconfig round-trips through savedefconfig"
	else
		no "$b defconfig round-trips through savedefconfig"
		diff "board/$b/defconfig" "$T/cfg-$b/defconfig" || true
	fi
	grep -q "^#define CONFIG_BOARD_NAME \"$b\"" "$T/cfg-$b/include/generated/autoconf.h" 2>/dev/null ||
		make -s O="$T/cfg-$b" olddefconfig >/dev/null
done

# Device boards never carry the test hooks (fault injection, the test
# clock), not even when a config asks for them: FAULT_INJECTION depends on
# the host board.
for b in rpi4 kiosk-x86; do
	if grep -q '^CONFIG_FAULT_INJECTION=y' "$T/cfg-$b/.config"; then
		no "$b defconfig resolves to no fault or clock hooks"
	else
		ok "$b defconfig resolves to no fault or clock hooks"
	fi
	echo CONFIG_FAULT_INJECTION=y >> "$T/cfg-$b/.config"
	make -s O="$T/cfg-$b" olddefconfig >/dev/null
	if grep -q '^CONFIG_FAULT_INJECTION=y' "$T/cfg-$b/.config"; then
		no "$b: a config asking for the fault hooks does not get them"
	else
		ok "$b: a config asking for the fault hooks does not get them"
	fi
done
if grep -q '^CONFIG_FAULT_INJECTION=y' "$T/cfg-host/.config"; then
	ok "the host board keeps its fault hooks for the tests"
else
	no "the host board keeps its fault hooks for the tests"
fi

# Out of tree, mixed goals, as in the issue: make O=dir host_defconfig all.
make -s O="$T/oot" host_defconfig all >/dev/null
if [ -f "$T/oot/libtrustcam.a" ] && [ -f "$T/oot/include/generated/autoconf.h" ]; then
	ok "out-of-tree build lands in O="
else
	no "out-of-tree build lands in O="
fi

# A build with no .config uses the host board.
make -s O="$T/noconf" "$T/noconf/include/config/auto.conf" >/dev/null
if grep -q '^CONFIG_BOARD_HOST=y' "$T/noconf/.config"; then
	ok "make with no .config uses the host board"
else
	no "make with no .config uses the host board"
fi

# Nothing to do right after a build.
if [ -z "$(make -s O="$T/oot" V=1 -n all | grep -E -- ' -c ' || true)" ]; then
	ok "a second make compiles nothing"
else
	no "a second make compiles nothing"
fi

# Touching one header rebuilds exactly the objects whose dependency files name it.
hdr=firmware/common/tc_fault.h
want=$(cd "$T/oot/obj" && grep -l "$hdr" $(find . -name '*.d') | sed 's|^\./||; s|\.d$|.o|' | sort)
got=$(make -s O="$T/oot" V=1 -n -W "$hdr" all | grep -E -- ' -c ' |
	sed -E 's|.* -o [^ ]*/obj/([^ ]*\.o).*|\1|' | sort)
if [ -n "$want" ] && [ "$want" = "$got" ]; then
	ok "touching $hdr rebuilds only its $(echo "$want" | wc -l) includers"
else
	no "touching $hdr rebuilds only its includers"
	echo "want: $want"; echo "got: $got"
fi

# Hardened flags by default.
flags=$(make -s O="$T/oot" V=1 -n -W firmware/common/tc_err.c all | grep -E -- ' -c ' | head -1)
before=$fails
for f in -std=gnu11 -O2 -Wall -Wextra -Werror -Wformat=2 -D_FORTIFY_SOURCE=2 \
	-fstack-protector-strong -fstack-clash-protection -fPIE; do
	case " $flags " in *" $f "*) ;; *) no "compile line carries $f"; esac
done
[ "$fails" -eq "$before" ] && ok "compile line carries the hardened flags"

# Programs link as hardened position-independent executables.
ld=$(make -s O="$T/oot" V=1 -n -W firmware/cmd/camctl/camctl.c all | grep -E -- ' -o [^ ]*/bin/camctl ' | head -1)
before=$fails
for f in -pie -Wl,-z,relro,-z,now; do
	case " $ld " in *" $f "*) ;; *) no "link line carries $f"; esac
done
[ "$fails" -eq "$before" ] && ok "link line carries -pie and full RELRO"

# make install on a device board stages exactly what a camera runs: the
# device programs (with the kiosk, the staff screen), their man pages and
# units, the users and directories, and the board's overlay; never the
# Trust's tools (they open photos).
DEVICE_FILES="usr/bin/camctl usr/bin/photod usr/bin/syncd usr/bin/kiosk
usr/share/man/man1/camctl.1 usr/share/man/man8/photod.8 usr/share/man/man8/syncd.8
usr/share/man/man8/kiosk.8
usr/lib/systemd/system/photod.service usr/lib/systemd/system/syncd.service usr/lib/systemd/system/kiosk.service
usr/lib/sysusers.d/trustcam.conf usr/lib/tmpfiles.d/trustcam.conf"
for b in rpi4 kiosk-x86; do
	rm -rf "$T/stage-$b"
	make -s O="$T/cfg-$b" install DESTDIR="$T/stage-$b" >/dev/null
	want=$( { printf '%s\n' $DEVICE_FILES; (cd board/common/rootfs && find . -type f | sed 's|^\./||'); (cd "board/$b/rootfs" && find . -type f | sed 's|^\./||'); } | sort)
	got=$(cd "$T/stage-$b" && find . -type f | sed 's|^\./||' | sort)
	if [ "$want" = "$got" ]; then
		ok "$b: make install stages exactly the device programs, units and overlay"
	else
		no "$b: make install stages exactly the device programs, units and overlay"
		diff -u "$(printf '%s\n' "$want" > "$T/want"; echo "$T/want")" "$(printf '%s\n' "$got" > "$T/got"; echo "$T/got")" || true
	fi
	if find "$T/stage-$b" \( -name 'trustadm*' -o -name 'trust-server*' \) | grep -q .; then
		no "$b: nothing of the Trust side is staged"
	else
		ok "$b: nothing of the Trust side is staged"
	fi
	if [ ! -e "$T/cfg-$b/bin/trustadm" ] && [ ! -e "$T/cfg-$b/bin/trust-server" ]; then
		ok "$b: the Trust's tools are not even built"
	else
		no "$b: the Trust's tools are not even built"
	fi
done

# TARGET=trust stages the Trust side only (with its users, directories and
# sudo rule); from the host build above, which has the Trust's tools.
make -s O="$T/oot" install TARGET=trust DESTDIR="$T/stage-trust" >/dev/null
got=$(cd "$T/stage-trust" && find . -type f | sed 's|^\./||' | sort | tr '\n' ' ')
want="etc/sudoers.d/trustadm usr/bin/trust-server usr/bin/trustadm usr/lib/systemd/system/trust-server.service usr/lib/sysusers.d/trust-server.conf usr/lib/tmpfiles.d/trust-server.conf usr/share/man/man8/trust-server.8 usr/share/man/man8/trustadm.8 "
if [ "$got" = "$want" ]; then ok "TARGET=trust stages trustadm and trust-server only"; else no "TARGET=trust stages trustadm and trust-server only (got: $got)"; fi

echo "test_build: $fails failure(s)"
[ "$fails" -eq 0 ]
