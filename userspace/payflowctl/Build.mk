# userspace/payflowctl/: the operator's CLI: through payflowd's control
# socket, or straight on the pinned maps with --direct.
PROGS += payflowctl
payflowctl_SRCS := $(wildcard userspace/payflowctl/*.c)
payflowctl_LIBS := daemon cluster sales ledger proto eth dataplane control common
