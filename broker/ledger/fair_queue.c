// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Round-robin queue over clients; see fair_queue.h. */
#include "broker/ledger/fair_queue.h"

#include <errno.h>
#include <stdlib.h>

struct pf_fq_client {
	uint64_t client;
	struct pf_fq_item *head, **tail;
	struct pf_fq_client *next;
};

void pf_fq_init(struct pf_fq *q)
{
	q->ring = NULL;
	q->ring_tail = &q->ring;
	q->n = 0;
}

/* The client's link in the ring, added at the back when it has none. */
static struct pf_fq_client *client_of(struct pf_fq *q, uint64_t client)
{
	struct pf_fq_client *c;

	for (c = q->ring; c; c = c->next)
		if (c->client == client)
			return c;
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->client = client;
	c->tail = &c->head;
	*q->ring_tail = c;
	q->ring_tail = &c->next;
	return c;
}

int pf_fq_push(struct pf_fq *q, struct pf_fq_item *it)
{
	struct pf_fq_client *c = client_of(q, it->client);

	if (!c)
		return -ENOMEM;
	it->next = NULL;
	*c->tail = it;
	c->tail = &it->next;
	q->n++;
	return 0;
}

struct pf_fq_item *pf_fq_pop(struct pf_fq *q)
{
	struct pf_fq_client *c = q->ring;
	struct pf_fq_item *it;

	if (!c)
		return NULL;
	it = c->head;
	c->head = it->next;
	q->ring = c->next;
	if (!q->ring)
		q->ring_tail = &q->ring;
	if (c->head) {
		c->next = NULL;
		*q->ring_tail = c;
		q->ring_tail = &c->next;
	} else {
		free(c);
	}
	q->n--;
	return it;
}
