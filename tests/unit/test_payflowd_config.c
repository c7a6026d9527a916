// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowd config parsing: every bad value gets its own exact message. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "unit.h"
#include "userspace/payflowd/config.h"
#include "userspace/common/error.h"

#define LEVELS                                                                                     \
	"\"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"                             \
	"{\"name\": \"gold\", \"rate\": \"100mbit\", \"price_per_s\": \"7000\"}]"
#define BE "\"best_effort\": {\"rate\": \"50mbit\", \"floor\": \"100mbit\"}"
#define PORT                                                                                       \
	"\"ports\": [{\"name\": \"lo\", \"capacity\": \"1gbit\", \"hosts\": [\"10.0.0.0/24\", "    \
	"\"fd00::1\"]}]"

static struct pf_conf c;

/* Parses text; returns the error message, or "ok". */
static const char *parse(const char *text)
{
	return pf_conf_parse(text, "t.json", &c) ? pf_last_error() : "ok";
}

static void test_good_config(void)
{
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"mode\": \"police\", \"hold_ttl\": 5,"
			"\"metrics\": \"127.0.0.1:9469\", \"state_dir\": \"/tmp/x\"}"),
		  "ok");
	CHECK_EQ(c.n_ports, 1);
	CHECK_EQ(c.ports[0].capacity_bps, 1000000000ULL);
	CHECK_EQ(c.ports[0].n_hosts, 2);
	CHECK_EQ(c.be_rate_bps, 50000000);
	CHECK_EQ(c.be_floor_bps, 100000000);
	CHECK_EQ(c.n_levels, 2);
	CHECK_STR(c.levels[0].name, "level0");
	CHECK_STR(c.levels[1].name, "gold");
	CHECK_STR(c.levels[1].price_per_s, "7000");
	CHECK_EQ(c.mode, PF_MODE_POLICE);
	CHECK_EQ(c.hold_ttl_s, 5);
	CHECK_STR(c.metrics_host, "127.0.0.1");
	CHECK_EQ(c.metrics_port, 9469);
	CHECK_STR(c.state_dir, "/tmp/x");
	CHECK_STR(c.socket_path, PF_CONF_DEFAULT_SOCKET);
	CHECK_STR(c.pin_root, PF_PIN_ROOT_DEFAULT);
	CHECK_EQ(c.max_reservations, PF_MAX_RESERVATIONS);
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"max_reservations\": 64}"), "ok");
	CHECK_EQ(c.max_reservations, 64);
	CHECK_STR(parse("{" PORT "," BE "," LEVELS "}"), "ok");
	CHECK_EQ(c.pool_classes, PF_CONF_DEFAULT_POOL_CLASSES);
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"pool_classes\": 0}"), "ok");
	CHECK_EQ(c.pool_classes, 0);
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"pool_classes\": 1000000}"), "ok");
	CHECK_EQ(c.pool_classes, 1000000);
}

static void test_bad_values(void)
{
	CHECK_STR(parse("{"), "t.json: not valid JSON (unexpected end of data at byte 1)");
	CHECK_STR(parse("[]"), "t.json: the top level must be a JSON object");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"colour\": 1}"),
		  "t.json: top level: unknown key 'colour'");
	CHECK_STR(parse("{" PORT "," LEVELS "}"),
		  "t.json: best_effort: missing (its \"rate\" and \"floor\")");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"0\"}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).capacity: bad rate '0': a rate above 0 such as "
		  "\"150mbit\" or 150000000");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": 0}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).capacity: bad rate '0': a rate above 0 such as "
		  "\"150mbit\" or 150000000");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\"}]," BE "," LEVELS "}"),
		  "t.json: ports[0]: missing \"capacity\" of port lo");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\", \"hosts\": "
			"[\"10.0.0.300\"]}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).hosts: bad address or prefix '10.0.0.300'");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\", \"hosts\": "
			"[\"10.0.0.0/33\"]}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).hosts: bad address or prefix '10.0.0.0/33'");
	CHECK_STR(parse("{" BE "," LEVELS "}"),
		  "t.json: ports: no \"ports\" and no \"bridges\": nothing to enforce on");
	CHECK_STR(parse("{" PORT "," BE "}"),
		  "t.json: levels: missing (level0 is free best effort)");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"0\"}]}"),
		  "t.json: levels: give level0 (free best effort) and at least one paid level");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"5\"}, {\"rate\": \"2m\", \"price_per_s\": \"9\"}]}"),
		  "t.json: levels[0] (level0).price_per_s: level0 is free best effort; its "
		  "price must be \"0\", not 5");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"0\"}, {\"rate\": \"2m\", \"price_per_s\": \"-9\"}]}"),
		  "t.json: levels[1] (level1).price_per_s: bad price '-9': wei per second as a "
		  "canonical decimal string, e.g. \"1000\"");
	CHECK_STR(
	    parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
		  "\"0\", \"price_per_s_one_way\": \"0\"}, {\"rate\": \"2m\", \"price_per_s\": "
		  "\"9\"}]}"),
	    "t.json: levels[0] (level0).price_per_s_one_way: level0 is free best effort and "
	    "is not sold, one way neither");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"0\"}, {\"rate\": \"2m\", \"price_per_s\": \"9\", "
			"\"price_per_s_one_way\": \"05\"}]}"),
		  "t.json: levels[1] (level1).price_per_s_one_way: bad price '05': wei per second "
		  "as a canonical decimal string, e.g. \"1000\"");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"0\"}, {\"rate\": \"2gbit\", \"price_per_s\": \"9\"}]}"),
		  "t.json: levels[1] (level1).rate: 2 Gbit/s is above the capacity of port lo "
		  "(1 Gbit/s)");
	CHECK_STR(parse("{" PORT
			", \"best_effort\": {\"rate\": \"50mbit\", \"floor\": \"1gbit\"}," LEVELS
			"}"),
		  "t.json: best_effort.floor: 1 Gbit/s is not below the capacity of port lo "
		  "(1 Gbit/s)");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"mode\": \"fast\"}"),
		  "t.json: mode: bad value 'fast': \"shape\" or \"police\"");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"xdp\": true}"),
		  "t.json: xdp: XDP only polices: set \"mode\": \"police\"");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"metrics\": \"localhost\"}"),
		  "t.json: metrics: bad address 'localhost': HOST:PORT, e.g. \"127.0.0.1:9469\"");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"hold_ttl\": 0}"),
		  "t.json: hold_ttl: bad value '0': whole seconds, 1 to 3600");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"max_reservations\": 0}"),
		  "t.json: max_reservations: bad value '0': a whole number, 1 to 1048576");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"max_reservations\": 1048577}"),
		  "t.json: max_reservations: bad value '1048577': a whole number, 1 to 1048576");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"pool_classes\": -1}"),
		  "t.json: pool_classes: bad value '-1': a whole number, 0 to 1000000");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"pool_classes\": 1000001}"),
		  "t.json: pool_classes: bad value '1000001': a whole number, 0 to 1000000");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"pool_classes\": \"512\"}"),
		  "t.json: pool_classes: bad value '512': a whole number, 0 to 1000000");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\"}, {\"name\": \"lo\", "
			"\"capacity\": \"1g\"}]," BE "," LEVELS "}"),
		  "t.json: ports[1]: port lo is listed twice");
}

/* levels[].demand_k and demand_cap: decimals in millionths, each bad value named. */
#define DEMAND(extra)                                                                              \
	"{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": \"0\"}, "              \
	"{\"rate\": \"2m\", \"price_per_s\": \"9\"" extra "}]}"
static void test_demand(void)
{
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"4\", \"demand_cap\": \"2.5\"")), "ok");
	CHECK_EQ(c.levels[1].demand_k_ppm, 4000000);
	CHECK_EQ(c.levels[1].demand_cap_ppm, 2500000);
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"0.000001\", \"demand_cap\": \"1\"")), "ok");
	CHECK_EQ(c.levels[1].demand_k_ppm, 1);
	CHECK_STR(parse(DEMAND("")), "ok");
	CHECK_EQ(c.levels[1].demand_k_ppm, 0); /* fixed by default */
	CHECK_STR(parse(DEMAND(", \"demand_cap\": \"3\"")),
		  "t.json: levels[1] (level1).demand_k: missing: demand_cap goes with demand_k");
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"4\"")),
		  "t.json: levels[1] (level1).demand_cap: missing: the highest multiple of "
		  "price_per_s, e.g. \"3\"");
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"4\", \"demand_cap\": \"0.5\"")),
		  "t.json: levels[1] (level1).demand_cap: bad value '0.5': a decimal string of "
		  "at most 1000 with up to 6 decimals, e.g. \"4\" or \"0.5\"");
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"1001\", \"demand_cap\": \"2\"")),
		  "t.json: levels[1] (level1).demand_k: bad value '1001': a decimal string of "
		  "at most 1000 with up to 6 decimals, e.g. \"4\" or \"0.5\"");
	CHECK_STR(parse(DEMAND(", \"demand_k\": \"0.1234567\", \"demand_cap\": \"2\"")),
		  "t.json: levels[1] (level1).demand_k: bad value '0.1234567': a decimal string "
		  "of at most 1000 with up to 6 decimals, e.g. \"4\" or \"0.5\"");
	CHECK_STR(parse(DEMAND(", \"demand_k\": 4, \"demand_cap\": \"2\"")),
		  "t.json: levels[1] (level1).demand_k: bad value '4': a decimal string of at "
		  "most 1000 with up to 6 decimals, e.g. \"4\" or \"0.5\"");
	CHECK_STR(parse("{" PORT "," BE ", \"levels\": [{\"rate\": \"1m\", \"price_per_s\": "
			"\"0\", \"demand_k\": \"1\", \"demand_cap\": \"2\"}, {\"rate\": \"2m\", "
			"\"price_per_s\": \"9\"}]}"),
		  "t.json: levels[0] (level0).demand_k: level0 is free best effort: its price is "
		  "fixed at 0");
}

/* ports[].peer_node: a trunk's far end on another cluster node. */
static void test_peer_node(void)
{
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\", \"peer\": "
			"\"eth3\", \"peer_node\": \"sw2\"}]," BE "," LEVELS "}"),
		  "ok");
	CHECK_STR(c.ports[0].peer_node, "sw2");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\", \"peer\": "
			"\"eth3\", \"peer_node\": \"a/b\"}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).peer_node: expected a cluster node name (1 to 63 of A-Z "
		  "a-z 0-9 . _ : -), got 'a/b'");
	CHECK_STR(parse("{\"ports\": [{\"name\": \"lo\", \"capacity\": \"1g\", "
			"\"peer_node\": \"sw2\"}]," BE "," LEVELS "}"),
		  "t.json: ports[0] (lo).peer_node: needs \"peer\", the port at the far end");
}

/* The token is a secret: kept as given, and no message ever quotes it. */
static void test_metrics_token(void)
{
	CHECK_STR(
	    parse("{" PORT "," BE "," LEVELS ", \"metrics_token\": \"s3cret-s3cret-s3cret\"}"),
	    "ok");
	CHECK_STR(c.metrics_token, "s3cret-s3cret-s3cret");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"metrics_token\": \"short-s3cret\"}"),
		  "t.json: metrics_token: a string of 16 to 127 characters");
	CHECK_STR(
	    parse("{" PORT "," BE "," LEVELS ", \"metrics_token\": \"s3cret s3cret s3cret\"}"),
	    "t.json: metrics_token: printable ASCII without spaces (the value is not shown)");
	CHECK_STR(parse("{" PORT "," BE "," LEVELS ", \"metrics_token\": 12345678901234567}"),
		  "t.json: metrics_token: a string of 16 to 127 characters");
}

static void test_resolve(void)
{
	CHECK_STR(parse("{\"ports\": [{\"name\": \"pfnosuch0\", \"capacity\": \"1g\"}]," BE
			"," LEVELS "}"),
		  "ok");
	CHECK_EQ(pf_conf_resolve(&c), -ENODEV);
	CHECK_STR(pf_last_error(), "unknown port pfnosuch0: no such interface");
	CHECK_STR(
	    parse("{\"bridges\": [{\"name\": \"lo\", \"capacity\": \"1g\"}]," BE "," LEVELS "}"),
	    "ok");
	CHECK_EQ(pf_conf_resolve(&c), -EINVAL);
	CHECK_STR(pf_last_error(), "lo is not a bridge");
}

static void test_unreadable_file(void)
{
	CHECK_EQ(pf_conf_load("/nonexistent/payflowd.json", &c), -ENOENT);
	CHECK_STR(pf_last_error(),
		  "cannot read config /nonexistent/payflowd.json: No such file or directory");
}

static void test_port_of(void)
{
	__u8 a[16];
	struct pf_prefix p;

	CHECK_STR(parse("{\"ports\": [{\"name\": \"a\", \"capacity\": \"1g\", \"hosts\": "
			"[\"10.0.0.0/8\"]}, {\"name\": \"b\", \"capacity\": \"1g\", \"hosts\": "
			"[\"10.1.0.0/16\", \"fd00::/64\"]}]," BE "," LEVELS "}"),
		  "ok");
	pf_prefix_parse("10.1.2.3", &p);
	CHECK_EQ(p.len, 128);
	CHECK_EQ(pf_conf_port_of(&c, p.addr), 1); /* longest prefix wins */
	pf_prefix_parse("10.2.2.3", &p);
	CHECK_EQ(pf_conf_port_of(&c, p.addr), 0);
	pf_prefix_parse("fd00::5", &p);
	CHECK_EQ(pf_conf_port_of(&c, p.addr), 1);
	pf_prefix_parse("fd01::5", &p);
	CHECK_EQ(pf_conf_port_of(&c, p.addr), -1);
	memcpy(a, p.addr, 16);
	CHECK(!pf_prefix_match(&c.ports[1].hosts[1], a));
}

int main(void)
{
	RUN(test_peer_node);
	RUN(test_good_config);
	RUN(test_demand);
	RUN(test_bad_values);
	RUN(test_metrics_token);
	RUN(test_resolve);
	RUN(test_unreadable_file);
	RUN(test_port_of);
	return unit_done();
}
