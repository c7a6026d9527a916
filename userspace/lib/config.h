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
#include "payflow.h"
#include "amount.h"

#define PF_CONF_MAX_PORTS  64
#define PF_CONF_MAX_HOSTS  64
#define PF_CONF_MAX_LEVELS 16
#define PF_CONF_NAME_MAX   32

#define PF_CONF_DEFAULT_STATE_DIR "/var/lib/payflow"
#define PF_CONF_DEFAULT_SOCKET	  "/run/payflowd.sock"
#define PF_CONF_DEFAULT_HOLD_TTL  30

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
	char price_per_s[PF_AMOUNT_MAX]; /* wei per second, canonical decimal */
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
	char state_dir[PATH_MAX];
	char pin_root[PATH_MAX];
	char socket_path[108]; /* sun_path */
	char metrics_host[64]; /* "" when metrics are off */
	__u16 metrics_port;
};

/* Parses and checks the JSON text; `origin` names it in messages. 0 or -EINVAL. */
int pf_conf_parse(const char *text, const char *origin, struct pf_conf *c);
/* Checks the interfaces exist and expands bridges. 0 or -ENODEV/-EINVAL. */
int pf_conf_resolve(struct pf_conf *c);
/* Reads the file, parses and resolves it. */
int pf_conf_load(const char *path, struct pf_conf *c);
/* Parses "ADDR" or "ADDR/LEN" (IPv4 or IPv6). 0 or -EINVAL. */
int pf_prefix_parse(const char *text, struct pf_prefix *p);
bool pf_prefix_match(const struct pf_prefix *p, const __u8 addr[16]);
/* The index of the port whose hosts hold addr (longest prefix), or -1. */
int pf_conf_port_of(const struct pf_conf *c, const __u8 addr[16]);
int pf_conf_port_index(const struct pf_conf *c, __u32 ifindex);

#endif /* PF_CONFIG_H */
