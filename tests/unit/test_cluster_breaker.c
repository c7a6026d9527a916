// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The etcd breaker: opens on transport errors only, refuses with the reason, closes by itself. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "tests/unit/unit.h"
#include "userspace/cluster/breaker.h"
#include "userspace/common/error.h"

static void test_opens_on_transport_errors_only(void)
{
	struct pf_cl_breaker b = {.min_ns = 50 * 1000000LL};

	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
	pf_cl_breaker_note(&b, -ENOSPC, "link full");
	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
	pf_cl_breaker_note(&b, -EALREADY, "tx used");
	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
	pf_cl_breaker_note(&b, -ETIMEDOUT, "no etcd member of 3 answered");
	CHECK_EQ(pf_cl_breaker_pass(&b), -EIO);
	CHECK(strstr(pf_last_error(), "etcd unreachable, not asked again for "));
	CHECK(strstr(pf_last_error(), ": no etcd member of 3 answered"));
}

static void test_closes_after_the_window(void)
{
	struct pf_cl_breaker b = {.min_ns = 50 * 1000000LL};

	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
	pf_cl_breaker_note(&b, -EIO, "down");
	CHECK_EQ(pf_cl_breaker_pass(&b), -EIO);
	usleep(80 * 1000);
	CHECK_EQ(pf_cl_breaker_pass(&b), 0); /* one call tries again */
	pf_cl_breaker_note(&b, 0, "");
	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
}

/* A slow failure keeps it open as long as the failed call took. */
static void test_window_is_the_failed_call(void)
{
	struct pf_cl_breaker b = {.min_ns = 1000000LL};

	CHECK_EQ(pf_cl_breaker_pass(&b), 0);
	usleep(60 * 1000);
	pf_cl_breaker_note(&b, -ECONNREFUSED, "refused");
	usleep(20 * 1000);
	CHECK_EQ(pf_cl_breaker_pass(&b), -EIO);
}

int main(void)
{
	RUN(test_opens_on_transport_errors_only);
	RUN(test_closes_after_the_window);
	RUN(test_window_is_the_failed_call);
	return unit_done();
}
