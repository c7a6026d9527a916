// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A quote as the cluster keeps it (P/quotes/QUOTE_ID): round trip and refusals. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "broker/sales/cluster_quote.h"
#include "userspace/common/error.h"

#define ID  "0123456789abcdef0123456789abcdef"
#define KEY "2222222222222222222222222222222222222222222222222222222222222222"

static const struct pf_bquote SAMPLE = {.quote_id = ID,
					.client_key = KEY,
					.ip1 = "10.0.0.1",
					.ip2 = "10.0.0.3",
					.level = 2,
					.rate_bps = 50000000,
					.seconds = 60,
					.amount = "240000",
					.expires_at = 1795657530,
					.hold_id = 7,
					.one_way = true};

static void test_round_trip(void)
{
	struct pf_bquote back;
	char *json = NULL;

	CHECK_EQ(pfd_cquote_encode(&SAMPLE, &json), 0);
	CHECK_EQ(pfd_cquote_decode(ID, json, &back), 0);
	CHECK_STR(back.client_key, KEY);
	CHECK_STR(back.ip2, "10.0.0.3");
	CHECK_STR(back.amount, "240000");
	CHECK_EQ(back.level, 2);
	CHECK_EQ(back.rate_bps, 50000000);
	CHECK_EQ(back.expires_at, 1795657530);
	CHECK(back.one_way);
	CHECK_EQ(back.hold_id, 0); /* a hold is this broker's own, never imported */
	CHECK_STR(back.extends, "");
	free(json);
}

/* An extension's quote keeps the reservation it extends (another broker sells it). */
static void test_extends(void)
{
	struct pf_bquote q = SAMPLE, back;
	char *json = NULL;

	snprintf(q.extends, sizeof(q.extends), "fedcba9876543210fedcba9876543210");
	CHECK_EQ(pfd_cquote_encode(&q, &json), 0);
	CHECK_EQ(pfd_cquote_decode(ID, json, &back), 0);
	CHECK_STR(back.extends, "fedcba9876543210fedcba9876543210");
	CHECK_EQ(back.seconds, 60);
	free(json);
}

static void test_refusals(void)
{
	struct pf_bquote q;
	char json[512];

	CHECK_EQ(pfd_cquote_decode(ID, "[]", &q), -EINVAL);
	CHECK(strstr(pf_last_error(), "not a JSON object"));
	CHECK_EQ(pfd_cquote_decode(ID, "{\"quote_id\": \"" ID "\"}", &q), -EINVAL);
	CHECK(strstr(pf_last_error(), "\"client_key\" is missing or of another type"));
	snprintf(json, sizeof(json),
		 "{\"quote_id\": \"%s\", \"client_key\": \"" KEY "\", \"ip1\": \"10.0.0.1\", "
		 "\"ip2\": \"10.0.0.3\", \"level\": 1, \"rate_bps\": 1, \"seconds\": 10, "
		 "\"amount\": \"1\", \"expires_at\": 1, \"one_way\": false}",
		 "ffffffffffffffffffffffffffffffff");
	CHECK_EQ(pfd_cquote_decode(ID, json, &q), -EINVAL); /* stored under another id */
	CHECK(strstr(pf_last_error(), "inconsistent record"));
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_extends);
	RUN(test_refusals);
	return unit_done();
}
