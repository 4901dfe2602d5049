# tools/trustadm/picture: names in the picture (see README.md): text
# detection with libtesseract and the publishable copy, linked into
# trustadm, with libtesseract-dev (its pkg-config file).  A cross build
# has no tesseract.pc (libtesseract-dev:arm64 would pull the
# non-Multi-Arch libleptonica-dev:arm64 and remove the native one), so it
# links the runtime library itself, libtesseract5:arm64, with the native
# headers (tools/deps/packages-arm64).
trustadm-src += $(d)/pic_ocr.c $(d)/pic_redact.c $(d)/pic_boxes.c
PIC_LIBS := $(call pc_libs,tesseract,-l:libtesseract.so.5)
trustadm-libs += $(PIC_LIBS)
# Test tools: tc_mkcert renders a certificate with SDL2_ttf; tc_imgcheck
# reads text and compares images with this module's own code.
ifeq ($(CONFIG_TRUST_TOOLS),y)
PIC_SDL_PKGS := sdl2 SDL2_ttf
$(O)/obj/tests/tools/tc_mkcert.o: CFLAGS += $(call pc_cflags,$(PIC_SDL_PKGS))
$(O)/tests/tools/tc_mkcert: LIBS += $(call pc_libs,$(PIC_SDL_PKGS),-lSDL2_ttf -lSDL2)
$(O)/tests/tools/tc_imgcheck: $(O)/obj/$(d)/pic_ocr.o $(O)/obj/$(d)/pic_boxes.o
$(O)/tests/tools/tc_imgcheck: LIBS := $(O)/libtrustcam.a $(PIC_LIBS) $(LIBS)
else
tool-off += $(O)/tests/tools/tc_mkcert $(O)/tests/tools/tc_imgcheck
endif
