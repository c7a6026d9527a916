# Extra build rules, -include'd by the top-level Makefile after its variables.

# --- BPF data-plane tests and benchmark (bpftest) ---------------------------
# The BPF unit tests include the generated skeleton and the test fixture;
# make them depend on both (the generic unit-test rule only knows unit.h).
PF_BPF_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_bpf_*.c))
$(PF_BPF_TESTS): $(BUILD)/payflow.skel.h tests/unit/bpf_fixture.h

# dp_ns: ns per packet of both programs under BPF_PROG_TEST_RUN with 1M
# reservations, printed as one JSON object. Built by the generic prog_rule
# as $(BUILD)/dp_ns, linked with libpayflow.a and $(LDLIBS).
PROGS += dp_ns
dp_ns_SRCS := bench/dp_ns.c
# --- end of bpftest rules ---------------------------------------------------

# --- benchmark harness (bench) ----------------------------------------------
# load_resv: fills a pinned reservations map for bench/dp_tcp.sh.
PROGS += load_resv
load_resv_SRCS := bench/load_resv.c
# --- end of bench rules -----------------------------------------------------

# --- payflow, the buyer's CLI (docs/CLIENT.md) --------------------------------
PROGS += payflow
payflow_SRCS := $(wildcard tools/payflow/*.c)
# --- end of payflow rules ---------------------------------------------------

# mock_broker: a REQUEST-channel broker from libpayflow's codec and payment
# rules, for tests/integration/test_payflow_cli.sh (no data plane).
PROGS += mock_broker
mock_broker_SRCS := tests/payflow/mock_broker.c
