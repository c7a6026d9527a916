// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* A background thread working in rounds; see worker.h. */
#include "userspace/common/worker.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include "userspace/common/error.h"

int pf_worker_start(struct pf_worker *w, void *(*fn)(void *), void *arg, const char *what)
{
	pthread_condattr_t ca;
	sigset_t all, old;
	int err;

	w->stop = false;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old); /* the new thread inherits the mask */
	err = pthread_create(&w->thread, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!err)
		return 0;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	return pf_fail(-err, "cannot start the %s thread: %s", what, strerror(err));
}

bool pf_worker_sleep(struct pf_worker *w, unsigned ms)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->stop && pthread_cond_timedwait(&w->cv, &w->mu, &until) != ETIMEDOUT)
		;
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop;
}

bool pf_worker_stopping(struct pf_worker *w)
{
	bool stop;

	pthread_mutex_lock(&w->mu);
	stop = w->stop;
	pthread_mutex_unlock(&w->mu);
	return stop;
}

void pf_worker_stop(struct pf_worker *w)
{
	pthread_mutex_lock(&w->mu);
	w->stop = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
}
