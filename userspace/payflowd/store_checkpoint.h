/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The database's WAL checkpoints, off the event loop. SQLite checkpoints by
 * itself inside the commit that crosses 1000 WAL pages: that commit then
 * copies pages and fsyncs the database file, and the reply waiting on it
 * (a CONFIRM, say) waits too. payflowd turns that off (wal_autocheckpoint
 * 0) and runs a passive checkpoint from its own thread and connection every
 * interval instead: passive never blocks the writer, and the writer never
 * waits for it. Durability is the WAL's, unchanged.
 */
#ifndef PF_STORE_CHECKPOINT_H
#define PF_STORE_CHECKPOINT_H

struct pf_ckpt;

/* Starts checkpointing the database at path every interval_ms. */
int pf_ckpt_start(struct pf_ckpt **out, const char *path, unsigned int interval_ms);
/* Stops the thread (after its current checkpoint) and frees c; NULL is fine. */
void pf_ckpt_stop(struct pf_ckpt *c);

#endif
