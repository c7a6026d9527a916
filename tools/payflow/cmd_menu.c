// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow menu: what the broker sells (its signed MENU). */
#include <stdio.h>
#include "userspace/common/hex.h"
#include "tools/payflow/cli.h"

static void print_menu(struct cli *c, const struct session *s)
{
	const struct pf_menu *m = &s->menu;
	char key[PF_PUBKEY_HEX + 1], rate[32], price[128], d1[32], d2[32];

	pf_hex_encode(m->broker_key, PF_PUBKEY_BYTES, key);
	if (c->json) {
		struct json_object *o = json_object_new_object(), *levels = json_object_new_array();

		json_object_object_add(o, "broker", json_object_new_string(s->name));
		json_object_object_add(o, "broker_key", json_object_new_string(key));
		json_object_object_add(o, "currency", json_object_new_string(m->currency));
		json_object_object_add(o, "decimals", json_object_new_int64((int64_t)m->decimals));
		json_object_object_add(o, "chain_id", json_object_new_int64((int64_t)m->chain_id));
		json_object_object_add(o, "pay_to", json_object_new_string(m->pay_to));
		json_object_object_add(o, "min_seconds",
				       json_object_new_int64((int64_t)m->min_seconds));
		json_object_object_add(o, "max_seconds",
				       json_object_new_int64((int64_t)m->max_seconds));
		json_object_object_add(o, "quote_ttl",
				       json_object_new_int64((int64_t)m->quote_ttl));
		for (unsigned int i = 0; i < m->n_levels; i++) {
			struct json_object *l = json_object_new_object();

			json_object_object_add(l, "level", json_object_new_int((int)i));
			json_object_object_add(
			    l, "rate_bps", json_object_new_int64((int64_t)m->levels[i].rate_bps));
			json_object_object_add(
			    l, "price_per_second",
			    json_object_new_string(m->levels[i].price_per_second));
			if (m->levels[i].price_per_second_one_way[0])
				json_object_object_add(
				    l, "price_per_second_one_way",
				    json_object_new_string(m->levels[i].price_per_second_one_way));
			if (m->levels[i].price_base[0]) {
				json_object_object_add(
				    l, "price_base",
				    json_object_new_string(m->levels[i].price_base));
				json_object_object_add(
				    l, "price_max", json_object_new_string(m->levels[i].price_max));
			}
			json_object_array_add(levels, l);
		}
		json_object_object_add(o, "levels", levels);
		print_json(o);
		return;
	}
	printf("broker     %s (key %s)\n"
	       "currency   %s (%llu decimals) on chain %llu, paid to %s\n"
	       "durations  %s to %s; a quote holds %llu s\n\n",
	       s->name, key, m->currency, (unsigned long long)m->decimals,
	       (unsigned long long)m->chain_id, m->pay_to,
	       fmt_duration(m->min_seconds, d1, sizeof(d1)),
	       fmt_duration(m->max_seconds, d2, sizeof(d2)), (unsigned long long)m->quote_ttl);
	printf("%-6s %-14s %-28s%s\n", "LEVEL", "RATE", "PRICE PER SECOND",
	       c->one_way ? " ONE WAY (FROM -> PEER)" : "");
	for (unsigned int i = 0; i < m->n_levels; i++) {
		const char *ow = m->levels[i].price_per_second_one_way;

		printf("%-6u %-14s %-28s", i, fmt_rate(m->levels[i].rate_bps, rate, sizeof(rate)),
		       i ? fmt_amount(m->levels[i].price_per_second, m, price, sizeof(price))
			 : "free best effort, not sold");
		if (c->one_way && i)
			printf(" %s", ow[0] ? fmt_amount(ow, m, price, sizeof(price)) : "not sold");
		if (m->levels[i].price_base[0])
			printf(" follows demand, up to %s",
			       fmt_amount(m->levels[i].price_max, m, price, sizeof(price)));
		printf("\n");
	}
	for (unsigned int i = 0; i < m->n_levels; i++)
		if (m->levels[i].price_base[0]) {
			printf("\nprices that follow demand are for the broker's busiest link now, "
			       "%.1f%% reserved;\na quote is priced for its own path\n",
			       (double)m->utilisation_ppm / 10000);
			break;
		}
}

int cmd_menu(struct cli *c, int argc, char **argv)
{
	static const struct option opts[] = {
	    COMMON_OPTIONS, {"one-way", no_argument, NULL, OPT_ONE_WAY}, {0}};
	struct session s;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == OPT_ONE_WAY) {
			c->one_way = true;
			continue;
		}
		rc = parse_common(c, opt, optarg);
		if (rc)
			return help_or_usage(c, rc);
	}
	if (optind < argc)
		return cli_fail(c, PF_EXIT_USAGE, NULL, "unexpected argument '%s'", argv[optind]);
	rc = session_open(c, &s, cli_broker(c), NULL);
	if (!rc)
		print_menu(c, &s);
	session_close(&s);
	return rc;
}
