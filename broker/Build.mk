# broker/ rules, included by the top-level Makefile.

# ledger_probe: test driver for the ledger backend and payment rules, used by
# tests/integration/test_ledger.sh against a real node (Anvil).
PROGS += ledger_probe
ledger_probe_SRCS := tests/ledger/ledger_probe.c
