// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Fail fast while etcd is unreachable; see breaker.h. */
#include "userspace/cluster/breaker.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include "userspace/common/error.h"

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int pf_cl_breaker_pass(struct pf_cl_breaker *b)
{
	int64_t now = now_ns();

	if (now < b->open_until_ns)
		return pf_fail(-EIO, "etcd unreachable, not asked again for %lld ms: %s",
			       (long long)((b->open_until_ns - now) / 1000000), b->why);
	b->t_call_ns = now;
	return 0;
}

void pf_cl_breaker_note(struct pf_cl_breaker *b, int err, const char *why)
{
	int64_t took;

	if (err != -EIO && err != -ETIMEDOUT && err != -ECONNREFUSED)
		return;
	took = now_ns() - b->t_call_ns;
	b->open_until_ns = now_ns() + (took > b->min_ns ? took : b->min_ns);
	snprintf(b->why, sizeof(b->why), "%s", why);
}
