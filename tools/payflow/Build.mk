# tools/payflow/: the buyer's CLI (docs/CLIENT.md) and its client library
# (config, pins, wallet, refusal sentences). Builds without clang, bpftool,
# libbpf or the daemon's code.
LIBS += client
client_SRCS := $(wildcard tools/payflow/client_*.c)

PROGS += payflow
payflow_SRCS := $(filter-out $(client_SRCS),$(wildcard tools/payflow/*.c))
payflow_LIBS := client proto eth common

UNIT_TESTS += test_payflow_client
test_payflow_client_LIBS := client proto eth common
