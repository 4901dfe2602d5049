# tests/fuzz/fuzz.mk - the libFuzzer harnesses, included by the top-level
# Makefile.  `make fuzz` builds the whole tree again with clang and
# -fsanitize=fuzzer-no-link,address,undefined in $(O)/fuzz (a make of its
# own, FUZZ=1, like check-sanitize) and links each tests/fuzz/fuzz_*.c
# with -fsanitize=fuzzer.  README.md in this folder says how to run them.

# The Trust side's parsers exist only in a config with CONFIG_TRUST_TOOLS,
FUZZ_TRUST_SIDE := fuzz_consent_csv fuzz_csr fuzz_http fuzz_upload
# The kiosk's (fuzz_preview) only in one with CONFIG_UI.
FUZZ_UI_SIDE := fuzz_preview
FUZZ_HARNESSES := $(filter-out $(if $(filter y,$(CONFIG_TRUST_TOOLS)),,$(FUZZ_TRUST_SIDE)) \
	$(if $(filter y,$(CONFIG_UI)),,$(FUZZ_UI_SIDE)), \
	$(patsubst tests/fuzz/%.c,%,$(sort $(wildcard tests/fuzz/fuzz_*.c))))
FUZZ_CC ?= clang
FUZZ_CXX ?= clang++
FUZZ_OPT ?= -O1 -g
# make fuzz-long: T seconds or R executions per harness, whichever comes
# first (R=0: no limit), for the harnesses in H (default: all).
T ?= 300
R ?= 0
H ?= $(FUZZ_HARNESSES)

# trust-server is a program, not library code: its harnesses take the
# files they test, and stub_server.c stands in for the rest.
FUZZ_TS := tools/trust-server
fuzz_http-src := $(FUZZ_TS)/http.c tests/fuzz/stub_server.c tests/fuzz/stub_ledger.c
fuzz_upload-src := $(FUZZ_TS)/http.c $(FUZZ_TS)/api_photos.c $(FUZZ_TS)/upload.c \
	$(FUZZ_TS)/storage.c $(FUZZ_TS)/ledger.c tests/fuzz/stub_server.c tests/bench/bench.c

ifeq ($(FUZZ),1)
# Inside the fuzz build: O is the outer build's fuzz/.
FUZZ_BINS := $(addprefix $(O)/tests/fuzz/,$(FUZZ_HARNESSES))
FUZZ_DEPS := $(patsubst %,$(O)/obj/tests/fuzz/%.d,$(FUZZ_HARNESSES)) \
	$(O)/obj/tests/fuzz/stub_server.d

define fuzz-rule
$(O)/tests/fuzz/$(1): $(O)/obj/tests/fuzz/$(1).o $(patsubst %.c,$(O)/obj/%.o,$($(1)-src)) $(LIBTC)
	@mkdir -p $$(dir $$@)
	@$$(if $$(Q),echo "  LD      $$@")
	$$(Q)$$(LINK) $$(LDFLAGS_ALL) -fsanitize=fuzzer -o $$@ $$^ $$(LIBS) $$(TRUST_LIBS)
endef
$(foreach h,$(FUZZ_HARNESSES),$(eval $(call fuzz-rule,$(h))))

fuzz-bins: $(FUZZ_BINS)
else
# One runner entry per harness: a two-line script naming it.
FUZZ_SMOKE := $(patsubst %,$(O)/fuzz/smoke/%.sh,$(FUZZ_HARNESSES))

fuzz: $(O)/.config
	$(Q)mkdir -p $(O)/fuzz
	$(Q)cmp -s $(O)/.config $(O)/fuzz/.config || cp $(O)/.config $(O)/fuzz/.config
	$(Q)$(MAKE) -f $(srctree)/Makefile O=$(O)/fuzz FUZZ=1 CC=$(FUZZ_CC) CXX=$(FUZZ_CXX) \
		OPT_CFLAGS="$(FUZZ_OPT)" fuzz-bins

$(O)/fuzz/smoke/%.sh:
	@mkdir -p $(dir $@)
	$(Q)printf '# make fuzz-smoke: a fixed number of runs of %s over its corpus\nexec tests/fuzz/run-fuzz smoke "$$TC_BUILD/fuzz/tests/fuzz/%s"\n' $* $* > $@

# (a name for them that the check rule, read before this file, can use)
fuzz-smoke-scripts: $(FUZZ_SMOKE)
.PHONY: fuzz-smoke-scripts

fuzz-smoke: fuzz tests $(FUZZ_SMOKE)
	$(Q)O=$(O) tests/run-tests $(FUZZ_SMOKE)

# A campaign: T seconds or R runs per harness, one after another; figures
# appended to $(O)/fuzz/work/summary.tsv.
fuzz-long: fuzz
	$(Q)O=$(O) tests/fuzz/run-fuzz long $(T) $(R) $(addprefix $(O)/fuzz/tests/fuzz/,$(H))
endif
