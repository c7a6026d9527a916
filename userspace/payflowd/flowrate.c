// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "userspace/common/error.h"
#include "userspace/payflowd/flowrate.h"

struct sample {
	__u64 at_ns;
	size_t n;
	struct pf_flow_stats *e; /* sorted by key */
};

struct pfd_flowrate {
	struct sample prev, cur;
};

static int by_key(const void *a, const void *b)
{
	return memcmp(&((const struct pf_flow_stats *)a)->key,
		      &((const struct pf_flow_stats *)b)->key, sizeof(struct pf_key));
}

static const struct pf_flow_stats *find(const struct sample *s, const struct pf_key *key)
{
	struct pf_flow_stats k = {.key = *key};

	return s->n ? bsearch(&k, s->e, s->n, sizeof(*s->e), by_key) : NULL;
}

int pfd_flowrate_update(struct pfd_flowrate **fr, const struct pfd_flowsnap *s)
{
	struct pf_flow_stats *e;

	if (!*fr && !(*fr = calloc(1, sizeof(**fr))))
		return pf_fail(-ENOMEM, "out of memory");
	if (s->at_ns == (*fr)->cur.at_ns)
		return 0;
	e = malloc((s->n ? s->n : 1) * sizeof(*e));
	if (!e)
		return pf_fail(-ENOMEM, "out of memory");
	memcpy(e, s->e, s->n * sizeof(*e));
	qsort(e, s->n, sizeof(*e), by_key);
	free((*fr)->prev.e);
	(*fr)->prev = (*fr)->cur;
	(*fr)->cur = (struct sample){s->at_ns, s->n, e};
	return 0;
}

bool pfd_flowrate_get(const struct pfd_flowrate *fr, const struct pf_key *key, struct pf_stats *st,
		      double *bps)
{
	const struct pf_flow_stats *now = fr ? find(&fr->cur, key) : NULL, *then;
	__u64 dt;

	if (!now)
		return false;
	*st = now->st;
	*bps = 0;
	then = find(&fr->prev, key);
	dt = fr->cur.at_ns - fr->prev.at_ns;
	/* A flow new since the previous snapshot started from zero within it. */
	if (fr->prev.at_ns && dt && (!then || then->st.bytes <= now->st.bytes))
		*bps = (now->st.bytes - (then ? then->st.bytes : 0)) * 8e9 / dt;
	return true;
}

void pfd_flowrate_free(struct pfd_flowrate *fr)
{
	if (fr) {
		free(fr->prev.e);
		free(fr->cur.e);
		free(fr);
	}
}
