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
