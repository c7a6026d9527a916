// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Prepaid balances: movements, never below zero, each recorded once. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>
#include "unit.h"
#include "broker/sales/balance.h"
#include "userspace/common/error.h"

static char dir[] = "/tmp/pf-balance-test.XXXXXX";
static const char key[] = "1111111111111111111111111111111111111111111111111111111111111111";
static const char addr[] = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8";

static struct pf_u256 u(uint64_t v)
{
	struct pf_u256 x;

	pf_u256_from_u64(&x, v);
	return x;
}

static uint64_t balance_of(struct pf_store *s, char address[43])
{
	struct pf_u256 b;
	uint64_t v = ~0ULL;

	if (pf_balance_get(s, key, &b, address) == 0)
		pf_u256_to_u64(&b, &v);
	return v;
}

static int entries(struct pf_store *s)
{
	sqlite3_stmt *st;
	int n = -1;

	sqlite3_prepare_v2(pf_store_db(s), "SELECT count(*) FROM balance_entries", -1, &st, NULL);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_moves(void)
{
	char path[128], a[43];
	struct pf_store *s;
	struct pf_u256 after, amt = u(1000), got;
	char who[65];

	snprintf(path, sizeof(path), "%s/m.db", dir);
	CHECK_EQ(pf_store_open(&s, path, false), 0);
	CHECK_EQ(pf_balance_get(s, key, &after, a), -ENOENT);
	CHECK_EQ(pf_balance_move(s, key, PF_MONEY_DEPOSIT, &amt, "0xd1", addr, &after), 0);
	CHECK_EQ(balance_of(s, a), 1000);
	CHECK_STR(a, addr);
	/* The same deposit again: refused, nothing changes. */
	CHECK_EQ(pf_balance_move(s, key, PF_MONEY_DEPOSIT, &amt, "0xd1", addr, &after), -EEXIST);
	CHECK_EQ(balance_of(s, a), 1000);
	CHECK_EQ(entries(s), 1);
	/* A debit beyond the balance: refused with the amounts, nothing changes. */
	amt = u(1001);
	CHECK_EQ(pf_balance_move(s, key, PF_MONEY_DEBIT, &amt, "q1", NULL, &after), -ENOSPC);
	CHECK_STR(pf_last_error(), "the balance is 1000, less than the debit of 1001");
	CHECK_EQ(balance_of(s, a), 1000);
	CHECK_EQ(entries(s), 1);
	/* Exactly the balance: allowed, down to zero; the address stays. */
	amt = u(1000);
	CHECK_EQ(pf_balance_move(s, key, PF_MONEY_DEBIT, &amt, "q1", NULL, &after), 0);
	CHECK_EQ(balance_of(s, a), 0);
	CHECK_STR(a, addr);
	amt = u(250);
	CHECK_EQ(pf_balance_move(s, key, PF_MONEY_REFUND, &amt, "q1", NULL, &after), 0);
	CHECK_EQ(balance_of(s, a), 250);
	CHECK_EQ(pf_balance_entry(s, PF_MONEY_REFUND, "q1", &got, who), 0);
	CHECK(pf_u256_cmp(&got, &amt) == 0);
	CHECK_STR(who, key);
	CHECK_EQ(pf_balance_entry(s, PF_MONEY_REFUND, "q2", &got, who), -ENOENT);
	pf_store_close(s);
}

/* Pro rata refunds: floor(paid x left / whole), exact beyond 64 bits. */
static void test_prorata(void)
{
	struct pf_u256 a = u(60000), out;
	char dec[PF_U256_DEC_MAX];
	uint64_t v;

	CHECK_EQ(pf_u256_prorata(&a, 57, 60, &out), 0);
	CHECK_EQ(pf_u256_to_u64(&out, &v), 0);
	CHECK_EQ(v, 57000);
	a = u(100);
	CHECK_EQ(pf_u256_prorata(&a, 1, 3, &out), 0); /* 33.3 -> 33: rounded down */
	CHECK_EQ(pf_u256_to_u64(&out, &v), 0);
	CHECK_EQ(v, 33);
	CHECK_EQ(pf_u256_prorata(&a, 0, 3, &out), 0);
	CHECK(pf_u256_is_zero(&out));
	CHECK_EQ(pf_u256_prorata(&a, 3, 3, &out), 0);
	CHECK(pf_u256_cmp(&out, &a) == 0);
	CHECK_EQ(pf_u256_prorata(&a, 4, 3, &out), -EINVAL);
	CHECK_EQ(pf_u256_prorata(&a, 0, 0, &out), -EINVAL);
	/* 10^30 x 86399 / 86400 needs more than 64 bits all along. */
	CHECK_EQ(pf_u256_parse_dec("1000000000000000000000000000000", &a), 0);
	CHECK_EQ(pf_u256_prorata(&a, 86399, 86400, &out), 0);
	pf_u256_to_dec(&out, dec, sizeof(dec));
	CHECK_STR(dec, "999988425925925925925925925925");
}

int main(void)
{
	char cmd[160];

	if (!mkdtemp(dir))
		return 1;
	RUN(test_moves);
	RUN(test_prorata);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		return 1;
	return unit_done();
}
