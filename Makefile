# PayFlow build. `make` builds everything into build/; `make test` installs
# what is missing, builds and runs every test; `make demo` runs the main job;
# `make install` (PREFIX, DESTDIR) installs programs, man pages, an example
# config and the systemd unit (tools/dist/Build.mk).
#
# Each part lists its sources, its library and its unit tests in its own
# Build.mk (the way each xdp-tools program has its own short Makefile):
#   LIBS += NAME        build/libpf_NAME.a from NAME_SRCS, linked with NAME_LDLIBS
#   PROGS += NAME       build/NAME from NAME_SRCS and the libraries in NAME_LIBS
#                       (plus NAME_LDLIBS)
#   UNIT_TESTS += NAME  build/tests/NAME from tests/unit/NAME.c and NAME_LIBS,
#                       under AddressSanitizer and UBSan
# Sources include headers by their path from the top (-iquote .).

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
BUILD    ?= build

# CFLAGS is the user's (make CFLAGS=-O0 works); warnings and include paths
# are added apart so that no override can drop them.
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -std=gnu11
PF_CPPFLAGS = -iquote . -iquote $(BUILD) $(shell pkg-config --cflags json-c libnl-route-3.0 2>/dev/null)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.DELETE_ON_ERROR:
.PHONY: all deps test unit integration demo bench reliability clean format
all:

LIBS       :=
PROGS      :=
UNIT_TESTS :=
SKEL       := $(BUILD)/payflow.skel.h
# Objects that include the generated skeleton (order-only: they need it first).
SKEL_USERS :=

include bpf/Build.mk
include userspace/common/Build.mk userspace/dataplane/Build.mk userspace/control/Build.mk
include userspace/payflowd/Build.mk userspace/payflowctl/Build.mk userspace/cluster/Build.mk
include broker/eth/Build.mk broker/proto/Build.mk broker/ledger/Build.mk broker/sales/Build.mk
include tools/payflow/Build.mk tests/Build.mk bench/Build.mk tools/dist/Build.mk

obj  = $(patsubst %.c,$(BUILD)/$(2)/%.o,$(1))
lib  = $(foreach l,$(1),$(BUILD)/libpf_$(l)$(2).a)
# A group, so that libraries may call each other whatever their order.
link = -Wl,--start-group $(call lib,$(1),$(2)) -Wl,--end-group \
       $(sort $(foreach l,$(1),$($(l)_LDLIBS)))

# -MMD: the compiler lists each object's headers in a .d file read below.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PF_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(PF_CPPFLAGS) $(CPPFLAGS) $(CFLAGS) $(WARN) $(SANFLAGS) -MMD -MP -c $< -o $@

$(call obj,$(SKEL_USERS),obj) $(call obj,$(SKEL_USERS),asan): | $(SKEL)

# Libraries are rebuilt from scratch: `ar r` never drops members of deleted sources.
define lib_rule
$(BUILD)/libpf_$(1).a: $(call obj,$($(1)_SRCS),obj)
	rm -f $$@ && ar rcs $$@ $$^
$(BUILD)/libpf_$(1)-asan.a: $(call obj,$($(1)_SRCS),asan)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LIBS),$(eval $(call lib_rule,$(l))))

define prog_rule
$(BUILD)/$(1): $(call obj,$($(1)_SRCS),obj) $(call lib,$($(1)_LIBS))
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(WARN) -o $$@ $(call obj,$($(1)_SRCS),obj) $(call link,$($(1)_LIBS)) $($(1)_LDLIBS) $(LDFLAGS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

define unit_rule
$(BUILD)/tests/$(1): $(call obj,tests/unit/$(1).c,asan) $(call lib,$($(1)_LIBS),-asan)
	@mkdir -p $$(@D)
	$$(CC) $$(CFLAGS) $$(WARN) $$(SANFLAGS) -o $$@ $(call obj,tests/unit/$(1).c,asan) \
		$(call link,$($(1)_LIBS),-asan) $($(1)_LDLIBS) $(LDFLAGS)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_rule,$(t))))

all: $(addprefix $(BUILD)/,$(PROGS)) $(addprefix $(BUILD)/tests/,$(UNIT_TESTS))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

deps:
	@tools/install-deps.sh

test: deps
	@$(MAKE) --no-print-directory all
	@tests/run.sh

unit: all
	@tests/run.sh unit

integration: all
	@tests/run.sh integration

# The full reliability suite (chaos, reorgs, slowloris, full map, 10 min of
# fuzzing); `make test` runs its short version.
reliability: deps
	@$(MAKE) --no-print-directory all
	@tests/reliability/run.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@bench/run.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@tools/demo/run.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
