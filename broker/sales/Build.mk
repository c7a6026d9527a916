# broker/sales/: the broker's selling logic inside payflowd: its listener,
# config, store, and the QUOTE, ORDER and STATUS handlers.
LIBS += sales
sales_SRCS := $(wildcard broker/sales/*.c)

UNIT_TESTS += test_broker_config
test_broker_config_LIBS := daemon cluster sales ledger proto eth dataplane control common

UNIT_TESTS += test_balance
test_balance_LIBS := $(test_broker_config_LIBS)

UNIT_TESTS += test_demand
test_demand_LIBS := sales eth common

UNIT_TESTS += test_broker_cluster_quote
test_broker_cluster_quote_LIBS := $(test_broker_config_LIBS)

UNIT_TESTS += test_broker_cluster_tx
test_broker_cluster_tx_LIBS := $(test_broker_config_LIBS)
