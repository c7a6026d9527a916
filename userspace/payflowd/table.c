// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The live reservations in memory: chained hashes by id and by pair (active
 * only) and a min-heap of expiry times for the reaper's timer (the HTB classes
 * in use are the class pool's, dataplane/pool.h). Heap items go stale when a reservation is
 * extended or removed; the reaper checks each popped item against the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/common/buf.h"
#include "userspace/common/error.h"

static size_t hash_u64(__u64 v, size_t n)
{
	v ^= v >> 33;
	v *= 0xff51afd7ed558ccdULL;
	v ^= v >> 33;
	return v & (n - 1);
}

static size_t hash_key(const struct pf_key *k, size_t n)
{
	__u64 h = 1469598103934665603ULL;
	const __u8 *p = (const __u8 *)k;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return hash_u64(h, n);
}

int pfd_table_init(struct pfd_table *t, size_t n_buckets)
{
	memset(t, 0, sizeof(*t));
	t->n_buckets = n_buckets; /* a power of two */
	t->by_id = calloc(n_buckets, sizeof(*t->by_id));
	t->by_key = calloc(n_buckets, sizeof(*t->by_key));
	if (!t->by_id || !t->by_key)
		return pf_fail(-ENOMEM, "out of memory");
	return 0;
}

void pfd_table_clear(struct pfd_table *t)
{
	for (size_t i = 0; i < t->n_buckets; i++) {
		struct pfd_resv *r = t->by_id[i];

		while (r) {
			struct pfd_resv *next = r->next_id;

			free(r);
			r = next;
		}
		t->by_id[i] = t->by_key[i] = NULL;
	}
	t->n_live = t->n_active = t->heap_len = 0;
}

void pfd_table_free(struct pfd_table *t)
{
	if (t->by_id)
		pfd_table_clear(t);
	free(t->by_id);
	free(t->by_key);
	free(t->heap);
	memset(t, 0, sizeof(*t));
}

int pfd_table_add(struct pfd_table *t, struct pfd_resv *r)
{
	size_t b = hash_u64(r->id, t->n_buckets);

	r->next_id = t->by_id[b];
	t->by_id[b] = r;
	t->n_live++;
	if (r->state == PF_RS_ACTIVE) {
		b = hash_key(&r->key, t->n_buckets);
		r->next_key = t->by_key[b];
		t->by_key[b] = r;
		t->n_active++;
	}
	return pfd_table_schedule(t, r);
}

/* Unlinks r from its chains; the caller frees it. */
void pfd_table_del(struct pfd_table *t, struct pfd_resv *r)
{
	struct pfd_resv **pp = &t->by_id[hash_u64(r->id, t->n_buckets)];

	while (*pp && *pp != r)
		pp = &(*pp)->next_id;
	if (*pp) {
		*pp = r->next_id;
		t->n_live--;
	}
	if (r->state != PF_RS_ACTIVE)
		return;
	pp = &t->by_key[hash_key(&r->key, t->n_buckets)];
	while (*pp && *pp != r)
		pp = &(*pp)->next_key;
	if (*pp) {
		*pp = r->next_key;
		t->n_active--;
	}
}

struct pfd_resv *pfd_table_by_id(const struct pfd_table *t, __u64 id)
{
	struct pfd_resv *r = t->by_id[hash_u64(id, t->n_buckets)];

	while (r && r->id != id)
		r = r->next_id;
	return r;
}

struct pfd_resv *pfd_table_by_key(const struct pfd_table *t, const struct pf_key *key)
{
	struct pfd_resv *r = t->by_key[hash_key(key, t->n_buckets)];

	while (r && memcmp(&r->key, key, sizeof(*key)))
		r = r->next_key;
	return r;
}

void pfd_table_foreach(const struct pfd_table *t, void (*cb)(struct pfd_resv *r, void *ctx),
		       void *ctx)
{
	for (size_t i = 0; i < t->n_buckets; i++)
		for (struct pfd_resv *r = t->by_id[i], *next; r; r = next) {
			next = r->next_id; /* cb may remove r */
			cb(r, ctx);
		}
}

static void heap_swap(struct pfd_heap_item *h, size_t a, size_t b)
{
	struct pfd_heap_item tmp = h[a];

	h[a] = h[b];
	h[b] = tmp;
}

int pfd_table_schedule(struct pfd_table *t, const struct pfd_resv *r)
{
	size_t i;

	if (t->heap_len == t->heap_cap) {
		struct pfd_heap_item *h =
		    pf_grow(t->heap, &t->heap_cap, t->heap_len + 1, sizeof(*h));

		if (!h)
			return pf_fail(-ENOMEM, "out of memory");
		t->heap = h;
	}
	i = t->heap_len++;
	t->heap[i] = (struct pfd_heap_item){r->expires_mono, r->id};
	while (i && t->heap[(i - 1) / 2].at > t->heap[i].at) {
		heap_swap(t->heap, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	return 0;
}

__u64 pfd_table_next(const struct pfd_table *t)
{
	return t->heap_len ? t->heap[0].at : 0;
}

bool pfd_table_pop_due(struct pfd_table *t, __u64 now, struct pfd_heap_item *out)
{
	size_t i = 0;

	if (!t->heap_len || t->heap[0].at > now)
		return false;
	*out = t->heap[0];
	t->heap[0] = t->heap[--t->heap_len];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < t->heap_len && t->heap[l].at < t->heap[m].at)
			m = l;
		if (r < t->heap_len && t->heap[r].at < t->heap[m].at)
			m = r;
		if (m == i)
			break;
		heap_swap(t->heap, i, m);
		i = m;
	}
	return true;
}
