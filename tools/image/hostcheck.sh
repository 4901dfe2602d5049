# hostcheck.sh - sourced by image-test, update-test and uboot-test: a
# check the host makes, its line on stdout ("ok NAME" or "not ok NAME"),
# and rc=1 (the test's exit status, which the caller starts at 0) when it
# fails.  The command's own output is not shown.
#
#   hostcheck NAME CMD...
hostcheck() {
	name=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok $name"; else echo "not ok $name"; rc=1; fi
}
