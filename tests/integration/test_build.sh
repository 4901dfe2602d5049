#!/bin/sh
# test_build.sh - the build system does what README.md and the boards promise:
# defconfigs round-trip through savedefconfig, out-of-tree builds land in O=,
# a header change rebuilds exactly the objects that include it, and
# `make install` stages the board's overlay.
set -eu
T=${TC_TEST_TMP:?}
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

# make install stages the programs, their man pages and the board's overlay.
make -s O="$T/cfg-rpi4" install DESTDIR="$T/stage" >/dev/null
for f in usr/bin/photod usr/bin/camctl usr/share/man/man8/photod.8 \
	usr/share/man/man1/camctl.1 etc/modprobe.d/trustcam-no-usb-storage.conf; do
	if [ -f "$T/stage/$f" ]; then ok "make install stages /$f"; else no "make install stages /$f"; fi
done

echo "test_build: $fails failure(s)"
[ "$fails" -eq 0 ]
