// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Log lines on stderr, each with its level. Under systemd (JOURNAL_STREAM
 * set: stderr is the journal) a line starts with "<N>", the syslog priority
 * journald reads, and the journal adds the time; on a terminal it starts
 * with the wall-clock time and the level's name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "userspace/payflowd/payflowd.h"

static const char *const level_name[] = {
    [PFD_LOG_ERR] = "error",
    [PFD_LOG_WARN] = "warning",
    [PFD_LOG_INFO] = "info",
    [PFD_LOG_DEBUG] = "debug",
};
static const int syslog_prio[] = {
    [PFD_LOG_ERR] = 3, [PFD_LOG_WARN] = 4, [PFD_LOG_INFO] = 6, [PFD_LOG_DEBUG] = 7};

static void prefix(enum pfd_log_level lv)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	if (getenv("JOURNAL_STREAM")) {
		fprintf(stderr, "<%d>%s: ", syslog_prio[lv], level_name[lv]);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld payflowd: %s: ", when, ts.tv_nsec / 1000000, level_name[lv]);
}

/* One line at a time: the cluster threads log too (cluster_glue.c). */
static void vlog(enum pfd_log_level lv, const char *fmt, va_list ap)
{
	flockfile(stderr);
	prefix(lv);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void pfd_logl(enum pfd_log_level lv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(lv, fmt, ap);
	va_end(ap);
}

void pfd_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(PFD_LOG_INFO, fmt, ap);
	va_end(ap);
}

int pfd_libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;

	if (level != LIBBPF_WARN && !getenv("PF_DEBUG"))
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n && line[n - 1] == '\n')
		line[n - 1] = 0;
	pfd_logl(level == LIBBPF_WARN ? PFD_LOG_WARN : PFD_LOG_DEBUG, "%s", line);
	return (int)n;
}
