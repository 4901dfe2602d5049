# firmware/cmd/photod: the capture daemon.
prog-y += photod
photod-src := $(d)/photod.c $(d)/photod_serve.c $(d)/photod_capture.c
man-y += $(d)/photod.8
