# pins.sh - the Trust's pins in a device image (sourced by mkimage;
# tools/image/README.md, "Enrolment pins").
#
#   pins_check        validate TRUST_CA, TRUST_URL, TRUST_NAME, TRUST_NET
#                     from the environment, before anything is built; sets
#                     pins_allow (the addresses syncd may reach), or
#                     nothing when there are no pins
#   pins_write ROOT   write them into the root file system ROOT
#
# TRUST_CA (the Trust's ca.crt) and TRUST_URL (https://HOST:PORT of
# trust-server's enrol listener) go to /usr/lib/trustcam/enrol, with
# TRUST_NAME (the name on the server certificate, default the URL's
# host): what syncd trusts for enrolment at the dock (syncd(8)).
# syncd's unit denies every address but localhost (IPAddressDeny=any);
# the image allows it the Trust's server in a drop-in: TRUST_NET (one or
# more ADDRESS[/PREFIX], space-separated), by default the URL's host when
# that is an address.  A host name needs TRUST_NET: the unit's filter
# works on addresses, and the image's root is read-only, so nobody can
# add one on the device.

pins_check() {
	pins_allow=
	[ -n "${TRUST_CA:-}${TRUST_URL:-}${TRUST_NAME:-}${TRUST_NET:-}" ] || return 0
	[ -s "${TRUST_CA:-}" ] && [ -n "${TRUST_URL:-}" ] ||
		{ echo "mkimage: enrolment pins need both TRUST_CA=FILE and TRUST_URL=https://HOST:PORT" >&2; return 2; }
	case $TRUST_URL in https://*) ;; *) echo "mkimage: TRUST_URL must be https://HOST:PORT" >&2; return 2;; esac
	[ "$(grep -c 'BEGIN CERTIFICATE' "$TRUST_CA")" = 1 ] ||
		{ echo "mkimage: TRUST_CA must hold exactly one PEM certificate (the Trust's ca.crt)" >&2; return 2; }
	pins_allow=${TRUST_NET:-}
	if [ -z "$pins_allow" ]; then
		host=${TRUST_URL#https://}
		host=${host%%/*}
		case $host in
		\[*) host=${host#\[}; host=${host%%\]*} ;;
		*) host=${host%%:*} ;;
		esac
		case $host in
		*[!0-9.]*) case $host in *:*) pins_allow=$host ;; esac ;;
		*) pins_allow=$host ;;
		esac
	fi
	[ -n "$pins_allow" ] || {
		echo "mkimage: TRUST_URL names a host, not an address: give TRUST_NET=ADDRESS[/PREFIX] (syncd may reach no other)" >&2
		return 2
	}
	for a in $pins_allow; do
		printf '%s\n' "$a" | grep -Eqx '([0-9]{1,3}\.){3}[0-9]{1,3}(/[0-9]{1,2})?|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*(/[0-9]{1,3})?' ||
			{ echo "mkimage: TRUST_NET: '$a' is not an address or ADDRESS/PREFIX" >&2; return 2; }
	done
}

pins_write() {
	root=$1
	pins=$root/usr/lib/trustcam/enrol
	dropin=$root/etc/systemd/system/syncd.service.d
	rm -rf "$pins" "$dropin/trust-server.conf"
	[ -n "$pins_allow" ] || return 0
	mkdir -p "$pins" "$dropin"
	cp "$TRUST_CA" "$pins/ca.crt"
	printf '%s\n' "$TRUST_URL" > "$pins/url"
	[ -z "${TRUST_NAME:-}" ] || printf '%s\n' "$TRUST_NAME" > "$pins/name"
	printf '# mkimage: the Trust server syncd may reach (TRUST_NET or TRUST_URL).\n[Service]\nIPAddressAllow=%s\n' \
		"$pins_allow" > "$dropin/trust-server.conf"
	chmod 0755 "$pins" "$dropin" && chmod 0644 "$pins"/* "$dropin/trust-server.conf"
	touch -h -d "@$SOURCE_DATE_EPOCH" "$pins" "$pins"/* "$dropin" "$dropin/trust-server.conf"
}
