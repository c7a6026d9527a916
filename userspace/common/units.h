/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Rates and durations as operators type them: "150mbit", "1G", "2.5gbit", "30s". */
#ifndef PF_UNITS_H
#define PF_UNITS_H

#include <stddef.h>
#include <linux/types.h>

/* Bits per second from "N[.N][k|m|g|t][bit|bps|b]" (SI, 1k = 1000). 0 on
 * success, -EINVAL for anything else, including a rate of 0. */
int pf_rate_parse(const char *text, __u64 *bps);
/* "150 Mbit/s". Returns buf. */
const char *pf_rate_format(__u64 bps, char *buf, size_t len);
/* A positive whole number (of seconds, bytes, ...) without junk. */
int pf_uint_parse(const char *text, __u64 max, __u64 *out);

#endif /* PF_UNITS_H */
