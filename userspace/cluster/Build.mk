# userspace/cluster/: cluster mode (docs/CLUSTER.md): the etcd v3 JSON-gateway
# client (etcd.c, etcd_kv.c, etcd_txn.c, etcd_watch.c), the key schema
# (keys.c), the cluster config section and path admission as one etcd
# transaction (admit.c, its claims admit_claim.c). Its tests start a real three-member etcd
# (tests/integration/etcd_run.sh).
LIBS += cluster
cluster_SRCS   := $(wildcard userspace/cluster/*.c)
cluster_LDLIBS := -lcurl -lsodium $(shell pkg-config --libs json-c 2>/dev/null)

UNIT_TESTS += test_cluster_etcd
test_cluster_etcd_LIBS := cluster common

UNIT_TESTS += test_cluster_admit
test_cluster_admit_LIBS := cluster common

# cluster_probe: admissions against etcd, as one "broker" per process
# (tests/integration/test_cluster_*.sh, bench/cluster_bench.sh).
PROGS += cluster_probe
cluster_probe_SRCS := tests/cluster/cluster_probe.c
cluster_probe_LIBS := cluster common

UNIT_TESTS += test_cluster_record
test_cluster_record_LIBS := cluster common

UNIT_TESTS += test_cluster_mirror
test_cluster_mirror_LIBS := cluster common

# cluster_grant: plays the broker that sold a reservation (granted records
# with hops), for tests/integration/test_cluster_enforce.sh and the bench.
PROGS += cluster_grant
cluster_grant_SRCS := tests/cluster/cluster_grant.c
cluster_grant_LIBS := cluster dataplane common

UNIT_TESTS += test_cluster_breaker
test_cluster_breaker_LIBS := cluster common

# cluster_sim: the 100-switch simulation with etcd alone (preload, admit,
# check), for bench/cluster_bench.sh with BENCH_FULL=1.
PROGS += cluster_sim
cluster_sim_SRCS := tests/cluster/cluster_sim.c tests/cluster/sim_links.c
cluster_sim_LIBS := cluster common
