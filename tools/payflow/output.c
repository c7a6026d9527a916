// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflow's output: errors (text on stderr, JSON on stdout), formatting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "userspace/common/addr.h"
#include "tools/payflow/cli.h"
#include "userspace/common/units.h"

static void fail_json(int code, const char *err_code, const char *msg)
{
	struct json_object *o = json_object_new_object(), *e = json_object_new_object();

	json_object_object_add(e, "exit", json_object_new_int(code));
	json_object_object_add(e, "code", err_code ? json_object_new_string(err_code) : NULL);
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	print_json(o);
}

int cli_fail(struct cli *c, int code, const char *err_code, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->last_code = code;
	snprintf(c->last_err_code, sizeof(c->last_err_code), "%s", err_code ? err_code : "");
	snprintf(c->last_msg, sizeof(c->last_msg), "%s", msg);
	if (c->quiet)
		return code;
	fprintf(stderr, "payflow%s%s: %s\n", c->cmd ? " " : "", c->cmd ? c->cmd : "", msg);
	if (c->json)
		fail_json(code, err_code, msg);
	return code;
}

int cli_refused(struct cli *c, const struct pf_err_msg *e, const struct pf_refusal_ctx *ctx)
{
	char msg[768];

	pf_refusal_sentence(e, ctx, msg, sizeof(msg));
	return cli_fail(c, PF_EXIT_REFUSED, pf_err_name(e->code), "%s", msg);
}

void cli_note(struct cli *c, const char *fmt, ...)
{
	va_list ap;

	(void)c;
	fputs("payflow: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void print_json(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						   JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(stdout);
	json_object_put(o);
}

const char *fmt_time(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm))
		snprintf(buf, len, "%llu", (unsigned long long)t);
	return buf;
}

const char *fmt_duration(uint64_t s, char *buf, size_t len)
{
	if (s >= 3600)
		snprintf(buf, len, "%lluh%02llum%02llus", (unsigned long long)(s / 3600),
			 (unsigned long long)(s / 60 % 60), (unsigned long long)(s % 60));
	else if (s >= 60)
		snprintf(buf, len, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else
		snprintf(buf, len, "%llus", (unsigned long long)s);
	return buf;
}

const char *fmt_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const units[] = {"B", "kB", "MB", "GB", "TB", "PB"};
	double v = (double)b;
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%llu B", (unsigned long long)b);
	else
		snprintf(buf, len, "%.3g %s", v, units[u]);
	return buf;
}

const char *fmt_rate(uint64_t bps, char *buf, size_t len)
{
	return pf_rate_format(bps, buf, len);
}

const char *fmt_ip(const pf_ip_t ip, char *buf, size_t len)
{
	return pf_addr_format(ip, buf, len);
}

const char *fmt_amount(const char *amount, const struct pf_menu *m, char *buf, size_t len)
{
	if (pf_amount_units(amount, m ? (unsigned int)m->decimals : 0, m ? m->currency : "units",
			    buf, len) < 0)
		snprintf(buf, len, "%s", amount);
	return buf;
}

int parse_u64_opt(struct cli *c, const char *opt, const char *arg, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = arg[0] >= '0' && arg[0] <= '9' ? strtoull(arg, &end, 10) : 0;
	if (!(arg[0] >= '0' && arg[0] <= '9') || errno || *end || v > max)
		return cli_fail(c, PF_EXIT_USAGE, NULL,
				"%s: '%s' is not a whole number from 0 to %llu", opt, arg,
				(unsigned long long)max);
	*out = v;
	return 0;
}

bool stderr_tty(void)
{
	return isatty(STDERR_FILENO);
}
