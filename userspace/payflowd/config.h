/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * payflowd's configuration: one JSON file (docs/CONFIG.md). Parsing checks
 * every value and stops at the first bad one with a message naming the file,
 * the key and what was expected; resolving then checks the interfaces and
 * expands bridges into their member ports. Nothing touches the data plane.
 */
#ifndef PF_CONFIG_H
#define PF_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <linux/types.h>
#include "bpf/payflow.h"
#include "broker/eth/amount.h"
#include "userspace/cluster/cluster_config.h"
#include "userspace/payflowd/topology.h"

struct json_object;

#define PF_CONF_MAX_PORTS  64
#define PF_CONF_MAX_HOSTS  64
#define PF_CONF_MAX_LEVELS 16
#define PF_CONF_NAME_MAX   32

#define PF_CONF_DEFAULT_STATE_DIR "/var/lib/payflow"
#define PF_CONF_DEFAULT_SOCKET	  "/run/payflow/payflowd.sock"
#define PF_CONF_DEFAULT_HOLD_TTL  30
/* Pooled classes made ahead of grants: two blocks, so a grant rarely waits for
 * a block's creation; the ceiling stays within the pool's (pool.h). */
#define PF_CONF_DEFAULT_POOL_CLASSES 512
#define PF_CONF_MAX_POOL_CLASSES     1000000

/* An address prefix in the 16-byte key space (IPv4 /n is stored as /96+n). */
struct pf_prefix {
	__u8 addr[16];
	__u8 len;
};

struct pf_conf_port {
	char ifname[PF_IFNAMSIZ];
	__u32 ifindex; /* set by pf_conf_resolve() */
	__u64 capacity_bps;
	char bridge[PF_IFNAMSIZ]; /* the bridge it came from, or "" */
	char peer[PF_IFNAMSIZ];	  /* "peer": the far end of a configured link, or "" */
	char peer_node[64];	  /* "peer_node": the cluster node "peer" is on, or "" (this one) */
	struct pf_prefix hosts[PF_CONF_MAX_HOSTS];
	int n_hosts;
};

struct pf_conf_bridge {
	char ifname[PF_IFNAMSIZ];
	__u64 capacity_bps;
	char exclude[PF_CONF_MAX_PORTS][PF_IFNAMSIZ]; /* uplinks: not host-facing */
	int n_exclude;
};

struct pf_conf_level {
	char name[PF_CONF_NAME_MAX];
	__u64 rate_bps;
	char price_per_s[PF_AMOUNT_MAX];	 /* wei per second, canonical decimal */
	char price_per_s_one_way[PF_AMOUNT_MAX]; /* one way (from ip1 to ip2); "" = not sold */
	/* A both-way price that follows demand: price_per_s x (1 + k u^2), at most
	 * price_per_s x cap (broker/sales/demand.h); in millionths, k 0 = fixed. */
	__u64 demand_k_ppm, demand_cap_ppm;
};

#define PF_CONF_MAX_ALLOW      64
#define PF_CONF_DEFAULT_BROKER 6113

/* broker.allow: this client key may buy for pairs with an address in prefix. */
struct pf_conf_allow {
	__u8 client_key[32];
	struct pf_prefix prefix;
};

/* The REQUEST channel server ("broker"; docs/CONFIG.md). */
struct pf_conf_broker {
	bool enabled;
	char listen_host[64]; /* "::" = every address, IPv4 too */
	__u16 listen_port;
	char netns[PATH_MAX]; /* "" = payflowd's own namespace */
	char key_file[PATH_MAX];
	__u32 min_seconds, max_seconds;
	__u32 quote_ttl_s;
	__u32 confirm_grace_s; /* a quote's hold outlives its expiry by this much */
	__u32 tx_grace_s;      /* PENDING, not tx_not_found, this long after expiry */
	__u32 idle_timeout_s;
	__u32 max_conns, max_conns_per_addr;
	/* Per-client limits (broker/sales/guard.h): each per address and per key. */
	__u32 unpaid_hold_s;	/* a quote's hold until an ORDER shows its payment */
	__u32 quote_rate_milli; /* QUOTE_REQUESTs per second x 1000 */
	__u32 quote_burst;
	__u32 holds_per_addr, holds_per_key;
	__u32 checks_per_addr, checks_per_key; /* ledger checks running */
	__u32 ledger_queue;		       /* ledger checks waiting, in all */
	__u32 block_after, block_window_s, block_s;
	__u32 purge_after_s, purge_every_s; /* ended quotes and holds */
	char min_deposit[PF_AMOUNT_MAX];    /* smallest units a DEPOSIT must pay, >= 1 */
	char payment_key_file[PATH_MAX];    /* the payment address's key: withdrawals; "" none */
	struct pf_conf_allow allow[PF_CONF_MAX_ALLOW];
	int n_allow;
};

/* Where payments are checked ("ledger"). */
#define PF_CONF_MAX_LEDGER_NODES 5
struct pf_conf_ledger {
	char rpc_url[512];			      /* the first node */
	char rpc_urls[PF_CONF_MAX_LEDGER_NODES][512]; /* rpc_url alone: one node */
	int n_rpc;
	__u32 quorum;	      /* nodes that must agree on a payment, more than half of n_rpc */
	char netns[PATH_MAX]; /* "" = payflowd's own namespace */
	__u64 chain_id;
	char payment_address[43]; /* lowercase */
	__u32 confirmations;
	char currency[17];
	__u32 decimals;
	__u32 timeout_ms;
};

struct pf_conf {
	struct pf_conf_port ports[PF_CONF_MAX_PORTS];
	int n_ports;
	struct pf_conf_bridge bridges[PF_CONF_MAX_PORTS];
	int n_bridges;
	struct pf_conf_level levels[PF_CONF_MAX_LEVELS];
	int n_levels;
	__u64 be_rate_bps;  /* HTB rate of the best-effort class */
	__u64 be_floor_bps; /* capacity admission keeps back for best effort */
	enum pf_mode mode;
	bool xdp;
	bool allow_unknown_endpoint; /* "unknown_endpoint": "allow" */
	bool sync_full;		     /* "sync": "full": fsync every commit */
	__u32 hold_ttl_s;
	__u32 max_reservations; /* entries of the reservations and resv_stats maps */
	__u32 pool_classes;	/* pooled HTB classes made ahead of grants (pool.h) */
	char state_dir[PATH_MAX];
	char pin_root[PATH_MAX];
	char socket_path[108]; /* sun_path */
	char metrics_host[64]; /* "" when metrics are off */
	__u16 metrics_port;
	char metrics_token[128]; /* "" = no bearer token asked on the metrics listener */
	struct pf_conf_broker broker;
	struct pf_conf_ledger ledger;
	struct pf_cluster_conf cluster; /* off without a "cluster" section */
	struct pf_topo topo;		/* built by pf_conf_resolve() */
};

/* Parses and checks the JSON text; `origin` names it in messages. 0 or -EINVAL. */
int pf_conf_parse(const char *text, const char *origin, struct pf_conf *c);
/* Checks the interfaces exist, expands bridges and builds the topology. 0 or -ENODEV/-EINVAL. */
int pf_conf_resolve(struct pf_conf *c);
/* Reads the file, parses and resolves it. */
int pf_conf_load(const char *path, struct pf_conf *c);
/* Parses "ADDR" or "ADDR/LEN" (IPv4 or IPv6). 0 or -EINVAL. */
int pf_prefix_parse(const char *text, struct pf_prefix *p);
bool pf_prefix_match(const struct pf_prefix *p, const __u8 addr[16]);
/* The index of the port whose hosts hold addr (longest prefix), or -1. */
int pf_conf_port_of(const struct pf_conf *c, const __u8 addr[16]);
int pf_conf_port_index(const struct pf_conf *c, __u32 ifindex);
/* config_broker.c: the "broker" and "ledger" members of root (either may be absent;
 * "broker" needs "ledger"). 0 or -EINVAL with a message naming the key. */
int pf_conf_parse_broker(const char *origin, struct json_object *root, struct pf_conf *c);

#endif /* PF_CONFIG_H */
