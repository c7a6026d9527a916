// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The quorum rule over ledger nodes' answers, retry backoff, and the fair queue. */
#include <stdlib.h>
#include <string.h>

#include "broker/ledger/backoff.h"
#include "broker/ledger/fair_queue.h"
#include "broker/ledger/quorum.h"
#include "unit.h"

/* A node's answer: the payment paid in full in block 10, confirmed. */
static struct pf_ledger_answer paid(uint64_t confirmations)
{
	struct pf_ledger_answer a;

	memset(&a, 0, sizeof(a));
	a.verdict.code = PF_PAY_OK;
	a.verdict.confirmations = confirmations;
	a.facts.found = a.facts.mined = true;
	strcpy(a.facts.from, "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
	strcpy(a.facts.to, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
	strcpy(a.facts.input, "0x0123456789abcdef0123456789abcdef");
	pf_u256_parse("20000", &a.facts.value);
	a.facts.status = 1;
	a.facts.block_number = 10;
	memset(a.facts.block_hash, 'a', 66);
	a.facts.block_hash[1] = 'x';
	a.facts.block_hash[0] = '0';
	a.facts.node_chain_id = 31337;
	a.has_block_time = true;
	a.block_time = 1700000000;
	return a;
}

static struct pf_ledger_answer not_found(void)
{
	struct pf_ledger_answer a;

	memset(&a, 0, sizeof(a));
	a.verdict.code = PF_PAY_NOT_FOUND;
	a.facts.node_chain_id = 31337;
	return a;
}

static struct pf_ledger_answer failed(const char *why)
{
	struct pf_ledger_answer a;

	memset(&a, 0, sizeof(a));
	a.rc = -1;
	a.verdict.code = PF_PAY_LEDGER_ERROR;
	snprintf(a.verdict.detail, sizeof(a.verdict.detail), "%s", why);
	return a;
}

/* Every fact the rule names: one changed, and the answers no longer agree. */
static void test_agree_on_every_fact(void)
{
	struct pf_ledger_answer x = paid(1), y;

	y = paid(5);
	CHECK(pf_ledger_answers_agree(&x, &y)); /* both enough: one block apart */
	y = paid(1), y.facts.status = 0;
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.block_number = 11;
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.block_hash[5] = 'b';
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), pf_u256_parse("20001", &y.facts.value);
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.to[5] = 'f';
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.from[5] = 'e';
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.input[5] = 'f';
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.verdict.code = PF_PAY_PENDING; /* too few confirmations there */
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.block_time++;
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = paid(1), y.facts.node_chain_id = 1;
	CHECK(!pf_ledger_answers_agree(&x, &y));
	y = failed("down");
	CHECK(!pf_ledger_answers_agree(&y, &y)); /* no answer agrees with anything */
}

/* A lying node says a never-sent transaction paid in full: 2 of 3 outvote it. */
static void test_liar_outvoted(void)
{
	struct pf_ledger_answer liar = paid(3), n1 = not_found(), n2 = not_found();
	const struct pf_ledger_answer *a[3] = {&liar, &n1, NULL};
	int pick = -1;

	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_WAIT);
	a[2] = &n2;
	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_AGREE);
	CHECK(pick == 1 || pick == 2);
	CHECK_EQ(a[pick]->verdict.code, PF_PAY_NOT_FOUND);
	/* Liar first, one honest node, one down: no quorum for anything. */
	n2 = failed("timeout");
	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_SPLIT);
}

static void test_agree_early_and_lowest_confirmations(void)
{
	struct pf_ledger_answer x = paid(7), y = paid(2);
	const struct pf_ledger_answer *a[3] = {&x, &y, NULL};
	int pick = -1;

	/* The third node (slow) is not waited for. */
	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_AGREE);
	CHECK_EQ(pick, 1);
	CHECK_EQ(pf_quorum_decide(a, 2, 2, &pick), PF_QUORUM_AGREE);
}

static void test_unavailable_and_single(void)
{
	struct pf_ledger_answer ok = paid(1), d1 = failed("HTTP 500"), d2 = failed("refused");
	const struct pf_ledger_answer *a[3] = {&d1, &ok, &d2};
	int pick = -1;

	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_UNAVAILABLE);
	CHECK_EQ(pf_quorum_decide(a, 1, 1, &pick), PF_QUORUM_UNAVAILABLE);
	CHECK_EQ(pf_quorum_decide(a + 1, 1, 1, &pick), PF_QUORUM_AGREE);
	CHECK_EQ(pick, 0);
	a[0] = NULL;
	CHECK_EQ(pf_quorum_decide(a, 3, 2, &pick), PF_QUORUM_WAIT);
}

static void test_describe(void)
{
	struct pf_ledger_answer ok = paid(1), nf = not_found(), d = failed("HTTP 429 from x");
	const struct pf_ledger_answer *a[4] = {&ok, &nf, &d, NULL};
	char out[1024];

	pf_quorum_describe(a, 4, out, sizeof(out));
	CHECK(
	    !strncmp(out,
		     "node 1: ok chain 31337 from 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
		     " to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 value 20000",
		     strlen("node 1: ok chain 31337 from 0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"
			    " to 0x70997970c51812dc3a010c7d01b50e0d17dc79c8 value 20000")));
	CHECK(strstr(out, "; node 2: tx_not_found; node 3: failed: HTTP 429 from x; node 4: no "
			  "answer") != NULL);
	pf_quorum_describe(a, 4, out, 20); /* truncates, stays terminated */
	CHECK_EQ(strlen(out) < 20, 1);
}

static void test_backoff(void)
{
	unsigned seed = 1;

	for (int i = 0; i < 200; i++) {
		uint32_t b1 = pf_backoff_ms(1, &seed), b2 = pf_backoff_ms(2, &seed);
		uint32_t b9 = pf_backoff_ms(9, &seed);

		CHECK(b1 >= PF_BACKOFF_BASE_MS / 2 && b1 <= PF_BACKOFF_BASE_MS);
		CHECK(b2 >= PF_BACKOFF_BASE_MS && b2 <= 2 * PF_BACKOFF_BASE_MS);
		CHECK(b9 >= PF_BACKOFF_CAP_MS / 2 && b9 <= PF_BACKOFF_CAP_MS);
	}
}

/* A1 A2 A3 B1 queued: B1 is served second, not last. */
static void test_fair_queue(void)
{
	struct pf_fq_item it[4] = {{.client = 1}, {.client = 1}, {.client = 1}, {.client = 2}};
	struct pf_fq q;

	pf_fq_init(&q);
	for (int i = 0; i < 4; i++)
		CHECK_EQ(pf_fq_push(&q, &it[i]), 0);
	CHECK(pf_fq_pop(&q) == &it[0]);
	CHECK(pf_fq_pop(&q) == &it[3]);
	CHECK(pf_fq_pop(&q) == &it[1]);
	CHECK(pf_fq_pop(&q) == &it[2]);
	CHECK(pf_fq_pop(&q) == NULL);
	CHECK_EQ(q.n, 0);
}

int main(void)
{
	RUN(test_agree_on_every_fact);
	RUN(test_liar_outvoted);
	RUN(test_agree_early_and_lowest_confirmations);
	RUN(test_unavailable_and_single);
	RUN(test_describe);
	RUN(test_backoff);
	RUN(test_fair_queue);
	return unit_done();
}
