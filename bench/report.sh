#!/usr/bin/env bash
# report.sh RESULTS.json: the benchmark's markdown report on stdout. Each row
# puts a figure (median [min–max] over its repetitions) next to the baseline
# measured in the same run, their ratio, the target and whether it is met.
# Keys no row knows (e.g. from daemon_bench.sh) are listed at the end.
set -euo pipefail
if [ $# != 1 ] || [ ! -r "$1" ]; then
	echo "usage: report.sh RESULTS.json" >&2
	exit 2
fi

exec jq -r '
def num: (. * 1000 | round) / 1000;
def f: if . == null then "—" elif type != "number" then tostring
       elif fabs >= 100 then (round | tostring) else (num | tostring) end;
def spread($k): if .[$k] == null then "—"
       elif .[$k + "_min"] != null then "\(.[$k] | f) [\(.[$k + "_min"] | f)–\(.[$k + "_max"] | f)]"
       else .[$k] | f end;
def ttext: if . == null then "—" elif .op == "ge" then "≥ \(.a)" elif .op == "le" then "≤ \(.a)"
       elif .op == "lt" then "< \(.a)" else "\(.a)–\(.b)" end;
def meets($t): if $t == null then "—" elif . == null then "not measured"
       elif ($t.op == "ge" and . >= $t.a) or ($t.op == "le" and . <= $t.a)
         or ($t.op == "lt" and . < $t.a) or ($t.op == "range" and . >= $t.a and . <= $t.b)
       then "yes" else "**no**" end;

# One table row; the target applies to the ratio when .on == "ratio".
def row($d):
  . as $all
  | (if $d.r != null then $all[$d.r]
     elif ($all[$d.v] | type) == "number" and ($all[$d.b] | type) == "number" and $all[$d.b] != 0
     then $all[$d.v] / $all[$d.b] | num else null end) as $ratio
  | "| \($d.label) | \(spread($d.v)) | \(if $d.b then spread($d.b) else "—" end) | "
    + "\(if $d.r != null then spread($d.r) else ($ratio | f) end) | \($d.t | ttext) | "
    + "\((if $d.on == "ratio" then $ratio else $all[$d.v] end) | meets($d.t)) |";

def table($title; $rows):
  "", "## \($title)", "",
  "| figure | value (median [min–max]) | baseline (same run) | ratio | target | met? |",
  "|---|---|---|---|---|---|",
  ($rows[] as $d | row($d));

. as $all
| ([keys[] | capture("^rate_accuracy_htb_(?<r>[0-9]+)$").r | tonumber] | sort) as $rates
| [ {label: "TCP Gbit/s, PayFlow attached, no reservation vs plain bridge",
     v: "dp_tcp_payflow_unreserved_gbps", b: "dp_tcp_plain_unreserved_gbps",
     r: "dp_tcp_ratio_unreserved", t: {op: "ge", a: 0.97}, on: "ratio"},
    {label: "TCP Gbit/s, PayFlow attached, no reservation vs the same HTB tree without BPF",
     v: "dp_tcp_payflow_unreserved_gbps", b: "dp_tcp_htb_unreserved_gbps",
     r: "dp_tcp_ratio_vs_htb_unreserved", t: null, on: "ratio"},
    {label: "TCP Gbit/s, PayFlow attached, \(.dp_tcp_resv_loaded // "100k") reservations loaded vs plain bridge",
     v: "dp_tcp_payflow_100k_gbps", b: "dp_tcp_plain_100k_gbps",
     r: "dp_tcp_ratio_100k", t: {op: "ge", a: 0.95}, on: "ratio"},
    {label: "64-byte UDP packets/s, PayFlow attached, no reservation vs plain bridge",
     v: "dp_pps_payflow", b: "dp_pps_plain", r: "dp_pps_ratio", t: {op: "ge", a: 0.90}, on: "ratio"} ] as $tcp
| ([ ("hit_xdp", "hit_tc", "miss_xdp", "miss_tc", "miss_xdp_nometer", "miss_tc_nometer")
    | {label: "ns/packet \(.), baseline: empty program",
       v: "dp_ns_\(.)", b: "dp_ns_empty_\(if endswith("xdp") or test("xdp_") then "xdp" else "tc" end)",
       t: {op: "le", a: (if startswith("hit") then 60 else 50 end)}, on: "value"} ]
  + [ {label: "ns/packet hit_tc_random (pairs drawn at random from the map, one packet per run), baseline: empty program, one packet per run",
       v: "dp_ns_hit_tc_random", b: "dp_ns_empty_tc_1", t: null, on: "value"} ]) as $ns
| [ $rates[] as $r
    | {label: "shape \($r) Mbit/s: goodput / expected, baseline: plain HTB",
       v: "rate_accuracy_shape_\($r)", b: "rate_accuracy_htb_\($r)",
       t: {op: "range", a: 0.97, b: 1.03}, on: "value"},
      {label: "shape \($r) Mbit/s: retransmits %, baseline: plain HTB",
       v: "rate_retrans_pct_shape_\($r)", b: "rate_retrans_pct_htb_\($r)",
       t: {op: "lt", a: 0.5}, on: "value"},
      {label: "police \($r) Mbit/s: goodput / expected, baseline: plain HTB",
       v: "rate_accuracy_police_\($r)", b: "rate_accuracy_htb_\($r)", on: "value"},
      {label: "police \($r) Mbit/s, non-ECN TCP: retransmits %, baseline: plain HTB",
       v: "rate_retrans_pct_police_\($r)", b: "rate_retrans_pct_htb_\($r)",
       t: {op: "lt", a: 5}, on: "value"},
      {label: "police \($r) Mbit/s, ECN TCP: goodput / expected, baseline: plain HTB",
       v: "rate_accuracy_police_ecn_\($r)", b: "rate_accuracy_htb_\($r)",
       t: {op: "range", a: 0.97, b: 1.03}, on: "value"},
      {label: "police \($r) Mbit/s, ECN TCP: retransmits %, baseline: plain HTB",
       v: "rate_retrans_pct_police_ecn_\($r)", b: "rate_retrans_pct_htb_\($r)",
       t: {op: "lt", a: 0.5}, on: "value"} ] as $rate
| [ ({label: "path grant p99 µs, 2 egress ports per direction (one link), baseline: 1 (one bridge)",
      v: "path_grant_p99_us_2hop", b: "path_grant_p99_us_1hop", t: null, on: "value"},
     {label: "path grant p99 µs, 4 egress ports per direction (three links), baseline: 1 (one bridge)",
      v: "path_grant_p99_us_4hop", b: "path_grant_p99_us_1hop", t: null, on: "value"},
     {label: "path admissions/s (holds), 4 egress ports per direction, baseline: 1",
      v: "path_admission_per_s_4hop", b: "path_admission_per_s_1hop", t: null, on: "value"})
    | select($all[.v] != null) ] as $path
| [ ({label: "cluster: grant (admission commit) to the map entry on the enforcement node, p99 ms, baseline: p50",
      v: "cluster_grant_to_enforced_p99_ms", b: "cluster_grant_to_enforced_p50_ms",
      t: {op: "le", a: 50}, on: "value"})
    | select($all[.v] != null) ] as $cluster
| [ {label: "payflowd shaped grants/s, two ports, pooled classes made ahead",
     v: "grants_per_s", b: null, t: {op: "ge", a: 20000}, on: "value"},
    {label: "s for payflowd to grant 60,000 shaped reservations on one port, baseline: s to make their classes ahead",
     v: "fill_60k_s", b: "pool_prefill_s", t: {op: "le", a: 10}, on: "value"},
    {label: "shaped reservations on one port through payflowd, each map entry in its own class at its rate on the port",
     v: "shaped_per_port_max", b: null, t: {op: "ge", a: 200000}, on: "value"},
    {label: "payflowd reconcile s after a restart with 60,000 reservations",
     v: "restart_reconcile_s_60k", b: null, t: {op: "le", a: 2}, on: "value"}
    | select($all[.v] != null or .v == "shaped_per_port_max") ] as $pool
| ([($tcp + $ns + $rate + $path + $cluster + $pool)[] | .v, .b, .r | select(. != null)]
   + [keys[] | select(test("^(machine_|bench_|git_)|_error$|^(dp_tcp|rate)_(rounds|seconds|reps)$|^dp_ns_(entries|repeat|runs)$|^rate_goodput_mbps_|^dp_tcp_(resv_loaded|payflow_packets_unreserved)$"))])
  as $shown
| [keys[] | select(test("_(min|max)$") | not) | select(. as $k | $shown | index($k) | not)] as $other
| "# PayFlow benchmark, \(.bench_date // "?")", "",
  "- machine: \(.machine_cpu // "?"), \(.machine_cores // "?") cores, kernel \(.machine_kernel // "?")",
  "- commit \(.git_commit // "?"), \(.bench_seconds // "?") s, load average \(.machine_loadavg_start // "?") at start, \(.machine_loadavg_end // "?") at end",
  "- every value is the median [min–max] of its repetitions; every baseline was measured in the same run, interleaved with the figure",
  "- TCP: \(.dp_tcp_rounds // "?") interleaved plain/PayFlow pairs of \(.dp_tcp_seconds // "?") s after 1 s warm-up, ratio = median of per-pair ratios; rates: \(.rate_reps // "?") repetitions of \(.rate_seconds // "?") s after 1 s warm-up, expected goodput = rate × 1448/1514; ns: \(.dp_ns_runs // "?") runs of \(.dp_ns_repeat // "?") packets, \(.dp_ns_entries // "?") entries in the map",
  ([keys[] | select(endswith("_error"))] | if length > 0 then "", "**Failed parts:**", "", (.[] | "- \(.): \($all[.])") else empty end),
  table("Data plane: TCP throughput, h1 → bridge → h2 (iperf3, veth)"; $tcp),
  table("Data plane: ns per packet (BPF_PROG_TEST_RUN, 64-byte IPv4 TCP frame)"; $ns),
  (if ($rate | length) > 0 then table("Rate accuracy, IPv4 TCP h1 → h2 through a reservation"; $rate) else empty end),
  (if ($path | length) > 0 then table("Reservations along a path (bench/path_bench.sh)"; $path) else empty end),
  (if ($cluster | length) > 0 then table("Cluster enforcement (bench/cluster_bench.sh)"; $cluster) else empty end),
  table("Scale: the class pool (bench/pool_bench.sh) and payflowd (bench/daemon_bench.sh)"; $pool),
  (if ($other | length) > 0 then
     "", "## Other figures", "", "| figure | value (median [min–max]) |", "|---|---|",
     ($other[] as $k | "| \($k) | \($all | spread($k)) |")
   else empty end)
' "$1"
