# broker/ build additions. Several parts append here: keep each block
# self-contained between its begin/end markers so branches merge cleanly.

# --- begin wallet: tests/wallet/wallet_mktx, the driver of tests/integration/test_wallet_cast.sh
all: $(BUILD)/tests/wallet_mktx
$(BUILD)/tests/wallet_mktx: tests/wallet/wallet_mktx.c $(BUILD)/libpayflow.a \
			    $(wildcard broker/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libpayflow.a $(LDLIBS)
# --- end wallet
