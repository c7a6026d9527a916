// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <sqlite3.h>
#include "userspace/common/error.h"
#include "userspace/common/worker.h"
#include "userspace/payflowd/store_checkpoint.h"

struct pf_ckpt {
	sqlite3 *db; /* its own connection: the loop's is not shared across threads */
	unsigned int interval_ms;
	struct pf_worker w;
};

static void *run(void *arg)
{
	struct pf_ckpt *c = arg;

	while (!pf_worker_sleep(&c->w, c->interval_ms))
		/* SQLITE_BUSY (another checkpoint) is retried at the next interval. */
		sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return NULL;
}

static void release(struct pf_ckpt *c)
{
	sqlite3_close(c->db);
	free(c);
}

int pf_ckpt_start(struct pf_ckpt **out, const char *path, unsigned int interval_ms)
{
	struct pf_ckpt *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return pf_fail(-ENOMEM, "out of memory");
	c->interval_ms = interval_ms;
	if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE, NULL)) {
		err = pf_fail(-EIO, "database %s: cannot open for checkpoints: %s", path,
			      c->db ? sqlite3_errmsg(c->db) : "out of memory");
		release(c);
		return err;
	}
	err = pf_worker_start(&c->w, run, c, "checkpoint");
	if (err) {
		release(c);
		return err;
	}
	*out = c;
	return 0;
}

void pf_ckpt_stop(struct pf_ckpt *c)
{
	if (!c)
		return;
	pf_worker_stop(&c->w);
	release(c);
}
