# bench/: the drivers of `make bench` (bench/run.sh).

# dp_ns: ns per packet of both programs under BPF_PROG_TEST_RUN with 1M
# reservations, printed as one JSON object.
PROGS += dp_ns
dp_ns_SRCS := bench/dp_ns.c
dp_ns_LIBS := dataplane common
SKEL_USERS += bench/dp_ns.c

# load_resv: fills a pinned reservations map for bench/dp_tcp.sh.
PROGS += load_resv
load_resv_SRCS := bench/load_resv.c
load_resv_LIBS := dataplane common
