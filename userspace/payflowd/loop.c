// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The event loop: epoll over the control socket and its clients, a timerfd
 * armed for the next expiry, a signalfd for SIGTERM/SIGINT (stop) and SIGHUP
 * (reload), and the metrics
 * server's epoll fd. Nothing polls: epoll_wait sleeps until one of them is
 * ready. Every wake-up is one batch: its changes commit together (group
 * commit), then the replies go out.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "userspace/dataplane/clock.h"
#include "userspace/payflowd/payflowd.h"
#include "userspace/payflowd/cluster_enforce.h"
#include "userspace/common/error.h"

static enum pfd_src timer_tag = PFD_SRC_TIMER, signal_tag = PFD_SRC_SIGNAL;

static int watch(struct pfd *d, int fd, void *tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = tag};

	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev))
		return pf_fail(-errno, "epoll: %s", strerror(errno));
	return 0;
}

int pfd_loop_init(struct pfd *d)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	d->timerfd = timerfd_create(CLOCK_BOOTTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	d->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->epfd < 0 || d->timerfd < 0 || d->sigfd < 0)
		return pf_fail(-errno, "cannot set up the event loop: %s", strerror(errno));
	return watch(d, d->timerfd, &timer_tag) ?: watch(d, d->sigfd, &signal_tag);
}

static bool signalled(struct pfd *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			pfd_log("signal %d: stopping; enforcement stays in place", si.ssi_signo);
			return true;
		}
		if (si.ssi_signo == SIGHUP) {
			char changed[1024];

			if (pfd_reload(d, changed, sizeof(changed)))
				pfd_logl(PFD_LOG_WARN, "SIGHUP: %s", pf_last_error());
		}
	}
	return false;
}

/* Commits the batch; a failed commit rebuilds memory and data plane from the database. */
static bool end_batch(struct pfd *d)
{
	bool committed = true;

	if (d->txn_failed) { /* a request could not undo its data-plane change */
		d->txn_failed = false;
		if (d->in_txn)
			pf_store_rollback(d->store);
		d->in_txn = false;
		committed = false;
	}
	if (d->in_txn) {
		d->in_txn = false;
		if (pf_store_commit(d->store)) {
			pfd_logl(PFD_LOG_ERR, "%s; rolling back and reconciling", pf_last_error());
			pf_store_rollback(d->store);
			committed = false;
		}
	}
	pfd_ctl_flush(d, committed);
	pfd_broker_flush(d, committed);
	if (!committed && pfd_reconcile(d))
		pfd_logl(PFD_LOG_ERR, "reconcile failed: %s", pf_last_error());
	pfd_arm_timer(d);
	return committed;
}

/*
 * The programs' clock is coarse CLOCK_MONOTONIC + config.boot_offset_ns; a
 * suspend moves that offset, so the loop checks it at least once a second
 * (two clock reads) and rewrites it when it moved: paid ends then fall on
 * the same instant as their wall-clock ends again.
 */
static void sync_clock(struct pfd *d)
{
	bool first = d->boot_offset == PF_CLOCK_UNKNOWN;
	__s64 before = d->boot_offset;
	int r = pf_clock_sync(&d->dp.maps, &d->boot_offset);

	if (r < 0)
		pfd_logl(PFD_LOG_ERR, "clock: %s", pf_last_error());
	else if (r > 0 && !first)
		pfd_log("clock: CLOCK_BOOTTIME moved %.3f s ahead of CLOCK_MONOTONIC (a suspend); "
			"the data plane's clock follows",
			(double)(d->boot_offset - before) / 1e9);
}

static int loop_timeout_ms(struct pfd *d)
{
	int ms = pfd_metrics_timeout_ms(d);

	return ms < 0 || ms > 1000 ? 1000 : ms;
}

int pfd_loop_run(struct pfd *d)
{
	struct epoll_event ev[64];
	bool stop = false, more_pool = true;

	while (!stop) {
		int n =
		    epoll_wait(d->epfd, ev, 64, more_pool ? PFD_POOL_QUIET_MS : loop_timeout_ms(d));

		sync_clock(d);

		if (n < 0 && errno != EINTR)
			return pf_fail(-errno, "epoll_wait: %s", strerror(errno));
		for (int i = 0; i < n; i++) {
			enum pfd_src *src = ev[i].data.ptr;
			__u64 ticks;

			switch (*src) {
			case PFD_SRC_LISTEN:
			case PFD_SRC_CLIENT:
				pfd_ctl_event(d, src, ev[i].events);
				break;
			case PFD_SRC_TIMER:
				if (read(d->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					pfd_logl(PFD_LOG_ERR, "timerfd: %s", strerror(errno));
				pfd_reap(d);
				break;
			case PFD_SRC_SIGNAL:
				stop = signalled(d);
				break;
			case PFD_SRC_METRICS:
				break; /* served below */
			case PFD_SRC_BROKER_LISTEN:
			case PFD_SRC_BROKER_CONN:
			case PFD_SRC_BROKER_TIMER:
				pfd_broker_event(d, src, ev[i].events);
				break;
			case PFD_SRC_LEDGER:
				pfd_broker_ledger(d);
				break;
			case PFD_SRC_CLUSTER_FEED:
			case PFD_SRC_CLUSTER_TIMER:
				pfd_cenf_event(d, src);
				break;
			}
		}
		pfd_metrics_run(d);
		end_batch(d);
		/* Credits owed since a crash or a failed commit, outside any batch,
		 * committed at once. */
		pfd_csell_settle(d);
		if (d->in_txn)
			end_batch(d);
		/* Only after PFD_POOL_QUIET_MS without a request: a stream of grants,
		 * even one with short gaps, is not slowed by class creation (it
		 * grows the pool itself if it runs out). After requests (grants, a
		 * reload) the next quiet spell checks again. */
		more_pool = n > 0 || pfd_pool_ahead(d);
	}
	return 0;
}

void pfd_loop_close(struct pfd *d)
{
	if (d->sigfd >= 0)
		close(d->sigfd);
	if (d->timerfd >= 0)
		close(d->timerfd);
	if (d->epfd >= 0)
		close(d->epfd);
	d->sigfd = d->timerfd = d->epfd = -1;
}
