/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A queue served round-robin over clients: each pop takes the first waiting
 * item of the next client in the ring, and that client goes to the back. A
 * client that queues many items delays another's by at most one item per
 * other waiting client. Not locked: the owner holds its own lock.
 */
#ifndef PF_FAIR_QUEUE_H
#define PF_FAIR_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct pf_fq_item {
	uint64_t client;
	struct pf_fq_item *next;
};

struct pf_fq_client; /* one client's waiting items: a link of the ring */

struct pf_fq {
	struct pf_fq_client *ring, **ring_tail; /* clients with waiting items, next first */
	size_t n;				/* items waiting */
};

void pf_fq_init(struct pf_fq *q);
/* 0, or -ENOMEM (the item is not queued). */
int pf_fq_push(struct pf_fq *q, struct pf_fq_item *it);
/* The next item in turn, or NULL when none waits. */
struct pf_fq_item *pf_fq_pop(struct pf_fq *q);

#endif /* PF_FAIR_QUEUE_H */
