/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* payflowctl: shared state of one invocation and the subcommand entry points. */
#ifndef PF_CTL_H
#define PF_CTL_H

#include <stdbool.h>
#include <json-c/json.h>

/* Exit codes, documented in --help. */
enum ctl_exit {
	CTL_OK = 0,
	CTL_ERR = 1,   /* the operation failed */
	CTL_USAGE = 2, /* bad command line */
};

struct ctl {
	const char *pin_root;
	const char *socket; /* payflowd's control socket */
	bool json;
	bool direct; /* act on the pinned maps without payflowd */
};

/* Prints "payflowctl: <msg>" to stderr and returns `code`. */
int ctl_error(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints obj as JSON (with --json) and releases it. */
void ctl_print_json(struct json_object *obj);

int cmd_attach(struct ctl *c, int argc, char **argv);
int cmd_detach(struct ctl *c, int argc, char **argv);
/* Through payflowd (cmd_daemon.c). */
int cmd_grant(struct ctl *c, int argc, char **argv);
int cmd_hold(struct ctl *c, int argc, char **argv);
int cmd_release(struct ctl *c, int argc, char **argv);
int cmd_revoke(struct ctl *c, int argc, char **argv);
int cmd_list(struct ctl *c, int argc, char **argv);
int cmd_show(struct ctl *c, int argc, char **argv);
int cmd_stats(struct ctl *c, int argc, char **argv);
int cmd_ports(struct ctl *c, int argc, char **argv);
/* Sends req (consumed) to payflowd and prints the result, as JSON or with human(). */
int ctl_daemon_run(struct ctl *c, struct json_object *req, void (*human)(struct json_object *));
/* cmd_topology.c */
int cmd_topology(struct ctl *c, int argc, char **argv);
int cmd_path(struct ctl *c, int argc, char **argv);
int cmd_blocks(struct ctl *c, int argc, char **argv);
int cmd_reload(struct ctl *c, int argc, char **argv);
int cmd_ledger(struct ctl *c, int argc, char **argv);
int cmd_unblock(struct ctl *c, int argc, char **argv);
/* The class pool, straight on the pins (cmd_pool.c). */
int cmd_pool(struct ctl *c, int argc, char **argv);
/* Straight on the pinned maps, with --direct (direct_resv.c, direct_show.c). */
int direct_grant(struct ctl *c, int argc, char **argv);
int direct_revoke(struct ctl *c, int argc, char **argv);
int direct_list(struct ctl *c, int argc, char **argv);
int direct_stats(struct ctl *c, int argc, char **argv);

#endif /* PF_CTL_H */
