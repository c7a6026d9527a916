// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * CANCEL -> BALANCE_REPLY | ERROR: a key that paid for a reservation ends it
 * now; what each paying key paid for the unused seconds goes back to its
 * balance (broker_refund.c), in the loop's batch with the revoke, and the
 * answer (crediting the signer's share) leaves after the commit.
 */
#include <errno.h>
#include <string.h>
#include "broker/sales/broker_glue.h"
#include "userspace/common/error.h"
#include "userspace/common/hex.h"

enum pf_err pfd_broker_paid_by(struct pfd *d, const char *rid, const char *key_hex,
			       struct pf_err_msg *e)
{
	struct pf_bpayer payers[PF_BSTORE_MAX_PAYERS];
	int n;

	if (pf_bstore_payers(d->store, rid, payers, &n))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	for (int i = 0; i < n; i++)
		if (!strcmp(payers[i].key, key_hex))
			return PF_OK;
	return pf_err_set(e, PF_E_NOT_YOUR_RESERVATION,
			  "reservation %s was not paid for by key %.16s..", rid, key_hex);
}

static enum pf_err cancel(struct pfd *d, const struct pf_cancel *cn, struct pf_u256 *mine,
			  struct pf_err_msg *e)
{
	char key_hex[PF_PUBKEY_HEX + 1];
	struct pfd_resv *r = NULL;
	struct pf_u256 total;
	__s64 start, end;
	__u64 id;
	int err = pf_bstore_rid_get(d->store, cn->reservation_id, &id);

	pf_hex_encode(cn->client_key, PF_PUBKEY_BYTES, key_hex);
	if (err)
		return pf_err_set(e, err == -ENOENT ? PF_E_UNKNOWN_RESERVATION : PF_E_INTERNAL,
				  err == -ENOENT ? "there is no reservation %s" : "%s",
				  err == -ENOENT ? cn->reservation_id : pf_last_error());
	if (pfd_broker_paid_by(d, cn->reservation_id, key_hex, e) != PF_OK)
		return e->code;
	r = pfd_table_by_id(&d->table, id);
	if (!r || r->state != PF_RS_ACTIVE || r->end_wall_ns <= pf_wall_ns())
		return pf_err_set(e, PF_E_RESERVATION_ENDED, "reservation %s has ended already",
				  cn->reservation_id);
	start = r->start_wall_ns;
	end = r->end_wall_ns;
	if (pfd_resv_revoke(d, id))
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	if (pfd_broker_refund_rest(d, cn->reservation_id, start, end, key_hex, &total, mine)) {
		d->txn_failed = true; /* the revoke and the refund commit together or not */
		return pf_err_set(e, PF_E_INTERNAL, "%s", pf_last_error());
	}
	return PF_OK;
}

void pfd_broker_cancel(struct pfd *d, struct pf_srv_conn *c, const struct pf_cancel *cn)
{
	struct pf_u256 mine;
	struct pf_err_msg e;

	if (cancel(d, cn, &mine, &e) != PF_OK)
		pfd_broker_fail(d, c, false, &e);
	else
		pfd_broker_balance_reply(d, c, false, cn->client_key, "", &mine, NULL);
}
