# trustcam - top-level Makefile
#
#   make deps                 install the Debian 12 packages (tools/deps/packages)
#   make [O=dir] <board>_defconfig | menuconfig | olddefconfig | savedefconfig
#   make [O=dir] [V=1]        build (host board if there is no .config yet)
#   make check                unit and integration tests
#   make check-sanitize       the same, built with ASan + UBSan
#   make lint                 cppcheck + the banned-function checker
#   make bench                every benchmark in tests/bench
#   make fuzz | fuzz-smoke    libFuzzer harnesses (clang, in O/fuzz); a short run of each
#   make fuzz-long T=SECONDS  a campaign of T seconds per harness (tests/fuzz/README.md)
#   make install DESTDIR=dir  stage binaries, man pages, the board's overlay
#   make install-data DESTDIR=dir  the same without the binaries (nothing is compiled)
#   make image BOARD=b        a bootable disk image in O/image/b (tools/image, as root)
#   make image-test BOARD=b   boot that image in qemu and check it
#   make update-test BOARD=b  install signed updates into it in qemu
#   make uboot-test BOARD=rpi4 its U-Boot's boot counting and fall-back in qemu
#   make bundle BOARD=b       that image's root as a RAUC bundle's input (to sign)
#
# Out-of-tree by default (O=build).  CROSS_COMPILE, CC, PKG_CONFIG and
# SYSROOT are honoured; libraries are found through pkg-config.

srctree := $(CURDIR)
O ?= build
override O := $(abspath $(O))
V ?= 0
ifeq ($(V),1)
Q :=
else
Q := @
MAKEFLAGS += --no-print-directory
endif

ifeq ($(origin CC),default)
CC := $(CROSS_COMPILE)gcc
endif
ifeq ($(origin CXX),default)
CXX := $(CROSS_COMPILE)g++
endif
ifeq ($(origin AR),default)
AR := $(CROSS_COMPILE)ar
endif
PKG_CONFIG ?= pkg-config
# A cross build without SYSROOT uses Debian's multiarch libraries
# (`make deps CROSS=arm64`): pkg-config reads the target's .pc files, and
# what could not be installed beside its native twin is in CROSS_DIR.
ifneq ($(CROSS_COMPILE),)
ifeq ($(SYSROOT),)
TRIPLET := $(shell $(CC) -dumpmachine)
# (set on the command itself: make 4.3's $(shell) does not see exports)
PKG_CONFIG := PKG_CONFIG_LIBDIR=/usr/lib/$(TRIPLET)/pkgconfig:/usr/share/pkgconfig $(PKG_CONFIG)
CROSS_DIR ?= /opt/trustcam-cross/$(if $(filter aarch64%,$(TRIPLET)),arm64,$(firstword $(subst -, ,$(TRIPLET))))
CROSS_FLAGS := -I$(CROSS_DIR)/usr/include -L$(CROSS_DIR)/usr/lib/$(TRIPLET)
endif
endif
ifneq ($(SYSROOT),)
export PKG_CONFIG_SYSROOT_DIR := $(SYSROOT)
export PKG_CONFIG_LIBDIR := $(SYSROOT)/usr/lib/pkgconfig:$(SYSROOT)/usr/share/pkgconfig:$(SYSROOT)/usr/lib/$(shell $(CC) -dumpmachine)/pkgconfig
SYSROOT_FLAGS := --sysroot=$(SYSROOT)
endif

PREFIX ?= /usr
DESTDIR ?=

# ---------------------------------------------------------------- Kconfig
KCONFIG_FILES := Kconfig $(shell find firmware drivers ui tools -name Kconfig 2>/dev/null)
KCONFIG_ENV := KCONFIG_CONFIG=$(O)/.config srctree=$(srctree) \
	KCONFIG_AUTOCONFIG=$(O)/include/config/auto.conf \
	KCONFIG_AUTOHEADER=$(O)/include/generated/autoconf.h
KCONF := kconfig-conf
KMCONF := kconfig-mconf
BOARDS := $(notdir $(patsubst %/defconfig,%,$(wildcard board/*/defconfig)))

config-goals := $(filter %config,$(MAKECMDGOALS))
build-goals := $(filter-out $(config-goals),$(MAKECMDGOALS))

ifneq ($(config-goals),)
ifneq ($(build-goals),)
# Mixed goals ("make host_defconfig all"): run them one by one, in order.
$(MAKECMDGOALS): __one_by_one
	@:
__one_by_one:
	$(Q)set -e; for g in $(MAKECMDGOALS); do $(MAKE) -f $(srctree)/Makefile O=$(O) $$g; done
.PHONY: __one_by_one
mixed := 1
endif
endif

ifneq ($(mixed),1)

.DEFAULT_GOAL := all

$(O)/.stamp-dirs:
	$(Q)mkdir -p $(O)/include/config $(O)/include/generated
	$(Q)touch $@

%_defconfig: board/%/defconfig $(O)/.stamp-dirs
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --defconfig=$(srctree)/$< $(srctree)/Kconfig
	@echo "  CONFIG  $(O)/.config from board/$*/defconfig"

menuconfig: $(O)/.stamp-dirs
	$(Q)test -f $(O)/.config || $(MAKE) -f $(srctree)/Makefile O=$(O) host_defconfig
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KMCONF) $(srctree)/Kconfig

olddefconfig: $(O)/.stamp-dirs
	$(Q)test -f $(O)/.config || $(MAKE) -f $(srctree)/Makefile O=$(O) host_defconfig
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --olddefconfig $(srctree)/Kconfig

savedefconfig: $(O)/.stamp-dirs
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --savedefconfig=$(O)/defconfig $(srctree)/Kconfig
	@echo "  SAVE    $(O)/defconfig"

.PHONY: menuconfig olddefconfig savedefconfig

# Goals that need no configuration (deps runs before kconfig-frontends exists).
no-config-goals := deps clean distclean lint image image-test update-test uboot-test bundle
ifeq ($(config-goals),)
ifneq ($(if $(build-goals),$(filter-out $(no-config-goals),$(build-goals)),all),)
# A build with no .config starts from the host board.
$(O)/.config: | $(O)/.stamp-dirs
	@echo "  CONFIG  no .config: using board/host/defconfig"
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --defconfig=$(srctree)/board/host/defconfig $(srctree)/Kconfig

# auto.conf (for make) and autoconf.h (for C) follow .config and the Kconfig files.
$(O)/include/config/auto.conf: $(O)/.config $(KCONFIG_FILES) | $(O)/.stamp-dirs
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --olddefconfig $(srctree)/Kconfig
	$(Q)cd $(O) && $(KCONFIG_ENV) $(KCONF) -s --silentoldconfig $(srctree)/Kconfig
	$(Q)touch $@

include $(O)/include/config/auto.conf
endif
endif

# ---------------------------------------------------------------- flags
HARDEN_CFLAGS := -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fstack-clash-protection -fPIE
WARN_CFLAGS := -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes -Wvla
OPT_CFLAGS ?= -O2 -g
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now -Wl,-z,noexecstack
ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif
# The fuzz build (make fuzz): every object instrumented for libFuzzer; the
# harnesses add -fsanitize=fuzzer (the driver) at link time.
ifeq ($(FUZZ),1)
SAN_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
# clang (not gcc) warns inside libseccomp's SCMP_A0 macro: that is not our code.
WARN_CFLAGS += -Wno-missing-field-initializers
endif

# Libraries: pkg-config first; Debian 12's mbedtls 2.28, http-parser and libcsv ship no .pc file.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1) 2>/dev/null)
pc_libs = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null || echo $(2))
LIB_PKGS := nettle sqlite3 jansson libturbojpeg libjpeg libargon2 libseccomp libsystemd
# An mbedtls with a .pc (e.g. 3.6 built by tools/dev/mbedtls3-check) brings its
# headers, and an rpath so every binary and test finds its libs without
# LD_LIBRARY_PATH; Debian 12's 2.28 has no .pc, so its build is unchanged.
MBEDTLS_PKGS := mbedtls mbedx509 mbedcrypto
MBEDTLS_CFLAGS := $(call pc_cflags,$(MBEDTLS_PKGS))
MBEDTLS_LIBDIR := $(filter-out /usr/lib% /lib%,$(shell $(PKG_CONFIG) --variable=libdir mbedtls 2>/dev/null))
comma := ,
LIBS := $(call pc_libs,$(MBEDTLS_PKGS),-lmbedtls -lmbedx509 -lmbedcrypto) \
	$(if $(MBEDTLS_LIBDIR),-Wl$(comma)-rpath$(comma)$(MBEDTLS_LIBDIR)) \
	$(foreach p,$(LIB_PKGS),$(call pc_libs,$(p),-l$(patsubst lib%,%,$(p)))) -lhttp_parser -lpthread -lm
ifeq ($(CONFIG_CAMERA_LIBCAMERA),y)
LIBCAMERA_CFLAGS := $(call pc_cflags,libcamera)
LIBS += $(call pc_libs,libcamera,-lcamera -lcamera-base)
endif
ifeq ($(CONFIG_KEYSTORE_TPM_BACKEND),y)
TSS2_PKGS := tss2-esys tss2-tctildr tss2-mu tss2-rc
LIBS += $(call pc_libs,$(TSS2_PKGS),-ltss2-esys -ltss2-tctildr -ltss2-mu -ltss2-rc)
endif
TEST_LIBS := $(call pc_libs,cmocka,-lcmocka)

# ---------------------------------------------------------------- modules
# Each module.mk appends its sources to lib-y (or lib-$(CONFIG_X)) and its
# programs to prog-y, with $(d) set to its folder; utest-off and tool-off
# list unit tests and test tools of modules this configuration leaves out.
lib-y :=
prog-y :=
utest-off :=
tool-off :=
man-y :=
unit-y :=
# What a disabled symbol selects (lib-$(CONFIG_X) with X off) lands in
# these; simple variables, so $(d) is expanded when appended.
lib- :=
prog- :=
man- :=
unit- :=
# Programs of the Trust side (installed by `make install TARGET=trust`,
# never onto a device) and the libraries only they link.
TRUST_PROGS := trustadm trust-server
TRUST_LIBS := -lcsv
MODULE_MKS := $(sort $(shell find firmware drivers ui tools -name module.mk 2>/dev/null))
define include-module
d := $(patsubst %/,%,$(dir $(1)))
include $(1)
endef
$(foreach m,$(MODULE_MKS),$(eval $(call include-module,$(m))))

INCLUDES := -I$(O)/include/generated $(addprefix -I,$(patsubst %/,%,$(dir $(MODULE_MKS))))
CFLAGS_ALL = -std=gnu11 $(OPT_CFLAGS) $(WARN_CFLAGS) $(HARDEN_CFLAGS) $(SAN_FLAGS) \
	$(SYSROOT_FLAGS) $(INCLUDES) $(CROSS_FLAGS) $(MBEDTLS_CFLAGS) $(call pc_cflags,$(LIB_PKGS)) $(CFLAGS)
CXXFLAGS_ALL = -std=c++17 $(OPT_CFLAGS) -Wall -Wextra -Werror $(HARDEN_CFLAGS) $(SAN_FLAGS) \
	$(SYSROOT_FLAGS) $(INCLUDES) $(LIBCAMERA_CFLAGS) $(CXXFLAGS)
LDFLAGS_ALL = $(HARDEN_LDFLAGS) $(SAN_FLAGS) $(SYSROOT_FLAGS) $(CROSS_FLAGS) $(LDFLAGS)

LIB_OBJS := $(patsubst %,$(O)/obj/%.o,$(basename $(lib-y)))
LIBTC := $(O)/libtrustcam.a
# A C++ object in the library means linking with the C++ driver.
LINK := $(if $(filter %.cpp,$(lib-y)),$(CXX),$(CC))

$(O)/obj/%.o: %.c $(O)/include/config/auto.conf
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

$(O)/obj/%.o: %.cpp $(O)/include/config/auto.conf
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CXX     $<")
	$(Q)$(CXX) $(CXXFLAGS_ALL) -MMD -MP -MF $(@:.o=.d) -c $< -o $@

# The firmware version every program reports (firmware/common/tc_version.h):
# `git describe` in a git checkout, else the VERSION file a source tarball
# carries, else "unknown".  Worked out when make reads this file (so even
# `make -n` knows it) and written only when it changes, so only
# tc_version.o is rebuilt.
VERSION_GEN := $(O)/include/generated/tc_version_gen.h
ifneq ($(if $(build-goals),$(filter-out $(no-config-goals),$(build-goals)),all),)
TC_VERSION := $(shell if [ -e $(srctree)/.git ]; then git -C $(srctree) describe --always --dirty 2>/dev/null; \
	elif [ -f $(srctree)/VERSION ]; then head -n1 $(srctree)/VERSION; fi | tr -cd 'A-Za-z0-9._+~-')
$(shell mkdir -p $(dir $(VERSION_GEN)) && \
	echo '#define TC_GIT_VERSION "$(or $(TC_VERSION),unknown)"' > $(VERSION_GEN).tmp && \
	{ cmp -s $(VERSION_GEN).tmp $(VERSION_GEN) && rm -f $(VERSION_GEN).tmp || mv $(VERSION_GEN).tmp $(VERSION_GEN); })
endif
$(O)/obj/firmware/common/tc_version.o: $(VERSION_GEN)

$(LIBTC): $(LIB_OBJS)
	@$(if $(Q),echo "  AR      $(notdir $@)")
	$(Q)rm -f $@ && $(AR) rcs $@ $^

# Programs: prog-y += name; name-src := files (relative to the tree);
# name-libs := libraries only that program links (the kiosk's SDL).
define prog-rule
$(O)/bin/$(1): $(patsubst %,$(O)/obj/%.o,$(basename $($(1)-src))) $(LIBTC)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(LINK) $$(LDFLAGS_ALL) -o $$@ $$^ $$($(1)-libs) $$(LIBS) $(if $(filter $(1),$(TRUST_PROGS)),$$(TRUST_LIBS))
endef
$(foreach p,$(prog-y),$(eval $(call prog-rule,$(p))))
PROGS := $(addprefix $(O)/bin/,$(prog-y))

all: $(LIBTC) $(PROGS)

# ---------------------------------------------------------------- tests
UNIT_SRCS := $(filter-out $(utest-off),$(sort $(wildcard tests/unit/test_*.c)))
UNIT_SUPPORT_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(wildcard tests/unit/support/*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(O)/tests/unit/%,$(UNIT_SRCS))
# The boot test's camera is a peer of the build machine's qemu: a cross
# build has no use for it (and no arm64 libusbredirparser).
ifneq ($(CROSS_COMPILE),)
tool-off += $(O)/tests/tools/tc_uvccam
endif
TEST_TOOLS := $(filter-out $(tool-off),$(patsubst tests/tools/%.c,$(O)/tests/tools/%,$(wildcard tests/tools/*.c)))
BENCH_SRCS := $(sort $(wildcard tests/bench/bench_*.c))
BENCH_SUPPORT_OBJS := $(patsubst %.c,$(O)/obj/%.o,$(filter-out tests/bench/bench_%,$(wildcard tests/bench/*.c)))
BENCH_BINS := $(patsubst tests/bench/%.c,$(O)/tests/bench/%,$(BENCH_SRCS))

$(O)/obj/tests/%.o: INCLUDES += -Itests/unit/support -Itests/bench

$(O)/tests/unit/%: $(O)/obj/tests/unit/%.o $(UNIT_SUPPORT_OBJS) $(LIBTC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK) $(LDFLAGS_ALL) -o $@ $^ $(TEST_LIBS) $(LIBS) $(TRUST_LIBS)

$(O)/tests/tools/%: $(O)/obj/tests/tools/%.o $(LIBTC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(TRUST_LIBS)
# The boot test's camera (tools/image/image-test) speaks usbredir to qemu.
$(O)/obj/tests/tools/tc_uvccam.o: CFLAGS += $(call pc_cflags,libusbredirparser-0.5)
$(O)/tests/tools/tc_uvccam: LIBS += $(call pc_libs,libusbredirparser-0.5,-lusbredirparser)

$(O)/tests/bench/%: $(O)/obj/tests/bench/%.o $(BENCH_SUPPORT_OBJS) $(LIBTC)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK) $(LDFLAGS_ALL) -o $@ $^ $(LIBS) $(TRUST_LIBS)

tests: all $(UNIT_BINS) $(TEST_TOOLS)

# The test runner needs the fault-injection hooks: refuse a config without them.
check-config:
	$(Q)test "$(CONFIG_FAULT_INJECTION)" = y || { echo "make check: this config has no CONFIG_FAULT_INJECTION; run 'make host_defconfig' first" >&2; exit 2; }
	$(Q)test "$(CONFIG_KEYSTORE_TPM_BACKEND)" = y || { echo "make check: this config has no CONFIG_KEYSTORE_TPM_BACKEND (the TPM keystore's tests); run 'make host_defconfig' first" >&2; exit 2; }

# The fuzz smoke runs belong to the plain check only: check-sanitize would
# build and run the same instrumented harnesses a second time.
CHECK_FUZZ := $(if $(filter 1,$(SANITIZE) $(FUZZ)),,y)

# The provisioning (by hand and at the dock), login and sync tests run a second time with the
# device's keys in a TPM (run-tests' SCRIPT:tpm: a fresh swtpm each).
KEYSTORE_TPM_TESTS := test_provision test_device_rules test_sync test_enrol_dock

# Tests run TEST_JOBS at a time (run-tests' TC_TEST_JOBS): most of a test's
# time is spent waiting on daemons, sockets and fsync, so two at a time on
# two cores take about half the time.  The integration scripts go first,
# as they are the long ones.
TEST_JOBS ?= 2

# The build-system tests run no project code, only make, kconfig and
# udevadm: a sanitizer build has nothing to add to them.
CHECK_SCRIPTS := $(filter-out $(if $(filter 1,$(SANITIZE)),%/test_build.sh %/test_overlay.sh), \
	$(sort $(wildcard tests/integration/test_*.sh)))

check: check-config tests $(if $(CHECK_FUZZ),fuzz fuzz-smoke-scripts)
	$(Q)O=$(O) TC_TEST_JOBS=$(TEST_JOBS) tests/run-tests $(CHECK_SCRIPTS) \
		$(patsubst %,tests/integration/%.sh:tpm,$(KEYSTORE_TPM_TESTS)) \
		$(UNIT_BINS) $(if $(CHECK_FUZZ),$(FUZZ_SMOKE))

# A cross build's unit tests under qemu-user (with -L /, the multiarch
# libraries of `make deps CROSS=arm64`): make O=DIR CROSS_COMPILE=... check-qemu.
# QEMU_SKIP names the tests qemu-user cannot run (see README.md).
QEMU_ARCH := $(firstword $(subst -, ,$(TRIPLET)))
# qemu-user refuses seccomp (test_common_secure), keeps descriptors of its
# own (test_ipc_proto counts a process's fds) and delivers signals to
# threads its own way (test_camera_stream).
QEMU_SKIP := test_common_secure test_ipc_proto test_camera_stream
check-qemu: check-config tests
	$(Q)test -n "$(CROSS_COMPILE)" || { echo "make check-qemu: for a cross build (CROSS_COMPILE=...)" >&2; exit 2; }
	$(Q)TC_RUN_WRAPPER="qemu-$(QEMU_ARCH)-static -L /" O=$(O) TC_TEST_JOBS=$(TEST_JOBS) tests/run-tests \
		$(filter-out $(addprefix $(O)/tests/unit/,$(QEMU_SKIP)),$(UNIT_BINS))

# The same suites, built with ASan and UBSan in a build directory of their own.
check-sanitize: $(O)/.config
	$(Q)mkdir -p $(O)/sanitize
	$(Q)cmp -s $(O)/.config $(O)/sanitize/.config || cp $(O)/.config $(O)/sanitize/.config
	$(Q)$(MAKE) -f $(srctree)/Makefile O=$(O)/sanitize SANITIZE=1 check

include tests/fuzz/fuzz.mk

bench: all $(BENCH_BINS) $(TEST_TOOLS)
	$(Q)set -e; for b in $(BENCH_BINS); do echo "  BENCH   $$(basename $$b)"; TC_BIN=$(O)/bin $$b; done

# Every man page, whatever the config selects (lint needs no .config).
MAN_ALL = $(sort $(man-y) $(man-) $(man-n))
lint:
	$(Q)/usr/bin/python3 tools/lint/checkkconfig Kconfig
	$(Q)mandoc -Tlint -Wwarning $(MAN_ALL) && echo "  MANDOC  $(words $(MAN_ALL)) man pages"
	$(Q)tools/lint/checkunits $$(find firmware tools $(wildcard ui) board -name '*.service' -type f | sort)
	$(Q)tools/lint/checksrc $$(git ls-files -co --exclude-standard '*.c' '*.h' '*.cpp' 2>/dev/null || find firmware drivers tools tests -name '*.[ch]')
	$(Q)cppcheck --quiet --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
		--inline-suppr --suppress=missingIncludeSystem -D__GNUC__ \
		$(INCLUDES) firmware drivers tools tests $(wildcard ui)

# ---------------------------------------------------------------- install
# TARGET=device (default): what a camera runs: the device programs, their
# man pages and units, the users and directories they need, and the
# board's overlay.  TARGET=trust: trustadm and trust-server with theirs.
# A man page or unit belongs to the program whose name it carries.
TARGET ?= device
ifeq ($(TARGET),trust)
INSTALL_PROGS := $(filter $(TRUST_PROGS),$(prog-y))
else
INSTALL_PROGS := $(filter-out $(TRUST_PROGS),$(prog-y))
endif
owned = $(foreach f,$(2),$(if $(filter $(basename $(notdir $(f))),$(1)),$(f)))
install: all install-data
	$(Q)set -e; for p in $(INSTALL_PROGS); do install -D -m 0755 $(O)/bin/$$p $(DESTDIR)$(PREFIX)/bin/$$p; done
	@echo "  INSTALL $(if $(DESTDIR),$(DESTDIR),/) ($(TARGET): $(INSTALL_PROGS); board $(CONFIG_BOARD_NAME))"

# Everything but the programs (so nothing is compiled): man pages, units,
# users, directories, the board's overlay; what test_overlay.sh checks.
install-data: $(O)/.config
	$(Q)case "$(TARGET)" in device|trust) ;; *) echo "make install: TARGET is device or trust" >&2; exit 2;; esac
	$(Q)test "$(TARGET)" = device || test -n "$(INSTALL_PROGS)" || { echo "make install TARGET=trust: this config has no CONFIG_TRUST_TOOLS" >&2; exit 2; }
	$(Q)set -e; for m in $(call owned,$(INSTALL_PROGS),$(man-y)); do s=$${m##*.}; install -D -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/$$(basename $$m); done
	$(Q)set -e; for u in $(call owned,$(INSTALL_PROGS),$(unit-y)); do install -D -m 0644 $$u $(DESTDIR)$(PREFIX)/lib/systemd/system/$$(basename $$u); done
ifeq ($(TARGET),device)
	$(Q)install -D -m 0644 firmware/cmd/trustcam.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/trustcam.conf
	$(Q)install -D -m 0644 firmware/cmd/trustcam.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/trustcam.conf
ifneq ($(CONFIG_BOARD_HOST),y)
	$(Q)cp -R --no-preserve=ownership board/common/rootfs/. $(DESTDIR)/
ifeq ($(CONFIG_DEBUG_CONSOLE),y)
	$(Q)rm -f $(DESTDIR)/etc/systemd/system/serial-getty@.service
endif
endif
	$(Q)if [ -d board/$(CONFIG_BOARD_NAME)/rootfs ]; then cp -R --no-preserve=ownership board/$(CONFIG_BOARD_NAME)/rootfs/. $(DESTDIR)/; fi
else
	$(Q)install -D -m 0644 tools/trust-server/trust-server.sysusers $(DESTDIR)$(PREFIX)/lib/sysusers.d/trust-server.conf
	$(Q)install -D -m 0644 tools/trust-server/trust-server.tmpfiles $(DESTDIR)$(PREFIX)/lib/tmpfiles.d/trust-server.conf
	$(Q)install -D -m 0440 tools/trustadm/trustadm.sudoers $(DESTDIR)/etc/sudoers.d/trustadm
endif

# make deps CROSS=arm64: also the cross toolchain and the arm64 libraries;
# make deps IMAGE=1: also what make image and make image-test run.
deps:
	$(Q)tools/deps/install-deps tools/deps/packages
	$(Q)$(if $(CROSS),tools/deps/install-deps --cross $(CROSS) tools/deps/packages-$(CROSS))
	$(Q)$(if $(IMAGE),tools/deps/install-deps tools/deps/packages-image)

# A device image (tools/image/README.md): its own firmware build, root
# file system and disk image in $(O)/image/BOARD.  Never part of check.
image-board = $(if $(BOARD),$(BOARD),$(error make $@: say which board, e.g. BOARD=kiosk-x86))
image:
	$(Q)tools/image/mkimage $(image-board) $(O)/image/$(image-board)
image-test:
	$(Q)tools/image/image-test $(image-board) $(O)/image/$(image-board)
# Signed A/B updates of that image in qemu (tools/image/update-test):
# UPDATE_TEST_PHASES=12 for CI's subset, UPDATE_TEST_CUTS=N power cuts.
update-test:
	$(Q)tools/image/update-test $(image-board) $(O)/image/$(image-board)
# rpi4's boot selection through its own U-Boot on qemu's raspi3b
# (tools/image/uboot-test):
uboot-test:
	$(Q)tools/image/uboot-test $(image-board) $(O)/image/$(image-board)
# The input of a RAUC bundle from that image (tools/image/mkbundle), for
# `trustadm firmware sign`; RELEASE=N overrides the commit count.
bundle:
	$(Q)tools/image/mkbundle $(image-board) $(O)/image/$(image-board) $(RELEASE)

# The main job, on the host board (the synthetic sensor), in $(O)/demo.
demo: all $(TEST_TOOLS)
	$(Q)test "$(CONFIG_CAMERA_SYNTHETIC)" = y || { echo "make demo needs the host board: make host_defconfig" >&2; exit 2; }
	$(Q)tools/demo/run-demo $(O)
	$(Q)O=$(O) tests/run-tests tests/integration/test_review_browser.sh >/dev/null || \
		{ echo "demo: the reviewer's desk in a browser failed: $(O)/test-tmp/test_review_browser.log" >&2; exit 1; }
	@echo "demo: the reviewer's desk (trustadm review serve) in chromium: screenshots in $(O)/demo/review/"

clean:
	$(Q)rm -rf $(O)/obj $(O)/bin $(O)/tests $(O)/libtrustcam.a $(O)/sanitize $(O)/fuzz

distclean:
	$(Q)rm -rf $(O)

.SECONDARY:
.PHONY: all tests check check-config check-sanitize bench lint install install-data deps demo clean distclean image image-test update-test uboot-test bundle \
	fuzz fuzz-bins fuzz-smoke fuzz-long

-include $(LIB_OBJS:.o=.d) $(patsubst %,$(O)/obj/%.d,$(basename $(foreach p,$(prog-y),$($(p)-src)))) \
	$(UNIT_BINS:$(O)/tests/unit/%=$(O)/obj/tests/unit/%.d) $(UNIT_SUPPORT_OBJS:.o=.d) \
	$(TEST_TOOLS:$(O)/tests/tools/%=$(O)/obj/tests/tools/%.d) \
	$(BENCH_BINS:$(O)/tests/bench/%=$(O)/obj/tests/bench/%.d) $(BENCH_SUPPORT_OBJS:.o=.d) \
	$(FUZZ_DEPS)

endif # mixed
