// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The buyer's settings: home, config file, broker addresses; see client_config.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tools/payflow/client_config.h"
#include "userspace/common/error.h"

static const struct {
	const char *name;
	const char *env;
	size_t offset;
} settings[] = {
    {"broker", "PAYFLOW_BROKER", offsetof(struct pf_client_config, broker)},
    {"rpc", "PAYFLOW_RPC", offsetof(struct pf_client_config, rpc)},
    {"account", "PAYFLOW_ACCOUNT", offsetof(struct pf_client_config, account)},
    {"key", "PAYFLOW_KEY", offsetof(struct pf_client_config, key)},
    {"peer", "PAYFLOW_PEER", offsetof(struct pf_client_config, peer)},
    {"timeout", "PAYFLOW_TIMEOUT", offsetof(struct pf_client_config, timeout)},
};
#define N_SETTINGS (sizeof(settings) / sizeof(settings[0]))

static const char *trim(const char *s, const char *end, size_t *n)
{
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*n = (size_t)(end - s);
	return s;
}

static int parse_line(const char *s, const char *end, struct pf_client_config *c, size_t lineno)
{
	const char *eq = memchr(s, '=', (size_t)(end - s)), *name, *val;
	size_t nn, vn;

	name = trim(s, end, &nn);
	if (!nn || *name == '#')
		return 0;
	if (!eq)
		return pf_fail(-EINVAL, "line %zu has no '=': write name = value", lineno);
	name = trim(s, eq, &nn);
	val = trim(eq + 1, end, &vn);
	for (size_t i = 0; i < N_SETTINGS; i++) {
		if (strlen(settings[i].name) != nn || memcmp(settings[i].name, name, nn))
			continue;
		if (vn >= PF_CLIENT_VALUE_MAX)
			return pf_fail(-EINVAL, "line %zu: the value is too long", lineno);
		memcpy((char *)c + settings[i].offset, val, vn);
		((char *)c + settings[i].offset)[vn] = '\0';
		return 0;
	}
	return pf_fail(-EINVAL,
		       "line %zu: unknown setting '%.*s' (known: broker, rpc, account, key, "
		       "peer, timeout)",
		       lineno, (int)(nn > 40 ? 40 : nn), name);
}

int pf_client_config_parse(const char *text, size_t len, struct pf_client_config *c)
{
	const char *p = text, *end = text + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		int rc = parse_line(p, le, c, ++lineno);

		if (rc)
			return rc;
		p = nl ? nl + 1 : end;
	}
	return 0;
}

int pf_client_config_load(const char *path, struct pf_client_config *c)
{
	char buf[16384];
	FILE *f = fopen(path, "r");
	size_t n;
	int rc;

	if (!f)
		return errno == ENOENT
			   ? 0
			   : pf_fail(-errno, "cannot read %s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	rc = ferror(f) ? -EIO : n == sizeof(buf) ? -EFBIG : 0;
	fclose(f);
	if (rc)
		return pf_fail(rc, "cannot read %s: %s", path,
			       rc == -EFBIG ? "larger than 16 KiB" : strerror(EIO));
	rc = pf_client_config_parse(buf, n, c);
	return rc ? pf_fail(rc, "%s: %s", path, pf_last_error()) : 0;
}

void pf_client_config_env(struct pf_client_config *c)
{
	for (size_t i = 0; i < N_SETTINGS; i++) {
		const char *v = getenv(settings[i].env);

		if (v && *v)
			snprintf((char *)c + settings[i].offset, PF_CLIENT_VALUE_MAX, "%s", v);
	}
}

int pf_client_home(char *out, size_t len)
{
	const char *v;
	int n;

	if ((v = getenv("PAYFLOW_HOME")) && *v)
		n = snprintf(out, len, "%s", v);
	else if ((v = getenv("XDG_CONFIG_HOME")) && *v)
		n = snprintf(out, len, "%s/payflow", v);
	else if ((v = getenv("HOME")) && *v)
		n = snprintf(out, len, "%s/.config/payflow", v);
	else
		return pf_fail(-ENOENT, "no home for payflow's files: set PAYFLOW_HOME or HOME");
	if (n < 0 || (size_t)n >= len)
		return pf_fail(-ENAMETOOLONG, "the payflow home path is too long");
	return 0;
}

static int parse_port(const char *s, unsigned int *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v == 0 || v > 65535)
		return -EINVAL;
	*port = (unsigned int)v;
	return 0;
}

static int copy_host(const char *s, size_t n, char *host, size_t hostlen)
{
	if (!n || n >= hostlen)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	return 0;
}

int pf_broker_addr_parse(const char *text, char *host, size_t hostlen, unsigned int *port)
{
	const char *colon, *close;
	int rc;

	*port = PF_CLIENT_PORT;
	if (!text || !*text)
		return pf_fail(-EINVAL, "no broker given: use --broker HOST[:PORT]");
	if (*text == '[') {
		close = strchr(text, ']');
		rc = close ? copy_host(text + 1, (size_t)(close - text - 1), host, hostlen)
			   : -EINVAL;
		if (!rc && close[1])
			rc = close[1] == ':' ? parse_port(close + 2, port) : -EINVAL;
	} else if ((colon = strchr(text, ':')) && strchr(colon + 1, ':')) {
		rc = copy_host(text, strlen(text), host, hostlen); /* bare IPv6 */
	} else if (colon) {
		rc = copy_host(text, (size_t)(colon - text), host, hostlen);
		if (!rc)
			rc = parse_port(colon + 1, port);
	} else {
		rc = copy_host(text, strlen(text), host, hostlen);
	}
	if (rc)
		return pf_fail(-EINVAL,
			       "'%s' is not a broker address: write HOST, HOST:PORT or "
			       "[IPV6]:PORT, port 1..65535",
			       text);
	return 0;
}
