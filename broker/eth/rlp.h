/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * RLP (Ethereum's Recursive Length Prefix) encoder into a growable buffer.
 *
 *   struct pf_rlp r;
 *   pf_rlp_init(&r);
 *   size_t list = pf_rlp_list_begin(&r);
 *   pf_rlp_put_bytes(&r, "cat", 3);
 *   pf_rlp_put_uint(&r, 1024);
 *   pf_rlp_list_end(&r, list);        // r.data/r.len hold the encoding
 *   if (r.err) ...                    // -ENOMEM or -EINVAL, sticky
 *   pf_rlp_free(&r);
 *
 * Integers are encoded as minimal big-endian byte strings (0 is the empty
 * string, 0x80), as the Yellow Paper requires for every scalar.
 */
#ifndef PF_RLP_H
#define PF_RLP_H

#include <stddef.h>
#include <stdint.h>

struct pf_rlp {
	uint8_t *data;
	size_t len;
	size_t cap;
	int err; /* first error (negative errno); once set, puts do nothing */
};

void pf_rlp_init(struct pf_rlp *r);
void pf_rlp_free(struct pf_rlp *r);

/* Each put returns 0 or the (sticky) negative errno in r->err. */
int pf_rlp_put_bytes(struct pf_rlp *r, const void *p, size_t n);
int pf_rlp_put_uint(struct pf_rlp *r, uint64_t v);
/* An unsigned integer given as n big-endian bytes (e.g. a 256-bit wei amount). */
int pf_rlp_put_uint_be(struct pf_rlp *r, const uint8_t *be, size_t n);
/* Appends bytes verbatim (already encoded, or a typed-transaction prefix). */
int pf_rlp_put_raw(struct pf_rlp *r, const void *p, size_t n);

/* Returns the offset where the list payload starts; pass it to pf_rlp_list_end. */
size_t pf_rlp_list_begin(const struct pf_rlp *r);
/* Prefixes everything appended since begin with the list header. */
int pf_rlp_list_end(struct pf_rlp *r, size_t begin);

#endif /* PF_RLP_H */
