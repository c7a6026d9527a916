// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "userspace/dataplane/srcguard.h"
#include "userspace/common/error.h"

/* The trie key of a prefix, host bits cleared so that equal prefixes are equal keys. */
static void src_key(struct pf_src_key *k, __u32 ifindex, const struct pf_src_prefix *p)
{
	int full = p->len / 8, rest = p->len % 8;

	memset(k, 0, sizeof(*k));
	k->prefixlen = 32 + p->len;
	k->ifindex = ifindex;
	memcpy(k->addr, p->addr, full);
	if (rest)
		k->addr[full] = p->addr[full] & (__u8)(0xff << (8 - rest));
}

static bool listed(const struct pf_src_key *k, __u32 ifindex, const struct pf_src_prefix *p, int n)
{
	struct pf_src_key want;

	for (int i = 0; i < n; i++) {
		src_key(&want, ifindex, &p[i]);
		if (!memcmp(&want, k, sizeof(want)))
			return true;
	}
	return false;
}

/* Removes ifindex's prefixes that are not in p[0..n). */
static int remove_unlisted(const struct pf_maps *m, __u32 ifindex, const struct pf_src_prefix *p,
			   int n)
{
	struct pf_src_key key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(m->src_allow, prev, &next)) {
		key = next;
		prev = &key;
		if (key.ifindex != ifindex || listed(&key, ifindex, p, n))
			continue;
		if (bpf_map_delete_elem(m->src_allow, &key))
			return pf_fail(-errno, "cannot remove a source prefix of ifindex %u: %s",
				       ifindex, strerror(errno));
		prev = NULL; /* a trie walk does not survive deleting its cursor */
	}
	return 0;
}

int pf_src_allow_set(const struct pf_maps *m, __u32 ifindex, const struct pf_src_prefix *p, int n)
{
	struct pf_src_key k;
	__u8 one = 1;

	for (int i = 0; i < n; i++) {
		if (p[i].len > 128)
			return pf_fail(-EINVAL, "source prefix length %u is over 128", p[i].len);
	}
	for (int i = 0; i < n; i++) {
		src_key(&k, ifindex, &p[i]);
		if (bpf_map_update_elem(m->src_allow, &k, &one, BPF_ANY))
			return pf_fail(-errno, "cannot allow a source prefix on ifindex %u: %s",
				       ifindex, strerror(errno));
	}
	return remove_unlisted(m, ifindex, p, n);
}

int pf_src_allow_count(const struct pf_maps *m, __u32 ifindex)
{
	struct pf_src_key key, next;
	void *prev = NULL;
	int count = 0;

	while (!bpf_map_get_next_key(m->src_allow, prev, &next)) {
		key = next;
		prev = &key;
		count += key.ifindex == ifindex;
	}
	return count;
}
