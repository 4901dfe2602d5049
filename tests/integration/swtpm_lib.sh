# swtpm_lib.sh - a fresh swtpm (Debian's software TPM 2.0) for a test.
# Sourced.  The daemons reach it over a unix socket (photod's seccomp
# filter refuses inet sockets, as it should): swtpm -d returns once the
# socket listens, so nothing is polled.  TC_KEYSTORE_TCTI is exported
# for the keystore.

# start_swtpm DIR: a TPM with its state in DIR (made if missing).
start_swtpm() {
	SWTPM_DIR=$1
	mkdir -p "$SWTPM_DIR"
	# The daemons may run as trustcam: the sockets are theirs to use (mode), the dir to reach.
	chmod 711 "$SWTPM_DIR"
	swtpm socket --tpm2 -d --pid "file=$SWTPM_DIR/pid" --tpmstate "dir=$SWTPM_DIR" \
		--server "type=unixio,path=$SWTPM_DIR/sock,mode=0666" \
		--ctrl "type=unixio,path=$SWTPM_DIR/sock.ctrl,mode=0666" \
		--flags not-need-init,startup-clear
	TC_KEYSTORE_TCTI=swtpm:path=$SWTPM_DIR/sock
	export TC_KEYSTORE_TCTI
}

# stop_swtpm [-9]: shut the running swtpm down (swtpm_ioctl -s: a clean
# power-off that saves its state; -9: kill -KILL, a TPM that dies) and
# remove its sockets, so nothing can reach it from here on whether or not
# the process has finished exiting (it is not our child to wait for).
stop_swtpm() {
	[ -n "${SWTPM_DIR:-}" ] && [ -s "$SWTPM_DIR/pid" ] || return 0
	if [ "${1:-}" = -9 ]; then
		kill -KILL "$(cat "$SWTPM_DIR/pid")" 2>/dev/null || true
	else
		swtpm_ioctl --unix "$SWTPM_DIR/sock.ctrl" -s >/dev/null 2>&1 ||
			kill -KILL "$(cat "$SWTPM_DIR/pid")" 2>/dev/null || true
	fi
	rm -f "$SWTPM_DIR/pid" "$SWTPM_DIR/sock" "$SWTPM_DIR/sock.ctrl"
}

# tpm_handles persistent|nv-index: the handles of that kind in the running swtpm.
tpm_handles() { tpm2_getcap -T "$TC_KEYSTORE_TCTI" "handles-$1" 2>/dev/null | sed -n 's/^- //p'; }
