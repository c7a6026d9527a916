# userspace programs: build/NAME from NAME_SRCS.
payflowctl_SRCS := $(wildcard userspace/payflowctl/*.c)
