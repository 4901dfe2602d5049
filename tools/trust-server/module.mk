# tools/trust-server: the Trust's sync receiver (mutual TLS, resumable
# uploads, signed receipts, audit segments, policy delivery).
prog-$(CONFIG_TRUST_TOOLS) += trust-server
trust-server-src := $(d)/main.c $(d)/accept.c $(d)/daemon.c $(d)/tls.c $(d)/conn.c $(d)/http.c $(d)/api_photos.c \
	$(d)/api_audit.c $(d)/api_policy.c $(d)/api_firmware.c $(d)/api_enrol.c $(d)/upload.c $(d)/storage.c $(d)/ledger.c \
	$(d)/registry_lookup.c
man-$(CONFIG_TRUST_TOOLS) += $(d)/trust-server.8
unit-$(CONFIG_TRUST_TOOLS) += $(d)/trust-server.service
