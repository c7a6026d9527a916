# userspace/payflowd/: the daemon: config, event loop, lifecycle, admission,
# store, reconcile, metrics and the control socket. Everything but main() is
# the library `daemon`, so unit tests link the part they test.
LIBS += daemon
daemon_SRCS   := $(filter-out userspace/payflowd/main.c,$(wildcard userspace/payflowd/*.c))
daemon_LDLIBS := -lsqlite3 -lmicrohttpd -lpthread -lm $(shell pkg-config --libs libnl-route-3.0 2>/dev/null) \
	$(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)

PROGS += payflowd
payflowd_SRCS := userspace/payflowd/main.c
payflowd_LIBS := daemon cluster sales ledger proto eth dataplane control common

UNIT_TESTS += test_payflowd_admission test_payflowd_config test_payflowd_store test_payflowd_path \
	test_payflowd_config_diff test_payflowd_cluster_path
test_payflowd_admission_LIBS := daemon cluster sales ledger proto eth dataplane control common
test_payflowd_config_LIBS    := $(test_payflowd_admission_LIBS)
test_payflowd_store_LIBS     := $(test_payflowd_admission_LIBS)
test_payflowd_path_LIBS      := $(test_payflowd_admission_LIBS)
test_payflowd_config_diff_LIBS := $(test_payflowd_admission_LIBS)
test_payflowd_cluster_path_LIBS := $(test_payflowd_admission_LIBS)

# Cluster enforcement's feed and records (cluster_enforce.h), without etcd.
UNIT_TESTS += test_payflowd_cluster
test_payflowd_cluster_LIBS := $(test_payflowd_admission_LIBS)

# The dashboard's page, script and style, embedded into the binary (http_api.c).
PFD_DASHBOARD := $(sort $(wildcard userspace/payflowd/dashboard/*))
$(BUILD)/userspace/payflowd/dashboard_assets.h: $(PFD_DASHBOARD) userspace/payflowd/embed_assets.sh
	@mkdir -p $(@D)
	userspace/payflowd/embed_assets.sh $@ $(PFD_DASHBOARD)
$(BUILD)/obj/userspace/payflowd/http_api.o $(BUILD)/asan/userspace/payflowd/http_api.o: \
	$(BUILD)/userspace/payflowd/dashboard_assets.h
