// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include "error.h"

static __thread char last_error[512];

int pf_fail(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *pf_last_error(void)
{
	return last_error[0] ? last_error : "unknown error";
}
