/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Fail fast while etcd is unreachable. A caller on an event loop (payflowd's
 * broker) cannot afford to wait cluster.timeout_ms per member on every
 * request during an outage: after a call fails for want of etcd (-EIO,
 * -ETIMEDOUT, -ECONNREFUSED), further calls are refused at once, with the
 * reason, for as long as the failed call took (at least min_ns); then one
 * call may try again. So the loop waits on etcd at most about half the time
 * while quorum is lost, and sales resume by themselves when it is back.
 */
#ifndef PF_CLUSTER_BREAKER_H
#define PF_CLUSTER_BREAKER_H

#include <stdint.h>

struct pf_cl_breaker {
	int64_t min_ns;	   /* the shortest refusal window */
	int64_t t_call_ns; /* CLOCK_MONOTONIC when the current call passed */
	int64_t open_until_ns;
	char why[256]; /* the failure that opened it */
};

/* 0: call etcd (the call's start is noted); -EIO with the reason while open. */
int pf_cl_breaker_pass(struct pf_cl_breaker *b);
/* The call's outcome: an etcd transport error opens the breaker. */
void pf_cl_breaker_note(struct pf_cl_breaker *b, int err, const char *why);

#endif /* PF_CLUSTER_BREAKER_H */
