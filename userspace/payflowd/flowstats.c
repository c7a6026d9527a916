// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "userspace/common/error.h"
#include "userspace/common/worker.h"
#include "userspace/payflowd/flowstats.h"

struct pfd_flowstats {
	struct pf_worker w;
	pthread_mutex_t mu; /* the current snapshot and its references */
	int resv_fd, stats_fd;
	unsigned period_ms;
	struct pfd_flowsnap *cur;
};

static int by_bytes(const void *a, const void *b)
{
	const struct pf_flow_stats *x = a, *y = b;

	return x->st.bytes > y->st.bytes ? -1 : x->st.bytes < y->st.bytes;
}

static void snap_free(struct pfd_flowsnap *s)
{
	if (s) {
		free(s->e);
		free(s);
	}
}

/* A fresh snapshot; on a read error an empty one (the metrics show zeros). */
static struct pfd_flowsnap *take(int resv_fd, int stats_fd)
{
	struct pfd_flowsnap *s = calloc(1, sizeof(*s));
	struct timespec now;

	if (!s)
		return NULL;
	s->refs = 1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->at_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	if (pf_stats_dump(resv_fd, stats_fd, &s->e, &s->n)) {
		s->e = NULL;
		s->n = 0;
	}
	qsort(s->e, s->n, sizeof(*s->e), by_bytes);
	return s;
}

static void publish(struct pfd_flowstats *fs, struct pfd_flowsnap *s)
{
	struct pfd_flowsnap *old;

	pthread_mutex_lock(&fs->mu);
	old = fs->cur;
	fs->cur = s;
	if (old && --old->refs)
		old = NULL; /* a scrape still holds it */
	pthread_mutex_unlock(&fs->mu);
	snap_free(old);
}

static void *reader(void *arg)
{
	struct pfd_flowstats *fs = arg;

	while (!pf_worker_sleep(&fs->w, fs->period_ms)) {
		struct pfd_flowsnap *s = take(fs->resv_fd, fs->stats_fd);

		if (s)
			publish(fs, s);
	}
	return NULL;
}

int pfd_flowstats_start(struct pfd_flowstats **out, int resv_fd, int stats_fd, unsigned period_ms)
{
	struct pfd_flowstats *fs = calloc(1, sizeof(*fs));

	if (!fs)
		return pf_fail(-ENOMEM, "out of memory");
	fs->resv_fd = resv_fd;
	fs->stats_fd = stats_fd;
	fs->period_ms = period_ms ? period_ms : 1;
	fs->cur = take(resv_fd, stats_fd);
	pthread_mutex_init(&fs->mu, NULL);
	if (!fs->cur || pf_worker_start(&fs->w, reader, fs, "flow counter reader")) {
		snap_free(fs->cur);
		pthread_mutex_destroy(&fs->mu);
		free(fs);
		return pf_fail(-ENOMEM, "cannot start the flow counter reader");
	}
	*out = fs;
	return 0;
}

struct pfd_flowsnap *pfd_flowstats_get(struct pfd_flowstats *fs)
{
	struct pfd_flowsnap *s;

	pthread_mutex_lock(&fs->mu);
	s = fs->cur;
	s->refs++;
	pthread_mutex_unlock(&fs->mu);
	return s;
}

void pfd_flowstats_put(struct pfd_flowstats *fs, struct pfd_flowsnap *s)
{
	bool last;

	pthread_mutex_lock(&fs->mu);
	last = --s->refs == 0;
	pthread_mutex_unlock(&fs->mu);
	if (last)
		snap_free(s);
}

void pfd_flowstats_stop(struct pfd_flowstats *fs)
{
	if (!fs)
		return;
	pf_worker_stop(&fs->w);
	snap_free(fs->cur);
	pthread_mutex_destroy(&fs->mu);
	free(fs);
}
