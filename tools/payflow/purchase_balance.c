// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * buy/extend --from-balance: the QUOTE, the price prompt, then one signed
 * ORDER with from_balance (docs/PROTOCOL.md 6.13): no transaction, no wallet.
 * The ORDER is idempotent, so a broken connection is healed by sending the
 * same frame again until the deadline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/payflow/cli.h"
#include "userspace/common/error.h"

/* Sends the ORDER frame until an answer, reconnecting while the deadline allows. */
static int order_once(struct cli *c, struct session *s, const char *frame, size_t len,
		      long long deadline, struct pf_msg *reply)
{
	bool broken = false;
	int rc;

	for (;;) {
		long long left = deadline - cli_now_ms();

		c->quiet = left > 0;
		rc = broken ? session_reopen(c, s) : 0;
		if (!rc)
			rc = session_call(c, s, frame, len, reply,
					  (int)(left < PF_IO_TIMEOUT_MS ? left : PF_IO_TIMEOUT_MS),
					  &broken);
		c->quiet = false;
		if (!rc || left <= 0 || (!broken && rc))
			return rc ? cli_fail(c, rc, c->last_err_code[0] ? c->last_err_code : NULL,
					     "%s", c->last_msg)
				  : 0;
		broken = true;
		cli_sleep_ms(500);
	}
}

/* The signed ORDER from the balance for q (malloc'd), or NULL. */
static char *order_frame(const struct pf_keypair *kp, const struct pf_quote *q, size_t *len)
{
	struct pf_msg m = {.type = PF_MSG_ORDER};

	snprintf(m.order.quote_id, sizeof(m.order.quote_id), "%s", q->quote_id);
	m.order.from_balance = true;
	return pf_msg_encode(&m, kp, len);
}

static int order(struct cli *c, struct session *s, const char *frame, size_t len,
		 const struct pf_quote *q, struct pf_confirm *cf)
{
	struct pf_refusal_ctx ctx = {s->menu.currency, (unsigned int)s->menu.decimals, q->amount,
				     q->amount};
	struct pf_msg reply;
	int rc = order_once(c, s, frame, len, cli_now_ms() + (long long)c->timeout * 1000, &reply);

	if (rc)
		return rc;
	if (reply.type == PF_MSG_ERROR)
		return cli_refused(c, &reply.error, &ctx);
	if (reply.type != PF_MSG_CONFIRM || strcmp(reply.confirm.quote_id, q->quote_id) ||
	    reply.confirm.tx_hash[0] || reply.confirm.level != q->level ||
	    (q->extends[0] && strcmp(reply.confirm.reservation_id, q->extends)) ||
	    (q->upgrades[0] && strcmp(reply.confirm.reservation_id, q->upgrades)))
		return cli_fail(c, PF_EXIT_FAILURE, NULL,
				"the broker answered the ORDER from the balance for quote %s with "
				"%s, not its CONFIRM",
				q->quote_id, pf_msg_type_name(reply.type));
	*cf = reply.confirm;
	return 0;
}

int purchase_from_balance(struct cli *c, struct session *s, struct purchase *p)
{
	struct pf_keypair kp;
	struct pf_confirm cf;
	struct pf_quote q;
	char *frame = NULL;
	size_t len;
	int rc = identity_load(c, &kp);

	if (rc)
		return rc;
	rc = purchase_quote(c, s, &kp, p, &q);
	if (!rc && !p->yes && !purchase_confirm_price(c, s, &q, "the prepaid balance"))
		rc = cli_fail(c, PF_EXIT_DECLINED, NULL, "cancelled: nothing was paid");
	if (!rc && !(frame = order_frame(&kp, &q, &len)))
		rc = cli_fail(c, PF_EXIT_FAILURE, NULL, "cannot encode the ORDER: %s",
			      strerror(errno));
	pf_keypair_wipe(&kp);
	if (!rc)
		rc = order(c, s, frame, len, &q, &cf);
	if (!rc && record_payment(c, s, &cf, q.amount, "balance", frame) < 0)
		cli_note(c, "could not save the record of reservation %s under %s",
			 cf.reservation_id, c->home);
	if (!rc)
		purchase_print(c, s, &cf, &q, "balance");
	free(frame);
	return rc;
}
