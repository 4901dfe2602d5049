# ui/: the kiosk.  The model, update function and screens have no SDL in
# them and go into the library (the unit tests walk them); the SDL canvas
# and main() are the program's own.  SDL's flags reach only ui/ objects,
# SDL's libraries only the kiosk.
ifeq ($(CONFIG_UI),y)
UI_PKGS := sdl2 SDL2_ttf SDL2_image libevdev
UI_CFLAGS := $(call pc_cflags,$(UI_PKGS))
UI_LIBS := $(call pc_libs,$(UI_PKGS),-lSDL2_ttf -lSDL2_image -lSDL2 -levdev)
lib-y += $(addprefix $(d)/,ui_update.c ui_common.c ui_profile.c ui_strings.c ui_ipc.c \
	ui_gallery.c screen_locked.c screen_staff.c screen_pin.c screen_events.c \
	screen_viewfinder.c screen_tags.c screen_confirm.c)
prog-y += kiosk
kiosk-src := $(addprefix $(d)/,kiosk.c kiosk_script.c sdl_canvas.c)
kiosk-libs := $(UI_LIBS)
$(O)/obj/ui/%.o: CFLAGS += $(UI_CFLAGS)
# The reference-image comparison decodes PNG with SDL2_image.
$(O)/obj/tests/tools/tc_pngdiff.o: CFLAGS += $(UI_CFLAGS)
$(O)/tests/tools/tc_pngdiff: LIBS += $(UI_LIBS)
else
utest-off += tests/unit/test_ui_%.c
tool-off += $(O)/tests/tools/tc_pngdiff
endif
# The man page is linted whatever the configuration.
man-y += $(d)/kiosk.8
unit-$(CONFIG_UI) += $(d)/kiosk.service
