# userspace/control/: the control socket's line protocol (docs/CONTROL.md),
# spoken by payflowd and payflowctl.
LIBS += control
control_SRCS   := $(wildcard userspace/control/*.c)
control_LDLIBS := $(shell pkg-config --libs json-c 2>/dev/null)
