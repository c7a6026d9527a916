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
