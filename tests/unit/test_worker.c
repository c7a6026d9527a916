// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The background worker: it takes no signals, and a stop wakes it at once. */
#include <signal.h>
#include <time.h>
#include "tests/unit/unit.h"
#include "userspace/common/worker.h"

struct probe {
	struct pf_worker w;
	int rounds;
	int hup_blocked;
};

static void *sleepy(void *arg)
{
	struct probe *p = arg;
	sigset_t cur;

	pthread_sigmask(SIG_BLOCK, NULL, &cur);
	p->hup_blocked = sigismember(&cur, SIGHUP);
	while (!pf_worker_sleep(&p->w, 60000))
		p->rounds++;
	return NULL;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void test_stop_wakes_a_long_sleep(void)
{
	struct probe p = {0};
	double t;

	CHECK_EQ(pf_worker_start(&p.w, sleepy, &p, "probe"), 0);
	CHECK(!pf_worker_stopping(&p.w));
	t = now_s();
	pf_worker_stop(&p.w);
	CHECK(now_s() - t < 1.0); /* not the 60 s it was sleeping */
	CHECK_EQ(p.rounds, 0);
}

/* Started from a thread that takes SIGHUP, the worker still blocks it:
 * payflowd reads signals from a signalfd on its loop only. */
static void test_takes_no_signals(void)
{
	struct probe p = {0};
	sigset_t hup, old;

	sigemptyset(&hup);
	sigaddset(&hup, SIGHUP);
	pthread_sigmask(SIG_UNBLOCK, &hup, &old);
	CHECK_EQ(pf_worker_start(&p.w, sleepy, &p, "probe"), 0);
	pf_worker_stop(&p.w);
	CHECK_EQ(p.hup_blocked, 1);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

int main(void)
{
	RUN(test_stop_wakes_a_long_sleep);
	RUN(test_takes_no_signals);
	return unit_done();
}
