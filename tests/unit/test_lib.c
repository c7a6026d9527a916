// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The data-plane library's pure parts: addresses, pair keys, rates, bursts. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "unit.h"
#include "userspace/common/addr.h"
#include "userspace/common/buf.h"
#include "userspace/common/units.h"
#include "userspace/dataplane/resv.h"

static void test_addr_v4_is_mapped(void)
{
	const __u8 want[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 77, 0, 1};
	__u8 a[16];
	char buf[PF_ADDR_STRLEN];

	CHECK_EQ(pf_addr_parse("10.77.0.1", a), 0);
	CHECK(!memcmp(a, want, 16));
	CHECK(pf_addr_is_v4(a));
	CHECK_STR(pf_addr_format(a, buf, sizeof(buf)), "10.77.0.1");
}

static void test_addr_v6_and_bad(void)
{
	__u8 a[16];
	char buf[PF_ADDR_STRLEN];

	CHECK_EQ(pf_addr_parse("fd77::1", a), 0);
	CHECK(!pf_addr_is_v4(a));
	CHECK_STR(pf_addr_format(a, buf, sizeof(buf)), "fd77::1");
	CHECK_EQ(pf_addr_parse("10.77.0.256", a), -EINVAL);
	CHECK_EQ(pf_addr_parse("", a), -EINVAL);
	CHECK_EQ(pf_addr_parse("fd77:::1", a), -EINVAL);
	CHECK_EQ(pf_addr_parse(NULL, a), -EINVAL);
}

static void test_key_is_unordered(void)
{
	struct pf_key k1, k2;
	const char *bad = NULL;
	char buf[PF_PAIR_STRLEN];

	CHECK_EQ(pf_key_parse(&k1, "10.77.0.2", "10.77.0.1", &bad), 0);
	CHECK_EQ(pf_key_parse(&k2, "10.77.0.1", "10.77.0.2", &bad), 0);
	CHECK(!memcmp(&k1, &k2, sizeof(k1)));
	CHECK_STR(pf_key_format(&k1, buf, sizeof(buf)), "10.77.0.1 <-> 10.77.0.2");
	/* IPv4-mapped sorts below a ULA IPv6 address. */
	CHECK_EQ(pf_key_parse(&k1, "fd77::1", "10.77.0.1", &bad), 0);
	CHECK_STR(pf_key_format(&k1, buf, sizeof(buf)), "10.77.0.1 <-> fd77::1");
	CHECK_EQ(pf_key_parse(&k1, "10.77.0.1", "nope", &bad), -EINVAL);
	CHECK_STR(bad, "nope");
}

static void test_rate_parse(void)
{
	__u64 v = 0;

	CHECK_EQ(pf_rate_parse("150mbit", &v), 0);
	CHECK_EQ(v, 150000000);
	CHECK_EQ(pf_rate_parse("1G", &v), 0);
	CHECK_EQ(v, 1000000000);
	CHECK_EQ(pf_rate_parse("2.5gbit", &v), 0);
	CHECK_EQ(v, 2500000000ULL);
	CHECK_EQ(pf_rate_parse("800k", &v), 0);
	CHECK_EQ(v, 800000);
	CHECK_EQ(pf_rate_parse("1500000", &v), 0);
	CHECK_EQ(v, 1500000);
	CHECK_EQ(pf_rate_parse("0", &v), -EINVAL);
	CHECK_EQ(pf_rate_parse("-5mbit", &v), -EINVAL);
	CHECK_EQ(pf_rate_parse("5 mbit", &v), -EINVAL);
	CHECK_EQ(pf_rate_parse("5mbyte", &v), -EINVAL);
	CHECK_EQ(pf_rate_parse("nan", &v), -EINVAL);
	CHECK_EQ(pf_rate_parse("", &v), -EINVAL);
}

static void test_rate_format_and_uint(void)
{
	char buf[32];
	__u64 v;

	CHECK_STR(pf_rate_format(150000000, buf, sizeof(buf)), "150 Mbit/s");
	CHECK_STR(pf_rate_format(2500000000ULL, buf, sizeof(buf)), "2.5 Gbit/s");
	CHECK_STR(pf_rate_format(999, buf, sizeof(buf)), "999 bit/s");
	CHECK_EQ(pf_uint_parse("30", 100, &v), 0);
	CHECK_EQ(v, 30);
	CHECK_EQ(pf_uint_parse("0", 100, &v), -EINVAL);
	CHECK_EQ(pf_uint_parse("101", 100, &v), -EINVAL);
	CHECK_EQ(pf_uint_parse("3s", 100, &v), -EINVAL);
}

static void test_default_burst(void)
{
	/* 300 ms of the rate, at least 1 MiB, capped to 32 bits. */
	CHECK_EQ(pf_default_burst(10000000), 1 << 20);
	CHECK_EQ(pf_default_burst(100000000), 3750000);
	CHECK_EQ(pf_default_burst(1000000000000ULL), UINT32_MAX);
}

static void test_buf_append_printf_consume(void)
{
	struct pf_buf b = {0};

	CHECK_EQ(pf_buf_append(&b, "", 0), 0);
	CHECK_STR(b.data, "");
	for (int i = 0; i < 1000; i++)
		CHECK_EQ(pf_buf_printf(&b, "%d,", i % 10), 0);
	CHECK_EQ(b.len, 2000);
	CHECK(b.cap > b.len); /* room for the NUL */
	CHECK_EQ(b.data[b.len], 0);
	CHECK_EQ(pf_buf_append(&b, "xyz", 3), 0);
	pf_buf_consume(&b, 1998);
	CHECK_STR(b.data, "9,xyz");
	pf_buf_consume(&b, 99);
	CHECK_EQ(b.len, 0);
	CHECK_STR(b.data, "");
	CHECK_EQ(pf_buf_reserve(&b, SIZE_MAX - 1), -ENOMEM);
	CHECK_EQ(b.len, 0);
	pf_buf_free(&b);
	CHECK(b.data == NULL);
}

static void test_grow_arrays(void)
{
	size_t cap = 0;
	uint64_t *a = pf_grow(NULL, &cap, 3, sizeof(*a)), *same;

	CHECK(a != NULL);
	CHECK_EQ(cap, 16);
	same = pf_grow(a, &cap, 16, sizeof(*a));
	CHECK(same == a);
	a = pf_grow(a, &cap, 17, sizeof(*a));
	CHECK_EQ(cap, 32);
	a[31] = 7;
	/* an impossible size fails and keeps the old array and capacity */
	CHECK(pf_grow(a, &cap, SIZE_MAX / 4, sizeof(*a)) == NULL);
	CHECK_EQ(cap, 32);
	CHECK_EQ(a[31], 7);
	free(a);
}

int main(void)
{
	RUN(test_buf_append_printf_consume);
	RUN(test_grow_arrays);
	RUN(test_addr_v4_is_mapped);
	RUN(test_addr_v6_and_bad);
	RUN(test_key_is_unordered);
	RUN(test_rate_parse);
	RUN(test_rate_format_and_uint);
	RUN(test_default_burst);
	return unit_done();
}
