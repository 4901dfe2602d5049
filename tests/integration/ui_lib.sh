# ui_lib.sh - helpers for tests that drive the kiosk.  Sourced after lib.sh.
#
# The kiosk runs on SDL's offscreen driver, from a script (kiosk -s),
# as its own user: as root, trustcam-ui, whose primary group is photod's
# (trustcam), so it may reach photod.sock and nothing else of photod's.

export SDL_VIDEODRIVER=offscreen
SHOTS=$T/shots
mkdir -p "$SHOTS"
KIOSK_USER_OPT=""
if [ "$(id -u)" -eq 0 ]; then
	id trustcam-ui >/dev/null 2>&1 ||
		useradd --system --no-create-home --shell /usr/sbin/nologin -g trustcam trustcam-ui ||
		id trustcam-ui >/dev/null	# made meanwhile by a test running beside this one
	KIOSK_USER_OPT="-u trustcam-ui"
	chown trustcam-ui "$SHOTS"
fi

# kiosk_run SCRIPT [PROFILE]: run the kiosk through SCRIPT against photod.
# Its output (one "kiosk: ok LINE" per command, and what a screen showed
# when a command failed) is in $KIOSK_OUT.
kiosk_run() {
	chmod 644 "$1"
	set +e
	# shellcheck disable=SC2086
	KIOSK_OUT=$("$B/kiosk" -r "$RUN" -p "${2:-800x480}" $KIOSK_USER_OPT -s "$1" -o "$SHOTS" 2>&1)
	KIOSK_RC=$?
	set -e
	printf '%s\n' "$KIOSK_OUT" | sed 's/^/  | /'
	return $KIOSK_RC
}

# evdev_file FILE KEYCODE...: recorded presses (press, release, SYN) of
# each key, as struct input_event on this machine.
evdev_file() {
	out=$1; shift
	python3 - "$out" "$@" <<'PY'
import struct, sys
EV_SYN, EV_KEY = 0, 1
with open(sys.argv[1], "wb") as f:
    for i, code in enumerate(int(c) for c in sys.argv[2:]):
        for value in (1, 0):
            f.write(struct.pack("@llHHi", 1000 + i, value * 1000, EV_KEY, code, value))
            f.write(struct.pack("@llHHi", 1000 + i, value * 1000, EV_SYN, 0, 0))
PY
	chmod 644 "$out"
}
