// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The data plane's clock; see clock.h. */
#include "userspace/dataplane/clock.h"

#include <stdint.h>
#include <time.h>
#include "userspace/common/error.h"

#define NS_PER_S 1000000000LL
#define SYNC_NS	 1000000LL /* a suspend moves the offset by far more */

static __s64 read_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (__s64)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

__u64 pf_now_ns(void)
{
	return (__u64)read_ns(CLOCK_BOOTTIME);
}

__s64 pf_boot_offset_ns(void)
{
	/* Monotonic on both sides of the boot-time read: their mean is the
	 * monotonic instant of that read, within the few ns the reads take. */
	__s64 m1 = read_ns(CLOCK_MONOTONIC), b = read_ns(CLOCK_BOOTTIME);
	__s64 m2 = read_ns(CLOCK_MONOTONIC);

	return b - (m1 + (m2 - m1) / 2);
}

int pf_clock_sync(const struct pf_maps *m, __s64 *last)
{
	__s64 off = pf_boot_offset_ns();
	struct pf_config cfg;
	int err;

	if (*last != PF_CLOCK_UNKNOWN && off - *last < SYNC_NS && *last - off < SYNC_NS)
		return 0;
	err = pf_config_get(m, &cfg);
	if (err)
		return err;
	if (cfg.boot_offset_ns - off < SYNC_NS && off - cfg.boot_offset_ns < SYNC_NS) {
		*last = cfg.boot_offset_ns;
		return 0;
	}
	cfg.boot_offset_ns = off;
	err = pf_config_set(m, &cfg);
	if (err)
		return err;
	*last = off;
	return 1;
}
