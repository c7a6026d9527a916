/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A quote as the cluster keeps it (P/quotes/QUOTE_ID, docs/CLUSTER.md), so
 * that a buyer's ORDER reaches any broker, not only the one that quoted:
 * that one may have died after the payment. One JSON object, every field
 * required:
 *
 *   {"quote_id": HEX32, "client_key": HEX64, "ip1": IP, "ip2": IP,
 *    "level": N, "rate_bps": N, "seconds": N, "amount": "WEI",
 *    "expires_at": UNIX_S, "one_way": bool}
 */
#ifndef PFD_CLUSTER_QUOTE_H
#define PFD_CLUSTER_QUOTE_H

#include "broker/sales/broker_store.h"

/* q as JSON (malloc'd in *out); -ENOMEM. */
int pfd_cquote_encode(const struct pf_bquote *q, char **out);
/* Parses the JSON of quote_id; -EINVAL naming the bad field. No hold, no extension. */
int pfd_cquote_decode(const char *quote_id, const char *json, struct pf_bquote *q);

#endif /* PFD_CLUSTER_QUOTE_H */
