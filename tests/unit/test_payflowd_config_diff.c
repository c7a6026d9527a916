// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* What a reload may change: the live keys listed, a fixed key refused by name. */
#include <stdio.h>
#include <stdlib.h>
#include "unit.h"
#include "userspace/payflowd/config_diff.h"
#include "userspace/common/error.h"

#define BASE                                                                                       \
	"\"ports\": [{\"name\": \"lo\", \"capacity\": \"1gbit\", \"hosts\": [\"10.0.0.0/24\"]}],"  \
	"\"best_effort\": {\"rate\": \"50mbit\", \"floor\": \"100mbit\"}"
#define LEVELS2                                                                                    \
	"\"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"                             \
	"{\"name\": \"gold\", \"rate\": \"100mbit\", \"price_per_s\": \"7000\"}]"

static struct pf_conf a, b;
static char changed[512];

/* Parses both; returns the diff's message or its list of changes. */
static const char *diff(const char *ta, const char *tb)
{
	if (pf_conf_parse(ta, "a.json", &a) || pf_conf_parse(tb, "b.json", &b))
		return pf_last_error();
	return pf_conf_diff(&a, &b, changed, sizeof(changed)) ? pf_last_error() : changed;
}

static void test_live(void)
{
	CHECK_STR(diff("{" BASE "," LEVELS2 "}", "{" BASE "," LEVELS2 "}"), "");
	CHECK_STR(diff("{" BASE "," LEVELS2 "}",
		       "{\"ports\": [{\"name\": \"lo\", \"capacity\": \"2gbit\", \"hosts\": "
		       "[\"10.0.0.0/16\"]}], \"best_effort\": {\"rate\": \"60mbit\", \"floor\": "
		       "\"100mbit\"}, \"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"
		       "{\"name\": \"silver\", \"rate\": \"100mbit\", \"price_per_s\": \"8000\"},"
		       "{\"rate\": \"200mbit\", \"price_per_s\": \"9000\"}], \"hold_ttl\": 9}"),
		  "ports[lo].capacity, ports[lo].hosts, levels[1].price_per_s, levels[1].name, "
		  "levels[2] added, best_effort.rate, hold_ttl");
}

static void test_fixed(void)
{
	CHECK_STR(diff("{" BASE "," LEVELS2 "}", "{" BASE "," LEVELS2 ", \"mode\": \"police\"}"),
		  "mode cannot change while payflowd runs (restart it; reservations stay)");
	CHECK_STR(diff("{" BASE "," LEVELS2 "}", "{" BASE "," LEVELS2 ", \"socket\": \"/x\"}"),
		  "socket cannot change while payflowd runs (restart it; reservations stay)");
	CHECK_STR(diff("{" BASE "," LEVELS2 "}",
		       "{" BASE ", \"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"
		       "{\"rate\": \"90mbit\", \"price_per_s\": \"7000\"}]}"),
		  "levels[1].rate cannot change while payflowd runs (sold reservations and quotes "
		  "have it); add a level instead");
	CHECK_STR(diff("{" BASE ", \"levels\": [{\"rate\": \"50mbit\", \"price_per_s\": \"0\"},"
		       "{\"name\": \"gold\", \"rate\": \"100mbit\", \"price_per_s\": \"7000\"},"
		       "{\"rate\": \"200mbit\", \"price_per_s\": \"9000\"}]}",
		       "{" BASE "," LEVELS2 "}"),
		  "levels: 3 levels were configured, 2 now; a level cannot be removed while "
		  "payflowd runs (reservations and quotes name it)");
	CHECK_STR(diff("{" BASE "," LEVELS2 "}",
		       "{\"ports\": [{\"name\": \"eth9\", \"capacity\": \"1gbit\"}],"
		       "\"best_effort\": {\"rate\": \"50mbit\", \"floor\": \"100mbit\"}," LEVELS2
		       "}"),
		  "ports: port lo became eth9; the set of ports cannot change while payflowd runs "
		  "(restart it)");
}

int main(void)
{
	RUN(test_live);
	RUN(test_fixed);
	return unit_done();
}
