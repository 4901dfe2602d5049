#!/bin/sh
# test_review_index.sh - trustadm's metadata index (issue 18, item 5):
# review list and sar take each object's sealed metadata from
# meta-index.db in the Trust directory once it has been read.  Their
# output is the same as when every object is opened; an object added
# later appears, one changed or removed is not served from the index
# (its entry is dropped), a damaged, foreign or half-written index is
# rebuilt from the objects with a message, tags set at review are still
# found by sar, and the index never reaches the server's published share.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/server_lib.sh

review_trust 'pupil,platforms\nP-ALICE,website;newsletter\nP-BOB,website\n'
mkdir -m 700 "$T/objs2"
mk() { d=$1; shift; "$TOOLS/tc_mkphoto" "$TRUST/photo.pub" "$d" "$@"; }
# S-SEALEDONLY is in no registry table: only the objects and the index hold it.
P1=$(mk "$T/objs" S-SEALEDONLY E-IDX P-ALICE website)
P2=$(mk "$T/objs" S-SEALEDONLY E-IDX "" "")
P3=$(mk "$T/objs" S-SEALEDONLY E-IDX P-ALICE website)
P4=$(mk "$T/objs2" S-SEALEDONLY E-IDX P-BOB website)
upload_objs

IDX=$TRUST/meta-index.db
# list NAME: review list's stdout and stderr into $T/NAME.out and .err; its status.
list() { set +e; rv list >"$T/$1.out" 2>"$T/$1.err"; st=$?; set -e; return $st; }
rows() { sqlite3 "$IDX" "SELECT count(*) FROM meta${1:+ WHERE photo_id = '$1'}"; }
obj() { ls "$DATA"/objects/*/"$1.tco"; }

check "the first list opens every object and fills the index" list cold
check "the index is a private file of the Trust's user" test \
	"$(stat -c '%a %u' "$IDX")" = "600 $(id -u)"
check "one entry per photo listed" test "$(rows)" = 3
check "it holds the sealed metadata" grep -q S-SEALEDONLY "$IDX"
check "a list from the index" list warm
check "prints byte for byte what opening every object printed" cmp "$T/cold.out" "$T/warm.out"
check "and nothing on stderr" test ! -s "$T/warm.err"

cp -p "$(obj "$P1")" "$T/p1.keep"
printf 'XXXXXXXX' | dd of="$(obj "$P1")" bs=1 seek=300 conv=notrunc 2>/dev/null
expect "an object changed on disk is opened again, not taken from the index" 1 \
	"^$P1 .*CANNOT OPEN" rv list
cat "$T/p1.keep" > "$(obj "$P1")"
check "put back, it lists as before" list back
check "byte for byte" cmp "$T/cold.out" "$T/back.out"

start_server
check "a fourth photo uploads after the index was filled" cl cam upload "$T/objs2/$P4.tco"
stop_server
check "list runs" list added
check "the photo added after indexing is listed" grep -q "^$P4 .*pupils P-BOB  platforms website\$" \
	"$T/added.out"
check "the others as before" sh -c 'grep -v "^$2 " "$1/added.out" | cmp - "$1/cold.out"' _ "$T" "$P4"
check "and it has its entry" test "$(rows "$P4")" = 1

rm "$(obj "$P3")"
expect "a photo whose object is gone is not served from the index" 1 "^$P3 .*CANNOT OPEN" rv list
check "and its entry is dropped" test "$(rows "$P3")" = 0
rm "$(obj "$P4")"
sqlite3 "$DATA/ledger.db" "DELETE FROM photos WHERE photo_id IN ('$P3', '$P4')"
check "photos gone from the ledger and the store" list gone
check "are not listed" sh -c 'grep -v "^$2 " "$1/cold.out" | cmp - "$1/gone.out"' _ "$T" "$P3"
check "and their entries are dropped" test "$(rows "$P4")" = 0

printf 'not a database at all, not at all' | dd of="$IDX" bs=1 seek=0 conv=notrunc 2>/dev/null
check "a damaged index file" list corrupt
check "is said to be rebuilt" grep -q "metadata index .*meta-index.db is damaged.*rebuilding it from the sealed objects" \
	"$T/corrupt.err"
check "the list is the same" cmp "$T/gone.out" "$T/corrupt.out"
check "and the new index is sound" test "$(sqlite3 "$IDX" 'PRAGMA integrity_check')" = ok
check "with an entry per listed photo" test "$(rows)" = 2

sqlite3 "$IDX" "UPDATE meta SET staff = 'S-FORGED' WHERE photo_id = '$P1'"
check "an entry changed behind trustadm's back" list forged
check "is found by its checksum" grep -q "is damaged (an entry does not match its checksum" "$T/forged.err"
check "and not believed" cmp "$T/gone.out" "$T/forged.out"

chmod 644 "$IDX"
check "an index others may read" list open
check "is replaced" grep -q "is damaged (not a private file of user" "$T/open.err"
check "by a private one" test "$(stat -c %a "$IDX")" = 600
check "the list is the same" cmp "$T/gone.out" "$T/open.out"

rm -f "$IDX" "$IDX-wal" "$IDX-shm"
set +e
TC_CRASH_AT=metaidx.put:2 rv list >/dev/null 2>&1
st=$?
set -e
check "trustadm killed while it fills the index (kill -9)" test "$st" = 137
check "the next list" list crashed
check "prints the same" cmp "$T/gone.out" "$T/crashed.out"
check "says nothing of damage" test ! -s "$T/crashed.err"
check "and leaves a sound index" test "$(sqlite3 "$IDX" 'PRAGMA integrity_check')" = ok

rm -f "$IDX" "$IDX-wal" "$IDX-shm"
check "a photo opened whole for review" rv open "$P1" -o "$T/open1"
check "is indexed too (a missing index is made again, quietly)" test "$(rows "$P1")" = 1

expect "a tag set at review" 0 "tagged with 1 pupil" rv tag "$P2" P-BOB
expect "is found by sar with the index filled" 0 "^1 photo" ta -S "$DATA" sar P-BOB -o "$T/sar1"
check "that photo" test "$(jq -r '.photos[].photo_id' "$T/sar1/manifest.json")" = "$P2"
expect "a sealed tag is found from the index" 0 "^1 photo" ta -S "$DATA" sar P-ALICE -o "$T/sar2"
check "that photo" test "$(jq -r '.photos[].photo_id' "$T/sar2/manifest.json")" = "$P1"

expect "a photo approved" 0 "approved for website" rv approve "$P1" --platforms website
check "is left out of the next list" list approved
check "which keeps its entry: the ledger still lists it" test "$(rows "$P1")" = 1

mkdir -m 750 "$T/share"
check "the server's share is published" ta publish "$T/share"
check "without the index" sh -c '! ls -a "$1" | grep -q meta-index' _ "$T/share"
check "nor the sealed metadata it holds" sh -c '! grep -rq S-SEALEDONLY "$1"' _ "$T/share"

rm -rf "$T/open1" "$T/sar1" "$T/sar2" "$T/objs" "$T/objs2" "$T/p1.keep"
check "no plaintext in the Trust or server directories" "$TOOLS/scan_plaintext" "$TRUST" "$DATA"
finish
