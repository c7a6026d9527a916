// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "userspace/common/error.h"
#include "userspace/payflowd/store_checkpoint.h"

struct pf_ckpt {
	sqlite3 *db; /* its own connection: the loop's is not shared across threads */
	unsigned int interval_ms;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
};

/* Waits interval_ms or until stopped; true when stopped. */
static bool wait_stop(struct pf_ckpt *c)
{
	struct timespec until;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += c->interval_ms / 1000;
	until.tv_nsec += (long)(c->interval_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&c->lock);
	while (!c->stop && pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT)
		;
	stop = c->stop;
	pthread_mutex_unlock(&c->lock);
	return stop;
}

static void *run(void *arg)
{
	struct pf_ckpt *c = arg;

	while (!wait_stop(c))
		/* SQLITE_BUSY (another checkpoint) is retried at the next interval. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return NULL;
}

static void release(struct pf_ckpt *c)
{
	sqlite3_close(c->db);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The thread takes no signals: payflowd reads them from a signalfd on its loop, and a
 * thread started before the loop blocks them would otherwise die of SIGHUP. */
static int start_thread(struct pf_ckpt *c)
{
	sigset_t all, old;
	int err;

	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	err = pthread_create(&c->thread, NULL, run, c);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}

int pf_ckpt_start(struct pf_ckpt **out, const char *path, unsigned int interval_ms)
{
	struct pf_ckpt *c = calloc(1, sizeof(*c));
	pthread_condattr_t ca;
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	c->interval_ms = interval_ms;
	pthread_mutex_init(&c->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&c->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL)) {
		err = pf_fail(-EIO, "database %s: cannot open for checkpoints: %s", path,
			      c->db ? sqlite3_errmsg(c->db) : "out of memory");
		release(c);
		return err;
	}
	err = start_thread(c);
	if (err) {
		release(c);
		return pf_fail(-err, "cannot start the checkpoint thread: %s", strerror(err));
	}
	*out = c;
	return 0;
}

void pf_ckpt_stop(struct pf_ckpt *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	c->stop = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	release(c);
}
