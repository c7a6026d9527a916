// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* payflowd: the PayFlow controller daemon (docs/CONFIG.md, docs/CONTROL.md). */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/events.h"
#include "userspace/dataplane/clock.h"
#include "userspace/dataplane/htb.h"
#include "userspace/common/error.h"

static const char usage[] =
    "NAME\n"
    "    payflowd - the PayFlow controller daemon: admission, reservations, enforcement\n"
    "\n"
    "SYNOPSIS\n"
    "    payflowd --config FILE [--check | --detach]\n"
    "\n"
    "DESCRIPTION\n"
    "    Attaches the configured ports (tc/XDP programs, HTB), keeps reservations\n"
    "    in SQLite, admits them on every egress port of each pair's path, reaps\n"
    "    them at their end, serves payflowctl on a unix socket, sells reservations\n"
    "    through its broker, and serves Prometheus metrics and a live dashboard\n"
    "    over HTTP. Under systemd it reports readiness (sd_notify) once it serves.\n"
    "\n"
    "OPTIONS\n"
    "    -c, --config FILE  the JSON configuration (payflowd.json(5), docs/CONFIG.md)\n"
    "        --check        validate the config (and its interfaces) and exit\n"
    "        --detach       tear down enforcement: programs, qdiscs, classes and\n"
    "                       pinned maps; the database is kept, so a later start\n"
    "                       reinstalls reservations that have not ended\n"
    "    -h, --help         this text\n"
    "\n"
    "SIGNALS\n"
    "    SIGTERM stops the daemon and leaves enforcement in place (maps pinned,\n"
    "    programs attached); a restart reconciles and carries on, and brings the\n"
    "    ports' HTB rates to the config in place.\n"
    "    SIGHUP (or payflowctl reload) re-reads the config and applies what can\n"
    "    change live (prices, levels added, capacities, hosts, best effort,\n"
    "    limits); it refuses any other change, naming the key, and keeps the old\n"
    "    config.\n"
    "\n"
    "FILES\n"
    "    STATE_DIR/payflow.db     reservations, payments, orders (default\n"
    "                             " PF_CONF_DEFAULT_STATE_DIR ")\n"
    "    " PF_CONF_DEFAULT_SOCKET "       the control socket (config \"socket\")\n"
    "\n"
    "EXIT STATUS\n"
    "    0 stopped by a signal or --check/--detach done; 1 failure (the message\n"
    "    says why); 2 usage error.\n"
    "\n"
    "SEE ALSO\n"
    "    payflowctl(8), payflow(1), payflowd.json(5)\n";

/* One daemon per state directory. */
static int lock_state(struct pfd *d)
{
	char path[PATH_MAX + 32];

	if (mkdir(d->conf.state_dir, 0700) && errno != EEXIST)
		return pf_fail(-errno, "cannot create state dir %s: %s", d->conf.state_dir,
			       strerror(errno));
	snprintf(path, sizeof(path), "%s/payflowd.lock", d->conf.state_dir);
	d->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (d->lockfd < 0)
		return pf_fail(-errno, "cannot open %s: %s", path, strerror(errno));
	if (flock(d->lockfd, LOCK_EX | LOCK_NB))
		return pf_fail(-EBUSY, "another payflowd uses state dir %s", d->conf.state_dir);
	return 0;
}

static int open_store(struct pfd *d)
{
	char path[PATH_MAX + 32];

	snprintf(path, sizeof(path), "%s/payflow.db", d->conf.state_dir);
	return pf_store_open(&d->store, path, d->conf.sync_full);
}

static int start(struct pfd *d)
{
	int err = lock_state(d) ?: open_store(d);

	if (!err)
		err = pfd_table_init(&d->table, 1 << 17);
	if (!err)
		err = pfd_loop_init(d) ?: pfd_ctl_listen(d);
	if (!err)
		err = pfd_metrics_start(d);
	if (!err)
		err = pf_htb_session_begin();
	if (!err)
		err = pfd_attach_ports(d);
	if (!err)
		err = pfd_reconcile(d);
	if (!err)
		err = pfd_broker_start(d);
	if (!err)
		err = pfd_cluster_start(d);
	if (!err)
		pfd_arm_timer(d);
	return err;
}

static void stop(struct pfd *d)
{
	pfd_cluster_stop(d);
	pfd_notify_stopping();
	pfd_broker_stop(d);
	pfd_metrics_stop(d);
	pfd_ctl_close(d);
	pfd_loop_close(d);
	pf_store_close(d->store);
	pf_dp_close(&d->dp); /* programs stay attached, maps stay pinned */
	pf_htb_session_end();
	pfd_table_free(&d->table);
	pfd_events_free(d);
	if (d->lockfd >= 0)
		close(d->lockfd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"detach", no_argument, NULL, 'd'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	const char *config = NULL;
	bool check = false, detach = false;
	struct pfd *d;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config = optarg;
			break;
		case 'k':
			check = true;
			break;
		case 'd':
			detach = true;
			break;
		case 'h':
			fputs(usage, stdout);
			return 0;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (!config || optind != argc) {
		fputs(usage, stderr);
		return 2;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return 1;
	d->epfd = d->timerfd = d->sigfd = d->listenfd = d->lockfd = -1;
	d->boot_offset = PF_CLOCK_UNKNOWN;
	snprintf(d->config_path, sizeof(d->config_path), "%s", config);
	if (pf_conf_load(config, &d->conf)) {
		fprintf(stderr, "payflowd: %s\n", pf_last_error());
		free(d);
		return 1;
	}
	if (check) {
		printf("%s: ok, %d ports, %d levels\n", config, d->conf.n_ports, d->conf.n_levels);
		free(d);
		return 0;
	}
	if (detach) {
		err = pfd_detach_all(&d->conf);
		if (err)
			fprintf(stderr, "payflowd: %s\n", pf_last_error());
		free(d);
		return err ? 1 : 0;
	}
	err = start(d);
	if (err)
		fprintf(stderr, "payflowd: %s\n", pf_last_error());
	else
		pfd_log("ready: %d ports, socket %s", d->conf.n_ports, d->conf.socket_path);
	if (!err)
		pfd_notify_ready(d);
	if (!err && pfd_loop_run(d)) {
		pfd_logl(PFD_LOG_ERR, "%s", pf_last_error());
		err = -1;
	}
	stop(d);
	free(d);
	return err ? 1 : 0;
}
