#!/bin/sh
# test_version.sh - every program answers --help (usage on stdout, exit
# 0) and --version (the firmware version from git, the board's model);
# camctl status shows the version and model photod runs; photod and
# syncd record them in the audit log at start; syncd sends them as its
# User-Agent (ETSI EN 303 645 5.3-16).
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh
. tests/integration/sync_lib.sh

# What the build put in (the tree may have moved on since, so not a fresh
# git describe): its generated header, which must name a commit of this
# repository (git describe's hash, with -dirty for local changes).
want_version=$(sed -n 's/^#define TC_GIT_VERSION "\(.*\)"$/\1/p' \
	"$TC_BUILD/include/generated/tc_version_gen.h")
if [ -e .git ]; then
	hash=$(printf '%s\n' "$want_version" | sed 's/-dirty$//; s/.*-g\([0-9a-f]*\)$/\1/')
	check "the build's version names a commit of this repository ($want_version)" \
		git cat-file -e "$hash^{commit}"
else
	check "outside git the version is the VERSION file's or unknown" \
		test "$want_version" = "$(head -n1 VERSION 2>/dev/null || echo unknown)"
fi
want_model=$(sed -n 's/^#define CONFIG_BOARD_MODEL "\(.*\)"$/\1/p' "$TC_BUILD/include/generated/autoconf.h")
check "the build's board has a model" test -n "$want_model"

for p in photod syncd camctl trust-server trustadm; do
	set +e
	"$B/$p" --help > "$T/help.out" 2> "$T/help.err"; rc=$?
	set -e
	check "$p --help exits 0" test "$rc" -eq 0
	check "$p --help prints its usage on stdout" grep -q "^usage: $p" "$T/help.out"
	check "$p --help says nothing on stderr" test ! -s "$T/help.err"
	expect_exit "$p -h is --help" 0 "^usage: $p" "$B/$p" -h
	expect_exit "$p --version names the firmware version" 0 "^$p \(trustcam\) $want_version\$" \
		"$B/$p" --version
	check "$p --version names the model" has "^model: $want_model\$" "$OUT"
	expect_exit "$p: an unknown option is still a usage error" 2 "usage: $p" "$B/$p" --bogus
done

# photod, syncd and the server, as in a real sync against a server that answers 500.
sync_setup trust-owned
trap 'stop_fake; stop_syncd 2>/dev/null || true; stop_server 2>/dev/null || true; stop_photod 2>/dev/null || true' EXIT
check "camctl status shows photod's firmware version" \
	test "$(status_field firmware)" = "$want_version"
check "camctl status shows the device model" test "$(status_field model)" = "$want_model"
fw="trustcam $want_version, model $want_model, board host"
check "photod's audit log records the firmware at start" has " photod firmware .*$fw" "$(audit_log)"

camctl capture --count 1 >/dev/null
stop_server
start_fake 500
start_syncd
dock
sync_now
check "syncd's audit log records the firmware at start" has " syncd syncd.firmware .*$fw" "$(audit_log)"
check "syncd sends its version and the model as User-Agent" \
	grep -qF "tc_fakesrv: User-Agent: trustcam-syncd/$want_version ($want_model)" "$SRVLOG"
stop_fake
sync_finish
