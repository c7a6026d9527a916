# broker/ledger/: PAYMENTS. The ledger interface, its Ethereum JSON-RPC
# backend, the payment rules and the worker threads that run ledger calls.
LIBS += ledger
ledger_SRCS   := $(wildcard broker/ledger/*.c)
ledger_LDLIBS := -lpthread

UNIT_TESTS += test_payment
test_payment_LIBS := ledger proto eth common

UNIT_TESTS += test_quorum
test_quorum_LIBS := ledger proto eth common
