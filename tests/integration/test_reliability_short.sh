#!/usr/bin/env bash
# The short reliability suite (tests/reliability/run.sh --short, about 2
# minutes): chaos with kill -9 (100 orders), full map, reorgs, 200 slowloris
# connections, 30 s of fuzzing, 40 orders through a ledger node that fails a
# quarter of its calls; every invariant is an "ok"/"not ok" line.
# `make reliability` runs the full one.
cd "$(dirname "$0")/../.."
exec tests/reliability/run.sh --short
