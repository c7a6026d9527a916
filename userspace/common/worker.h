/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * A background thread that works in rounds, sleeps between them and stops
 * on request: payflowd's flow-counter reader, its WAL checkpoints, and the
 * cluster node and mirror threads. The thread takes no signals: payflowd
 * reads them from a signalfd on its loop, and a thread started before the
 * loop blocks them would otherwise take a SIGHUP and end the process.
 */
#ifndef PF_COMMON_WORKER_H
#define PF_COMMON_WORKER_H

#include <pthread.h>
#include <stdbool.h>

struct pf_worker {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* on CLOCK_MONOTONIC; signalled to stop */
	bool stop;
};

/* Starts fn(arg) on a thread of its own; -errno (message set) on failure,
 * and then w needs no pf_worker_stop. */
int pf_worker_start(struct pf_worker *w, void *(*fn)(void *), void *arg, const char *what);
/* Sleeps up to ms, or until a stop is asked; true when it was. */
bool pf_worker_sleep(struct pf_worker *w, unsigned ms);
/* True once a stop was asked (for a round that polls). */
bool pf_worker_stopping(struct pf_worker *w);
/* Asks the thread to stop, wakes it and waits for it to end. */
void pf_worker_stop(struct pf_worker *w);

#endif /* PF_COMMON_WORKER_H */
