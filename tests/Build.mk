# tests/: drivers of the integration tests, and the BPF unit tests.

# The BPF unit tests run the programs through BPF_PROG_TEST_RUN.
UNIT_TESTS += test_bpf_btf test_bpf_enforce test_bpf_srcguard
test_bpf_btf_LIBS := dataplane common
test_bpf_btf_LDLIBS := $(shell pkg-config --libs json-c 2>/dev/null)
test_bpf_enforce_LIBS := dataplane common
test_bpf_srcguard_LIBS := dataplane common
SKEL_USERS += tests/unit/test_bpf_btf.c tests/unit/test_bpf_enforce.c tests/unit/test_bpf_srcguard.c

# wallet_mktx: driver of tests/integration/test_wallet_cast.sh
PROGS += wallet_mktx
wallet_mktx_SRCS := tests/wallet/wallet_mktx.c
wallet_mktx_LIBS := eth common

# ledger_probe: the ledger backend and payment rules against a real node
# (tests/integration/test_ledger.sh).
PROGS += ledger_probe
ledger_probe_SRCS := tests/ledger/ledger_probe.c
ledger_probe_LIBS := ledger proto eth common

# The example exchange of docs/PROTOCOL.md (and the fuzzer's seed corpus).
PROGS += proto_examples
proto_examples_SRCS := tests/fuzz/proto_examples.c
proto_examples_LIBS := proto eth common

# broker_probe: test client of the broker (tests/integration/test_broker_*.sh,
# bench/broker_bench.sh).
PROGS += broker_probe
broker_probe_SRCS := tests/broker/broker_probe.c
broker_probe_LIBS := ledger proto eth common

# mock_broker: a REQUEST-channel broker from the codec and payment rules, for
# tests/integration/test_payflow_cli.sh (no data plane).
PROGS += mock_broker
mock_broker_SRCS := tests/payflow/mock_broker.c
mock_broker_LIBS := sales daemon cluster ledger proto eth dataplane control common

# A libFuzzer target for the frame + JSON + message decoder. The libraries
# are built by gcc, so clang compiles the decoder's sources itself here.
FUZZ_DECODER_SRCS := $(proto_SRCS) $(common_SRCS) broker/eth/amount.c broker/eth/u256.c
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
             -fno-omit-frame-pointer $(WARN) $(PF_CPPFLAGS)

$(BUILD)/fuzz_decoder: tests/fuzz/fuzz_decoder.c $(FUZZ_DECODER_SRCS)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_decoder.c $(FUZZ_DECODER_SRCS) \
		$(shell pkg-config --libs json-c 2>/dev/null) -lsodium

.PHONY: fuzz
fuzz: $(BUILD)/fuzz_decoder

# vlan_tag.bpf.o: 802.1Q tagging on test hosts (tests/integration/test_path_shape.sh)
all: $(BUILD)/vlan_tag.bpf.o
$(BUILD)/vlan_tag.bpf.o: tests/vlan/vlan_tag.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# pool_fill: many shaped reservations through the class pool
# (tests/integration/test_dp_pool.sh, bench/pool_bench.sh).
PROGS += pool_fill
pool_fill_SRCS := tests/pool/pool_fill.c
pool_fill_LIBS := dataplane common
SKEL_USERS += tests/pool/pool_fill.c
