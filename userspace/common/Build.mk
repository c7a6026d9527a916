# userspace/common/: what every C program links: the error channel, hex,
# addresses and units, network namespaces. No BPF, no ledger.
LIBS += common
common_SRCS   := $(wildcard userspace/common/*.c)
common_LDLIBS := -lsodium -lm -lpthread

UNIT_TESTS += test_linesrv
test_linesrv_LIBS := common

UNIT_TESTS += test_worker
test_worker_LIBS := common
