// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* What consumed a transaction in the cluster (P/tx/TXHASH): refund and deposit
 * claims round-trip, a reservation record reads as a grant, bad values are
 * refused, and the grant path's answer for each kind. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/unit/unit.h"
#include "broker/sales/cluster_tx.h"
#include "userspace/common/error.h"

#define QID "0123456789abcdef0123456789abcdef"
#define KEY "2222222222222222222222222222222222222222222222222222222222222222"
#define TX  "0x1111111111111111111111111111111111111111111111111111111111111111"

static void test_refund_round_trip(void)
{
	struct pfd_ctx_use u = {.kind = PFD_CTX_REFUNDED,
				.node = "nA",
				.quote = QID,
				.key = KEY,
				.amount = "120000",
				.from = "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"},
			   back;
	char *json = NULL;

	CHECK_EQ(pfd_ctx_encode(&u, &json), 0);
	CHECK(strstr(json, "\"refunded\":\"nA\""));
	CHECK_EQ(pfd_ctx_decode(json, &back), 0);
	CHECK_EQ(back.kind, PFD_CTX_REFUNDED);
	CHECK_STR(back.node, "nA");
	CHECK_STR(back.quote, QID);
	CHECK_STR(back.key, KEY);
	CHECK_STR(back.amount, "120000");
	CHECK_STR(back.from, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8"); /* the payer */
	free(json);
	/* A claim written before "from" existed still reads (the payer unknown). */
	CHECK_EQ(pfd_ctx_decode("{\"refunded\":\"nA\",\"quote\":\"" QID "\",\"key\":\"" KEY
				"\",\"amount\":\"7\"}",
				&back),
		 0);
	CHECK_STR(back.from, "");
	CHECK_EQ(pfd_ctx_decode(
		     "{\"deposit\":\"nA\",\"key\":\"" KEY "\",\"amount\":\"7\",\"from\":5}", &back),
		 -EINVAL);
	CHECK(strstr(pf_last_error(), "\"from\""));
}

static void test_deposit_round_trip(void)
{
	struct pfd_ctx_use u = {.kind = PFD_CTX_DEPOSIT, .node = "nB", .key = KEY, .amount = "5"},
			   back;
	char *json = NULL;

	CHECK_EQ(pfd_ctx_encode(&u, &json), 0);
	CHECK_EQ(pfd_ctx_decode(json, &back), 0);
	CHECK_EQ(back.kind, PFD_CTX_DEPOSIT);
	CHECK_STR(back.node, "nB");
	CHECK_STR(back.key, KEY);
	CHECK_STR(back.quote, "");
	CHECK(!strstr(json, "\"from\"")); /* not said when unknown */
	free(json);
	u.kind = PFD_CTX_GRANTED; /* grants are written by admission, never here */
	CHECK_EQ(pfd_ctx_encode(&u, &json), -EINVAL);
}

static void test_grant_record(void)
{
	struct pf_cl_resv r = {.state = PF_CL_GRANTED,
			       .a = "10.0.0.1",
			       .b = "10.0.0.3",
			       .rate_bps = 10000000,
			       .level = 1,
			       .start = 1700000000,
			       .end = 1700000030,
			       .n_hops = 1,
			       .hops = {"s1:p1"},
			       .broker = "nA",
			       .tx = TX};
	struct pfd_ctx_use u;
	struct pf_err_msg e = {0};
	char *json = NULL;

	CHECK_EQ(pf_cl_resv_encode(&r, &json), 0);
	CHECK_EQ(pfd_ctx_decode(json, &u), 0);
	CHECK_EQ(u.kind, PFD_CTX_GRANTED);
	CHECK_STR(u.node, "nA");
	CHECK_STR(u.r.tx, TX);
	CHECK_EQ(pfd_ctx_not_granted(TX, json, &e), 0); /* the grant path's own record */
	free(json);
}

/* A refund's "this tx bought the quote's record": the pair in either order
 * when two-way (an extension quoted the other way round), in order when one-way. */
static void test_bought(void)
{
	struct pfd_ctx_use u = {
	    .kind = PFD_CTX_GRANTED,
	    .r = {.a = "10.0.0.1", .b = "10.0.0.3", .rate_bps = 10, .level = 1, .tx = TX}};
	struct pf_bquote q = {.ip1 = "10.0.0.1", .ip2 = "10.0.0.3", .rate_bps = 10, .level = 1};

	CHECK(pfd_ctx_bought(&q, TX, &u));
	snprintf(q.ip1, sizeof(q.ip1), "10.0.0.3");
	snprintf(q.ip2, sizeof(q.ip2), "10.0.0.1");
	CHECK(pfd_ctx_bought(&q, TX, &u)); /* two-way, the other way round */
	u.r.one_way = q.one_way = true;
	CHECK(!pfd_ctx_bought(&q, TX, &u)); /* one-way: the direction is part of it */
	u.r.one_way = q.one_way = false;
	CHECK(!pfd_ctx_bought(&q,
			      "0x"
			      "2222222222222222222222222222222222222222222222222222222222222222",
			      &u)); /* another payment */
	q.level = 2;
	CHECK(!pfd_ctx_bought(&q, TX, &u));
	u.kind = PFD_CTX_REFUNDED;
	q.level = 1;
	CHECK(!pfd_ctx_bought(&q, TX, &u));
}

static void test_grant_path_answers(void)
{
	struct pf_err_msg e = {0};

	CHECK_EQ(pfd_ctx_not_granted(TX,
				     "{\"refunded\": \"nA\", \"quote\": \"" QID
				     "\", \"key\": \"" KEY "\", \"amount\": \"120000\"}",
				     &e),
		 1);
	CHECK_EQ(e.code, PF_E_PAYMENT_REFUNDED);
	CHECK(strstr(e.text, "at broker nA"));
	CHECK_EQ(pfd_ctx_not_granted(
		     TX, "{\"deposit\": \"nB\", \"key\": \"" KEY "\", \"amount\": \"7\"}", &e),
		 1);
	CHECK_EQ(e.code, PF_E_TX_REUSED);
	CHECK(strstr(e.text, "deposited (7)"));
	CHECK(strstr(e.text, "at broker nB"));
}

static void test_refusals(void)
{
	struct pfd_ctx_use u;

	CHECK_EQ(pfd_ctx_decode("[]", &u), -EINVAL);
	CHECK(strstr(pf_last_error(), "not a JSON object"));
	CHECK_EQ(
	    pfd_ctx_decode("{\"refunded\": \"nA\", \"key\": \"" KEY "\", \"amount\": \"1\"}", &u),
	    -EINVAL);
	CHECK(strstr(pf_last_error(), "\"quote\" is missing"));
	CHECK_EQ(pfd_ctx_decode("{\"deposit\": 3, \"key\": \"" KEY "\", \"amount\": \"1\"}", &u),
		 -EINVAL);
	CHECK(strstr(pf_last_error(), "\"deposit\" is missing or not a string"));
	CHECK_EQ(pfd_ctx_decode("{\"deposit\": \"nB\", \"key\": \"" KEY "\"}", &u), -EINVAL);
	CHECK(strstr(pf_last_error(), "\"amount\""));
	CHECK_EQ(pfd_ctx_decode("{\"state\": \"granted\"}", &u), -EINVAL); /* a bad record */
}

int main(void)
{
	RUN(test_refund_round_trip);
	RUN(test_deposit_round_trip);
	RUN(test_grant_record);
	RUN(test_bought);
	RUN(test_grant_path_answers);
	RUN(test_refusals);
	return unit_done();
}
