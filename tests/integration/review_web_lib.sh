# review_web_lib.sh - start `trustadm review serve` for the web tests.
# Sourced after server_lib.sh.  start_review_web: serve on a free
# loopback port with exports in $T/exports, reading its login link from
# a fifo (no polling); sets WEB (pid), URL, HP (host:port), PORT, TOKEN.
start_review_web() {
	mkfifo "$T/out"
	"$B/trustadm" -d "$TRUST" -S "$DATA" review serve --listen 127.0.0.1:0 \
		--export-dir "$T/exports" > "$T/out" 2> "$T/web.err" &
	WEB=$!
	exec 3< "$T/out"
	URL=
	while read -r line <&3; do
		case $line in *"/login?token="*) URL=${line# }; break ;; esac
	done
	HP=${URL#http://}; HP=${HP%%/*}
	PORT=${HP#*:}
	TOKEN=${URL#*token=}
}
