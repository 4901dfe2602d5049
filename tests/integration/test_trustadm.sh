#!/bin/sh
# test_trustadm.sh - trustadm end to end in a temp dir: init (files, modes,
# refusal of a non-empty directory), enrolment of device CSRs (good, DER,
# duplicate, wrong CN, broken signature, garbage), revocation, staff with
# PINs on stdin, events with bad dates, the consent roster (good file, a
# bad row and a duplicate pupil each refused with its line and nothing
# imported), policy bundles that verify as a device verifies them with
# versions going up, the approved-device and revoked-device refusals,
# injected write/fsync/rename/allocation failures, keys under a
# passphrase, and the Trust's audit log.
set -eu
T=${TC_TEST_TMP:?}
B=${TC_BIN:?}
TOOLS=${TC_BUILD:?}/tests/tools
. tests/integration/lib.sh

TRUST=$T/trust
mode() { stat -c %a "$1"; }
# no_prompt CMD...: run with no controlling terminal and no stdin, so a
# prompt can only fail, never wait.
no_prompt() { setsid -w "$@" < /dev/null; }

# ---------------------------------------------------------------- init
expect_exit "init makes a Trust" 0 "Trust created in $TRUST" \
	ta init --no-passphrase --server-name trust.example.org --server-ip 10.0.0.5
for f in ca.crt policy-signer.crt server.crt photo.pub receipt.pub registry.db; do
	check "init wrote $f" test -s "$TRUST/$f"
done
for f in ca.key policy-signer.key server.key photo.key receipt.key registry.db; do
	check "$f is 0600" test "$(mode "$TRUST/$f")" = 600
done
check "the Trust directory is 0700" test "$(mode "$TRUST")" = 700
check "devices/ is 0700" test "$(mode "$TRUST/devices")" = 700
check "policies/ is 0700" test "$(mode "$TRUST/policies")" = 700
check "photo.pub is 130 hex digits" grep -Eqx '04[0-9a-f]{128}' "$TRUST/photo.pub"
check "photo.key is a 32-byte scalar in hex" grep -Eqx '[0-9a-f]{64}' "$TRUST/photo.key"
check "receipt.pub is 130 hex digits" grep -Eqx '04[0-9a-f]{128}' "$TRUST/receipt.pub"
check "the CA key is a PEM EC key (no passphrase)" grep -q 'BEGIN EC PRIVATE KEY' "$TRUST/ca.key"
expect_exit "init refuses a non-empty directory" 1 "not empty" ta init --no-passphrase
expect_exit "init refuses it by name too" 1 "not empty" "$B/trustadm" init --no-passphrase "$TRUST"
mkdir -m 755 "$T/empty"
expect_exit "init accepts an existing empty directory" 0 "Trust created" \
	"$B/trustadm" init --no-passphrase "$T/empty"
check "and makes it 0700" test "$(mode "$T/empty")" = 700
expect_exit "a bad --server-ip is a usage error" 2 "not an IPv4 or IPv6" \
	"$B/trustadm" init --no-passphrase "$T/badip" --server-ip 10.0.0.300
check "and leaves nothing behind" test ! -e "$T/badip"
expect_exit "TRUSTADM_DIR names the Trust" 0 "^DEVICE" env TRUSTADM_DIR="$TRUST" "$B/trustadm" devices
expect_exit "a missing Trust directory is a clear error" 1 "no Trust directory" \
	"$B/trustadm" -d "$T/nowhere" devices

# ---------------------------------------------------------------- enrol, revoke
ID1=$("$TOOLS/tc_mkcsr" "$T/d1.key" "$T/d1.csr")
expect_exit "enrol a device CSR" 0 "device $ID1 enrolled" \
	ta enrol --csr "$T/d1.csr" --class trust-owned --label "Hall kiosk"
check "the device certificate is written" test -s "$TRUST/devices/$ID1.crt"
expect_exit "a second enrolment of the same device is refused" 1 "already enrolled" \
	ta enrol --csr "$T/d1.csr" --class trust-owned --label "Hall kiosk"
"$TOOLS/tc_mkcsr" --cn D-0000000000000000 "$T/d2.key" "$T/d2.csr" >/dev/null
expect_exit "a CSR whose CN is not its key's device id is refused" 1 "not the device id of its key" \
	ta enrol --csr "$T/d2.csr" --class trust-owned --label x
"$TOOLS/tc_mkcsr" --bad-sig "$T/d3.key" "$T/d3.csr" >/dev/null
expect_exit "a CSR with a broken signature is refused" 1 "signature does not verify" \
	ta enrol --csr "$T/d3.csr" --class trust-owned --label x
head -c 600 /dev/urandom > "$T/garbage.csr"
expect_exit "a file that is no CSR is refused" 1 "not a certificate signing request" \
	ta enrol --csr "$T/garbage.csr" --class trust-owned --label x
expect_exit "a missing CSR file is a clear error" 1 "nothing.csr: No such file" \
	ta enrol --csr "$T/nothing.csr" --class trust-owned --label x
ID2=$("$TOOLS/tc_mkcsr" --der "$T/d4.key" "$T/d4.der")
expect_exit "a DER CSR enrols an approved device" 0 "device $ID2 enrolled \\(approved" \
	ta enrol --csr "$T/d4.der" --class approved --label "Visiting photographer"
expect_exit "an unknown class is a usage error" 2 "trust-owned or approved" \
	ta enrol --csr "$T/d1.csr" --class borrowed --label x
expect_exit "a label with control characters is refused" 2 "label" \
	ta enrol --csr "$T/d1.csr" --class approved --label "$(printf 'a\033[2Jb')"
ID3=$("$TOOLS/tc_mkcsr" "$T/d5.key" "$T/d5.csr")
ta enrol --csr "$T/d5.csr" --class trust-owned --label "Lost camera" >/dev/null
out=$(ta devices)
check "devices lists the trust-owned device" has "^$ID1 +trust-owned +active +- +- +Hall kiosk$" "$out"
check "devices lists the approved device" has "^$ID2 +approved +active" "$out"
expect_exit "revoke a device" 0 "revoked" ta revoke "$ID3"
expect_exit "revoking twice says so" 1 "already revoked" ta revoke "$ID3"
expect_exit "revoking an unknown device is refused" 1 "no device D-ffffffffffffffff" \
	ta revoke D-ffffffffffffffff
expect_exit "revoke wants a device id" 2 "not a device id" ta revoke kiosk
check "devices shows it revoked" has "^$ID3 +trust-owned +revoked" "$(ta devices)"
expect_exit "a revoked device cannot be enrolled again" 1 "already enrolled .*revoked" \
	ta enrol --csr "$T/d5.csr" --class trust-owned --label "Found camera"

# ---------------------------------------------------------------- staff
expect_exit "staff add with the PIN on stdin" 0 "staff S042 added" \
	sh -c "printf '246810\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S042 --name 'Ann Teacher' --pin-stdin"
printf '482916\n' | ta staff add S043 --name "Bo Coach" --pin-stdin >/dev/null
expect_exit "a PIN with letters is refused" 1 "6 to 12 digits" \
	sh -c "printf '12a456\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S044 --name X --pin-stdin"
expect_exit "a 5-digit PIN is refused" 1 "6 to 12 digits" \
	sh -c "printf '13579\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S044 --name X --pin-stdin"
expect_exit "a 13-digit PIN is refused" 1 "6 to 12 digits" \
	sh -c "printf '1234567890123\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S044 --name X --pin-stdin"
# PIN policy: each refusal says why, and nothing is added.
for weak in '111111:one digit repeated' '123456:run of consecutive digits' \
	    '9876543:run of consecutive digits' '311299:a date \(DDMMYY\)' \
	    '841987:a year \(19xx or 20xx\)' '520261:a year \(19xx or 20xx\)'; do
	expect_exit "the PIN ${weak%%:*} is refused: ${weak#*:}" 1 "refused: the PIN .*${weak#*:}" \
		sh -c "printf '${weak%%:*}\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S044 --name X --pin-stdin"
done
check_fails "and no refused PIN added the member" has '^S044 ' "$(ta staff list)"
expect_exit "without a terminal or --pin-stdin the PIN cannot be read" 1 "no terminal" \
	no_prompt "$B/trustadm" -d "$TRUST" staff add S044 --name X
expect_exit "a duplicate staff id is refused" 1 "already in use" \
	sh -c "printf '1111\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S042 --name Other --pin-stdin"
expect_exit "a staff id with a space is refused" 2 "staff id" \
	sh -c "printf '1111\n' | \"$B/trustadm\" -d \"$TRUST\" staff add 'S 1' --name X --pin-stdin"
printf '583947\n' | ta staff add S099 --name "Leaver" --pin-stdin >/dev/null
expect_exit "staff remove" 0 "staff S099 removed" ta staff remove S099
expect_exit "removing twice says so" 1 "already removed" ta staff remove S099
expect_exit "removing an unknown id says so" 1 "no staff member S100" ta staff remove S100
expect_exit "staff without a sub-command is a usage error" 2 "usage: .*staff add" ta staff
expect_exit "an unknown sub-command is a usage error" 2 "usage: .*event add" ta event frob
expect_exit "consent's too" 2 "usage: .*consent import" ta consent export
expect_exit "a removed id is never reused" 1 "never reused" \
	sh -c "printf '583947\n' | \"$B/trustadm\" -d \"$TRUST\" staff add S099 --name New --pin-stdin"
expect_exit "staff pin sets a new PIN" 0 "staff S043: new PIN set" \
	sh -c "printf '246835\n' | \"$B/trustadm\" -d \"$TRUST\" staff pin S043 --pin-stdin"
expect_exit "a weak new PIN is refused too" 1 "refused: the PIN is one digit repeated" \
	sh -c "printf '777777\n' | \"$B/trustadm\" -d \"$TRUST\" staff pin S043 --pin-stdin"
expect_exit "a bad new PIN is refused" 1 "6 to 12 digits" \
	sh -c "printf '12\n' | \"$B/trustadm\" -d \"$TRUST\" staff pin S043 --pin-stdin"
expect_exit "a removed member gets no new PIN" 1 "S099 was removed" \
	sh -c "printf '246835\n' | \"$B/trustadm\" -d \"$TRUST\" staff pin S099 --pin-stdin"
expect_exit "nor does an unknown id" 1 "no staff member S100" \
	sh -c "printf '246835\n' | \"$B/trustadm\" -d \"$TRUST\" staff pin S100 --pin-stdin"
expect_exit "staff pin without a terminal or --pin-stdin says so" 1 "pin-stdin" \
	no_prompt "$B/trustadm" -d "$TRUST" staff pin S043
out=$(ta staff list)
check "staff list shows S042" has "^S042 +active .* Ann Teacher$" "$out"
check "staff list shows the removed member" has "^S099 +removed" "$out"
check_fails "staff list never prints a PIN hash" has 'argon2|\$' "$out"

# ---------------------------------------------------------------- events
expect_exit "event add" 0 "event EV-SPORTS added" \
	ta event add EV-SPORTS --name "Sports day" --date 2026-11-25
ta event add EV-LEAP --name "Leap day fair" --date 2028-02-29 >/dev/null
for d in 2026-02-29 2026-13-01 2026-04-31 26-11-25 2026-1-5 tomorrow; do
	expect_exit "event date $d is refused" 2 "not a real date" \
		ta event add EV-BAD --name Bad --date "$d"
done
expect_exit "a duplicate event id is refused" 1 "already exists" \
	ta event add EV-SPORTS --name Again --date 2026-11-26
out=$(ta event list)
check "event list shows the events" has "^EV-SPORTS +2026-11-25 +Sports day$" "$out"
check "event list has no refused event" test "$(count_lines '^EV-' "$out")" -eq 2

# ---------------------------------------------------------------- consent
printf 'pupil,platforms\nP-7F3A,"website;newsletter"\nP-0001,\nP-0002,facebook\n' > "$T/good.csv"
expect_exit "consent import of a good file" 0 "3 pupils imported" ta consent import "$T/good.csv"
roster=$(ta consent list)
check "consent list shows the platforms" has "^P-7F3A +website;newsletter$" "$roster"
check "consent list shows no consent" has "^P-0001 +\\(none" "$roster"
printf 'pupil,platforms\nP-1,website\nP-2,web site\nP-3,x\n' > "$T/bad.csv"
expect_exit "a malformed row is refused with its line number" 1 "bad.csv: line 3: .*nothing imported" \
	ta consent import "$T/bad.csv"
check "nothing of the bad file was imported" test "$(ta consent list)" = "$roster"
printf 'pupil,platforms\nP-1,website\nP-2,x\n\nP-1,newsletter\n' > "$T/dup.csv"
expect_exit "a duplicate pupil ref is refused with its line" 1 "line 5: the pupil ref on line 2 appears again" \
	ta consent import "$T/dup.csv"
check "nothing of the duplicate file was imported" test "$(ta consent list)" = "$roster"
printf 'pupil,consent\nP-1,website\n' > "$T/hdr.csv"
expect_exit "a wrong header is refused" 1 "line 1: .*header" ta consent import "$T/hdr.csv"
check_fails "errors never name a pupil" sh -c "\"$B/trustadm\" -d \"$TRUST\" consent import \"$T/dup.csv\" 2>&1 | grep -q 'P-1'"
# Labels: an optional third column, stored and sealed into policies, never printed.
printf 'pupil,platforms,label\nP-7F3A,"website;newsletter",7B Amelia\nP-0001,,5C Zo\303\253\nP-0002,facebook,\n' \
	> "$T/labels.csv"
expect_exit "consent import with labels" 0 "3 pupils imported \\(2 labelled\\), replacing 3" \
	ta consent import "$T/labels.csv"
check "consent list does not print labels" test "$(ta consent list)" = "$roster"
printf 'pupil,platforms,label\nP-1,website,7B Amelia\nP-2,x,7B Amelia\n' > "$T/duplabel.csv"
expect_exit "a duplicate label is refused with its line" 1 \
	"line 3: the label on line 2 appears again \(two pupils would look the same" \
	ta consent import "$T/duplabel.csv"
printf 'pupil,platforms,label\nP-1,website,Amelia the very long label that goes on past 48 bytes\n' > "$T/longlabel.csv"
expect_exit "a label over 47 bytes is refused" 1 "line 2: a label is at most 47 bytes" \
	ta consent import "$T/longlabel.csv"
printf 'pupil,platforms,label\nP-1,website,7B\tAmelia\n' > "$T/ctllabel.csv"
expect_exit "a label with a control character is refused" 1 "line 2: .*without control characters" \
	ta consent import "$T/ctllabel.csv"
printf 'pupil,platforms,label\nP-1,website\n' > "$T/shortrow.csv"
expect_exit "a row without the label field is refused" 1 "line 2: 2 fields where 3 are expected" \
	ta consent import "$T/shortrow.csv"
check "nothing of the bad label files was imported" test "$(ta consent list)" = "$roster"
check_fails "label errors never quote a label" sh -c \
	"\"$B/trustadm\" -d \"$TRUST\" consent import \"$T/duplabel.csv\" 2>&1 | grep -q 'Amelia'"

# ---------------------------------------------------------------- policy
expect_exit "policy issue -o into a missing directory is refused, naming it" 1 "$T/nowhere: No such file" \
	ta policy issue "$ID1" -o "$T/nowhere/p1.bundle"
check "and records no version" test ! -e "$TRUST/policies/$ID1-v1.bundle"
expect_exit "policy issue" 0 "policy v1 for $ID1" ta policy issue "$ID1" -o "$T/p1.bundle"
check "the bundle is 0600" test "$(mode "$T/p1.bundle")" = 600
check "a copy is kept in policies/" cmp "$T/p1.bundle" "$TRUST/policies/$ID1-v1.bundle"
v=$("$TOOLS/tc_policy_check" "$T/p1.bundle" "$TRUST/ca.crt" "$ID1")
check "the bundle verifies as the device verifies it" test -n "$v"
check "it is version 1" has '^version 1$' "$v"
check "it is for a trust-owned device" has '^class trust-owned$' "$v"
check "its staff table is sealed to the device" has '^staff sealed$' "$v"
check_fails "no PIN hash travels in the clear" grep -q -a 'argon2' "$T/p1.bundle"
check_fails "nor a staff id" grep -q -a 'S042' "$T/p1.bundle"
check_fails "nor a roster label (sealed with the staff table)" grep -q -a 'Amelia' "$T/p1.bundle"
check "it holds the events" has '^events 2$' "$v"
check "it holds the consent roster" has '^consent 3$' "$v"
check "it names the server from init" has '^server_url https://10.0.0.5:8443$' "$v"
check "it requires an event by default" has '^require_event 1$' "$v"
check_fails "it does not verify for another device" \
	"$TOOLS/tc_policy_check" "$T/p1.bundle" "$TRUST/ca.crt" "$ID2"
check_fails "it does not verify against another Trust's CA" \
	"$TOOLS/tc_policy_check" "$T/p1.bundle" "$T/empty/ca.crt" "$ID1"
expect_exit "a second policy is version 2" 0 "policy v2" \
	ta policy issue "$ID1" -o "$T/p2.bundle" --grace-hours 24 --valid-days 7 \
	--max-unsynced 50 --no-require-event --server-url https://trust.example.org:8443
v=$("$TOOLS/tc_policy_check" "$T/p2.bundle" "$TRUST/ca.crt" "$ID1" 1)
check "version 2 verifies past version 1" has '^version 2$' "$v"
check "it carries the rules asked for" has '^grace 24$' "$v"
check "without requiring an event" has '^require_event 0$' "$v"
check "with 7 days of validity" has '^validity_days 7$' "$v"
check "with the server URL given" has '^server_url https://trust.example.org:8443$' "$v"
check_fails "version 1 is a rollback once version 2 is installed" \
	"$TOOLS/tc_policy_check" "$T/p1.bundle" "$TRUST/ca.crt" "$ID1" 2
expect_exit "there is no option to ask for an on-device review key (R3)" 2 \
	"unrecognized option '--review-on-device'" ta policy issue "$ID1" --review-on-device -o "$T/rv.bundle"
check "and no bundle is written" test ! -e "$T/rv.bundle"
check "devices shows the policy version" has "^$ID1 +trust-owned +active +v2 " "$(ta devices)"
expect_exit "rule R2: no grace period for an approved device" 1 "rule R2" \
	ta policy issue "$ID2" -o "$T/p3.bundle" --grace-hours 1
check "and no bundle is written" test ! -e "$T/p3.bundle"
expect_exit "an approved device gets a policy without grace" 0 "policy v1 for $ID2" \
	ta policy issue "$ID2" -o "$T/p3.bundle"
check "its class is approved" has '^class approved$' \
	"$("$TOOLS/tc_policy_check" "$T/p3.bundle" "$TRUST/ca.crt" "$ID2")"
expect_exit "no policy for a revoked device" 1 "revoked" ta policy issue "$ID3" -o "$T/p4.bundle"
expect_exit "no policy for an unknown device" 1 "no device D-ffffffffffffffff" \
	ta policy issue D-ffffffffffffffff -o "$T/p4.bundle"
check "no bundle for a refused issue" test ! -e "$T/p4.bundle"
expect_exit "policy issue needs -o" 2 "usage" ta policy issue "$ID1"
expect_exit "--grace-hours must be a number" 2 "grace-hours" \
	ta policy issue "$ID1" -o "$T/p5.bundle" --grace-hours two
expect_exit "--server-url must be https" 2 "server-url" \
	ta policy issue "$ID1" -o "$T/p5.bundle" --server-url http://x

# ---------------------------------------------------------------- injected faults
# init cleans up after itself: a failure at every allocation, write, fsync
# and rename in turn leaves no directory, so init can simply be re-run.
for site in alloc write fsync rename; do
	n=1; clean=1
	while ! TC_FAULT=$site:$n:ENOSPC "$B/trustadm" init --no-passphrase "$T/faulty" >/dev/null 2>&1; do
		[ -e "$T/faulty" ] && clean=0
		rm -rf "$T/faulty"
		n=$((n + 1))
		[ "$n" -le 60 ] || { clean=0; break; }
	done
	check "init failing at any $site ($((n - 1)) of them) leaves nothing behind" test "$clean" -eq 1
	check "and succeeds once the faults are past" test -s "$T/faulty/registry.db"
	rm -rf "$T/faulty"
done
# enrol: the certificate write fails, so the device is not registered either.
ID5=$("$TOOLS/tc_mkcsr" "$T/d7.key" "$T/d7.csr")
expect_exit "enrol fails when its certificate cannot be written" 1 "cannot record" \
	env TC_FAULT=write:1:ENOSPC "$B/trustadm" -d "$TRUST" enrol --csr "$T/d7.csr" \
	--class trust-owned --label "Full disk"
check "and the device is not registered" sh -c "! \"$B/trustadm\" -d \"$TRUST\" devices | grep -q $ID5"
check "nor its certificate left" test ! -e "$TRUST/devices/$ID5.crt"
expect_exit "the same CSR enrols once the disk has room" 0 "device $ID5 enrolled" \
	ta enrol --csr "$T/d7.csr" --class trust-owned --label "Full disk"
# policy issue: a version whose files could not be written is skipped, never reused.
expect_exit "a policy whose bundle cannot be written fails" 1 "p7.bundle|policies" \
	env TC_FAULT=write:1:ENOSPC "$B/trustadm" -d "$TRUST" policy issue "$ID5" -o "$T/p7.bundle"
expect_exit "the next policy skips the lost version" 0 "policy v2 for $ID5" \
	ta policy issue "$ID5" -o "$T/p8.bundle"
check "and verifies" "$TOOLS/tc_policy_check" "$T/p8.bundle" "$TRUST/ca.crt" "$ID5" 1

# ---------------------------------------------------------------- the Trust's audit log
log=$(ta audit)
for a in init enrol revoke staff.add staff.pin staff.remove event.add consent.import policy.issue; do
	check "the audit log records $a" has "  $a  " "$log"
done
check "the audit log names the OS user" has "  $(id -un)( \\((sudo|login) [^)]*\\))?  enrol  $ID1  " "$log"
check "refused commands change nothing in the log (two good imports)" test "$(count_lines '  consent.import  ' "$log")" -eq 2
check "nor does a refused staff pin" test "$(count_lines '  staff.pin  ' "$log")" -eq 1
check_fails "the audit log holds no pupil ref" has 'P-7F3A' "$log"
check_fails "the audit log holds no label" has 'Amelia|Zo' "$log"
check "the audit log counts the labels" has 'consent.import  roster  3 pupils \(2 labelled\)' "$log"

# ---------------------------------------------------------------- passphrase
PT=$T/ptrust
printf 'correct horse battery staple\n' > "$T/pass"
printf 'wrong horse battery staple\n' > "$T/wrong"
expect_exit "init under a passphrase" 0 "sealed under the passphrase" \
	"$B/trustadm" init "$PT" --passphrase-file "$T/pass"
for f in ca.key policy-signer.key photo.key; do
	check "$f is sealed" sh -c "head -c 8 '$PT/$f' | grep -q TCKEYENV"
	check_fails "$f holds no plaintext key" grep -Eq 'PRIVATE KEY|^[0-9a-f]{64}$' "$PT/$f"
	check "$f is 0600" test "$(mode "$PT/$f")" = 600
done
# trust-server's own keys stay plain: it starts unattended from the published copy.
for f in server.key receipt.key; do
	check "$f (the server's) is plain and 0600" test "$(mode "$PT/$f")" = 600
	check "$f is not sealed" sh -c "! head -c 8 '$PT/$f' | grep -q TCKEYENV"
done
expect_exit "init without a passphrase source and no terminal is refused" 1 "need a passphrase" \
	no_prompt "$B/trustadm" init "$T/nopass-trust"
check "and leaves no directory" test ! -e "$T/nopass-trust"
ID4=$("$TOOLS/tc_mkcsr" "$T/d6.key" "$T/d6.csr")
expect_exit "a sealed CA key needs the passphrase" 1 "protected by a passphrase" \
	no_prompt "$B/trustadm" -d "$PT" enrol --csr "$T/d6.csr" --class trust-owned --label x
expect_exit "a wrong passphrase is refused" 1 "wrong passphrase" \
	"$B/trustadm" -d "$PT" --passphrase-file "$T/wrong" enrol --csr "$T/d6.csr" \
	--class trust-owned --label x
check "nothing was enrolled with the wrong passphrase" test ! -e "$PT/devices/$ID4.crt"
expect_exit "the right passphrase works" 0 "device $ID4 enrolled" \
	"$B/trustadm" -d "$PT" enrol --passphrase-file "$T/pass" --csr "$T/d6.csr" \
	--class trust-owned --label x
expect_exit "TRUSTADM_PASSPHRASE works too" 0 "policy v1" \
	env TRUSTADM_PASSPHRASE='correct horse battery staple' "$B/trustadm" -d "$PT" \
	policy issue "$ID4" -o "$T/p6.bundle"
check "the bundle signed with the sealed key verifies" \
	"$TOOLS/tc_policy_check" "$T/p6.bundle" "$PT/ca.crt" "$ID4"
printf 'short\n' > "$T/short"
expect_exit "a passphrase under 8 bytes is refused" 1 "shorter than 8" \
	"$B/trustadm" init "$T/short-trust" --passphrase-file "$T/short"
check "and leaves no directory" test ! -e "$T/short-trust"
finish
