# broker/ build additions, included by the top-level Makefile. Keep each
# block self-contained.

# wallet_mktx: driver of tests/integration/test_wallet_cast.sh
all: $(BUILD)/tests/wallet_mktx
$(BUILD)/tests/wallet_mktx: tests/wallet/wallet_mktx.c $(BUILD)/libpayflow.a \
			    $(wildcard broker/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libpayflow.a $(LDLIBS)

# ledger_probe: test driver for the ledger backend and payment rules, used by
# tests/integration/test_ledger.sh against a real node (Anvil).
PROGS += ledger_probe
ledger_probe_SRCS := tests/ledger/ledger_probe.c

# broker/: the REQUEST channel's protocol codec (docs/PROTOCOL.md).
#
# A libFuzzer target for the frame + JSON + message decoder. libpayflow.a is
# built by gcc, so clang compiles the decoder's sources itself here.
FUZZ_DECODER_SRCS := broker/frame.c broker/hex.c broker/errors.c broker/amount.c broker/u256.c \
                     broker/json_strict.c broker/msg_fields.c broker/msg_codec.c \
                     broker/msg_encode.c broker/sign.c broker/errbuf.c userspace/lib/addr.c
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer -Wall -Wextra -Werror -std=gnu11 -Ibroker \
              -Iuserspace/lib -Ibpf \
              $(shell pkg-config --cflags json-c 2>/dev/null)

$(BUILD)/fuzz_decoder: tests/fuzz/fuzz_decoder.c $(FUZZ_DECODER_SRCS) $(wildcard broker/*.h) \
			userspace/lib/addr.h bpf/payflow.h
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_FLAGS) -o $@ tests/fuzz/fuzz_decoder.c $(FUZZ_DECODER_SRCS) \
		$(shell pkg-config --libs json-c 2>/dev/null) -lsodium

.PHONY: fuzz
fuzz: $(BUILD)/fuzz_decoder

# The example exchange of docs/PROTOCOL.md (and the fuzzer's seed corpus).
PROGS += proto_examples
proto_examples_SRCS := tests/fuzz/proto_examples.c

# broker_probe: test client of the broker (tests/integration/test_broker_*.sh,
# bench/broker_bench.sh).
PROGS += broker_probe
broker_probe_SRCS := tests/broker/broker_probe.c
