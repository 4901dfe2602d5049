# firmware/cmd/photod: the capture daemon.
prog-y += photod
photod-src := $(addprefix $(d)/,photod.c photod_serve.c photod_status.c photod_capture.c \
	photod_gate.c photod_login.c photod_provision.c photod_cert.c photod_wipe.c \
	photod_files.c photod_clock.c photod_ui.c photod_preview.c photod_usb.c)
man-y += $(d)/photod.8
unit-y += $(d)/photod.service
