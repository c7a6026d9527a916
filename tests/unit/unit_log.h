/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Captures log lines for tests of code that logs through a plain printf-like
 * function (pf_cl_log_fn has no context, so the buffer is per test program):
 * unit_log() appends a line to unit_logged.
 */
#ifndef PF_UNIT_LOG_H
#define PF_UNIT_LOG_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static char unit_logged[4096];

static inline __attribute__((format(printf, 1, 2))) void unit_log(const char *fmt, ...)
{
	size_t n = strlen(unit_logged);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(unit_logged + n, sizeof(unit_logged) - n, fmt, ap);
	va_end(ap);
	n = strlen(unit_logged);
	snprintf(unit_logged + n, sizeof(unit_logged) - n, "\n");
}

#endif /* PF_UNIT_LOG_H */
