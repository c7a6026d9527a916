# bpf/: DATA. The XDP and tc programs, compiled once into one object with BTF,
# and the skeleton userspace loads it through.

# clang -target bpf has no host include path: probe the compiler's own
# multiarch directory (for <asm/types.h>) instead of naming one.
BPF_ARCH_INC = $(shell $(CC) -print-multiarch 2>/dev/null | sed 's|^|-I/usr/include/|')
BPF_CFLAGS   = -O2 -g -target bpf -Wall -Wextra -Werror $(BPF_ARCH_INC)

$(BUILD)/payflow.bpf.o: bpf/payflow.bpf.c $(wildcard bpf/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(SKEL): $(BUILD)/payflow.bpf.o
	$(BPFTOOL) gen skeleton $< name payflow_bpf > $@.tmp && mv $@.tmp $@
