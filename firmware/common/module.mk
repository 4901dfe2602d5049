# firmware/common: what every module shares.
lib-y += $(d)/tc_err.c $(d)/tc_log.c $(d)/tc_secmem.c $(d)/tc_random.c \
	$(d)/tc_fault.c $(d)/tc_io.c $(d)/tc_sandbox.c $(d)/tc_daemon.c \
	$(d)/tc_thread.c $(d)/tc_notify.c $(d)/tc_version.c $(d)/tc_image.c
