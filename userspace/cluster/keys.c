// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The cluster's key schema; see keys.h and docs/CLUSTER.md. */
#include "userspace/cluster/keys.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "userspace/common/error.h"

int pf_cl_check_name(const char *what, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (!n || n >= PF_CL_NAME_MAX)
		return pf_fail(-EINVAL, "%s \"%s\": must be 1 to %d characters", what,
			       name ? name : "", PF_CL_NAME_MAX - 1);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && !strchr("._:-", name[i]))
			return pf_fail(-EINVAL,
				       "%s \"%s\": character %zu is not one of A-Z a-z 0-9 . _ : -",
				       what, name, i + 1);
	return 0;
}

int pf_cl_check_tx(const char *tx)
{
	size_t n = tx ? strlen(tx) : 0;

	if (n != 66 || strncmp(tx, "0x", 2))
		return pf_fail(-EINVAL, "transaction hash \"%s\": not 0x and 64 hex digits",
			       tx ? tx : "");
	for (size_t i = 2; i < n; i++)
		if (!isxdigit((unsigned char)tx[i]) || isupper((unsigned char)tx[i]))
			return pf_fail(
			    -EINVAL, "transaction hash \"%s\": not 0x and 64 lowercase hex digits",
			    tx);
	return 0;
}

int pf_cl_check_prefix(const char *prefix)
{
	size_t n = prefix ? strlen(prefix) : 0;

	if (n < 2 || n > 64 || prefix[0] != '/' || prefix[n - 1] == '/')
		return pf_fail(-EINVAL,
			       "cluster prefix \"%s\": must start with / and not end with /, "
			       "2 to 64 characters",
			       prefix ? prefix : "");
	return 0;
}

__attribute__((format(printf, 2, 3))) static int put(char *out, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, PF_CL_KEY_MAX, fmt, ap);
	va_end(ap);
	return n < 0 || n >= PF_CL_KEY_MAX ? pf_fail(-ENAMETOOLONG, "cluster key too long") : 0;
}

int pf_cl_key_node(char *out, const char *prefix, const char *node)
{
	return pf_cl_check_name("node", node) ?: put(out, "%s/nodes/%s", prefix, node);
}

int pf_cl_key_link(char *out, const char *prefix, const char *link)
{
	return pf_cl_check_name("link", link) ?: put(out, "%s/topo/links/%s", prefix, link);
}

int pf_cl_key_ledger(char *out, const char *prefix, const char *link)
{
	return pf_cl_check_name("link", link) ?: put(out, "%s/ledger/%s/", prefix, link);
}

int pf_cl_key_ledger_entry(char *out, const char *prefix, const char *link, const char *resv)
{
	return pf_cl_check_name("link", link) ?: pf_cl_check_name("reservation", resv)
		   ?: put(out, "%s/ledger/%s/%s", prefix, link, resv);
}

int pf_cl_key_resv(char *out, const char *prefix, const char *resv)
{
	return pf_cl_check_name("reservation", resv) ?: put(out, "%s/resv/%s", prefix, resv);
}

int pf_cl_key_tx(char *out, const char *prefix, const char *tx)
{
	return pf_cl_check_tx(tx) ?: put(out, "%s/tx/%s", prefix, tx);
}

int pf_cl_key_owed(char *out, const char *prefix, const char *node, const char *tx)
{
	int err = pf_cl_check_name("node", node) ?: (tx ? pf_cl_check_tx(tx) : 0);

	return err ?: put(out, "%s/owed/%s/%s", prefix, node, tx ? tx : "");
}

int pf_cl_key_dir(char *out, const char *prefix, const char *dir)
{
	return put(out, "%s/%s/", prefix, dir);
}

const char *pf_cl_key_last(const char *key)
{
	const char *s = strrchr(key, '/');

	return s ? s + 1 : key;
}
