# broker/eth/: Ethereum primitives shared by the ledger and the buyer's
# wallet: keccak, RLP, u256 and amounts, hex, keys, EIP-1559 transactions,
# the JSON-RPC client.
LIBS += eth
eth_SRCS   := $(wildcard broker/eth/*.c)
eth_LDLIBS := -lsecp256k1 -lcurl $(shell pkg-config --libs json-c 2>/dev/null)

UNIT_TESTS += test_amount test_jsonrpc test_wallet
test_amount_LIBS  := eth common
test_jsonrpc_LIBS := eth common
test_wallet_LIBS  := eth common
