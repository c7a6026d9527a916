/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The buyer's settings (docs/CLIENT.md, "Files"): where payflow keeps its
 * files, the optional config file, and broker addresses.
 *
 * The payflow home is $PAYFLOW_HOME, else $XDG_CONFIG_HOME/payflow, else
 * $HOME/.config/payflow. Its config file "config" holds "name = value"
 * lines (blank lines and '#' comments ignored) for the names broker, rpc,
 * account, key, peer and timeout; an unknown name or a line without '=' is
 * an error naming the line. Command-line options override environment
 * variables (PAYFLOW_BROKER, PAYFLOW_RPC, ...), which override the file.
 */
#ifndef PF_CLIENT_CONFIG_H
#define PF_CLIENT_CONFIG_H

#include <stddef.h>

#define PF_CLIENT_PORT	    6113
#define PF_CLIENT_VALUE_MAX 1024

struct pf_client_config {
	char broker[PF_CLIENT_VALUE_MAX];  /* HOST[:PORT] */
	char rpc[PF_CLIENT_VALUE_MAX];	   /* ledger node URL */
	char account[PF_CLIENT_VALUE_MAX]; /* node-managed account */
	char key[PF_CLIENT_VALUE_MAX];	   /* local key file */
	char peer[PF_CLIENT_VALUE_MAX];	   /* default --peer */
	char timeout[PF_CLIENT_VALUE_MAX]; /* default --timeout, seconds */
};

/* Parses config text into c (fields not named stay as they are). 0 or -EINVAL. */
int pf_client_config_parse(const char *text, size_t len, struct pf_client_config *c);
/* Loads path into c; a missing file is no error. */
int pf_client_config_load(const char *path, struct pf_client_config *c);
/* Overrides c's fields from PAYFLOW_BROKER, PAYFLOW_RPC, PAYFLOW_ACCOUNT, PAYFLOW_KEY, ... */
void pf_client_config_env(struct pf_client_config *c);

/* The payflow home directory (not created). 0, or -ENOENT when no variable says. */
int pf_client_home(char *out, size_t len);

/*
 * Parses "HOST", "HOST:PORT", "[V6]:PORT", "[V6]" or a bare IPv6 address
 * (more than one ':'), with PF_CLIENT_PORT as the default port.
 * 0, or -EINVAL with err saying why.
 */
int pf_broker_addr_parse(const char *text, char *host, size_t hostlen, unsigned int *port);

#endif /* PF_CLIENT_CONFIG_H */
