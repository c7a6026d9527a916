// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The wall clock's sanity before reconciling. The database keeps wall-clock
 * ends; reconcile turns them into the data plane's CLOCK_BOOTTIME ends from
 * the current wall clock. A clock set back (a dead RTC battery, a bad NTP
 * step) would stretch every paid end and resurrect ended reservations, so
 * payflowd refuses while the clock reads earlier than the newest event it
 * recorded itself; the data plane keeps enforcing the ends it already has.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/common/error.h"

static const char *utc(__s64 wall_ns, char *buf, size_t len)
{
	time_t t = (time_t)(wall_ns / 1000000000LL);
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, len, "%lld ns", (long long)wall_ns);
	return buf;
}

int pfd_clock_check(struct pf_store *s, __s64 now_wall)
{
	char now[40], newest_text[40];
	__s64 newest;
	int err = pf_store_newest_event(s, &newest);

	if (err)
		return err;
	if (now_wall >= newest)
		return 0;
	return pf_fail(-ERANGE,
		       "the wall clock (%s) is earlier than the newest event in the database "
		       "(%s): refusing to reconcile until the clock is set right; the data plane "
		       "keeps enforcing the reservations it has",
		       utc(now_wall, now, sizeof(now)),
		       utc(newest, newest_text, sizeof(newest_text)));
}
