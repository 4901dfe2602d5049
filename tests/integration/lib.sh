# lib.sh - helpers for integration tests that drive photod and camctl.
# Sourced; expects T (test dir), B (built programs), TOOLS.
#
# A device is provisioned the way IT does it: a throwaway Trust made with
# trustadm (make_trust), photod's CSR enrolled, a policy issued and
# installed (provision_device), a staff member logged in with an event
# chosen (staff_session).  photod's clock is moved through the file
# $TC_CLOCK_OFFSET_FILE (clock_offset), never by sleeping.
#
# The device's keys are in whichever keystore photod and syncd use: the
# file backend (keys/), or a TPM when TC_KEYSTORE_TCTI names one (run-tests
# starts a fresh swtpm for a SCRIPT:tpm variant).  Checks about where the
# keys are go through key_private, key_gone and audit_log, which look in
# the right place for either.
. tests/integration/swtpm_lib.sh

FAILS=0
check() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "ok - $what"; else echo "not ok - $what"; FAILS=$((FAILS + 1)); fi
}
check_fails() {
	what=$1; shift
	if "$@" >/dev/null 2>&1; then echo "not ok - $what"; FAILS=$((FAILS + 1)); else echo "ok - $what"; fi
}
finish() {
	stop_photod 2>/dev/null || true
	echo "$(basename "$0"): $FAILS failure(s)"
	[ "$FAILS" -eq 0 ]
}
# expect_exit WHAT STATUS PATTERN CMD...: CMD exits with STATUS and says
# something matching PATTERN (stdout and stderr together).
expect_exit() {
	what=$1; want=$2; pat=$3; shift 3
	set +e
	OUT=$("$@" 2>&1); rc=$?
	set -e
	if [ "$rc" -eq "$want" ] && printf '%s\n' "$OUT" | grep -Eq -- "$pat"; then
		echo "ok - $what"
	else
		echo "not ok - $what (exit $rc, wanted $want: $OUT)"
		FAILS=$((FAILS + 1))
	fi
}
# flip_byte FILE OFFSET: invert the lowest bit of the byte at OFFSET, so it always changes.
flip_byte() {
	_b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((_b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}
# has PATTERN TEXT: TEXT has a line matching PATTERN (grep -E).
has() { printf '%s\n' "$2" | grep -Eq -- "$1"; }
# count_lines PATTERN TEXT: how many lines of TEXT match.
count_lines() { printf '%s\n' "$2" | grep -Ec -- "$1" || true; }
camctl() { "$B/camctl" -r "$RUN" "$@"; }
ta() { "$B/trustadm" -d "$TRUST" "$@"; }
# status_field NAME: the value of one line of camctl status.
status_field() { camctl status | sed -n "s/^$1: *//p"; }

PIN=246810
PIN2=482916

# make_trust DIR: a throwaway Trust (CA, policy signer, photo and receipt
# keys) with staff S042 (PIN $PIN) and S043 (PIN $PIN2), events EV-SPORTS
# and EV-CONCERT, and a consent roster: P-0001 website+newsletter+facebook,
# P-0002 newsletter+website, P-0003 instagram, P-0004 no consent.
make_trust() {
	TRUST=$1
	ta init --no-passphrase >/dev/null
	printf '%s\n' "$PIN" | ta staff add S042 --name "Ann Teacher" --pin-stdin >/dev/null
	printf '%s\n' "$PIN2" | ta staff add S043 --name "Bo Coach" --pin-stdin >/dev/null
	ta event add EV-SPORTS --name "Sports day" --date 2026-11-25 >/dev/null
	ta event add EV-CONCERT --name "Winter concert" --date 2026-12-10 >/dev/null
	printf 'pupil,platforms\nP-0001,website;newsletter;facebook\nP-0002,newsletter;website\nP-0003,instagram\nP-0004,\n' \
		> "$1.csv"
	# ROSTER_LABELS=1: the same roster with display labels (P-0004 has none).
	[ -z "${ROSTER_LABELS:-}" ] ||
		printf 'pupil,platforms,label\nP-0001,website;newsletter;facebook,7B Amelia\nP-0002,newsletter;website,7B Oliver\nP-0003,instagram,5C Zo\303\253\nP-0004,,\n' \
			> "$1.csv"
	ta consent import "$1.csv" >/dev/null
}

# provision_device CLASS [trustadm policy issue options...]: photod makes
# its key and CSR, the Trust enrols it and issues policy v1, camctl
# installs certificate, CA and policy.  Sets DEVICE_ID and POLICY (the
# bundle file).
provision_device() {
	class=$1; shift
	camctl provision request > "$T/device.csr"
	DEVICE_ID=$(status_field device | cut -d' ' -f1)
	ta enrol --csr "$T/device.csr" --class "$class" --label "test camera" >/dev/null
	POLICY=$T/$DEVICE_ID-v1.bundle
	ta policy issue "$DEVICE_ID" -o "$POLICY" "$@" >/dev/null
	camctl provision install --cert "$TRUST/devices/$DEVICE_ID.crt" --ca "$TRUST/ca.crt" \
		--policy "$POLICY"
	# The keys are where this run means them to be (a run-tests :tpm variant, or files).
	check "the device's keys are in its $(keystore_name) keystore" \
		has "^keys: +$(keystore_name) " "$(camctl status)"
}

# provisioned_device: the usual start: a device in $T, a throwaway Trust
# in $T/trust, photod running at 1920x1080, provisioned as Trust-owned.
provisioned_device() {
	setup_device "$T"
	make_trust "$T/trust"
	start_photod -m 1920x1080
	provision_device trust-owned >/dev/null
}

# staff_session: S042 logs in and chooses EV-SPORTS.
staff_session() {
	printf '%s\n' "$PIN" | camctl login S042 >/dev/null && camctl event set EV-SPORTS >/dev/null
}

# clock_offset SECONDS: photod's clock runs SECONDS ahead from now on
# (fault-injection builds read $TC_CLOCK_OFFSET_FILE at every check).
clock_offset() { echo "$1" > "$TC_CLOCK_OFFSET_FILE"; }

# A device state dir.  Running as root, photod drops to the system user
# trustcam (created if missing); the test dir must then be traversable
# (0711) by that user, and the clock offset file readable.
setup_device() {
	STATE=$1/state
	RUN=$1/run
	mkdir -p "$STATE" && chmod 700 "$STATE"
	TC_CLOCK_OFFSET_FILE=$1/clock-offset
	export TC_CLOCK_OFFSET_FILE
	echo 0 > "$TC_CLOCK_OFFSET_FILE" && chmod 644 "$TC_CLOCK_OFFSET_FILE"
	USER_OPT=""
	if [ "$(id -u)" -eq 0 ]; then
		id trustcam >/dev/null 2>&1 ||
			useradd --system --no-create-home --shell /usr/sbin/nologin trustcam ||
			id trustcam >/dev/null	# made meanwhile by a test running beside this one
		USER_OPT="-u trustcam"
		chmod 711 "$1" "$(dirname "$1")"
	fi
	trap 'stop_photod 2>/dev/null || true' EXIT
}

# Run a command as the user that owns the device state (photod's user).
as_device_user() {
	if [ -n "$USER_OPT" ]; then runuser -u trustcam -- "$@"; else "$@"; fi
}

# The device's audit log, verified, one entry a line: seq actor action object result detail.
# The key comes from the keystore (either backend).
audit_log() { as_device_user "$TOOLS/tc_audit_dump" -k "$STATE/keys" "$STATE/audit"; }

# on_tpm: the device's keys are in a TPM.
on_tpm() { [ -n "${TC_KEYSTORE_TCTI:-}" ]; }
keystore_name() { if on_tpm; then echo tpm; else echo file; fi; }
# tpm_handle KEY: the TPM backend's persistent handle of audit, store, pin
# or identity (drivers/keystore/README.md).
tpm_handle() {
	case $1 in audit) echo 0x81544300 ;; store) echo 0x81544301 ;; pin) echo 0x81544302 ;;
	identity) echo 0x81544303 ;; esac
}
# key_private KEY: the device holds KEY out of everyone else's reach: a
# 0600 file in keys/ (file backend), or an object in the TPM with no
# key file at all on the disk.
key_private() {
	if on_tpm; then
		tpm_handles persistent | grep -qx "$(tpm_handle "$1")" &&
			[ -z "$(ls -A "$STATE/keys" 2>/dev/null)" ]
	else
		[ "$(mode "$STATE/keys/$1.key")" = 600 ]
	fi
}
# key_gone KEY: the device no longer holds KEY, neither as a file nor in the TPM.
key_gone() {
	[ ! -e "$STATE/keys/$1.key" ] || return 1
	! on_tpm || ! tpm_handles persistent | grep -qx "$(tpm_handle "$1")"
}

# mode PATH: its permission bits in octal (600, 700, ...).
mode() { stat -c %a "$1"; }

# photod -b returns once it serves, so no polling is needed.
start_photod() {
	# shellcheck disable=SC2086
	"$B/photod" -d "$STATE" -r "$RUN" -c "${CAMERA:-synthetic:7}" $USER_OPT -b -P "$RUN/photod.pid" \
		-l warn "$@"
	PHOTOD_PID=$(cat "$RUN/photod.pid")
}

stop_photod() {
	[ -n "${PHOTOD_PID:-}" ] || return 0
	kill -TERM "$PHOTOD_PID" 2>/dev/null || true
	wait_for_exit
	PHOTOD_PID=""
}

# Block until photod is gone, without polling: it holds a flock on its pid
# file for its whole life.
wait_for_exit() {
	# Open read-only: flock(1) given a name would create a missing file
	# (and a clean stop may already have removed it).
	{ { flock 9; } 9<"$RUN/photod.pid"; } 2>/dev/null || true
}

# Start a burst of 20, wait until the first photo is acknowledged, then
# send SIG to photod.  Sets BURST_DONE (photos acknowledged),
# PHOTOD_STATUS (photod's exit status; 137 for KILL) and appends the
# acknowledged ids to $T/acked.
burst_then_signal() {
	sig=$1
	fifo=$T/burst.fifo
	rm -f "$fifo"; mkfifo "$fifo"
	"$B/camctl" -r "$RUN" capture --count 20 > "$fifo" 2>/dev/null &
	client=$!
	BURST_DONE=0
	signalled=0
	while IFS= read -r line; do
		case "$line" in
		[0-9a-f]*" captured")
			echo "$line" | cut -d' ' -f1 >> "$T/acked"
			BURST_DONE=$((BURST_DONE + 1))
			if [ $signalled -eq 0 ]; then
				kill -"$sig" "$PHOTOD_PID"
				signalled=1
			fi ;;
		esac
	done < "$fifo"
	wait "$client" || true
	wait_for_exit
	# A clean exit (status 0) removes the pid file; a crash or kill leaves it.
	PHOTOD_STATUS=0
	[ -e "$RUN/photod.pid" ] && PHOTOD_STATUS=1
	[ "$sig" = KILL ] && PHOTOD_STATUS=137
	PHOTOD_PID=""
}

all_acknowledged_listed() {
	list=$("$B/camctl" -r "$RUN" list)
	while IFS= read -r id; do
		echo "$list" | grep -q "^$id " || return 1
	done < "$T/acked"
}

no_temp_objects() {
	! ls -a "$STATE/store/objects" | grep -q '^\.tmp'
}
