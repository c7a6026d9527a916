# userspace programs: build/NAME from NAME_SRCS.
payflowctl_SRCS := $(wildcard userspace/payflowctl/*.c)
PROGS += payflowd
payflowd_SRCS := $(wildcard userspace/payflowd/*.c)
