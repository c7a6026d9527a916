// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The class pool made ahead of grants (config "pool_classes", and one free
 * block beyond it): a part of a block at a time, when no request waits, so
 * start-up and grants do not wait for thousands of class creations (each
 * walks every filter block on the host). A grant that finds the pool empty
 * still grows it itself.
 */
#include "userspace/payflowd/payflowd.h"
#include "userspace/dataplane/pool.h"
#include "userspace/common/error.h"

bool pfd_pool_ahead(struct pfd *d)
{
	bool more = false;
	int err = pf_pool_ahead_step(&d->dp.maps, d->conf.pool_classes, &more);

	if (err && !d->pool_ahead_failed)
		pfd_logl(PFD_LOG_WARN, "cannot make pooled classes ahead of grants: %s",
			 pf_last_error());
	d->pool_ahead_failed = err != 0;
	return more;
}
