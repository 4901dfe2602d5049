# firmware/cmd/camctl: the device CLI.
prog-y += camctl
camctl-src := $(addprefix $(d)/,camctl.c camctl_session.c camctl_provision.c camctl_sync.c camctl_usb.c)
man-y += $(d)/camctl.1
