# drivers/input: physical buttons through evdev.  Linked only into the
# kiosk (libevdev's flags are set here; its library
# is linked by ui/module.mk).
lib-$(CONFIG_INPUT_EVDEV) += $(d)/input.c
$(O)/obj/drivers/input/%.o: CFLAGS += $(call pc_cflags,libevdev)
