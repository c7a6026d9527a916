# userspace/dataplane/: CONTROL's hand on the data plane: load the skeleton,
# pin the maps, attach and detach ports, HTB classes, reservation entries.
LIBS += dataplane
dataplane_SRCS   := $(wildcard userspace/dataplane/*.c)
dataplane_LDLIBS := -lbpf -lxdp -lelf -lz $(shell pkg-config --libs libnl-route-3.0 2>/dev/null)
SKEL_USERS += userspace/dataplane/dataplane.c userspace/dataplane/port.c

UNIT_TESTS += test_lib
test_lib_LIBS := dataplane common
