// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Exponential backoff with jitter; see backoff.h. */
#include "broker/ledger/backoff.h"

#include <stdlib.h>

uint32_t pf_backoff_ms(unsigned retry, unsigned *seed)
{
	uint32_t ms = PF_BACKOFF_BASE_MS;

	for (unsigned i = 1; i < retry && ms < PF_BACKOFF_CAP_MS; i++)
		ms *= 2;
	if (ms > PF_BACKOFF_CAP_MS)
		ms = PF_BACKOFF_CAP_MS;
	return ms / 2 + (uint32_t)rand_r(seed) % (ms / 2 + 1);
}
