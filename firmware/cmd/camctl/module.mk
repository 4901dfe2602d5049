# firmware/cmd/camctl: the device CLI.
prog-y += camctl
camctl-src := $(d)/camctl.c
man-y += $(d)/camctl.1
