// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <string.h>
#include "broker/eth/eth_hex.h"
#include "broker/sales/order.h"

bool pf_pair_owned(const uint8_t peer[16], const uint8_t ip1[16], const uint8_t ip2[16],
		   const uint8_t *client_key, const struct pf_conf_allow *allow, int n_allow)
{
	if (!memcmp(peer, ip1, 16) || !memcmp(peer, ip2, 16))
		return true;
	for (int i = 0; client_key && i < n_allow; i++)
		if (!memcmp(allow[i].client_key, client_key, 32) &&
		    (pf_prefix_match(&allow[i].prefix, ip1) ||
		     pf_prefix_match(&allow[i].prefix, ip2)))
			return true;
	return false;
}

enum pf_err pf_order_verdict_err(enum pf_payment_verdict v)
{
	switch (v) {
	case PF_PAY_OK:
	case PF_PAY_PENDING:
		return PF_OK;
	case PF_PAY_NOT_FOUND:
		return PF_E_TX_NOT_FOUND;
	case PF_PAY_FAILED:
		return PF_E_TX_FAILED;
	case PF_PAY_WRONG_RECIPIENT:
		return PF_E_WRONG_RECIPIENT;
	case PF_PAY_WRONG_CHAIN:
		return PF_E_WRONG_CHAIN;
	case PF_PAY_NO_QUOTE_ID:
		return PF_E_TX_MISSING_QUOTE_ID;
	case PF_PAY_UNDERPAID:
		return PF_E_UNDERPAYMENT;
	case PF_PAY_ALREADY_USED:
		return PF_E_TX_REUSED;
	case PF_PAY_DISAGREE:
		return PF_E_LEDGER_DISAGREEMENT;
	case PF_PAY_BAD_TX_HASH:
		return PF_E_BAD_FIELD;
	case PF_PAY_BAD_EXPECTATION:
	case PF_PAY_LEDGER_ERROR:
		break;
	}
	return PF_E_INTERNAL;
}

bool pf_order_unseen_wait(const struct pf_lw_job *j, uint64_t now, uint64_t expires_at,
			  uint32_t grace)
{
	return j->rc >= 0 &&
	       (j->verdict.code == PF_PAY_NOT_FOUND || j->verdict.code == PF_PAY_DISAGREE) &&
	       now <= expires_at + grace;
}

enum pf_order_outcome pf_order_judge(const struct pf_lw_job *j, const char *payer,
				     uint64_t expires_at, struct pf_err_msg *err)
{
	enum pf_err code = pf_order_verdict_err(j->verdict.code);

	if (j->rc < 0) {
		pf_err_set(err, PF_E_INTERNAL, "the ledger did not answer (%.180s); retry later",
			   j->verdict.detail);
		return PF_ORDER_REFUSE;
	}
	if (code != PF_OK) {
		pf_err_set(err, code, "%.250s", j->verdict.detail);
		return PF_ORDER_REFUSE;
	}
	if (!pf_eth_same_address(j->facts.from, payer)) {
		pf_err_set(err, PF_E_PAYER_MISMATCH, "the transaction is sent from %s, not from %s",
			   j->facts.from, payer);
		return PF_ORDER_REFUSE;
	}
	if (j->verdict.code == PF_PAY_PENDING)
		return PF_ORDER_PENDING;
	if (!j->has_block_time) {
		pf_err_set(err, PF_E_INTERNAL,
			   "cannot read the payment's block (%.150s); retry later", j->block_err);
		return PF_ORDER_REFUSE;
	}
	if (j->block_time > expires_at) {
		pf_err_set(
		    err, PF_E_QUOTE_EXPIRED,
		    "the payment is in a block of time %llu, after the quote expired at %llu",
		    (unsigned long long)j->block_time, (unsigned long long)expires_at);
		return PF_ORDER_REFUSE;
	}
	return PF_ORDER_GRANT;
}
