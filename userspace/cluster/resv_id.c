// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A cluster reservation's data-plane id; see resv_id.h. */
#include "userspace/cluster/resv_id.h"

uint64_t pf_cl_resv_id(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a: stable across builds and hosts */

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 0x100000001b3ULL;
	return (h >> 1) | PF_CL_RESV_ID_BIT;
}
