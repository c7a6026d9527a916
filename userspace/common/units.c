// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "userspace/common/units.h"

static double si_scale(char c)
{
	switch (tolower((unsigned char)c)) {
	case 'k':
		return 1e3;
	case 'm':
		return 1e6;
	case 'g':
		return 1e9;
	case 't':
		return 1e12;
	default:
		return 0;
	}
}

int pf_rate_parse(const char *text, __u64 *bps)
{
	char *end;
	double v, scale = 1;

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || !isfinite(v))
		return -EINVAL;
	if (*end && si_scale(*end) > 0)
		scale = si_scale(*end++);
	if (*end && strcasecmp(end, "bit") && strcasecmp(end, "bps") && strcasecmp(end, "b") &&
	    strcasecmp(end, "bit/s"))
		return -EINVAL;
	v *= scale;
	if (v < 1 || v > 1e15)
		return -EINVAL;
	*bps = (__u64)llround(v);
	return 0;
}

const char *pf_rate_format(__u64 bps, char *buf, size_t len)
{
	static const char *const units[] = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s"};
	double v = (double)bps;
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, "%.4g %s", v, units[u]);
	return buf;
}

int pf_uint_parse(const char *text, __u64 max, __u64 *out)
{
	char *end;
	unsigned long long v;

	if (!text || !isdigit((unsigned char)text[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || *end || v == 0 || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}
