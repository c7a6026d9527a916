# PayFlow build. `make` builds everything into build/; `make test` installs
# what is missing, builds and runs every test; `make demo` runs the main job.

CC       ?= gcc
CLANG    ?= clang
BPFTOOL  ?= bpftool
BUILD    := build
ARCH_INC := /usr/include/$(shell uname -m)-linux-gnu

WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
CFLAGS   += $(WARN) -std=gnu11 -I$(BUILD) -Ibpf -Iuserspace/lib -Ibroker \
            $(shell pkg-config --cflags libnl-route-3.0 json-c 2>/dev/null)
LDLIBS   := -lbpf -lxdp -lelf -lz \
            $(shell pkg-config --libs libnl-route-3.0 json-c 2>/dev/null) \
            -lsqlite3 -lsodium -lcurl -lmicrohttpd -lsecp256k1 -lpthread -lm
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -I$(ARCH_INC) -Ibpf

# Each part adds its sources here; see the Build.mk files.
LIB_SRCS   := $(wildcard userspace/lib/*.c) $(wildcard broker/*.c)
PROGS      := payflowctl
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)

-include userspace/Build.mk broker/Build.mk tools/Build.mk

LIB_OBJS      := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB_ASAN_OBJS := $(LIB_SRCS:%.c=$(BUILD)/asan/%.o)
UNIT_BINS     := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SKEL          := $(BUILD)/payflow.skel.h

.PHONY: all deps test unit integration demo bench reliability clean format
all: $(addprefix $(BUILD)/,$(PROGS)) $(UNIT_BINS)

$(BUILD)/payflow.bpf.o: bpf/payflow.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BUILD)/payflow.bpf.o
	$(BPFTOOL) gen skeleton $< name payflow_bpf > $@.tmp && mv $@.tmp $@

# -MMD: the compiler lists each object's headers in a .d file read below.
$(BUILD)/obj/%.o: %.c $(SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: %.c $(SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -MMD -MP -c $< -o $@

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# Rebuilt from scratch: `ar r` never drops members of deleted sources.
$(BUILD)/libpayflow.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libpayflow-asan.a: $(LIB_ASAN_OBJS)
	rm -f $@ && ar rcs $@ $^

# Programs: build/NAME from the sources listed in NAME_SRCS (default userspace/NAME.c).
define prog_rule
$(1)_SRCS ?= userspace/$(1).c
$(BUILD)/$(1): $$($(1)_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/libpayflow.a
	$$(CC) $$(CFLAGS) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

# Unit tests run under AddressSanitizer and UBSan.
$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libpayflow-asan.a tests/unit/unit.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(SANFLAGS) -Itests/unit -o $@ $< $(BUILD)/libpayflow-asan.a $(LDLIBS)

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
