// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The quorum rule; see quorum.h. */
#include "broker/ledger/quorum.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool same_tx(const struct pf_payment *x, const struct pf_payment *y)
{
	return !strcmp(x->from, y->from) && !strcmp(x->to, y->to) &&
	       !pf_u256_cmp(&x->value, &y->value) && !strcmp(x->input, y->input) &&
	       x->input_too_long == y->input_too_long && x->has_chain_id == y->has_chain_id &&
	       x->tx_chain_id == y->tx_chain_id;
}

static bool same_receipt(const struct pf_payment *x, const struct pf_payment *y)
{
	return x->status == y->status && x->block_number == y->block_number &&
	       !strcmp(x->block_hash, y->block_hash);
}

bool pf_ledger_answers_agree(const struct pf_ledger_answer *x, const struct pf_ledger_answer *y)
{
	const struct pf_payment *fx = &x->facts, *fy = &y->facts;

	if (x->rc || y->rc || x->verdict.code != y->verdict.code ||
	    fx->node_chain_id != fy->node_chain_id || fx->found != fy->found ||
	    fx->mined != fy->mined || x->has_block_time != y->has_block_time ||
	    (x->has_block_time && x->block_time != y->block_time))
		return false;
	return (!fx->found || same_tx(fx, fy)) && (!fx->mined || same_receipt(fx, fy));
}

/* How many answers agree with a[i]; *low = the one with the fewest confirmations. */
static int group_of(const struct pf_ledger_answer *const *a, int n, int i, int *low)
{
	int k = 0;

	*low = i;
	for (int j = 0; j < n; j++) {
		if (!a[j] || !pf_ledger_answers_agree(a[i], a[j]))
			continue;
		k++;
		if (a[j]->verdict.confirmations < a[*low]->verdict.confirmations)
			*low = j;
	}
	return k;
}

enum pf_quorum_outcome pf_quorum_decide(const struct pf_ledger_answer *const *a, int n, int quorum,
					int *pick)
{
	int best = 0, answered = 0, waiting = 0, low;

	for (int i = 0; i < n; i++) {
		int k;

		if (!a[i]) {
			waiting++;
			continue;
		}
		if (a[i]->rc)
			continue;
		answered++;
		k = group_of(a, n, i, &low);
		if (k >= quorum) {
			*pick = low;
			return PF_QUORUM_AGREE;
		}
		if (k > best)
			best = k;
	}
	if (best + waiting >= quorum)
		return PF_QUORUM_WAIT;
	return answered >= quorum ? PF_QUORUM_SPLIT : PF_QUORUM_UNAVAILABLE;
}

/* What one node said, in a few words. */
static int describe_one(const struct pf_ledger_answer *x, char *out, size_t len)
{
	const struct pf_payment *f = &x->facts;
	char value[PF_U256_DEC_MAX];

	if (x->rc)
		return snprintf(out, len, "failed: %.120s", x->verdict.detail);
	if (!f->found)
		return snprintf(out, len, "%s", pf_payment_verdict_name(x->verdict.code));
	pf_u256_to_dec(&f->value, value, sizeof(value));
	return snprintf(out, len,
			"%s chain %" PRIu64 " from %s to %s value %s input %.40s%s %s%" PRIu64
			" status %d block %.18s.. confirmations %" PRIu64,
			pf_payment_verdict_name(x->verdict.code), f->node_chain_id, f->from, f->to,
			value, f->input, strlen(f->input) > 40 ? ".." : "",
			f->mined ? "mined in " : "not mined ", f->block_number, f->status,
			f->block_hash, x->verdict.confirmations);
}

void pf_quorum_describe(const struct pf_ledger_answer *const *a, int n, char *out, size_t len)
{
	size_t off = 0;

	if (len)
		out[0] = '\0';
	for (int i = 0; i < n && off + 1 < len; i++) {
		int w = snprintf(out + off, len - off, "%snode %d: ", i ? "; " : "", i + 1);

		if (w < 0 || (size_t)w >= len - off)
			break;
		off += w;
		if (!a[i])
			w = snprintf(out + off, len - off, "no answer");
		else
			w = describe_one(a[i], out + off, len - off);
		if (w < 0 || (size_t)w >= len - off)
			break;
		off += w;
	}
}
