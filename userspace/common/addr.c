// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "userspace/common/addr.h"

static const __u8 v4_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int pf_addr_parse(const char *text, __u8 out[16])
{
	struct in_addr v4;

	if (!text)
		return -EINVAL;
	if (inet_pton(AF_INET, text, &v4) == 1) {
		memcpy(out, v4_prefix, sizeof(v4_prefix));
		memcpy(out + 12, &v4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -EINVAL;
}

/* A dotted-quad part written with a leading zero ("010"), which inet_pton refuses. */
static bool v4_leading_zero(const char *text)
{
	if (!strchr(text, '.'))
		return false;
	for (const char *p = text; *p; p++)
		if (*p == '0' && (p == text || p[-1] == '.' || p[-1] == ':') && p[1] >= '0' &&
		    p[1] <= '9')
			return true;
	return false;
}

const char *pf_addr_why_bad(const char *text)
{
	if (strpbrk(text, " \t\r\n"))
		return "contains white space: give the address alone";
	if (strchr(text, '%'))
		return "has a zone index (%...), which only means something on one host: give "
		       "the address without it";
	if (strchr(text, '/'))
		return "is a prefix: give one host address, without /LENGTH";
	if (v4_leading_zero(text))
		return "has an IPv4 part with a leading zero: write 10.0.0.1, not 010.0.0.1";
	return "is not an IPv4 or IPv6 address";
}

bool pf_addr_is_v4(const __u8 addr[16])
{
	return !memcmp(addr, v4_prefix, sizeof(v4_prefix));
}

const char *pf_addr_format(const __u8 addr[16], char *buf, size_t len)
{
	bool v4 = pf_addr_is_v4(addr);

	if (!inet_ntop(v4 ? AF_INET : AF_INET6, v4 ? addr + 12 : addr, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

int pf_key_parse(struct pf_key *key, const char *a, const char *b, const char **bad)
{
	__u8 x[16], y[16];

	if (pf_addr_parse(a, x)) {
		*bad = a;
		return -EINVAL;
	}
	if (pf_addr_parse(b, y)) {
		*bad = b;
		return -EINVAL;
	}
	pf_key_make(key, x, y);
	return 0;
}

const char *pf_key_format(const struct pf_key *key, char *buf, size_t len)
{
	char lo[PF_ADDR_STRLEN], hi[PF_ADDR_STRLEN];

	snprintf(buf, len, "%s <-> %s", pf_addr_format(key->lo, lo, sizeof(lo)),
		 pf_addr_format(key->hi, hi, sizeof(hi)));
	return buf;
}
