// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Log lines on stderr with a wall-clock timestamp; systemd or the shell keeps them. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "userspace/payflowd/payflowd.h"

void pfd_log(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld payflowd: ", when, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
