# userspace/payflowd/: the daemon: config, event loop, lifecycle, admission,
# store, reconcile, metrics and the control socket. Everything but main() is
# the library `daemon`, so unit tests link the part they test.
LIBS += daemon
daemon_SRCS   := $(filter-out userspace/payflowd/main.c,$(wildcard userspace/payflowd/*.c))
daemon_LDLIBS := -lsqlite3 -lmicrohttpd -lpthread -lm $(shell pkg-config --libs libnl-route-3.0 2>/dev/null)

PROGS += payflowd
payflowd_SRCS := userspace/payflowd/main.c
payflowd_LIBS := daemon cluster sales ledger proto eth dataplane control common

UNIT_TESTS += test_payflowd_admission test_payflowd_config test_payflowd_store test_payflowd_path
test_payflowd_admission_LIBS := daemon cluster sales ledger proto eth dataplane control common
test_payflowd_config_LIBS    := $(test_payflowd_admission_LIBS)
test_payflowd_store_LIBS     := $(test_payflowd_admission_LIBS)
test_payflowd_path_LIBS      := $(test_payflowd_admission_LIBS)
