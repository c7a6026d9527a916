// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "userspace/common/error.h"
#include "userspace/dataplane/dataplane.h"
#include "userspace/dataplane/htb.h"
#include "userspace/dataplane/pool.h"
#include "userspace/dataplane/port.h"
#include "userspace/dataplane/resv.h"

#define MAX_BLOCKS (PF_POOL_MAJOR_MAX - PF_POOL_MAJOR_MIN + 1)
#define MAX_LEAVES (MAX_BLOCKS * PF_POOL_BLOCK)

struct pf_pool *pf_pool_new(void)
{
	struct pf_pool *p = calloc(1, sizeof(*p));

	if (!p)
		pf_fail(-ENOMEM, "out of memory");
	return p;
}

void pf_pool_free(struct pf_pool *p)
{
	if (p)
		free(p->used);
	free(p);
}

__u32 pf_pool_leaf_index(__u32 classid)
{
	return ((classid >> 16) - PF_POOL_MAJOR_MIN) * PF_POOL_BLOCK + (classid & 0xffff) - 1;
}

static __u32 leaf_classid(__u32 i)
{
	return PF_HANDLE(PF_POOL_MAJOR_MIN + i / PF_POOL_BLOCK, 1 + i % PF_POOL_BLOCK);
}

bool pf_pool_is_leaf(__u32 classid)
{
	__u32 minor = classid & 0xffff;

	return pf_classid_pooled(classid) && minor >= 1 && minor <= PF_POOL_BLOCK;
}

static bool is_used(const struct pf_pool *p, __u32 i)
{
	return p->used[i / 8] & (1U << (i % 8));
}

static void mark(struct pf_pool *p, __u32 i, bool used)
{
	if (used) {
		p->used[i / 8] |= 1U << (i % 8);
		p->count++;
	} else {
		p->used[i / 8] &= ~(1U << (i % 8));
		p->count--;
		if (i < p->hint)
			p->hint = i;
	}
}

struct shaped {
	__u32 ifindex[PF_MAX_PORTS];
	__u64 capacity[PF_MAX_PORTS];
	int n;
};

static int note_shaped(__u32 ifindex, const struct pf_port *port, void *ctx)
{
	struct shaped *s = ctx;

	if ((port->flags & PF_PORT_HTB) && s->n < PF_MAX_PORTS) {
		s->ifindex[s->n] = ifindex;
		s->capacity[s->n++] = port->capacity_bps;
	}
	return 0;
}

static struct shaped *shaped_ports(const struct pf_maps *m)
{
	struct shaped *s = calloc(1, sizeof(*s));

	if (!s)
		pf_fail(-ENOMEM, "out of memory");
	else
		pf_port_foreach(m, note_shaped, s);
	return s;
}

/* Makes block b on every shaped port. */
static int block_add(const struct shaped *s, __u32 b)
{
	int err = 0;

	for (int i = 0; i < s->n && !err; i++)
		err = pf_htb_block_add(s->ifindex[i], PF_POOL_MAJOR_MIN + b, s->capacity[i]);
	return err;
}

/* Grows the pool to `blocks` blocks on every shaped port. */
static int grow_to(const struct pf_maps *m, __u32 blocks)
{
	struct pf_pool *p = m->pool;
	struct shaped *s;
	int err = 0;

	if (blocks > MAX_BLOCKS)
		return pf_fail(-ENOSPC, "no free HTB class: all %u pooled classes are in use",
			       MAX_LEAVES);
	if (blocks <= p->blocks)
		return 0;
	s = shaped_ports(m);
	if (!s)
		return -ENOMEM;
	if (!s->n)
		err = pf_fail(-ENODEV, "no shaped port is attached: the pool has no classes");
	for (; p->blocks < blocks && !err; p->blocks++)
		err = block_add(s, p->blocks);
	free(s);
	return err;
}

static int note_entry(const struct pf_key *key, const struct pf_resv *r, void *ctx)
{
	const struct pf_maps *m = ctx;
	__u32 i = pf_pool_leaf_index(r->classid);

	(void)key;
	if (!pf_pool_is_leaf(r->classid) || is_used(m->pool, i))
		return 0;
	mark(m->pool, i, true);
	return 0;
}

/* The blocks every shaped port has, completed; with from_map, grown to hold
 * the map's entries and their leaves marked used. */
static int build(const struct pf_maps *m, bool from_map)
{
	struct pf_pool *p = m->pool;
	struct shaped *s = shaped_ports(m);
	__u32 want = 0, have = MAX_BLOCKS;
	int err = 0;

	if (!s)
		return -ENOMEM;
	p->used = calloc(MAX_LEAVES / 8, 1);
	if (!p->used)
		err = pf_fail(-ENOMEM, "out of memory");
	for (int i = 0; i < s->n && !err; i++) {
		__u32 n;

		err = pf_htb_blocks_count(s->ifindex[i], &n);
		have = n < have ? n : have;
	}
	p->blocks = s->n ? have : 0;
	/* The last block may be half made (a crash while creating it). */
	if (!err && p->blocks)
		err = block_add(s, p->blocks - 1);
	free(s);
	if (!err && from_map)
		err = pf_resv_foreach(m, note_entry, (void *)m);
	for (__u32 i = MAX_LEAVES / 8; !err && i > 0 && !want; i--)
		if (p->used[i - 1])
			want = (i * 8 - 1) / PF_POOL_BLOCK + 1;
	return err ?: grow_to(m, want);
}

static int ready(const struct pf_maps *m)
{
	if (!m->pool)
		return pf_fail(-EINVAL, "the maps were opened without a class pool");
	return m->pool->used ? 0 : build(m, true);
}

int pf_pool_reset(const struct pf_maps *m)
{
	if (!m->pool)
		return pf_fail(-EINVAL, "the maps were opened without a class pool");
	__u32 min_blocks = m->pool->min_blocks;

	free(m->pool->used);
	*m->pool = (struct pf_pool){.min_blocks = min_blocks};
	return build(m, false);
}

bool pf_pool_in_use(const struct pf_maps *m, __u32 classid)
{
	const struct pf_pool *p = m->pool;

	return p && p->used && pf_pool_is_leaf(classid) && is_used(p, pf_pool_leaf_index(classid));
}

int pf_pool_blocks(const struct pf_maps *m, __u32 *blocks)
{
	int err = ready(m);

	if (!err)
		*blocks = m->pool->blocks;
	return err;
}

int pf_pool_alloc(const struct pf_maps *m, __u32 *classid)
{
	struct pf_pool *p;
	__u32 i;
	int err = ready(m);

	if (err)
		return err;
	p = m->pool;
	for (i = p->hint; i < p->blocks * PF_POOL_BLOCK && is_used(p, i); i++)
		;
	p->hint = i;
	if (i >= p->blocks * PF_POOL_BLOCK && (err = grow_to(m, i / PF_POOL_BLOCK + 1)))
		return err;
	mark(p, i, true);
	p->hint = i + 1;
	*classid = leaf_classid(i);
	return 0;
}

int pf_pool_take(const struct pf_maps *m, __u32 classid)
{
	int err = ready(m);
	__u32 i = pf_pool_leaf_index(classid);

	if (err)
		return err;
	if (!pf_pool_is_leaf(classid))
		return pf_fail(-EINVAL, "class %x:%x is not a pooled class", classid >> 16,
			       classid & 0xffff);
	err = grow_to(m, i / PF_POOL_BLOCK + 1);
	if (!err && !is_used(m->pool, i))
		mark(m->pool, i, true);
	return err;
}

void pf_pool_forget(const struct pf_maps *m, __u32 classid)
{
	struct pf_pool *p = m->pool;
	__u32 i = pf_pool_leaf_index(classid);

	if (p && p->used && pf_pool_is_leaf(classid) && i < MAX_LEAVES && is_used(p, i))
		mark(p, i, false);
}

static bool block_free(const struct pf_pool *p, __u32 b)
{
	for (__u32 i = b * PF_POOL_BLOCK / 8; i < (b + 1) * PF_POOL_BLOCK / 8; i++)
		if (p->used[i])
			return false;
	return true;
}

/* Deletes free blocks from the top while more than the spare ones are free,
 * never below min_blocks. */
static int shrink(const struct pf_maps *m, const struct shaped *s)
{
	struct pf_pool *p = m->pool;
	__u32 floor = p->min_blocks > PF_POOL_SPARE_BLOCKS ? p->min_blocks : PF_POOL_SPARE_BLOCKS;
	int err = 0;

	while (!err && p->blocks > floor &&
	       p->blocks * PF_POOL_BLOCK - p->count >= (PF_POOL_SPARE_BLOCKS + 1) * PF_POOL_BLOCK &&
	       block_free(p, p->blocks - 1)) {
		for (int i = 0; i < s->n && !err; i++)
			err = pf_htb_block_del(s->ifindex[i], PF_POOL_MAJOR_MIN + p->blocks - 1);
		if (!err) {
			p->blocks--;
			p->shrinks++;
		}
	}
	if (p->hint > p->blocks * PF_POOL_BLOCK)
		p->hint = p->blocks * PF_POOL_BLOCK;
	return err;
}

int pf_pool_put(const struct pf_maps *m, __u32 classid)
{
	struct shaped *s;
	int err = ready(m);

	if (err)
		return err;
	if (!pf_pool_is_leaf(classid))
		return pf_fail(-EINVAL, "class %x:%x is not a pooled class", classid >> 16,
			       classid & 0xffff);
	s = shaped_ports(m);
	if (!s)
		return -ENOMEM;
	for (int i = 0; i < s->n; i++)
		err = pf_htb_leaf_park(s->ifindex[i], classid) ?: err;
	pf_pool_forget(m, classid);
	err = shrink(m, s) ?: err;
	free(s);
	return err;
}

int pf_pool_sync_port(const struct pf_maps *m, __u32 ifindex)
{
	struct pf_port port;
	int err;

	if (bpf_map_lookup_elem(m->ports, &ifindex, &port))
		return pf_fail(-ENOENT, "ifindex %u is not attached", ifindex);
	err = ready(m);
	for (__u32 b = 0; !err && b < m->pool->blocks; b++)
		err = pf_htb_block_add(ifindex, PF_POOL_MAJOR_MIN + b, port.capacity_bps);
	return err;
}

int pf_pool_reserve(const struct pf_maps *m, __u32 free)
{
	struct pf_pool *p;
	int err = ready(m);

	if (err)
		return err;
	p = m->pool;
	return grow_to(m, (p->count + free + PF_POOL_BLOCK - 1) / PF_POOL_BLOCK);
}

/* Makes the next part of block p->blocks; counts the block when every port has it. */
static int build_part(struct pf_pool *p, const struct shaped *s)
{
	__u32 last;
	int err;

	if (!s->n)
		return pf_fail(-ENODEV, "no shaped port is attached: the pool has no classes");
	if (p->build_block != p->blocks || p->build_port >= (__u32)s->n ||
	    !p->build_leaf) { /* start the block over: the pool grew or shrank under this one */
		p->build_block = p->blocks;
		p->build_port = 0;
		p->build_leaf = 1;
	}
	last = p->build_leaf + PF_POOL_STEP_LEAVES - 1;
	err = pf_htb_block_part(s->ifindex[p->build_port], PF_POOL_MAJOR_MIN + p->blocks,
				s->capacity[p->build_port], p->build_leaf, last);
	if (err)
		return err;
	p->build_leaf = last + 1;
	if (p->build_leaf <= PF_POOL_BLOCK)
		return 0;
	p->build_leaf = 1;
	if (++p->build_port < (__u32)s->n)
		return 0;
	p->build_port = 0;
	p->blocks++;
	p->build_block = p->blocks;
	return 0;
}

/* Fewer blocks than asked for, or (once asked for any) less than a block free. */
static bool ahead_wanted(const struct pf_pool *p)
{
	return p->blocks < p->min_blocks ||
	       (p->min_blocks && p->blocks * PF_POOL_BLOCK - p->count < PF_POOL_BLOCK);
}

int pf_pool_ahead_step(const struct pf_maps *m, __u32 want, bool *more)
{
	struct shaped *s;
	struct pf_pool *p;
	int err = ready(m);

	*more = false;
	if (err)
		return err;
	p = m->pool;
	p->min_blocks = (want + PF_POOL_BLOCK - 1) / PF_POOL_BLOCK;
	if (!ahead_wanted(p))
		return 0;
	if (p->blocks >= MAX_BLOCKS)
		return pf_fail(-ENOSPC, "the pool has all its %u blocks", MAX_BLOCKS);
	s = shaped_ports(m);
	if (!s)
		return -ENOMEM;
	err = build_part(p, s);
	free(s);
	*more = !err && ahead_wanted(p);
	return err;
}

const char *pf_class_format(__u32 classid, char *buf, unsigned long len)
{
	snprintf(buf, len, "%x:%x", classid >> 16, classid & 0xffff);
	return buf;
}
